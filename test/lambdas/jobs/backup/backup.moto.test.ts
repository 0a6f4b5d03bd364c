/**
 * The backup job against moto_server: real buckets, objects and a table with point-in-time
 * recovery; the exact final state of the backup bucket, incremental second runs, and injected faults.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runBackup, type BackupManifest } from '../../../../lambdas/jobs/backup/backup';
import { parseBackupPayload, type ParsedBackupPayload } from '../../../../lambdas/jobs/backup/payload';
import { mapWithConcurrency } from '../../../../lambdas/shared/concurrency';
import { sdkRetryConfig } from '../../../../lambdas/shared/retry';
import { listObjects } from '../../../../lambdas/shared/s3-listing';
import { countRequests, injectFaults } from '../../../support/fault-injection';
import { useMoto } from '../../../support/moto';
import { fakeContext } from '../../shared/fake-context';

const moto = useMoto();
let seq = 0;
const clients = () => {
  const config = { ...moto.config(), ...sdkRetryConfig(10) };
  return { s3: new S3Client(config), ddb: new DynamoDBClient(config) };
};
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

async function listAll(s3: S3Client, bucket: string, prefix = ''): Promise<Map<string, { size: number; etag: string }>> {
  const out = new Map<string, { size: number; etag: string }>();
  for await (const o of listObjects(s3, { bucket, prefix })) out.set(o.key, { size: o.size, etag: o.etag });
  return out;
}

async function text(s3: S3Client, bucket: string, key: string): Promise<string> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return r.Body!.transformToString();
}

async function setup(s3: S3Client, objects: number) {
  const n = ++seq;
  const source = `source-${n}-${Date.now()}`;
  const backups = `backups-${n}-${Date.now()}`;
  await s3.send(new CreateBucketCommand({ Bucket: source }));
  await s3.send(new CreateBucketCommand({ Bucket: backups }));
  const keys = range(objects, (i) => `docs/${String(i).padStart(4, '0')}.txt`);
  await mapWithConcurrency(keys, 16, (Key) => s3.send(new PutObjectCommand({ Bucket: source, Key, Body: `content of ${Key}`, ContentType: 'text/plain' })).then(() => undefined));
  await s3.send(new PutObjectCommand({ Bucket: source, Key: 'private/skip.txt', Body: 'not backed up' }));
  return { source, backups, keys };
}

/** Uploads a 2-part object (multipart ETag `"...-2"`). */
async function putMultipart(s3: S3Client, bucket: string, key: string, fill: string): Promise<void> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/x-big', Metadata: { owner: 'tests' } }));
  const part1 = Buffer.alloc(5 * 1024 * 1024, fill);
  const part2 = Buffer.from(`tail ${fill}`);
  const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: part1 }));
  const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: part2 }));
  await s3.send(
    new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }),
  );
}

const run = (p: ParsedBackupPayload, slot: string, deps: Parameters<typeof runBackup>[1]) =>
  runBackup(fakeContext({ job: 'nightly-backup', slot, payload: p }), { pollIntervalMs: 100, ...deps }) as Promise<BackupManifest>;

describe('backup against moto', () => {
  it('backs up a prefix and a table, then copies only what changed', async () => {
    const { s3, ddb } = clients();
    const { source, backups, keys } = await setup(s3, 120);
    await putMultipart(s3, source, 'docs/big.bin', 'a');
    const table = `orders-${Date.now()}`;
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await ddb.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
    await mapWithConcurrency(range(25, (i) => i), 8, (i) => ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `O#${i}` } } })).then(() => undefined));
    const p = parseBackupPayload({ sources: [{ bucket: source, prefix: 'docs/' }], tables: [table], bucket: backups }, 'nightly-backup', {});

    // Night 1: everything is new.
    const first = await run(p, '2026-11-27T00:00:00.000Z', { s3, ddb });

    const src = await listAll(s3, source, 'docs/');
    const copies = await listAll(s3, backups, `s3/${source}/`);
    expect([...copies.keys()].sort()).toEqual([...src.keys()].map((k) => `s3/${source}/${k}`).sort());
    for (const [key, info] of src) expect(copies.get(`s3/${source}/${key}`)?.size).toBe(info.size);
    expect(await text(s3, backups, `s3/${source}/${keys[7]}`)).toBe(`content of ${keys[7]}`);
    const big = await s3.send(new HeadObjectCommand({ Bucket: backups, Key: `s3/${source}/docs/big.bin` }));
    expect(big.ContentType).toBe('application/x-big');
    expect(big.Metadata?.owner).toBe('tests');
    expect(first.s3[0]).toMatchObject({ objects: 121, copied: 121, unchanged: 0, failed: 0 });
    expect(first.dynamodb).toHaveLength(1);
    expect(first.dynamodb[0]).toMatchObject({ table, status: 'COMPLETED', itemCount: 25, s3Prefix: `dynamodb/${table}/2026-11-27` });
    expect((await listAll(s3, backups, `dynamodb/${table}/2026-11-27`)).size).toBeGreaterThan(0);
    expect(first.status).toBe('SUCCEEDED');
    expect(JSON.parse(await text(s3, backups, 'manifests/2026-11-27.json'))).toEqual(first);

    // Night 2: one object changed, one added; nothing else may be copied.
    await s3.send(new PutObjectCommand({ Bucket: source, Key: keys[3], Body: 'changed!' }));
    await s3.send(new PutObjectCommand({ Bucket: source, Key: 'docs/new.txt', Body: 'new' }));
    const counter = countRequests(s3);
    const second = await run(p, '2026-11-28T00:00:00.000Z', { s3, ddb });
    expect(second.s3[0]).toMatchObject({ objects: 122, copied: 2, unchanged: 120 });
    expect(counter.operations.CopyObjectCommand).toBe(2);
    expect(await text(s3, backups, `s3/${source}/${keys[3]}`)).toBe('changed!');
    expect(await text(s3, backups, `s3/${source}/docs/new.txt`)).toBe('new');
    expect((await listAll(s3, backups, `s3/${source}/private/`)).size).toBe(0);

    // Night 3: nothing changed: listings, one HeadObject for the multipart object, manifests.
    counter.reset();
    const third = await run(p, '2026-11-29T00:00:00.000Z', { s3, ddb });
    expect(third.s3[0]).toMatchObject({ objects: 122, copied: 0, unchanged: 122 });
    expect(counter.operations.CopyObjectCommand ?? 0).toBe(0);
    expect(counter.operations.HeadObjectCommand).toBe(1);
  });

  it('refuses a table without point-in-time recovery', async () => {
    const { s3, ddb } = clients();
    const { source, backups } = await setup(s3, 1);
    const table = `nopitr-${Date.now()}`;
    await ddb.send(
      new CreateTableCommand({ TableName: table, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }),
    );
    const p = parseBackupPayload({ sources: [{ bucket: source }], tables: [table], bucket: backups }, 'nightly-backup', {});
    await expect(run(p, '2026-11-27T00:00:00.000Z', { s3, ddb })).rejects.toThrow(
      `job 'nightly-backup': table '${table}' needs point-in-time recovery for ExportTableToPointInTime (PointInTimeRecoveryStatus is DISABLED; enable it on the table)`,
    );
    expect((await listAll(s3, backups)).size).toBe(0);
  });

  it('with 25% of requests failing (503 SlowDown / 500, before and after the service acted), nothing is missing', async () => {
    const { s3 } = clients();
    const { source, backups } = await setup(s3, 300);
    const faulty = clients();
    const faults = injectFaults(faulty.s3, { rate: 0.25, seed: 11 });
    const p = parseBackupPayload({ sources: [{ bucket: source, prefix: 'docs/' }], bucket: backups, concurrency: 8 }, 'nightly-backup', {});
    const manifest = await run(p, '2026-11-27T00:00:00.000Z', faulty);
    faults.remove();
    const src = await listAll(s3, source, 'docs/');
    const copies = await listAll(s3, backups, `s3/${source}/`);
    const missing = [...src.entries()].filter(([k, v]) => copies.get(`s3/${source}/${k}`)?.etag !== v.etag);
    expect(missing).toEqual([]);
    expect(manifest.s3[0]).toMatchObject({ objects: 300, copied: 300, failed: 0 });
    expect(faults.injectedTotal()).toBeGreaterThan(0);

    const after = clients();
    injectFaults(after.s3, { rate: 0.25, seed: 12, when: 'after' });
    const again = await run(p, '2026-11-28T00:00:00.000Z', after);
    expect(again.s3[0]).toMatchObject({ objects: 300, unchanged: 300, copied: 0, failed: 0 });
  });
});
