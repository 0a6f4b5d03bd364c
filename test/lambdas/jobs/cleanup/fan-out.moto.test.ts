/**
 * The cleanup's fan-out mode against moto_server, at a small scale: partition discovery, workers
 * running batches of partitions concurrently (as the Distributed Map does), the exact final state,
 * a retried batch under injected faults, and a re-run that deletes nothing more.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  cleanPartitions,
  parseFanOutCleanupPayload,
  planCleanupPartitions,
  summariseCleanup,
  type CleanupPartition,
  type ParsedFanOutCleanupPayload,
  type PartitionCleanupResult,
} from '../../../../lambdas/jobs/cleanup/fan-out';
import { computeCutoff } from '../../../../lambdas/jobs/cleanup/rules';
import { mapWithConcurrency } from '../../../../lambdas/shared/concurrency';
import { sdkRetryConfig } from '../../../../lambdas/shared/retry';
import { listObjects } from '../../../../lambdas/shared/s3-listing';
import { countRequests, injectFaults } from '../../../support/fault-injection';
import { useMoto } from '../../../support/moto';

const moto = useMoto();
const PATTERN = '^logs/[^/]+/(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/';
const SLOT = new Date('2026-11-01T02:00:00.000Z'); // 30 days: cutoff 2026-10-02T02:00Z, so 10-01 and older go
let seq = 0;

/** 2 services x 6 days (09-29 .. 10-04) x 3 objects, a shallow object, an undated one, and keys outside `logs/`. */
function layout(): string[] {
  const keys: string[] = [];
  for (const service of ['api', 'worker']) {
    for (const day of ['2026/09/29', '2026/09/30', '2026/10/01', '2026/10/02', '2026/10/03', '2026/10/04']) {
      for (let i = 0; i < 3; i++) keys.push(`logs/${service}/${day}/part-${i}.log`);
    }
  }
  keys.push('logs/README.txt', 'logs/api/notes.txt', 'other/2026/09/01/old.log', 'logsarchive/api/2026/09/01/old.log');
  return keys;
}
const expired = (key: string) => /^logs\/[^/]+\/2026\/(09\/29|09\/30|10\/01)\//.test(key);

async function seeded(s3: S3Client): Promise<string> {
  const bucket = `fan-out-cleanup-${++seq}-${Date.now()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await mapWithConcurrency(layout(), 8, (key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' })));
  return bucket;
}

async function keysOf(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of listObjects(s3, { bucket, prefix: '' })) keys.push(o.key);
  return keys.sort();
}

/** plan -> batches of `batchSize` partitions, `concurrency` at once -> the summary. */
async function runFanOut(s3: S3Client, payload: ParsedFanOutCleanupPayload, batchSize: number, concurrency: number) {
  const partitions: CleanupPartition[] = [];
  for await (const p of planCleanupPartitions(s3, payload, payload.partitionDepth)) partitions.push(p);
  const batches: CleanupPartition[][] = [];
  for (let i = 0; i < partitions.length; i += batchSize) batches.push(partitions.slice(i, i + batchSize));
  const cutoff = computeCutoff(SLOT, payload.olderThanDays);
  const results = (await mapWithConcurrency(batches, concurrency, (batch) => cleanPartitions({ s3, payload, cutoff }, batch))).flat();
  return { partitions, results, summary: await summariseCleanup(payload, cutoff, results.map((result: PartitionCleanupResult) => ({ key: result.key, result }))) };
}

describe('cleanup fan-out mode (moto)', () => {
  it('partitions by service and day, deletes exactly the expired days, touches nothing outside logs/', async () => {
    const s3 = new S3Client({ ...moto.config(), ...sdkRetryConfig(10) });
    const bucket = await seeded(s3);
    const payload = parseFanOutCleanupPayload({ olderThanDays: 30, prefixes: ['logs/'], keyDatePattern: PATTERN, partitionDepth: 4, bucket }, 'fan-out-cleanup');
    const counter = countRequests(s3);

    const { partitions, summary } = await runFanOut(s3, payload, 3, 4);

    expect(partitions.map((p) => p.key)).toEqual([
      'shallow:logs/',
      'shallow:logs/api/',
      ...['api', 'worker'].flatMap((s) =>
        ['2026/09/29', '2026/09/30', '2026/10/01', '2026/10/02', '2026/10/03', '2026/10/04'].map((d) => `prefix:logs/${s}/${d}/`),
      ),
    ]);
    expect(summary).toMatchObject({ partitions: 14, listed: 38, deleted: 18, unmatched: 2, cutoff: '2026-10-02T02:00:00.000Z' });
    // Discovery: logs/, logs/api/, logs/worker/, the 2 years, 2 x 2 months = 9 delimiter listings;
    // then one listing per partition (14) and one DeleteObjects per expired day (6). Operations, not
    // HTTP attempts: moto answers 500 now and then to a listing racing a delete in the same bucket.
    expect(counter.operations).toEqual({ ListObjectsV2Command: 9 + 14, DeleteObjectsCommand: 6 });
    expect(await keysOf(s3, bucket)).toEqual(layout().filter((k) => !expired(k)).sort());

    // A re-run of the slot finds nothing more to delete.
    const again = await runFanOut(s3, payload, 3, 4);
    expect(again.summary).toMatchObject({ listed: 20, deleted: 0 });
    expect(await keysOf(s3, bucket)).toEqual(layout().filter((k) => !expired(k)).sort());
  });

  it('under injected throttling and server errors still ends with exactly the expired keys gone', async () => {
    const s3 = new S3Client({ ...moto.config(), ...sdkRetryConfig(10) });
    const bucket = await seeded(s3);
    injectFaults(s3, { rate: 0.3, seed: 7, partialDeleteRate: 0.3 });
    const payload = parseFanOutCleanupPayload({ olderThanDays: 30, prefixes: ['logs/'], keyDatePattern: PATTERN, partitionDepth: 4, bucket }, 'fan-out-cleanup');
    const { summary } = await runFanOut(s3, payload, 2, 6);
    expect(summary.deleted).toBe(18);
    expect(await keysOf(s3, bucket)).toEqual(layout().filter((k) => !expired(k)).sort());
  });

  it('an empty prefix is one partition, listed and found empty', async () => {
    const s3 = new S3Client({ ...moto.config(), ...sdkRetryConfig(10) });
    const bucket = await seeded(s3);
    const payload = parseFanOutCleanupPayload({ olderThanDays: 30, prefixes: ['nothing-here/'], partitionDepth: 3, bucket }, 'fan-out-cleanup');
    const { partitions, summary } = await runFanOut(s3, payload, 1, 1);
    expect(partitions).toEqual([{ key: 'prefix:nothing-here/', prefix: 'nothing-here/' }]);
    expect(summary).toMatchObject({ partitions: 1, listed: 0, deleted: 0 });
  });
});

describe('parseFanOutCleanupPayload', () => {
  it('names the job and the field', () => {
    const base = { olderThanDays: 30, prefixes: ['logs/'], bucket: 'b' };
    expect(parseFanOutCleanupPayload(base, 'j')).toMatchObject({ partitionDepth: 1, dryRun: false });
    expect(() => parseFanOutCleanupPayload({ ...base, partitionDepth: 9 }, 'j')).toThrow("job 'j': payload.partitionDepth must be an integer from 0 to 8 (got 9)");
    expect(() => parseFanOutCleanupPayload({ ...base, tables: [] }, 'j')).toThrow(
      "job 'j': payload.tables must be absent in fan-out mode (got []); clean tables with the single-Lambda cleanup",
    );
    expect(() => parseFanOutCleanupPayload({ ...base, prefixes: [] }, 'j')).toThrow("job 'j': payload.prefixes must be a non-empty array of key prefixes (got [])");
  });

  it('refuses a partition outside the configured prefixes before touching anything', async () => {
    const payload = parseFanOutCleanupPayload({ olderThanDays: 30, prefixes: ['logs/'], bucket: 'b' }, 'j');
    const s3 = new S3Client({ region: 'us-east-1' });
    await expect(cleanPartitions({ s3, payload, cutoff: new Date(0) }, [{ key: 'prefix:other/', prefix: 'other/' }])).rejects.toThrow(
      "partition 'prefix:other/' is outside the configured prefixes (logs/): nothing was touched",
    );
  });
});
