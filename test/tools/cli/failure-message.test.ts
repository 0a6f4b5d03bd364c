import { describe, expect, it } from 'vitest';
import { jobOf, normaliseFailure, slotOf, unqualified, type InboxMessage } from '../../../tools/cli/failure-message';

const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:Jobs-weekly-cleanup';
const SCHEDULE = 'arn:aws:scheduler:eu-west-1:123456789012:schedule/Jobs-jobs/weekly-cleanup';

function message(body: string, attributes: Record<string, string> = {}, sentAt = 1_790_000_000_000): InboxMessage {
  return { messageId: 'm-1', receiptHandle: 'r-1', body, attributes, sentAt };
}

const event = {
  job: 'weekly-cleanup',
  scheduledTime: '2026-03-01T02:00:00Z',
  executionId: 'e-1',
  attempt: '1',
  scheduleArn: SCHEDULE,
  payload: { olderThanDays: 30 },
};

describe('normaliseFailure', () => {
  it("reads a fan-out job's failed execution: the Step Functions status-change event, its input the job event", () => {
    const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:Jobs-weekly-cleanup:weekly-cleanup-20260301T020000000Z';
    const failure = normaliseFailure(
      message(
        JSON.stringify({
          'detail-type': 'Step Functions Execution Status Change',
          source: 'aws.states',
          detail: { executionArn, status: 'TIMED_OUT', input: JSON.stringify(event), error: 'States.Timeout', cause: null, stopDate: 1_790_000_000_500 },
        }),
      ),
    );
    expect(failure).toEqual({
      messageId: 'm-1',
      receiptHandle: 'r-1',
      sentAt: 1_790_000_000_000,
      job: 'weekly-cleanup',
      slot: '2026-03-01T02:00:00.000Z',
      layer: 'execution',
      error: `Execution TIMED_OUT: ${executionArn}: States.Timeout`,
      condition: 'TIMED_OUT',
      event,
    });
  });

  it('reads a Scheduler dead-letter message: body = target input, attributes = why', () => {
    const failure = normaliseFailure(
      message(JSON.stringify(event), {
        ERROR_CODE: 'AWS.Lambda.TooManyRequestsException',
        ERROR_MESSAGE: 'Rate Exceeded.',
        EXECUTION_ID: 'e-1',
        EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttemptsExceeded',
        IS_PAYLOAD_TRUNCATED: 'false',
        RETRY_ATTEMPTS: '185',
        SCHEDULED_TIME: '2026-03-01T02:00:00Z',
        SCHEDULE_ARN: SCHEDULE,
        TARGET_ARN: FUNCTION,
      }),
    );
    expect(failure).toEqual({
      messageId: 'm-1',
      receiptHandle: 'r-1',
      sentAt: 1_790_000_000_000,
      job: 'weekly-cleanup',
      slot: '2026-03-01T02:00:00.000Z',
      layer: 'delivery',
      error: 'AWS.Lambda.TooManyRequestsException: Rate Exceeded.',
      attempts: 186,
      condition: 'MaximumRetryAttemptsExceeded',
      event,
      functionArn: FUNCTION,
    });
  });

  it('substitutes context attributes left in a dead-letter body, and names the job from the schedule when the input does not', () => {
    const failure = normaliseFailure(
      message('{"scheduledTime":"<aws.scheduler.scheduled-time>","arn":"<aws.scheduler.schedule-arn>"}', {
        ERROR_CODE: 'ResourceNotFoundException',
        SCHEDULED_TIME: '2026-03-01T02:00:00Z',
        SCHEDULE_ARN: SCHEDULE,
        RETRY_ATTEMPTS: '0',
      }),
    );
    expect(failure).toMatchObject({
      job: 'weekly-cleanup',
      slot: '2026-03-01T02:00:00.000Z',
      error: 'ResourceNotFoundException',
      attempts: 1,
      event: { scheduledTime: '2026-03-01T02:00:00Z', arn: SCHEDULE },
    });
  });

  it('reads a Lambda on-failure destination record: requestPayload = event, responsePayload = error', () => {
    const record = {
      version: '1.0',
      timestamp: '2026-03-01T02:03:10.000Z',
      requestContext: { requestId: 'req-1', functionArn: `${FUNCTION}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { ...event, key: 'sub-1' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'AccessDenied', errorMessage: 'Access Denied', trace: [] },
    };
    expect(normaliseFailure(message(JSON.stringify(record)))).toEqual({
      messageId: 'm-1',
      receiptHandle: 'r-1',
      sentAt: 1_790_000_000_000,
      job: 'weekly-cleanup',
      slot: '2026-03-01T02:00:00.000Z#sub-1',
      layer: 'execution',
      error: 'AccessDenied: Access Denied',
      attempts: 3,
      condition: 'RetriesExhausted',
      event: { ...event, key: 'sub-1' },
      functionArn: FUNCTION,
    });
  });

  it('takes the record timestamp as the age when SQS gives none, and the watchdog event as job watchdog', () => {
    const record = {
      timestamp: '2026-03-01T02:03:10.000Z',
      requestContext: { condition: 'EventAgeExceeded', approximateInvokeCount: 1, functionArn: FUNCTION },
      requestPayload: { watchdog: true },
      responsePayload: null,
    };
    const failure = normaliseFailure({ messageId: 'm', receiptHandle: 'r', body: JSON.stringify(record), attributes: {} });
    expect(failure).toMatchObject({ job: 'watchdog', sentAt: Date.parse('2026-03-01T02:03:10.000Z'), error: 'null', layer: 'execution' });
    expect(failure.slot).toBeUndefined();
  });

  it('reads a function dead-letter message (body = event) as the execution layer', () => {
    const failure = normaliseFailure(message(JSON.stringify({ job: 'report', manual: true, payload: {} }), { RequestID: 'x', ErrorCode: '200', ErrorMessage: 'boom' }));
    expect(failure).toMatchObject({ job: 'report', slot: 'manual', layer: 'execution', error: 'boom', event: { job: 'report', manual: true } });
    expect(failure.attempts).toBeUndefined();
  });

  it('keeps anything else as unrecognised, without an event to redrive', () => {
    const failure = normaliseFailure(message('not json'));
    expect(failure).toEqual({
      messageId: 'm-1',
      receiptHandle: 'r-1',
      sentAt: 1_790_000_000_000,
      layer: 'unknown',
      error: 'not a Scheduler dead-letter message nor a Lambda failure record',
    });
  });
});

describe('helpers', () => {
  it('drops the qualifier of a function ARN only', () => {
    expect(unqualified(`${FUNCTION}:$LATEST`)).toBe(FUNCTION);
    expect(unqualified(`${FUNCTION}:live`)).toBe(FUNCTION);
    expect(unqualified(FUNCTION)).toBe(FUNCTION);
    expect(unqualified('arn:aws:sqs:eu-west-1:123456789012:inbox')).toBe('arn:aws:sqs:eu-west-1:123456789012:inbox');
  });

  it('gives the slot in run-record form', () => {
    expect(slotOf({ scheduledTime: '2026-03-01T03:00:00+01:00' })).toBe('2026-03-01T02:00:00.000Z');
    expect(slotOf({ scheduledTime: '2026-03-01T02:00:00Z', key: 'k' })).toBe('2026-03-01T02:00:00.000Z#k');
    expect(slotOf({ manual: true })).toBe('manual');
    expect(slotOf({ scheduledTime: 'soon' })).toBeUndefined();
    expect(slotOf('x')).toBeUndefined();
    expect(jobOf({ job: 'a' })).toBe('a');
    expect(jobOf({})).toBeUndefined();
  });
});

describe('normaliseFailure: a DynamoDB stream batch (event source mapping on-failure record)', () => {
  const STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Subscriptions/stream/2026-03-01T00:00:00.000';
  const CONSUMER = 'arn:aws:lambda:eu-west-1:123456789012:function:Jobs-SubscriptionsFunction';
  const record = {
    requestContext: { requestId: 'req-1', functionArn: `${CONSUMER}:$LATEST`, condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-03-27T11:00:00.000Z',
    DDBStreamBatchInfo: {
      shardId: 'shardId-00000001',
      startSequenceNumber: '100000000000000000001',
      endSequenceNumber: '100000000000000000003',
      approximateArrivalOfFirstRecord: '2026-03-27T10:59:00.000Z',
      approximateArrivalOfLastRecord: '2026-03-27T10:59:01.000Z',
      batchSize: 3,
      streamArn: STREAM,
    },
  };

  it('reads the consumer, the stream batch, the condition and the attempts; the record holds no event', () => {
    expect(normaliseFailure(message(JSON.stringify(record)))).toEqual({
      messageId: 'm-1',
      receiptHandle: 'r-1',
      sentAt: 1_790_000_000_000,
      layer: 'stream',
      error: 'Unhandled: RetryAttemptsExhausted',
      attempts: 11,
      condition: 'RetryAttemptsExhausted',
      functionArn: CONSUMER,
      stream: {
        streamArn: STREAM,
        shardId: 'shardId-00000001',
        startSequenceNumber: '100000000000000000001',
        endSequenceNumber: '100000000000000000003',
        batchSize: 3,
        firstArrival: '2026-03-27T10:59:00.000Z',
        lastArrival: '2026-03-27T10:59:01.000Z',
      },
    });
  });

  it('takes the record timestamp as the age without SentTimestamp, and the condition alone without a function error', () => {
    const { responseContext: _ignored, ...withoutResponse } = record;
    const failure = normaliseFailure({ messageId: 'm-2', receiptHandle: 'r-2', body: JSON.stringify({ ...withoutResponse, requestContext: { ...record.requestContext, condition: 'RecordAgeExceeded' } }), attributes: {} });
    expect([failure.layer, failure.error, failure.condition, failure.sentAt]).toEqual(['stream', 'RecordAgeExceeded', 'RecordAgeExceeded', Date.parse('2026-03-27T11:00:00.000Z')]);
  });

  it('keeps the layer but names no batch when the batch info lacks its range', () => {
    const failure = normaliseFailure(message(JSON.stringify({ ...record, DDBStreamBatchInfo: { shardId: 's', streamArn: STREAM } })));
    expect(failure.layer).toBe('stream');
    expect(failure.stream).toBeUndefined();
  });
});
