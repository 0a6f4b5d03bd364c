/**
 * `npm run bench -- archive`: the nightly log archive against moto_server on a day of many small
 * log objects (`BENCH_ARCHIVE_OBJECTS`, default 100,000, spread over 4 services).
 *
 * request_minimum: what any correct archive of the day must send, S3's API being what it is:
 *   1 ListObjectsV2 to find the services (delimiter `/`)
 *   + per service: 1 ListObjectsV2 of its archive prefix (the re-run check) + 1 per 1,000 originals listed
 *   + 1 GetObject per original (S3 has no batch read: each small object is one GET)
 *   + per part of up to 1,000 originals: 1 PutObject (archive) + 1 PutObject (index) + 1 HeadObject
 *     (verify) + 1 DeleteObjects.
 * requests: HTTP requests the job sent, SDK retries included, counted by a middleware on its client.
 * lost: originals deleted while no verified archive gave them back byte for byte (checked by a
 *   second middleware before every DeleteObjects leaves, reading the archives with an uncounted
 *   client), plus originals found at the end neither in place nor in an archive.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runLogArchive, type LogArchiveResult } from '../lambdas/jobs/log-archive/archive';
import { parseLogArchivePayload } from '../lambdas/jobs/log-archive/payload';
import { createTestContext } from '../lambdas/runtime/testing';
import { mapWithConcurrency } from '../lambdas/shared/concurrency';
import { archiveDayPrefix, decompressArchive, parseIndex, unpackEntry, type ArchiveIndex } from '../lambdas/shared/log-archive-format';
import { sdkRetryConfig } from '../lambdas/shared/retry';
import { listObjects } from '../lambdas/shared/s3-listing';
import { localClientConfig, startEmulator } from '../tools/local/moto-server';
import { countRequests } from '../test/support/fault-injection';

const TOTAL = Number(process.env.BENCH_ARCHIVE_OBJECTS ?? 100_000);
const SERVICES = ['api', 'batch', 'web', 'worker'];
const DAY = '2026-11-30';
const SLOT = '2026-12-01T00:00:00.000Z';
const BUCKET = 'bench-archive';

const keyOf = (i: number) => `logs/${SERVICES[i % SERVICES.length]}/2026/11/30/${String(i).padStart(7, '0')}.log`;
const bodyOf = (key: string) => `2026-11-30T12:00:00.000Z INFO ${key} status=200 latency_ms=${key.length * 7}\n`;

async function main(): Promise<void> {
  if (!Number.isInteger(TOTAL) || TOTAL < SERVICES.length) throw new Error(`BENCH_ARCHIVE_OBJECTS must be an integer >= ${SERVICES.length} (got ${process.env.BENCH_ARCHIVE_OBJECTS})`);
  const emulator = await startEmulator({ forceLocal: true });
  try {
    const config = localClientConfig(emulator);
    const side = new S3Client({ ...config, ...sdkRetryConfig(10) });
    await side.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const keys = Array.from({ length: TOTAL }, (_, i) => keyOf(i));
    const t = Date.now();
    await mapWithConcurrency(keys, 48, (Key) => side.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: bodyOf(Key) })).then(() => undefined));
    console.log(`seeded ${TOTAL} objects in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    // Before each DeleteObjects leaves the job's client: every key must read back from an archive.
    const indexes = new Map<string, ArchiveIndex>();
    const archives = new Map<string, Uint8Array>();
    const verifiedBeforeDelete = new Set<string>();
    let lost = 0;
    const readBack = async (key: string): Promise<boolean> => {
      const service = key.split('/')[1];
      const find = () => [...indexes.values()].find((ix) => ix.service === service && ix.entries.some((e) => e.key === key));
      if (!find()) {
        for await (const o of listObjects(side, { bucket: BUCKET, prefix: archiveDayPrefix(service, DAY) })) {
          if (!o.key.endsWith('.index.json') || indexes.has(o.key)) continue;
          const text = await (await side.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.key }))).Body!.transformToString();
          indexes.set(o.key, parseIndex(text, o.key));
        }
      }
      const index = find();
      if (!index) return false;
      const entry = index.entries.find((e) => e.key === key)!;
      try {
        if (!archives.has(index.archiveKey)) {
          const bytes = await (await side.send(new GetObjectCommand({ Bucket: BUCKET, Key: index.archiveKey }))).Body!.transformToByteArray();
          archives.set(index.archiveKey, decompressArchive(index, bytes));
        }
        return unpackEntry(entry, archives.get(index.archiveKey)!).toString() === bodyOf(key);
      } catch {
        return false;
      }
    };

    const s3 = new S3Client({ ...config, ...sdkRetryConfig() });
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteObjectsCommand') {
          const input = args.input as { Delete?: { Objects?: { Key?: string }[] } };
          for (const { Key } of input.Delete?.Objects ?? []) {
            if (Key && (await readBack(Key))) verifiedBeforeDelete.add(Key);
            else lost++;
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'benchReadBackBeforeDelete' },
    );
    const counter = countRequests(s3);
    const ctx = createTestContext({ job: 'nightly-log-archive', slot: SLOT, payload: parseLogArchivePayload({ bucket: BUCKET }, 'nightly-log-archive', {}) });
    const t0 = process.hrtime.bigint();
    const result = (await runLogArchive(ctx, { s3 })) as LogArchiveResult;
    const jobMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const requests = counter.total();

    const perService = SERVICES.map((_, i) => Math.floor(TOTAL / SERVICES.length) + (i < TOTAL % SERVICES.length ? 1 : 0));
    const pages = perService.reduce((n, c) => n + Math.ceil(c / 1000), 0);
    const parts = pages; // parts of 1,000, as many as listing pages
    const minimum = 1 + SERVICES.length + pages + TOTAL + 4 * parts;

    // The end state: nothing under logs/ for the day; every original in exactly one archive.
    const left = new Set<string>();
    for await (const o of listObjects(side, { bucket: BUCKET, prefix: 'logs/' })) left.add(o.key);
    for (const key of keys) if (!left.has(key) && !verifiedBeforeDelete.has(key) && !(await readBack(key))) lost++;
    if (left.size > 0) throw new Error(`${left.size} originals of ${DAY} still under logs/ (e.g. ${[...left][0]})`);
    if (result.archived !== TOTAL) throw new Error(`the job reported ${result.archived} archived, expected ${TOTAL}`);

    console.log(`job: ${result.archived} archived in ${result.parts} parts (${result.bytesIn} -> ${result.bytesOut} bytes) in ${jobMs.toFixed(0)} ms`);
    console.log(`requests by command: ${JSON.stringify(counter.byCommand)}`);
    console.log(
      `minimum: 1 service listing + ${SERVICES.length} archive listings + ${pages} day pages + ${TOTAL} GETs + ${parts} parts x ` +
        `(2 PUTs + 1 HEAD + 1 DeleteObjects) = ${minimum}; without the per-object GETs: ${minimum - TOTAL} (job: ${requests - (counter.byCommand.GetObjectCommand ?? 0)})`,
    );
    console.log(`BENCH archive objects=${TOTAL} requests=${requests} request_minimum=${minimum} request_ratio=${(requests / minimum).toFixed(3)} lost=${lost}`);
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
