import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client, type _Object } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { CleanupIncompleteError, runCleanup, type CleanupCheckpoint, type CleanupResult } from '../../../../lambdas/jobs/cleanup/cleanup';
import { parseCleanupPayload } from '../../../../lambdas/jobs/cleanup/payload';
import { fakeContext } from '../../shared/fake-context';

const s3Mock = mockClient(S3Client);
const ddbMock = mockClient(DynamoDBClient);
const s3 = new S3Client({});
const ddb = new DynamoDBClient({});
const deps = { s3, ddb, backoff: { sleep: async () => undefined }, safetyMarginMs: 60_000 };

// Slot Sunday 2026-11-29 02:00 UTC, 30 days: the cutoff is 2026-10-30T02:00:00.000Z.
const SLOT = '2026-11-29T02:00:00.000Z';
const CUTOFF_MS = Date.UTC(2026, 9, 30, 2, 0, 0);
const OLD = new Date(CUTOFF_MS - 86_400_000);
const NEW = new Date(CUTOFF_MS + 86_400_000);

afterEach(() => {
  s3Mock.reset();
  ddbMock.reset();
});

const payload = (extra: Record<string, unknown> = {}) =>
  parseCleanupPayload({ olderThanDays: 30, prefixes: ['logs/'], bucket: 'logs-bucket', ...extra }, 'weekly-log-cleanup', {});

/** Serves `pages` (arrays of objects) with tokens 't1', 't2', ... */
function servePages(pages: _Object[][]) {
  s3Mock.on(ListObjectsV2Command).callsFake((input: { ContinuationToken?: string }) => {
    const index = input.ContinuationToken ? Number(input.ContinuationToken.slice(1)) : 0;
    const last = index === pages.length - 1;
    return { Contents: pages[index], IsTruncated: !last, NextContinuationToken: last ? undefined : `t${index + 1}`, KeyCount: pages[index].length };
  });
}

const obj = (key: string, lastModified: Date, size = 10): _Object => ({ Key: key, LastModified: lastModified, Size: size, ETag: '"e"' });
const deletedKeys = () =>
  s3Mock.commandCalls(DeleteObjectsCommand).flatMap((c) => (c.args[0].input.Delete?.Objects ?? []).map((o) => o.Key as string));

describe('runCleanup on S3 objects', () => {
  it('streams deletes across pages in batches of 1,000, one ListObjectsV2 per page', async () => {
    // Prepare: 3 pages; 600 old keys per page on pages 1-2, 100 on page 3 => 1,300 expired.
    const pages: _Object[][] = [0, 1, 2].map((p) =>
      Array.from({ length: p < 2 ? 1000 : 500 }, (_, i) => obj(`logs/p${p}/k${String(i).padStart(4, '0')}`, i < (p < 2 ? 600 : 100) ? OLD : NEW)),
    );
    servePages(pages);
    s3Mock.on(DeleteObjectsCommand).resolves({});
    // Act
    const result = (await runCleanup(fakeContext({ payload: payload(), slot: SLOT }), deps)) as CleanupResult;
    // Assess
    expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 3);
    const calls = s3Mock.commandCalls(DeleteObjectsCommand);
    expect(calls.map((c) => c.args[0].input.Delete?.Objects?.length)).toEqual([1000, 300]);
    expect(calls.every((c) => c.args[0].input.Delete?.Quiet === true && c.args[0].input.Bucket === 'logs-bucket')).toBe(true);
    const expected = pages.flatMap((page) => page.filter((o) => o.LastModified === OLD).map((o) => o.Key));
    expect(deletedKeys()).toEqual(expected);
    expect(result).toMatchObject({ listed: 2500, deleted: 1300, bytes: 13_000, dryRun: false, cutoff: '2026-10-30T02:00:00.000Z', invocations: 1 });
  });

  it('deletes an object 1 ms before the cutoff and keeps one exactly at it', async () => {
    servePages([
      [
        obj('logs/before', new Date(CUTOFF_MS - 1)),
        obj('logs/exactly', new Date(CUTOFF_MS)),
        obj('logs/after', new Date(CUTOFF_MS + 1)),
      ],
    ]);
    s3Mock.on(DeleteObjectsCommand).resolves({});
    await runCleanup(fakeContext({ payload: payload(), slot: SLOT }), deps);
    expect(deletedKeys()).toEqual(['logs/before']);
  });

  it('by key date, deletes only partitions that end at or before the cutoff', async () => {
    // Cutoff 2026-10-30T02:00Z: the 29th ends at 10-30T00:00 (goes); the 30th holds newer entries (stays).
    servePages([
      [
        obj('logs/2026/10/28/a.gz', NEW),
        obj('logs/2026/10/29/a.gz', NEW),
        obj('logs/2026/10/30/a.gz', OLD),
        obj('logs/2026/02/30/a.gz', OLD), // not a date
        obj('logs/readme.txt', OLD), // no date at all
      ],
    ]);
    s3Mock.on(DeleteObjectsCommand).resolves({});
    const p = payload({ keyDatePattern: '^logs/(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/' });
    const result = (await runCleanup(fakeContext({ payload: p, slot: SLOT }), deps)) as CleanupResult;
    expect(deletedKeys()).toEqual(['logs/2026/10/28/a.gz', 'logs/2026/10/29/a.gz']);
    expect(result).toMatchObject({ deleted: 2, unmatched: 2, listed: 5 });
  });

  it('never deletes a key outside the prefix, even when the listing returns one', async () => {
    servePages([[obj('logs/old', OLD), obj('other/old', OLD)]]);
    s3Mock.on(DeleteObjectsCommand).resolves({});
    await runCleanup(fakeContext({ payload: payload(), slot: SLOT }), deps);
    expect(deletedKeys()).toEqual(['logs/old']);
  });

  it('retries only the keys S3 reports in Errors', async () => {
    servePages([['logs/a', 'logs/b', 'logs/c', 'logs/d'].map((k) => obj(k, OLD))]);
    s3Mock
      .on(DeleteObjectsCommand)
      .resolvesOnce({ Errors: [{ Key: 'logs/b', Code: 'InternalError', Message: 'x' }, { Key: 'logs/d', Code: 'SlowDown', Message: 'y' }] })
      .resolves({});
    const result = (await runCleanup(fakeContext({ payload: payload(), slot: SLOT }), deps)) as CleanupResult;
    const batches = s3Mock.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.map((o) => o.Key));
    expect(batches).toEqual([['logs/a', 'logs/b', 'logs/c', 'logs/d'], ['logs/b', 'logs/d']]);
    expect(result.deleted).toBe(4);
  });

  it('fails loudly, after finishing the rest, when keys keep failing', async () => {
    servePages([['logs/a', 'logs/b'].map((k) => obj(k, OLD))]);
    s3Mock.on(DeleteObjectsCommand).callsFake((input: { Delete: { Objects: { Key: string }[] } }) => ({
      Errors: input.Delete.Objects.filter((o) => o.Key === 'logs/b').map((o) => ({ Key: o.Key, Code: 'AccessDenied', Message: 'Access Denied' })),
    }));
    const run = runCleanup(fakeContext({ payload: payload(), slot: SLOT }), { ...deps, backoff: { ...deps.backoff, maxAttempts: 3 } });
    await expect(run).rejects.toThrow(CleanupIncompleteError);
    await expect(runCleanup(fakeContext({ payload: payload(), slot: SLOT }), { ...deps, backoff: { ...deps.backoff, maxAttempts: 3 } })).rejects.toThrow(
      "job 'weekly-log-cleanup': 1 key(s) or item(s) could not be deleted after every retry (e.g. logs/b: AccessDenied); 1 deleted",
    );
    // 1 first attempt + 2 retries of logs/b, per run.
    expect(s3Mock.commandCalls(DeleteObjectsCommand)).toHaveLength(6);
  });

  it('fails the run when a request fails as a whole after the SDK retries', async () => {
    servePages([[obj('logs/a', OLD)]]);
    const slowDown = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    s3Mock.on(DeleteObjectsCommand).rejects(slowDown);
    await expect(runCleanup(fakeContext({ payload: payload(), slot: SLOT }), deps)).rejects.toThrow('Please reduce your request rate.');
  });

  it('dry run reports count, bytes and sample keys and deletes nothing', async () => {
    servePages([[obj('logs/a', OLD, 100), obj('logs/b', OLD, 23), obj('logs/c', NEW, 5), obj('logs/d', OLD, 1)]]);
    const result = (await runCleanup(fakeContext({ payload: payload({ dryRun: true, sampleSize: 2 }), slot: SLOT }), deps)) as CleanupResult;
    expect(s3Mock).not.toHaveReceivedCommand(DeleteObjectsCommand);
    expect(result).toMatchObject({ dryRun: true, deleted: 3, bytes: 124, sampleKeys: ['logs/a', 'logs/b'], listed: 4 });
  });

  it('continues before the time runs out, flushing pending deletes, and resumes from the token', async () => {
    // Prepare: 3 pages of 10 keys each, all old; time becomes short after the first page.
    const pages = [0, 1, 2].map((p) => Array.from({ length: 10 }, (_, i) => obj(`logs/${p}-${i}`, OLD, 2)));
    servePages(pages);
    s3Mock.on(DeleteObjectsCommand).resolves({});
    let pagesServed = 0;
    s3Mock.on(ListObjectsV2Command).callsFake((input: { ContinuationToken?: string }) => {
      pagesServed++;
      const index = input.ContinuationToken ? Number(input.ContinuationToken.slice(1)) : 0;
      const last = index === pages.length - 1;
      return { Contents: pages[index], IsTruncated: !last, NextContinuationToken: last ? undefined : `t${index + 1}` };
    });
    const first = fakeContext({ payload: payload(), slot: SLOT, remainingTimeMs: () => (pagesServed >= 1 ? 10_000 : 900_000) });
    // Act 1
    const outcome = await runCleanup(first, deps);
    // Assess 1: handed over after page 0, with its 10 keys already deleted.
    expect(outcome).toEqual({ continuedLater: true, sequence: 1 });
    expect(deletedKeys()).toEqual(pages[0].map((o) => o.Key));
    const state = first.continued[0] as CleanupCheckpoint;
    expect(state).toMatchObject({ prefixIndex: 0, continuationToken: 't1', deletedSoFar: 10, listedSoFar: 10, cutoff: '2026-10-30T02:00:00.000Z' });
    // Act 2: the next invocation has time.
    const second = first.next({ remainingTimeMs: 900_000 });
    const result = (await runCleanup(second, deps)) as CleanupResult;
    // Assess 2
    const tokens = s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.ContinuationToken);
    expect(tokens).toEqual([undefined, 't1', 't2']);
    expect(deletedKeys()).toEqual(pages.flat().map((o) => o.Key));
    expect(result).toMatchObject({ deleted: 30, listed: 30, bytes: 60, invocations: 2 });
  });

  it('makes progress in every invocation even when the time is short from the start', async () => {
    servePages([[obj('logs/a', OLD)], [obj('logs/b', OLD)]]);
    s3Mock.on(DeleteObjectsCommand).resolves({});
    const ctx = fakeContext({ payload: payload(), slot: SLOT, remainingTimeMs: 1 });
    await runCleanup(ctx, deps);
    expect(ctx.continued).toHaveLength(1);
    expect(deletedKeys()).toEqual(['logs/a']);
  });

  it('ignores a checkpoint taken for another cutoff', async () => {
    servePages([[obj('logs/a', OLD)]]);
    s3Mock.on(DeleteObjectsCommand).resolves({});
    const stale = { cutoff: '2020-01-01T00:00:00.000Z', prefixIndex: 0, continuationToken: 'zzz', tableIndex: 0, deletedSoFar: 99 };
    const result = (await runCleanup(fakeContext({ payload: payload(), slot: SLOT, checkpoint: stale }), deps)) as CleanupResult;
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0].args[0].input.ContinuationToken).toBeUndefined();
    expect(result.deleted).toBe(1);
  });
});

describe('runCleanup on tables without TTL', () => {
  const table = { tableName: 'events', indexName: 'byDate', partitionKey: { name: 'type', value: 'event' }, dateAttribute: 'createdAt' };
  const item = (i: number): Record<string, AttributeValue> => ({ pk: { S: `E#${i}` }, sk: { S: 'v' }, type: { S: 'event' }, createdAt: { S: '2026-01-01T00:00:00.000Z' } });

  it('queries by date below the cutoff and deletes 25 at a time, retrying UnprocessedItems', async () => {
    servePages([[]]);
    ddbMock.on(DescribeTableCommand).resolves({ Table: { KeySchema: [{ AttributeName: 'sk', KeyType: 'RANGE' }, { AttributeName: 'pk', KeyType: 'HASH' }] } });
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: Array.from({ length: 30 }, (_, i) => item(i)), LastEvaluatedKey: { pk: { S: 'E#29' } } })
      .resolves({ Items: [item(30)] });
    const unprocessed = [2, 3, 4].map((i) => ({ DeleteRequest: { Key: { pk: { S: `E#${i}` }, sk: { S: 'v' } } } }));
    ddbMock.on(BatchWriteItemCommand).resolvesOnce({ UnprocessedItems: { events: unprocessed } }).resolves({ UnprocessedItems: {} });

    const result = (await runCleanup(fakeContext({ payload: payload({ tables: [table] }), slot: SLOT }), deps)) as CleanupResult;

    const query = ddbMock.commandCalls(QueryCommand)[0].args[0].input;
    expect(query).toMatchObject({
      TableName: 'events',
      IndexName: 'byDate',
      KeyConditionExpression: '#pk = :pk AND #date < :cutoff',
      ExpressionAttributeValues: { ':pk': { S: 'event' }, ':cutoff': { S: '2026-10-30T02:00:00.000Z' } },
      ProjectionExpression: '#k0, #k1',
      ExpressionAttributeNames: { '#pk': 'type', '#date': 'createdAt', '#k0': 'pk', '#k1': 'sk' },
    });
    expect(ddbMock.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual({ pk: { S: 'E#29' } });
    const sizes = ddbMock.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems?.events.length);
    expect(sizes).toEqual([25, 3, 5, 1]);
    expect(ddbMock.commandCalls(BatchWriteItemCommand)[1].args[0].input.RequestItems?.events).toEqual(unprocessed);
    expect(result.itemsDeleted).toBe(31);
  });

  it('fails loudly when items stay unprocessed', async () => {
    servePages([[]]);
    ddbMock.on(DescribeTableCommand).resolves({ Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] } });
    ddbMock.on(QueryCommand).resolves({ Items: [{ pk: { S: 'A' } }] });
    ddbMock.on(BatchWriteItemCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));
    await expect(
      runCleanup(fakeContext({ payload: payload({ tables: [table] }), slot: SLOT }), { ...deps, backoff: { ...deps.backoff, maxAttempts: 2 } }),
    ).rejects.toThrow(`job 'weekly-log-cleanup': 1 key(s) or item(s) could not be deleted after every retry (e.g. events:{"pk":{"S":"A"}}: UnprocessedItem); 0 deleted`);
  });

  it('uses epoch seconds for numeric dates, and counts without deleting in a dry run', async () => {
    servePages([[]]);
    ddbMock.on(QueryCommand).resolves({ Count: 7 });
    const result = (await runCleanup(
      fakeContext({ payload: payload({ dryRun: true, tables: [{ ...table, dateFormat: 'epoch-seconds' }] }), slot: SLOT }),
      deps,
    )) as CleanupResult;
    const query = ddbMock.commandCalls(QueryCommand)[0].args[0].input;
    expect(query.ExpressionAttributeValues?.[':cutoff']).toEqual({ N: String(CUTOFF_MS / 1000) });
    expect(query.Select).toBe('COUNT');
    expect(ddbMock).not.toHaveReceivedCommand(BatchWriteItemCommand);
    expect(result.itemsDeleted).toBe(7);
  });
});
