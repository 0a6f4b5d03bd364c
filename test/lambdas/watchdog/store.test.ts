import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { advanceCursor, readCursors, readRuns, recordMissedSlot, WatchdogKeys } from '../../../lambdas/watchdog/store';

const TABLE = 'jobs-state';
const ddbMock = mockClient(DynamoDBDocumentClient);
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const store = { ddb, tableName: TABLE, backoff: { sleep: async () => undefined } };
const d = (iso: string) => new Date(iso);

afterEach(() => {
  ddbMock.reset();
});

describe('readCursors', () => {
  it('reads every cursor of the watchdog partition, all pages', async () => {
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ sk: 'CURSOR#nightly-report', job: 'nightly-report', checkedUntil: '2026-03-05T02:50:00.000Z' }],
        LastEvaluatedKey: { pk: 'WATCHDOG', sk: 'CURSOR#nightly-report' },
      })
      .resolvesOnce({ Items: [{ sk: 'CURSOR#sync-orders', job: 'sync-orders', checkedUntil: '2026-03-05T02:55:00.000Z' }] });
    const cursors = await readCursors(store);
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

describe('readRuns', () => {
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
    const runs = await readRuns(store, 'nightly-report', d('2026-03-01T00:00:00.000Z'), d('2026-03-05T03:00:00.000Z'));
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

  it('backs off when the table is throttled', async () => {
    ddbMock
      .on(QueryCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }))
      .resolves({ Items: [{ sk: 'RUN#2026-03-01T02:00:00.000Z' }] });
    const runs = await readRuns(store, 'nightly-report', d('2026-03-01T00:00:00.000Z'), d('2026-03-02T00:00:00.000Z'));
    expect(runs.scheduled).toEqual([d('2026-03-01T02:00:00.000Z')]);
    expect(ddbMock).toReceiveCommandTimes(QueryCommand, 2);
  });
});

describe('recordMissedSlot', () => {
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
    await expect(recordMissedSlot(store, item)).resolves.toBe(true);
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
    await expect(recordMissedSlot(store, item)).resolves.toBe(false);
    await expect(recordMissedSlot(store, item)).rejects.toBe(denied);
  });
});

describe('advanceCursor', () => {
  const update = {
    job: 'nightly-report',
    scheduleName: 'nightly-report',
    checkedUntil: d('2026-03-05T02:50:00.000Z'),
    updatedAt: d('2026-03-05T03:00:00.000Z'),
    expiresAt: 1_775_000_000,
  };

  it('moves the cursor forward only', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await expect(advanceCursor(store, update)).resolves.toBe(true);
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
    await expect(advanceCursor(store, update)).resolves.toBe(false);
  });
});
