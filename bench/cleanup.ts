/**
 * `npm run bench -- cleanup`: the weekly cleanup job against moto_server, side by side with
 * `aws s3 rm --recursive` on an identical data set.
 *
 * 20,000 objects under `logs/`, the older half written first; the job (LastModified mode, slot
 * chosen so the cutoff falls between the two generations) lists all 20,000 and deletes the 10,000
 * old ones. The CLI deletes the same 10,000 from an identical bucket (it is given their prefix, so
 * it lists only half). Both final states are checked.
 *
 * request_ratio = HTTP requests the job sent (SDK retries included, counted by a middleware) /
 *   the API minimum (one ListObjectsV2 per 1,000 listed + one DeleteObjects per 1,000 deleted).
 * ratio = job time / CLI time.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runCleanup, type CleanupResult } from '../lambdas/jobs/cleanup/cleanup';
import { parseCleanupPayload } from '../lambdas/jobs/cleanup/payload';
import { createTestContext } from '../lambdas/runtime/testing';
import { mapWithConcurrency } from '../lambdas/shared/concurrency';
import { sdkRetryConfig } from '../lambdas/shared/retry';
import { listObjects } from '../lambdas/shared/s3-listing';
import { localClientConfig, startEmulator } from '../tools/local/moto-server';
import { countRequests } from '../test/support/fault-injection';
import { awsCli, awsCliEnv, timeCli } from './_aws-cli';

const TOTAL = Number(process.env.BENCH_CLEANUP_OBJECTS ?? 20_000);
const OLD = TOTAL / 2;
const DAY = 86_400_000;

async function main(): Promise<void> {
  const cliPath = awsCli();
  const emulator = await startEmulator({ forceLocal: true });
  try {
    const config = localClientConfig(emulator);
    const seeder = new S3Client({ ...config, ...sdkRetryConfig(10) });
    const ours = 'bench-cleanup-job';
    const cli = 'bench-cleanup-cli';
    for (const Bucket of [ours, cli]) await seeder.send(new CreateBucketCommand({ Bucket }));

    const oldKeys = Array.from({ length: OLD }, (_, i) => `logs/2026/10/${String((i % 28) + 1).padStart(2, '0')}/app-${String(i).padStart(6, '0')}.log`);
    const newKeys = Array.from({ length: TOTAL - OLD }, (_, i) => `logs/2026/11/${String((i % 28) + 1).padStart(2, '0')}/app-${String(i).padStart(6, '0')}.log`);
    const seed = async (keys: string[]) => {
      const t = Date.now();
      await mapWithConcurrency(
        [ours, cli].flatMap((Bucket) => keys.map((Key) => ({ Bucket, Key }))),
        48,
        (o) => seeder.send(new PutObjectCommand({ ...o, Body: 'log line\n' })).then(() => undefined),
      );
      console.log(`seeded ${keys.length * 2} objects in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    };
    await seed(oldKeys);
    let oldMax = 0;
    for await (const o of listObjects(seeder, { bucket: ours, prefix: 'logs/' })) oldMax = Math.max(oldMax, o.lastModified.getTime());
    while (Date.now() < oldMax + 1100) await new Promise((r) => setTimeout(r, 50));
    await seed(newKeys);
    let newMin = Infinity;
    for await (const o of listObjects(seeder, { bucket: ours, prefix: 'logs/2026/11/' })) newMin = Math.min(newMin, o.lastModified.getTime());
    const cutoff = newMin; // old objects are strictly older; the first new ones sit exactly at it and stay

    // The job.
    const s3 = new S3Client({ ...config, ...sdkRetryConfig() });
    const counter = countRequests(s3);
    const ctx = createTestContext({
      job: 'weekly-log-cleanup',
      slot: new Date(cutoff + 30 * DAY).toISOString(),
      payload: parseCleanupPayload({ olderThanDays: 30, prefixes: ['logs/'], bucket: ours }, 'weekly-log-cleanup', {}),
    });
    const t0 = process.hrtime.bigint();
    const result = (await runCleanup(ctx, { s3, ddb: new DynamoDBClient(config) })) as CleanupResult;
    const oursMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const requests = counter.total();
    const minimum = Math.ceil(TOTAL / 1000) + Math.ceil(OLD / 1000);

    // The baseline: aws s3 rm --recursive on the identical bucket.
    const env = awsCliEnv();
    const args = ['s3', 'rm', `s3://${cli}/logs/2026/10/`, '--recursive', '--only-show-errors', '--endpoint-url', emulator.url];
    const cliMs = await timeCli(cliPath, args, env);

    // Both must end with exactly the new generation.
    for (const bucket of [ours, cli]) {
      const left: string[] = [];
      for await (const o of listObjects(seeder, { bucket, prefix: '' })) left.push(o.key);
      const expected = [...newKeys].sort();
      if (left.length !== expected.length || left.some((k, i) => k !== expected[i])) {
        throw new Error(`bucket ${bucket}: ${left.length} objects left, expected exactly the ${expected.length} new ones`);
      }
    }
    if (result.deleted !== OLD) throw new Error(`the job reported ${result.deleted} deleted, expected ${OLD}`);

    console.log(`job: ${result.deleted} deleted of ${result.listed} listed in ${oursMs.toFixed(0)} ms with ${requests} requests ${JSON.stringify(counter.byCommand)}`);
    console.log(`${cliPath} ${args.slice(0, 4).join(' ')} ...: ${cliMs.toFixed(0)} ms`);
    console.log(
      `BENCH cleanup objects=${TOTAL} deleted=${OLD} requests=${requests} request_minimum=${minimum} ` +
        `request_ratio=${(requests / minimum).toFixed(3)} job_ms=${oursMs.toFixed(0)} cli_ms=${cliMs.toFixed(0)} ratio=${(oursMs / cliMs).toFixed(3)}`,
    );
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
