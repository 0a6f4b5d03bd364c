/**
 * `npm run bench -- backup`: the nightly backup job against moto_server, side by side with
 * `aws s3 sync` on an identical data set.
 *
 * 2,000 objects in a source bucket. First night: the job copies them (server-side CopyObject, 16 in
 * flight) into its backup bucket; `aws s3 sync` copies the same source into another bucket. Second
 * night, nothing changed: the job runs again, and so does `aws s3 sync`.
 *
 * ratio = job first run / `aws s3 sync` first run.
 * second_run_ratio = job second run (unchanged data) / job first run.
 * second_run_copies = CopyObject requests in the job's second run.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runBackup, type BackupManifest } from '../lambdas/jobs/backup/backup';
import { parseBackupPayload } from '../lambdas/jobs/backup/payload';
import { createTestContext } from '../lambdas/runtime/testing';
import { mapWithConcurrency } from '../lambdas/shared/concurrency';
import { sdkRetryConfig } from '../lambdas/shared/retry';
import { listObjects } from '../lambdas/shared/s3-listing';
import { localClientConfig, startEmulator } from '../tools/local/moto-server';
import { countRequests } from '../test/support/fault-injection';
import { awsCli, awsCliEnv, timeCli } from './_aws-cli';

const OBJECTS = Number(process.env.BENCH_BACKUP_OBJECTS ?? 2000);

async function main(): Promise<void> {
  const cli = awsCli();
  const env = awsCliEnv();
  const emulator = await startEmulator({ forceLocal: true });
  try {
    const config = localClientConfig(emulator);
    const s3 = new S3Client({ ...config, ...sdkRetryConfig() });
    const [source, ours, theirs] = ['bench-backup-source', 'bench-backup-job', 'bench-backup-cli'];
    for (const Bucket of [source, ours, theirs]) await s3.send(new CreateBucketCommand({ Bucket }));
    const keys = Array.from({ length: OBJECTS }, (_, i) => `data/${String(i % 50).padStart(2, '0')}/object-${String(i).padStart(5, '0')}.json`);
    const t = Date.now();
    await mapWithConcurrency(keys, 32, (Key, i) =>
      s3.send(new PutObjectCommand({ Bucket: source, Key, Body: JSON.stringify({ i, pad: 'x'.repeat(512) }), ContentType: 'application/json' })).then(() => undefined),
    );
    console.log(`seeded ${OBJECTS} objects in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const counter = countRequests(s3);
    const payload = parseBackupPayload({ sources: [{ bucket: source }], bucket: ours }, 'nightly-backup', {});
    const night = async (slot: string) => {
      counter.reset();
      const ctx = createTestContext({ job: 'nightly-backup', slot, payload });
      const started = process.hrtime.bigint();
      const manifest = (await runBackup(ctx, { s3, ddb: new DynamoDBClient(config) })) as BackupManifest;
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, manifest, copies: counter.operations.CopyObjectCommand ?? 0, requests: counter.total() };
    };

    const first = await night('2026-11-27T00:00:00.000Z');
    const syncArgs = ['s3', 'sync', `s3://${source}`, `s3://${theirs}/s3/${source}`, '--only-show-errors', '--endpoint-url', emulator.url];
    const syncFirstMs = await timeCli(cli, syncArgs, env);
    const second = await night('2026-11-28T00:00:00.000Z');
    const syncSecondMs = await timeCli(cli, syncArgs, env);

    // Both backups must hold every source object with its ETag.
    const listing = async (bucket: string, prefix: string) => {
      const out = new Map<string, string>();
      for await (const o of listObjects(s3, { bucket, prefix })) out.set(o.key.slice(prefix.length), o.etag);
      return out;
    };
    const src = await listing(source, '');
    for (const bucket of [ours, theirs]) {
      const copy = await listing(bucket, `s3/${source}/`);
      const missing = [...src].filter(([k, etag]) => copy.get(k) !== etag);
      if (missing.length > 0 || copy.size !== src.size) throw new Error(`${bucket}: ${missing.length} objects missing or different, ${copy.size} copies`);
    }
    if (first.manifest.s3[0].copied !== OBJECTS || second.manifest.s3[0].unchanged !== OBJECTS) {
      throw new Error(`unexpected manifests: ${JSON.stringify(first.manifest.s3[0])} / ${JSON.stringify(second.manifest.s3[0])}`);
    }

    console.log(`job night 1: ${first.copies} copies, ${first.requests} requests, ${first.ms.toFixed(0)} ms; night 2: ${second.copies} copies, ${second.requests} requests, ${second.ms.toFixed(0)} ms`);
    console.log(`${cli} s3 sync: first ${syncFirstMs.toFixed(0)} ms, second ${syncSecondMs.toFixed(0)} ms`);
    console.log(
      `BENCH backup objects=${OBJECTS} job_first_ms=${first.ms.toFixed(0)} sync_first_ms=${syncFirstMs.toFixed(0)} ratio=${(first.ms / syncFirstMs).toFixed(3)} ` +
        `job_second_ms=${second.ms.toFixed(0)} sync_second_ms=${syncSecondMs.toFixed(0)} second_run_ratio=${(second.ms / first.ms).toFixed(3)} ` +
        `second_run_copies=${second.copies} second_run_requests=${second.requests}`,
    );
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
