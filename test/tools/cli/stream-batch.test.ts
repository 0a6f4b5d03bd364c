/**
 * Redriving a failed DynamoDB stream batch: reading it again from the stream (the streams client
 * mocked), the event rebuilt in the form the event source mapping delivers, the redrive plan, and
 * when a re-invoke counts as fixed.
 */
import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, TrimmedDataAccessException, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { describePlanned, planRedrive, readStreamBatches } from '../../../tools/cli/commands/redrive';
import type { InboxFailure, StreamBatchInfo } from '../../../tools/cli/failure-message';
import { buildCatalog } from '../../../tools/cli/job-catalog';
import { describeStreamReinvoke, fixedStreamBatch, readStreamBatch, streamName } from '../../../tools/cli/stream-batch';

const STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Subscriptions/stream/2026-03-01T00:00:00.000';
const CONSUMER = 'arn:aws:lambda:eu-west-1:123456789012:function:Jobs-SubscriptionsFunction';
const batch: StreamBatchInfo = { streamArn: STREAM, shardId: 'shard-1', startSequenceNumber: '1000000000000000000002', endSequenceNumber: '1000000000000000000004', batchSize: 3 };

const streams = mockClient(DynamoDBStreamsClient);
afterEach(() => streams.reset());

function record(sequence: number, id = `sub-${sequence}`): _Record {
  return {
    eventID: `e-${sequence}`,
    eventName: 'MODIFY',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      ApproximateCreationDateTime: new Date('2026-03-27T10:59:00Z'),
      Keys: { subscriptionId: { S: id } },
      NewImage: { subscriptionId: { S: id } },
      SequenceNumber: String(1000000000000000000000n + BigInt(sequence)),
      SizeBytes: 40,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

const client = () => new DynamoDBStreamsClient({ region: 'eu-west-1' });

describe('readStreamBatch', () => {
  it('reads from the first sequence number to the last, over pages, and keeps only the records of the range', async () => {
    // Prepare
    streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-0' });
    streams.on(GetRecordsCommand, { ShardIterator: 'it-0' }).resolves({ Records: [record(2), record(3)], NextShardIterator: 'it-1' });
    streams.on(GetRecordsCommand, { ShardIterator: 'it-1' }).resolves({ Records: [record(4), record(5)], NextShardIterator: 'it-2' });

    // Act
    const read = await readStreamBatch(client(), batch);

    // Assess
    expect(streams).toReceiveCommandWith(GetShardIteratorCommand, {
      StreamArn: STREAM,
      ShardId: 'shard-1',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: '1000000000000000000002',
    });
    expect(streams).toReceiveCommandTimes(GetRecordsCommand, 2);
    if (read.status !== 'read') throw new Error(`expected the batch to be read, got: ${read.reason}`);
    expect(read.event.Records.map((r) => r.dynamodb.SequenceNumber)).toEqual(['1000000000000000000002', '1000000000000000000003', '1000000000000000000004']);
    expect(read.event.Records[0]).toEqual({
      eventID: 'e-2',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-03-27T10:59:00Z') / 1000,
        Keys: { subscriptionId: { S: 'sub-2' } },
        NewImage: { subscriptionId: { S: 'sub-2' } },
        SequenceNumber: '1000000000000000000002',
        SizeBytes: 40,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: STREAM,
    });
  });

  it('says the records are no longer in the stream when the shard was trimmed past the batch', async () => {
    streams.on(GetShardIteratorCommand).rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));

    expect(await readStreamBatch(client(), batch)).toEqual({ status: 'gone', reason: 'the records are no longer in the stream (kept 24 hours)' });
    expect(streams).toReceiveCommandTimes(GetRecordsCommand, 0);
  });

  it('says the batch is incomplete when the stream ends before its last record, and stops on empty pages of an open shard', async () => {
    streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-0' });
    streams.on(GetRecordsCommand, { ShardIterator: 'it-0' }).resolves({ Records: [record(2)], NextShardIterator: 'it-1' });
    streams.on(GetRecordsCommand, { ShardIterator: 'it-1' }).resolves({ Records: [], NextShardIterator: 'it-1' });

    expect(await readStreamBatch(client(), batch, { maxEmptyPages: 3 })).toEqual({
      status: 'gone',
      reason: 'the stream no longer holds the whole batch (1 record of 1000000000000000000002..1000000000000000000004 found): it was trimmed or the shard is gone',
    });
    expect(streams).toReceiveCommandTimes(GetRecordsCommand, 4);
  });

  it('passes other errors on', async () => {
    streams.on(GetShardIteratorCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(readStreamBatch(client(), batch)).rejects.toThrow('denied');
  });
});

describe('redrive planning of stream batches', () => {
  const stream = (id: string, extra: Partial<InboxFailure> = {}): InboxFailure => ({
    messageId: id,
    receiptHandle: `rh-${id}`,
    layer: 'stream',
    error: 'Unhandled: RetryAttemptsExhausted',
    functionArn: CONSUMER,
    stream: batch,
    ...extra,
  });
  const catalog = buildCatalog('Jobs', [], []);

  it('re-invokes the consumer with the batch read again, or keeps the message when the records are gone', async () => {
    // Prepare
    streams.on(GetShardIteratorCommand, { ShardId: 'shard-1' }).resolves({ ShardIterator: 'it-0' });
    streams.on(GetShardIteratorCommand, { ShardId: 'shard-old' }).rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));
    streams.on(GetRecordsCommand).resolves({ Records: [record(2), record(3), record(4)], NextShardIterator: 'it-1' });
    const planned = planRedrive(
      [stream('1'), stream('2', { stream: { ...batch, shardId: 'shard-old' } }), stream('3', { stream: undefined }), stream('4', { functionArn: undefined })],
      catalog,
      undefined,
    );
    expect(planned.map(describePlanned)).toEqual([
      'read the batch from the stream, re-invoke Jobs-SubscriptionsFunction',
      'read the batch from the stream, re-invoke Jobs-SubscriptionsFunction',
      'skip: the message names no stream batch (stream, shard, sequence range)',
      'skip: the message names no function',
    ]);

    // Act
    const plan = await readStreamBatches(planned, client());

    // Assess
    expect(plan.map(describePlanned)).toEqual([
      're-invoke Jobs-SubscriptionsFunction with 3 stream records',
      'skip: the records are no longer in the stream (kept 24 hours)',
      'skip: the message names no stream batch (stream, shard, sequence range)',
      'skip: the message names no function',
    ]);
    const first = plan[0];
    if (first?.action !== 'reinvoke') throw new Error('expected a re-invoke of the first batch');
    expect(first.functionArn).toBe(CONSUMER);
    expect((first.event as { Records: Array<{ eventSourceARN: string }> }).Records.map((r) => r.eventSourceARN)).toEqual([STREAM, STREAM, STREAM]);
  });

  it('leaves the other failures as they are and reads nothing without a stream batch', async () => {
    const execution: InboxFailure = { messageId: 'x', receiptHandle: 'rh-x', layer: 'execution', error: 'E: m', job: 'report', event: { job: 'report' }, functionArn: CONSUMER };
    const planned = planRedrive([execution], catalog, undefined);
    expect(await readStreamBatches(planned, client())).toEqual(planned);
    expect(streams).toReceiveCommandTimes(GetShardIteratorCommand, 0);
  });
});

describe('a stream batch re-invoked', () => {
  it('is fixed only when the function returned and reported no failed record', () => {
    expect(fixedStreamBatch({ mode: 'sync', ok: true, result: { batchItemFailures: [] } })).toBe(true);
    expect(fixedStreamBatch({ mode: 'sync', ok: true })).toBe(true);
    expect(fixedStreamBatch({ mode: 'sync', ok: true, result: { batchItemFailures: [{ itemIdentifier: '3' }] } })).toBe(false);
    expect(fixedStreamBatch({ mode: 'sync', ok: false, error: { type: 'Error', message: 'boom' } })).toBe(false);
    expect(fixedStreamBatch({ mode: 'async', ok: true })).toBe(false);
  });

  it('says how it went', () => {
    expect(describeStreamReinvoke({ mode: 'sync', ok: true, result: { batchItemFailures: [] } }, 3)).toBe('SUCCEEDED (3 records)');
    expect(describeStreamReinvoke({ mode: 'sync', ok: true, result: { batchItemFailures: [{ itemIdentifier: '7' }] } }, 1)).toBe('FAILED (1 record): the function reported record 7 failed');
    expect(describeStreamReinvoke({ mode: 'sync', ok: false, error: { type: 'TypeError', message: 'x' } }, 2)).toBe('FAILED (2 records): TypeError: x');
  });

  it('names its stream by table and label', () => {
    expect(streamName(STREAM)).toBe('Subscriptions/stream/2026-03-01T00:00:00.000');
  });
});
