import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readHistory, readStates, runRow, setPaused, stateSummary } from '../../../tools/cli/job-state';

describe('stateSummary', () => {
  it('reads the STATE item, and a missing one as never run, not paused', () => {
    expect(stateSummary('report', undefined)).toEqual({ job: 'report', paused: false });
    expect(
      stateSummary('report', {
        pk: 'JOB#report',
        sk: 'STATE',
        paused: true,
        pausedBy: 'alice',
        pausedAt: '2026-03-01T00:00:00.000Z',
        lastRunAt: '2026-03-01T02:00:03.000Z',
        lastStatus: 'FAILED',
        lastSlot: '2026-03-01T02:00:00.000Z',
        lastError: { name: 'TypeError', message: 'x is undefined', stack: '...' },
        lastSuccessAt: 7,
      }),
    ).toEqual({
      job: 'report',
      paused: true,
      pausedBy: 'alice',
      pausedAt: '2026-03-01T00:00:00.000Z',
      lastRunAt: '2026-03-01T02:00:03.000Z',
      lastStatus: 'FAILED',
      lastSlot: '2026-03-01T02:00:00.000Z',
      lastError: { name: 'TypeError', message: 'x is undefined' },
    });
  });
});

describe('runRow', () => {
  it('tells scheduled, manual and one-time runs apart and keeps the error and reason', () => {
    expect(
      runRow({
        sk: 'RUN#2026-03-01T02:00:00.000Z',
        slot: '2026-03-01T02:00:00.000Z',
        status: 'FAILED',
        attempt: 2,
        manual: false,
        durationMs: 1200,
        error: { name: 'Error', message: 'boom', stack: 'Error: boom' },
      }),
    ).toEqual({
      slot: '2026-03-01T02:00:00.000Z',
      status: 'FAILED',
      manual: false,
      trigger: 'scheduled',
      attempt: 2,
      durationMs: 1200,
      error: { name: 'Error', message: 'boom' },
    });
    expect(runRow({ sk: 'RUN#2026-03-01T02:00:00.000Z#sub-1', status: 'SKIPPED', reason: 'paused' })).toEqual({
      slot: '2026-03-01T02:00:00.000Z#sub-1',
      status: 'SKIPPED',
      manual: false,
      trigger: 'one-time',
      reason: 'paused',
    });
    expect(runRow({ slot: '2026-03-01T09:15:07.000Z', status: 'RUNNING', manual: true, duplicates: 1 }).trigger).toBe('manual');
  });
});

describe('table adapters', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  afterEach(() => ddb.reset());

  it('reads STATE items in batches of 100, retrying unprocessed keys', async () => {
    const jobs = Array.from({ length: 101 }, (_, i) => `job-${i}`);
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { T: [{ pk: 'JOB#job-0', sk: 'STATE', paused: true }] },
        UnprocessedKeys: { T: { Keys: [{ pk: 'JOB#job-5', sk: 'STATE' }] } },
      })
      .resolvesOnce({ Responses: { T: [{ pk: 'JOB#job-5', sk: 'STATE', lastStatus: 'SUCCEEDED', lastRunAt: 'x' }] } })
      .resolvesOnce({ Responses: { T: [{ pk: 'JOB#job-100', sk: 'STATE', pausedBy: 'bob' }] } });

    const states = await readStates(doc, 'T', jobs);

    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 3);
    const calls = ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.T.Keys?.length);
    expect(calls).toEqual([100, 1, 1]);
    expect(states.get('job-0')).toEqual({ job: 'job-0', paused: true });
    expect(states.get('job-5')).toEqual({ job: 'job-5', paused: false, lastStatus: 'SUCCEEDED', lastRunAt: 'x' });
    expect(states.get('job-100')).toEqual({ job: 'job-100', paused: false, pausedBy: 'bob' });
    expect(states.get('job-7')).toEqual({ job: 'job-7', paused: false });
  });

  it('queries RUN# records newest first, page after page, until the limit', async () => {
    // The paginator reuses one input object across pages: record each request as it was sent.
    const sent: QueryCommandInput[] = [];
    const pages = [
      { Items: [{ slot: 's3', status: 'SUCCEEDED' }, { slot: 's2', status: 'FAILED' }], LastEvaluatedKey: { pk: 'JOB#a', sk: 'RUN#s2' } },
      { Items: [{ slot: 's1', status: 'SKIPPED' }], LastEvaluatedKey: { pk: 'JOB#a', sk: 'RUN#s1' } },
    ];
    ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      sent.push(structuredClone(input));
      return pages.shift() ?? { Items: [] };
    });

    const rows = await readHistory(doc, 'T', 'a', 3);

    expect(rows.map((r) => r.slot)).toEqual(['s3', 's2', 's1']);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
    const query = {
      TableName: 'T',
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :run)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': 'JOB#a', ':run': 'RUN#' },
      ScanIndexForward: false,
      Limit: 3,
    };
    expect(sent).toEqual([query, { ...query, ExclusiveStartKey: { pk: 'JOB#a', sk: 'RUN#s2' } }]);
  });

  it('pauses with a conditional write recording who, when and why', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { paused: true, pausedBy: 'alice', pausedAt: '2026-03-01T00:00:00.000Z', pauseReason: 'migration' } });

    const change = await setPaused(doc, 'T', { job: 'a', paused: true, by: 'alice', at: new Date('2026-03-01T00:00:00Z'), reason: 'migration' });

    expect(change).toEqual({
      changed: true,
      state: { job: 'a', paused: true, pausedBy: 'alice', pausedAt: '2026-03-01T00:00:00.000Z', pauseReason: 'migration' },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'T',
      Key: { pk: 'JOB#a', sk: 'STATE' },
      UpdateExpression:
        'SET #paused = :set_paused, #job = :set_job, #pausedBy = :set_pausedBy, #pausedAt = :set_pausedAt, #pauseReason = :set_pauseReason REMOVE #resumedBy, #resumedAt',
      ConditionExpression: 'attribute_not_exists(#paused) OR #paused <> :true',
      ExpressionAttributeNames: {
        '#paused': 'paused',
        '#job': 'job',
        '#pausedBy': 'pausedBy',
        '#pausedAt': 'pausedAt',
        '#pauseReason': 'pauseReason',
        '#resumedBy': 'resumedBy',
        '#resumedAt': 'resumedAt',
      },
      ExpressionAttributeValues: {
        ':true': true,
        ':set_paused': true,
        ':set_job': 'a',
        ':set_pausedBy': 'alice',
        ':set_pausedAt': '2026-03-01T00:00:00.000Z',
        ':set_pauseReason': 'migration',
      },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('reports an already paused job unchanged, with the first pause kept', async () => {
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    ddb.on(GetCommand).resolves({ Item: { paused: true, pausedBy: 'first', pausedAt: '2026-02-01T00:00:00.000Z' } });

    const change = await setPaused(doc, 'T', { job: 'a', paused: true, by: 'second', at: new Date('2026-03-01T00:00:00Z') });

    expect(change).toEqual({ changed: false, state: { job: 'a', paused: true, pausedBy: 'first', pausedAt: '2026-02-01T00:00:00.000Z' } });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: 'SET #paused = :set_paused, #job = :set_job, #pausedBy = :set_pausedBy, #pausedAt = :set_pausedAt REMOVE #pauseReason, #resumedBy, #resumedAt',
      ConditionExpression: 'attribute_not_exists(#paused) OR #paused <> :true',
    });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'T', Key: { pk: 'JOB#a', sk: 'STATE' }, ConsistentRead: true });
  });

  it('resumes only a paused job, recording who and when', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { paused: false, resumedBy: 'bob', resumedAt: '2026-03-02T00:00:00.000Z' } });

    const change = await setPaused(doc, 'T', { job: 'a', paused: false, by: 'bob', at: new Date('2026-03-02T00:00:00Z') });

    expect(change.changed).toBe(true);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'T',
      Key: { pk: 'JOB#a', sk: 'STATE' },
      UpdateExpression: 'SET #paused = :set_paused, #job = :set_job, #resumedBy = :set_resumedBy, #resumedAt = :set_resumedAt REMOVE #pausedBy, #pausedAt, #pauseReason',
      ConditionExpression: '#paused = :true',
      ExpressionAttributeValues: {
        ':true': true,
        ':set_paused': false,
        ':set_job': 'a',
        ':set_resumedBy': 'bob',
        ':set_resumedAt': '2026-03-02T00:00:00.000Z',
      },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('passes other errors on', async () => {
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));

    await expect(setPaused(doc, 'T', { job: 'a', paused: true, by: 'x', at: new Date() })).rejects.toThrow('throttled');
  });
});

describe('runRow of a fan-out run', () => {
  it('keeps the item counts and the failed items', () => {
    expect(
      runRow({ pk: 'JOB#recs', sk: 'RUN#2026-03-27T03:00:00.000Z', status: 'PARTIAL', counts: { planned: 40, succeeded: 32, failed: 8 }, failedItems: ['p04', 'p05'] }),
    ).toMatchObject({ status: 'PARTIAL', counts: { planned: 40, succeeded: 32, failed: 8 }, failedItems: ['p04', 'p05'] });
  });
});
