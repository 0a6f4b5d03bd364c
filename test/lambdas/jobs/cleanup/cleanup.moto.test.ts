/**
 * The cleanup job against moto_server: real objects and tables, exact final state, with and without
 * injected faults.
 *
 * moto cannot set an object's LastModified (it is the time of the PUT), so the tests write an "old"
 * generation, wait until the clock has moved past the next whole second, write a "new" generation,
 * and choose the slot so the cutoff falls exactly on the first LastModified of the new generation:
 * every old object is strictly older (deleted) and the oldest new objects sit exactly at the cutoff
 * (kept). Key-date tests need no waiting.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runCleanup, type CleanupResult } from '../../../../lambdas/jobs/cleanup/cleanup';
import { parseCleanupPayload } from '../../../../lambdas/jobs/cleanup/payload';
import { mapWithConcurrency } from '../../../../lambdas/shared/concurrency';
import { sdkRetryConfig } from '../../../../lambdas/shared/retry';
import { listObjects } from '../../../../lambdas/shared/s3-listing';
import { countRequests, injectFaults } from '../../../support/fault-injection';
import { useMoto } from '../../../support/moto';
import { fakeContext, type FakeContext } from '../../shared/fake-context';

const moto = useMoto();
const DAY = 86_400_000;
let bucketSeq = 0;

function clients() {
  const config = { ...moto.config(), ...sdkRetryConfig(10) };
  return { s3: new S3Client(config), ddb: new DynamoDBClient(config) };
}

async function newBucket(s3: S3Client): Promise<string> {
  const bucket = `cleanup-${++bucketSeq}-${Date.now()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function put(s3: S3Client, bucket: string, keys: string[], body = 'x'): Promise<void> {
  await mapWithConcurrency(keys, 32, (Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body })).then(() => undefined));
}

async function allKeys(s3: S3Client, bucket: string): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  for await (const o of listObjects(s3, { bucket, prefix: '' })) out.set(o.key, o.lastModified);
  return out;
}

/** Writes `old` keys, waits for the next whole second, writes `fresh` keys; returns the cutoff. */
async function seedTwoGenerations(s3: S3Client, bucket: string, old: string[], fresh: string[]): Promise<Date> {
  await put(s3, bucket, old);
  const oldMax = Math.max(...[...(await allKeys(s3, bucket)).values()].map((d) => d.getTime()));
  while (Date.now() < oldMax + 1000) await new Promise((r) => setTimeout(r, 50));
  await put(s3, bucket, fresh);
  const listed = await allKeys(s3, bucket);
  const freshMin = Math.min(...fresh.map((k) => listed.get(k)!.getTime()));
  expect(freshMin).toBeGreaterThan(oldMax);
  return new Date(freshMin);
}

/** Runs the job to completion through its continuations; returns the result and the invocation count. */
async function runToEnd(first: FakeContext<ReturnType<typeof parseCleanupPayload>>, deps: Parameters<typeof runCleanup>[1]) {
  let ctx = first;
  for (let i = 0; i < 100; i++) {
    const outcome = await runCleanup(ctx, deps);
    if (!('continuedLater' in outcome)) return outcome as CleanupResult;
    ctx = ctx.next();
  }
  throw new Error('did not finish in 100 invocations');
}

const range = <T = string>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('cleanup against moto', () => {
  it('deletes exactly the objects older than the cutoff, keeps those at it and outside the prefixes', async () => {
    const { s3, ddb } = clients();
    const bucket = await newBucket(s3);
    const old = [...range(1500, (i) => `logs/app/${String(i).padStart(5, '0')}.log`), ...range(20, (i) => `audit/${i}.log`)];
    const fresh = [...range(700, (i) => `logs/app/new-${i}.log`), ...range(10, (i) => `audit/new-${i}.log`)];
    const cutoff = await seedTwoGenerations(s3, bucket, old, fresh);
    const slot = new Date(cutoff.getTime() + 30 * DAY).toISOString();
    const counter = countRequests(s3);

    const payload = parseCleanupPayload({ olderThanDays: 30, prefixes: ['logs/'], bucket }, 'weekly-log-cleanup', {});
    const result = (await runCleanup(fakeContext({ payload, slot }), { s3, ddb })) as CleanupResult;
    // 2,200 listed => 3 pages; 1,500 deleted => 2 DeleteObjects.
    expect(counter.operations).toEqual({ ListObjectsV2Command: 3, DeleteObjectsCommand: 2 });

    const left = [...(await allKeys(s3, bucket)).keys()].sort();
    const expected = [...old.filter((k) => k.startsWith('audit/')), ...fresh].sort();
    expect(left).toEqual(expected);
    expect(result).toMatchObject({ deleted: 1500, listed: 2200, bytes: 1500 });
  });

  it('dry run leaves everything in place', async () => {
    const { s3, ddb } = clients();
    const bucket = await newBucket(s3);
    const keys = range(30, (i) => `logs/2026/10/${String((i % 3) + 28).padStart(2, '0')}/${i}.gz`);
    await put(s3, bucket, keys);
    const payload = parseCleanupPayload(
      { olderThanDays: 30, prefixes: ['logs/'], bucket, dryRun: true, keyDatePattern: '^logs/(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/' },
      'weekly-log-cleanup',
      {},
    );
    const result = (await runCleanup(fakeContext({ payload, slot: '2026-11-29T02:00:00.000Z' }), { s3, ddb })) as CleanupResult;
    expect((await allKeys(s3, bucket)).size).toBe(30);
    // Days 28 and 29 of October end before the cutoff 2026-10-30T02:00Z: 20 of the 30 keys.
    expect(result).toMatchObject({ dryRun: true, deleted: 20, bytes: 20 });
  });

  it('continues across invocations by key date and ends with the exact state', async () => {
    const { s3, ddb } = clients();
    const bucket = await newBucket(s3);
    const keys = [...range(1100, (i) => `logs/2026/09/15/${i}.gz`), ...range(1000, (i) => `logs/2026/11/15/${i}.gz`), ...range(5, (i) => `logs/latest/${i}`)];
    await put(s3, bucket, keys);
    let pages = 0;
    const counter = countRequests(s3);
    counter.reset();
    const payload = parseCleanupPayload(
      { olderThanDays: 30, prefixes: ['logs/'], bucket, keyDatePattern: '^logs/(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/' },
      'weekly-log-cleanup',
      {},
    );
    // Each invocation "runs out of time" after one listing page.
    const ctx = fakeContext({ payload, slot: '2026-11-29T02:00:00.000Z', remainingTimeMs: () => (counter.operations.ListObjectsV2Command ?? 0) > pages++ ? 0 : 900_000 });
    const result = await runToEnd(ctx, { s3, ddb, safetyMarginMs: 1 });
    const left = [...(await allKeys(s3, bucket)).keys()].sort();
    expect(left).toEqual(keys.filter((k) => !k.startsWith('logs/2026/09/')).sort());
    expect(result).toMatchObject({ deleted: 1100, unmatched: 5, listed: 2105 });
    expect(result.invocations).toBeGreaterThan(1);
  });

  it('with 25% of requests failing (503 SlowDown / 500) and 10% of keys failing, the final state is exact', async () => {
    const { s3 } = clients();
    const bucket = await newBucket(s3);
    const old = range(1200, (i) => `logs/a/${i}`);
    const fresh = range(200, (i) => `logs/b/${i}`);
    const keep = range(50, (i) => `keep/${i}`);
    const cutoff = await seedTwoGenerations(s3, bucket, [...old, ...keep], fresh);
    const faulty = clients();
    const faults = injectFaults(faulty.s3, { rate: 0.25, seed: 42, partialDeleteRate: 0.1 });
    const payload = parseCleanupPayload({ olderThanDays: 7, prefixes: ['logs/'], bucket }, 'weekly-log-cleanup', {});

    const result = (await runCleanup(fakeContext({ payload, slot: new Date(cutoff.getTime() + 7 * DAY).toISOString() }), {
      ...faulty,
      backoff: { baseDelayMs: 5 },
    })) as CleanupResult;

    const left = new Set((await allKeys(s3, bucket)).keys());
    const wronglyDeleted = [...fresh, ...keep].filter((k) => !left.has(k));
    const leftBehind = old.filter((k) => left.has(k));
    expect({ wronglyDeleted: wronglyDeleted.length, leftBehind: leftBehind.length }).toEqual({ wronglyDeleted: 0, leftBehind: 0 });
    expect(result.deleted).toBe(1200);
    expect(faults.injectedTotal()).toBeGreaterThan(0);
    expect(faults.injectedKeyFailures()).toBeGreaterThan(0);
  });

  it('with failures reported after the service acted, the final state is still exact', async () => {
    const { s3 } = clients();
    const bucket = await newBucket(s3);
    const keys = [...range(1050, (i) => `logs/2026/01/01/${i}`), ...range(100, (i) => `logs/2026/11/28/${i}`)];
    await put(s3, bucket, keys);
    const faulty = clients();
    injectFaults(faulty.s3, { rate: 0.3, seed: 7, when: 'after' });
    const payload = parseCleanupPayload({ olderThanDays: 30, prefixes: ['logs/'], bucket, keyDatePattern: '(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})' }, 'j', {});
    await runCleanup(fakeContext({ payload, slot: '2026-11-29T02:00:00.000Z' }), { ...faulty, backoff: { baseDelayMs: 5 } });
    expect([...(await allKeys(s3, bucket)).keys()].sort()).toEqual(keys.filter((k) => k.includes('/11/28/')).sort());
  });

  it('deletes old items of a table without TTL through a date index, under throttling', async () => {
    const { s3, ddb } = clients();
    const bucket = await newBucket(s3);
    const table = `events-${Date.now()}`;
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'type', AttributeType: 'S' },
          { AttributeName: 'createdAt', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byDate',
            KeySchema: [
              { AttributeName: 'type', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      }),
    );
    // 130 items before the cutoff (2026-10-30T02:00Z), one exactly at it, 20 after, 10 of another type.
    const items: { pk: string; sk: string; type: string; createdAt: string }[] = [
      ...range(130, (i) => `2026-10-${String((i % 29) + 1).padStart(2, '0')}T00:00:00.000Z`),
      '2026-10-30T02:00:00.000Z',
      ...range(20, () => '2026-11-20T00:00:00.000Z'),
    ].map((createdAt: string, i: number) => ({ pk: `E#${i}`, sk: 'v1', type: 'event', createdAt }));
    const others = range(10, (i) => ({ pk: `O#${i}`, sk: 'v1', type: 'other', createdAt: '2020-01-01T00:00:00.000Z' }));
    await mapWithConcurrency([...items, ...others], 16, (it) =>
      ddb.send(new PutItemCommand({ TableName: table, Item: Object.fromEntries(Object.entries(it).map(([k, v]) => [k, { S: v }])) })).then(() => undefined),
    );
    const faulty = clients();
    injectFaults(faulty.ddb, { rate: 0.25, seed: 3 });
    await put(s3, bucket, ['logs/x']);
    const payload = parseCleanupPayload(
      { olderThanDays: 30, prefixes: ['logs/'], bucket, tables: [{ tableName: table, indexName: 'byDate', partitionKey: { name: 'type', value: 'event' }, dateAttribute: 'createdAt' }] },
      'j',
      {},
    );
    const result = (await runCleanup(fakeContext({ payload, slot: '2026-11-29T02:00:00.000Z' }), { s3, ddb: faulty.ddb, backoff: { baseDelayMs: 5 } })) as CleanupResult;
    const scan = await ddb.send(new ScanCommand({ TableName: table }));
    const remaining = (scan.Items ?? []).map((i) => i.pk.S).sort();
    expect(remaining).toEqual([...items.slice(130), ...others].map((i) => i.pk).sort());
    expect(result.itemsDeleted).toBe(130);
  });
});
