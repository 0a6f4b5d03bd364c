/**
 * The backup's fan-out mode against moto_server: partitions of a source worked concurrently, every
 * object under the source prefix copied (and nothing else), the manifest written, and a second
 * night copying nothing.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import {
  backupPartitions,
  finishBackup,
  parseFanOutBackupPayload,
  planBackupPartitions,
  type BackupPartition,
  type PartitionBackupResult,
} from '../../../../lambdas/jobs/backup/fan-out';
import { mapWithConcurrency } from '../../../../lambdas/shared/concurrency';
import { sdkRetryConfig } from '../../../../lambdas/shared/retry';
import { listObjects } from '../../../../lambdas/shared/s3-listing';
import { countRequests } from '../../../support/fault-injection';
import { useMoto } from '../../../support/moto';

const moto = useMoto();
const SLOT = new Date('2026-11-26T01:00:00.000Z');
const KEYS = [
  ...['2026/11/24', '2026/11/25'].flatMap((d) => ['a', 'b', 'c'].map((f) => `data/orders/${d}/${f}.json`)),
  ...['x', 'y'].map((f) => `data/users/${f}.json`),
  'data/README.txt',
];
const OUTSIDE = ['private/secret.json', 'database/orders.json'];

describe('backup fan-out mode (moto)', () => {
  it('copies every object under the source prefix by partition, nothing else, and nothing again the next night', async () => {
    const config = { ...moto.config(), ...sdkRetryConfig(10) };
    const s3 = new S3Client(config);
    const deps = { s3, ddb: new DynamoDBClient(config) };
    const suffix = Date.now();
    const source = `fan-out-source-${suffix}`;
    const backup = `fan-out-backup-${suffix}`;
    for (const Bucket of [source, backup]) await s3.send(new CreateBucketCommand({ Bucket }));
    for (const Key of [...KEYS, ...OUTSIDE]) await s3.send(new PutObjectCommand({ Bucket: source, Key, Body: `body of ${Key}` }));
    const payload = parseFanOutBackupPayload({ sources: [{ bucket: source, prefix: 'data/' }], bucket: backup, partitionDepth: 2 }, 'fan-out-backup', {});
    const ctx = { job: 'fan-out-backup', slot: SLOT.toISOString(), scheduledTime: SLOT, payload, remainingTimeMs: () => 900_000, logger: new Logger({ logLevel: 'SILENT' }) };

    const night = async () => {
      const partitions: BackupPartition[] = [];
      for await (const p of planBackupPartitions(deps, payload)) partitions.push(p);
      const results = (await mapWithConcurrency(partitions, 3, (p) => backupPartitions(ctx, deps, [p]))).flat();
      const outcome = { status: 'SUCCEEDED', failedKeys: [], results: async function* () { for (const r of results) yield { key: r.key, result: r as PartitionBackupResult }; } };
      return { partitions, manifest: await finishBackup(ctx, deps, outcome, SLOT.toISOString(), new Date()) };
    };

    const first = await night();
    expect(first.partitions.map((p) => p.key)).toEqual([
      `${source}/shallow:data/`,
      `${source}/shallow:data/users/`,
      `${source}/prefix:data/orders/2026/`,
    ]);
    expect(first.manifest.s3).toEqual([
      expect.objectContaining({ bucket: source, prefix: 'data/', objects: KEYS.length, copied: KEYS.length, unchanged: 0, failed: 0 }),
    ]);
    const copies: string[] = [];
    for await (const o of listObjects(s3, { bucket: backup, prefix: 's3/' })) copies.push(o.key);
    expect(copies.sort()).toEqual(KEYS.map((k) => `s3/${source}/${k}`).sort());
    const body = await (await s3.send(new GetObjectCommand({ Bucket: backup, Key: `s3/${source}/data/users/x.json` }))).Body?.transformToString();
    expect(body).toBe('body of data/users/x.json');
    const latest = await (await s3.send(new GetObjectCommand({ Bucket: backup, Key: 'manifests/latest.json' }))).Body?.transformToString();
    expect(JSON.parse(latest as string)).toMatchObject({ date: '2026-11-26', status: 'SUCCEEDED' });

    // The next night, nothing changed: listings only, no copy.
    const counter = countRequests(s3);
    const second = await night();
    expect(second.manifest.s3[0]).toMatchObject({ objects: KEYS.length, copied: 0, unchanged: KEYS.length });
    expect(counter.operations.CopyObjectCommand ?? 0).toBe(0);
  });

  it('names the job and the field', () => {
    expect(() => parseFanOutBackupPayload({ tables: ['orders'], sources: [{ bucket: 's' }], bucket: 'b' }, 'j', {})).toThrow(
      'job \'j\': payload.tables must be absent in fan-out mode (got ["orders"]); export tables with the single-Lambda backup',
    );
    expect(() => parseFanOutBackupPayload({ bucket: 'b' }, 'j', {})).toThrow("job 'j': payload.sources must be a non-empty array of { bucket, prefix? } in fan-out mode (got undefined)");
    expect(() => parseFanOutBackupPayload({ sources: [{ bucket: 's' }], bucket: 'b', partitionDepth: -1 }, 'j', {})).toThrow(
      "job 'j': payload.partitionDepth must be an integer from 0 to 8 (got -1)",
    );
  });
});
