/**
 * The state-table adapter's reads and writes for the watchdog and for operators, against a mocked
 * document client (the runtime's claims and leases are exercised against moto in
 * `runtime.integration.test.ts`).
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchdogKeys } from '../../../lib/contract';
import { StateTableError } from '../../../lambdas/runtime/errors';
import { JobStateStore } from '../../../lambdas/runtime/state-store';

const TABLE = 'jobs-state';
const ddbMock = mockClient(DynamoDBDocumentClient);
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const store = new JobStateStore({ client: ddb, tableName: TABLE, unprocessedKeysBackoff: { sleep: async () => undefined } });
const d = (iso: string) => new Date(iso);

afterEach(() => {
  ddbMock.reset();
});

describe('JobStateStore.readCursors', () => {
  it('reads every cursor of the watchdog partition, all pages', async () => {
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ sk: 'CURSOR#nightly-report', job: 'nightly-report', checkedUntil: '2026-03-05T02:50:00.000Z' }],
        LastEvaluatedKey: { pk: 'WATCHDOG', sk: 'CURSOR#nightly-report' },
      })
      .resolvesOnce({ Items: [{ sk: 'CURSOR#sync-orders', job: 'sync-orders', checkedUntil: '2026-03-05T02:55:00.000Z' }] });
    const cursors = await store.readCursors();
    expect([...cursors]).toEqual([
      ['nightly-report', d('2026-03-05T02:50:00.000Z')],
      ['sync-orders', d('2026-03-05T02:55:00.000Z')],
    ]);
    expect(ddbMock).toReceiveCommandWith(QueryCommand, {
      TableName: TABLE,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'WATCHDOG', ':prefix': 'CURSOR#' },
    });
    expect(ddbMock).toReceiveCommandWith(QueryCommand, { ExclusiveStartKey: { pk: 'WATCHDOG', sk: 'CURSOR#nightly-report' } });
  });
});

describe('JobStateStore.readRuns', () => {
  it('queries the run records of the range, only the sort key and the manual flag, all pages', async () => {
    // Prepare: two pages; one manual run; one item whose sort key is not a run slot
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ sk: 'RUN#2026-03-02T02:00:00.000Z' }, { sk: 'RUN#2026-03-02T09:13:27.000Z', manual: true }],
        LastEvaluatedKey: { pk: 'JOB#nightly-report', sk: 'RUN#2026-03-02T09:13:27.000Z' },
      })
      .resolvesOnce({ Items: [{ sk: 'RUN#2026-03-01T02:00:00.000Z', manual: false }, { sk: 'RUN#garbage' }] });
    // Act
    const runs = await store.readRuns('nightly-report', d('2026-03-01T00:00:00.000Z'), d('2026-03-05T03:00:00.000Z'));
    // Assess: sorted, manual left out but counted
    expect(runs).toEqual({ scheduled: [d('2026-03-01T02:00:00.000Z'), d('2026-03-02T02:00:00.000Z')], manual: 1 });
    expect(ddbMock).toReceiveCommandTimes(QueryCommand, 2);
    expect(ddbMock).toReceiveCommandWith(QueryCommand, {
      TableName: TABLE,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#manual': 'manual' },
      ExpressionAttributeValues: {
        ':pk': 'JOB#nightly-report',
        ':from': 'RUN#2026-03-01T00:00:00.000Z',
        ':to': 'RUN#2026-03-05T03:00:00.000Z~',
      },
      ProjectionExpression: '#sk, #manual',
    });
  });
});

describe('JobStateStore.recordMissedSlot', () => {
  const item = {
    job: 'nightly-report',
    slot: '2026-03-03T02:00:00.000Z',
    scheduleName: 'nightly-report',
    expression: 'cron(0 2 * * ? *)',
    timeZone: 'UTC',
    detectedAt: '2026-03-05T03:00:00.000Z',
    expiresAt: 1_780_000_000,
  };

  it('puts MISSED#<slot> only if it is not there yet', async () => {
    ddbMock.on(PutCommand).resolves({});
    await expect(store.recordMissedSlot(item)).resolves.toBe(true);
    expect(ddbMock).toReceiveCommandWith(PutCommand, {
      TableName: TABLE,
      Item: {
        pk: 'JOB#nightly-report',
        sk: 'MISSED#2026-03-03T02:00:00.000Z',
        job: 'nightly-report',
        slot: '2026-03-03T02:00:00.000Z',
        scheduleName: 'nightly-report',
        expression: 'cron(0 2 * * ? *)',
        timeZone: 'UTC',
        detectedAt: '2026-03-05T03:00:00.000Z',
        expiresAt: 1_780_000_000,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
  });

  it('returns false when the slot was already recorded, and rethrows other errors', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    ddbMock
      .on(PutCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }))
      .rejectsOnce(denied);
    await expect(store.recordMissedSlot(item)).resolves.toBe(false);
    await expect(store.recordMissedSlot(item)).rejects.toBe(denied);
  });
});

describe('JobStateStore.advanceCursor', () => {
  const update = {
    job: 'nightly-report',
    scheduleName: 'nightly-report',
    checkedUntil: d('2026-03-05T02:50:00.000Z'),
    updatedAt: d('2026-03-05T03:00:00.000Z'),
    expiresAt: 1_775_000_000,
  };

  it('moves the cursor forward only', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await expect(store.advanceCursor(update)).resolves.toBe(true);
    expect(ddbMock).toReceiveCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { pk: WatchdogKeys.partition, sk: 'CURSOR#nightly-report' },
      ConditionExpression: 'attribute_not_exists(#until) OR #until < :until',
      ExpressionAttributeValues: {
        ':job': 'nightly-report',
        ':schedule': 'nightly-report',
        ':until': '2026-03-05T02:50:00.000Z',
        ':updated': '2026-03-05T03:00:00.000Z',
        ':ttl': 1_775_000_000,
      },
    });
  });

  it('returns false when another run already moved it further', async () => {
    ddbMock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'newer', $metadata: {} }));
    await expect(store.advanceCursor(update)).resolves.toBe(false);
  });
});

describe('JobStateStore.getStates', () => {
  it('reads STATE items 100 keys a call and retries the keys DynamoDB left unprocessed', async () => {
    // Prepare: 101 jobs; the first call leaves one key over
    const jobs = Array.from({ length: 101 }, (_, i) => `job-${i}`);
    ddbMock
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [{ pk: 'JOB#job-0', sk: 'STATE', paused: true }] },
        UnprocessedKeys: { [TABLE]: { Keys: [{ pk: 'JOB#job-5', sk: 'STATE' }] } },
      })
      .resolvesOnce({ Responses: { [TABLE]: [{ pk: 'JOB#job-5', sk: 'STATE', lastStatus: 'SUCCEEDED' }] } })
      .resolvesOnce({ Responses: { [TABLE]: [{ pk: 'JOB#job-100', sk: 'STATE', pausedBy: 'bob' }] } });
    // Act
    const states = await store.getStates(jobs);
    // Assess
    const sizes = ddbMock.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.[TABLE].Keys?.length);
    expect(sizes).toEqual([100, 1, 1]);
    expect(ddbMock).toReceiveCommandWith(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [{ pk: 'JOB#job-5', sk: 'STATE' }], ConsistentRead: true } } });
    expect(states.size).toBe(101);
    expect(states.get('job-0')).toEqual({ pk: 'JOB#job-0', sk: 'STATE', paused: true });
    expect(states.get('job-5')).toEqual({ pk: 'JOB#job-5', sk: 'STATE', lastStatus: 'SUCCEEDED' });
    expect(states.get('job-100')).toEqual({ pk: 'JOB#job-100', sk: 'STATE', pausedBy: 'bob' });
    expect(states.get('job-7')).toBeUndefined();
  });

  it('asks for a job named twice once', async () => {
    ddbMock.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [{ pk: 'JOB#a', sk: 'STATE', paused: true }] } });
    const states = await store.getStates(['a', 'b', 'a']);
    expect(ddbMock).toReceiveCommandWith(BatchGetCommand, {
      RequestItems: { [TABLE]: { Keys: [{ pk: 'JOB#a', sk: 'STATE' }, { pk: 'JOB#b', sk: 'STATE' }], ConsistentRead: true } },
    });
    expect([...states.keys()]).toEqual(['a', 'b']);
    expect(states.get('a')).toMatchObject({ paused: true });
  });

  it('fails naming the table when keys stay unprocessed after every attempt', async () => {
    ddbMock.on(BatchGetCommand).resolves({ UnprocessedKeys: { [TABLE]: { Keys: [{ pk: 'JOB#a', sk: 'STATE' }] } } });
    const stubborn = new JobStateStore({ client: ddb, tableName: TABLE, unprocessedKeysBackoff: { maxAttempts: 3, sleep: async () => undefined } });
    const error = await stubborn.getStates(['a']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateTableError);
    expect((error as Error).message).toBe("BatchGetItem on table 'jobs-state' left 1 STATE item(s) unprocessed after every retry");
    expect(ddbMock).toReceiveCommandTimes(BatchGetCommand, 3);
  });
});

describe('JobStateStore.readHistory', () => {
  it('queries RUN# records newest first, page after page, until the limit', async () => {
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ slot: 's3' }, { slot: 's2' }], LastEvaluatedKey: { pk: 'JOB#a', sk: 'RUN#s2' } })
      .resolvesOnce({ Items: [{ slot: 's1' }, { slot: 's0' }], LastEvaluatedKey: { pk: 'JOB#a', sk: 'RUN#s0' } });
    const rows = await store.readHistory('a', 3);
    expect(rows.map((r) => r.slot)).toEqual(['s3', 's2', 's1']);
    expect(ddbMock).toReceiveCommandTimes(QueryCommand, 2);
    expect(ddbMock).toReceiveCommandWith(QueryCommand, {
      TableName: TABLE,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :run)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': 'JOB#a', ':run': 'RUN#' },
      ScanIndexForward: false,
      Limit: 3,
    });
  });

  it('rejects a limit that is not a positive integer, naming the job', async () => {
    await expect(store.readHistory('a', 0)).rejects.toThrow("history of job 'a': limit must be a positive integer (got 0)");
    expect(ddbMock).toReceiveCommandTimes(QueryCommand, 0);
  });
});

describe('JobStateStore.setPaused', () => {
  const at = new Date('2026-03-01T00:00:00Z');

  it('pauses with a conditional write recording who, when and why', async () => {
    const after = { pk: 'JOB#a', sk: 'STATE', paused: true, pausedBy: 'alice', pausedAt: '2026-03-01T00:00:00.000Z', pauseReason: 'migration' };
    ddbMock.on(UpdateCommand).resolves({ Attributes: after });
    await expect(store.setPaused({ job: 'a', paused: true, by: 'alice', at, reason: 'migration' })).resolves.toEqual({ changed: true, item: after });
    expect(ddbMock).toReceiveCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { pk: 'JOB#a', sk: 'STATE' },
      UpdateExpression:
        'SET #paused = :set_paused, #job = :set_job, #pausedBy = :set_pausedBy, #pausedAt = :set_pausedAt, #pauseReason = :set_pauseReason REMOVE #resumedBy, #resumedAt',
      ConditionExpression: 'attribute_not_exists(#paused) OR #paused <> :true',
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

  it('a pause without a reason removes an old reason', async () => {
    ddbMock.on(UpdateCommand).resolves({ Attributes: { paused: true } });
    await store.setPaused({ job: 'a', paused: true, by: 'alice', at });
    expect(ddbMock).toReceiveCommandWith(UpdateCommand, {
      UpdateExpression: 'SET #paused = :set_paused, #job = :set_job, #pausedBy = :set_pausedBy, #pausedAt = :set_pausedAt REMOVE #pauseReason, #resumedBy, #resumedAt',
    });
  });

  it('leaves an already paused job unchanged and returns it, the first pause kept', async () => {
    ddbMock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    ddbMock.on(GetCommand).resolves({ Item: { paused: true, pausedBy: 'first' } });
    await expect(store.setPaused({ job: 'a', paused: true, by: 'second', at })).resolves.toEqual({ changed: false, item: { paused: true, pausedBy: 'first' } });
    expect(ddbMock).toReceiveCommandWith(GetCommand, { TableName: TABLE, Key: { pk: 'JOB#a', sk: 'STATE' }, ConsistentRead: true });
  });

  it('resumes only a paused job, recording who and when', async () => {
    ddbMock.on(UpdateCommand).resolves({ Attributes: { paused: false } });
    await expect(store.setPaused({ job: 'a', paused: false, by: 'bob', at })).resolves.toEqual({ changed: true, item: { paused: false } });
    expect(ddbMock).toReceiveCommandWith(UpdateCommand, {
      UpdateExpression: 'SET #paused = :set_paused, #job = :set_job, #resumedBy = :set_resumedBy, #resumedAt = :set_resumedAt REMOVE #pausedBy, #pausedAt, #pauseReason',
      ConditionExpression: '#paused = :true',
    });
  });

  it('passes other errors on', async () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    ddbMock.on(UpdateCommand).rejects(denied);
    await expect(store.setPaused({ job: 'a', paused: true, by: 'x', at })).rejects.toBe(denied);
  });
});
