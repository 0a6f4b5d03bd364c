/**
 * `failures` and `redrive` with the on-failure records of DynamoDB stream batches: the rendering,
 * the consumer's name, `--json`, and the whole program against mocked clients (the batch read again
 * from the stream, the consumer re-invoked with the rebuilt event, the message deleted).
 */
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureJson, nameConsumers, renderFailures } from '../../../tools/cli/commands/failures';
import { runCli } from '../../../tools/cli/commands/program';
import type { InboxFailure } from '../../../tools/cli/failure-message';
import { buildCatalog } from '../../../tools/cli/job-catalog';
import { Capture } from './fixtures/platform';

const fnArn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:Jobs-${name}`;
const NOW = new Date('2026-03-27T12:00:00Z');
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as InvokeCommandOutput['Payload'];

describe('the program with a failed stream batch (mocked clients)', () => {
  const cfn = mockClient(CloudFormationClient);
  const scheduler = mockClient(SchedulerClient);
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  const streams = mockClient(DynamoDBStreamsClient);
  const INBOX = 'https://sqs.eu-west-1.amazonaws.com/123456789012/Jobs-Inbox';

  beforeEach(() => {
    cfn.on(DescribeStacksCommand, { StackName: 'Jobs' }).resolves({
      Stacks: [
        {
          StackName: 'Jobs',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            { OutputKey: 'JobsTableName', OutputValue: 'Jobs-Table' },
            { OutputKey: 'FailureInboxUrl', OutputValue: INBOX },
            { OutputKey: 'ScheduleGroupName', OutputValue: 'Jobs-jobs' },
          ],
        },
      ],
    });
    cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [] });
  });
  afterEach(() => {
    for (const mock of [cfn, scheduler, lambda, sqs, streams]) mock.reset();
  });

  async function jobs(args: string[]) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(args, { stdout, stderr, env: { AWS_REGION: 'eu-west-1', JOBS_STACK: 'Jobs' }, cwd: '/nonexistent', now: () => NOW });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('jobs failures shows a failed stream batch; jobs redrive reads it again, re-invokes its consumer and deletes the message', async () => {
    const STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Subs/stream/2026-03-01T00:00:00.000';
    const body = JSON.stringify({
      requestContext: { requestId: 'q', functionArn: `${fnArn('Subs')}:$LATEST`, condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-03-27T11:00:00.000Z',
      DDBStreamBatchInfo: { shardId: 'shard-1', startSequenceNumber: '100', endSequenceNumber: '200', batchSize: 2, streamArn: STREAM },
    });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 's', ReceiptHandle: 'rh-s', Body: body }] }).resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});

    const shown = await jobs(['failures']);

    expect(shown).toEqual({
      code: 0,
      stderr: '',
      stdout:
        [
          'CONSUMER   STREAM                               SHARD    SEQUENCE NUMBERS  RECORDS  CONDITION                          ATTEMPTS  AGE',
          'Jobs-Subs  Subs/stream/2026-03-01T00:00:00.000  shard-1  100..200          2        Unhandled: RetryAttemptsExhausted  11        1 h',
          '1 failure (delivery: 0, execution: 0, stream: 1)',
        ].join('\n') + '\n',
    });

    sqs.reset();
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 's', ReceiptHandle: 'rh-s', Body: body }] }).resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    const image = (id: string) => ({ subscriptionId: { S: id } });
    streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-0' });
    streams.on(GetRecordsCommand).resolves({
      Records: [
        { eventID: 'a', eventName: 'INSERT', dynamodb: { Keys: image('a'), NewImage: image('a'), SequenceNumber: '100' } },
        { eventID: 'b', eventName: 'INSERT', dynamodb: { Keys: image('b'), NewImage: image('b'), SequenceNumber: '200' } },
        { eventID: 'c', eventName: 'INSERT', dynamodb: { Keys: image('c'), NewImage: image('c'), SequenceNumber: '300' } },
      ],
      NextShardIterator: 'it-1',
    });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ batchItemFailures: [] }) });

    const redriven = await jobs(['redrive']);

    expect(redriven).toEqual({
      code: 0,
      stderr: '',
      stdout:
        [
          'JOB        SLOT      LAYER   RESULT                 MESSAGE',
          'Jobs-Subs  100..200  stream  SUCCEEDED (2 records)  deleted',
          '1 of 1 redriven and deleted; 0 kept in the inbox',
        ].join('\n') + '\n',
    });
    expect(streams).toReceiveCommandWith(GetShardIteratorCommand, { StreamArn: STREAM, ShardId: 'shard-1', ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: '100' });
    const sent = JSON.parse(new TextDecoder().decode(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array)) as { Records: Array<{ eventID: string; eventSourceARN: string }> };
    expect(sent.Records.map((r) => [r.eventID, r.eventSourceARN])).toEqual([
      ['a', STREAM],
      ['b', STREAM],
    ]);
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: fnArn('Subs'), InvocationType: 'RequestResponse' });
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, { QueueUrl: INBOX, ReceiptHandle: 'rh-s' });
    expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 0);
  });

  it('jobs redrive keeps the message and says so when the records are no longer in the stream', async () => {
    const body = JSON.stringify({
      requestContext: { functionArn: fnArn('Subs'), condition: 'RecordAgeExceeded', approximateInvokeCount: 1 },
      DDBStreamBatchInfo: { shardId: 'shard-0', startSequenceNumber: '100', endSequenceNumber: '100', batchSize: 1, streamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Subs/stream/x' },
    });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ MessageId: 's', ReceiptHandle: 'rh-s', Body: body }] }).resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    streams.on(GetShardIteratorCommand).rejects(Object.assign(new Error('Trimmed'), { name: 'TrimmedDataAccessException' }));

    const result = await jobs(['redrive', '--json']);

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      dryRun: false,
      selected: 1,
      deleted: 0,
      kept: 1,
      results: [
        {
          messageId: 's',
          job: null,
          slot: null,
          layer: 'stream',
          outcome: 'kept',
          detail: 'skipped: the records are no longer in the stream (kept 24 hours)',
        },
      ],
    });
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageCommand, 0);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, { Entries: [{ Id: '0', ReceiptHandle: 'rh-s', VisibilityTimeout: 0 }] });
  });
});

describe('failures: stream batches', () => {
  const STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Subs/stream/2026-03-01T00:00:00.000';
  const batch: InboxFailure = {
    messageId: 's',
    receiptHandle: 'rh-s',
    layer: 'stream',
    error: 'Unhandled: RetryAttemptsExhausted',
    attempts: 11,
    condition: 'RetryAttemptsExhausted',
    sentAt: NOW.getTime() - 7_200_000,
    functionArn: fnArn('report'),
    stream: { streamArn: STREAM, shardId: 'shard-1', startSequenceNumber: '100', endSequenceNumber: '200', batchSize: 2, firstArrival: '2026-03-27T09:59:00.000Z' },
  };

  it('names the consumer after the job whose function it is, else keeps its function name', () => {
    const catalog = buildCatalog('Jobs', [], [{ name: 'report', functionArn: fnArn('report') }]);
    expect(nameConsumers([batch, { ...batch, functionArn: fnArn('Subs') }], catalog).map((f) => f.job)).toEqual(['report', undefined]);
  });

  it('prints stream batches in their own table, after the runs', () => {
    const run: InboxFailure = { messageId: 'r', receiptHandle: 'rh-r', layer: 'execution', error: 'E: m', job: 'report', slot: 's1', attempts: 3, sentAt: NOW.getTime() - 60_000 };
    expect(renderFailures([run, { ...batch, functionArn: fnArn('Subs') }], NOW, 0, undefined)).toBe(
      [
        'JOB     SLOT  LAYER      ERROR  ATTEMPTS  AGE',
        'report  s1    execution  E: m   3         1 min',
        '',
        'CONSUMER   STREAM                               SHARD    SEQUENCE NUMBERS  RECORDS  CONDITION                          ATTEMPTS  AGE',
        'Jobs-Subs  Subs/stream/2026-03-01T00:00:00.000  shard-1  100..200          2        Unhandled: RetryAttemptsExhausted  11        2 h',
        '2 failures (delivery: 0, execution: 1, stream: 1)',
      ].join('\n'),
    );
  });

  it('gives the whole batch in --json', () => {
    expect(failureJson(batch, NOW)).toMatchObject({
      layer: 'stream',
      condition: 'RetryAttemptsExhausted',
      attempts: 11,
      ageSeconds: 7200,
      functionArn: fnArn('report'),
      event: null,
      stream: {
        streamArn: STREAM,
        shardId: 'shard-1',
        startSequenceNumber: '100',
        endSequenceNumber: '200',
        batchSize: 2,
        approximateArrivalOfFirstRecord: '2026-03-27T09:59:00.000Z',
        approximateArrivalOfLastRecord: null,
      },
    });
  });
});
