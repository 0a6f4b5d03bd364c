import { describe, expect, it } from 'vitest';
import {
  failureRecord,
  functionDeadLetterAttributes,
  lambdaTargetEvent,
  retryDecision,
  scheduleDeadLetterAttributes,
  substituteContextAttributes,
  successRecord,
  TargetInputError,
} from '../../../tools/local/async-invocation';
import { schedulerTime } from '../../../tools/local/clock';

const values = {
  scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/cleanup',
  scheduledTime: '2026-11-29T02:00:00Z',
  executionId: 'exec-1',
  attemptNumber: 1,
};

describe('context attributes', () => {
  it('substitutes every attribute, wherever and however often it appears', () => {
    const input =
      '{"job":"cleanup","scheduledTime":"<aws.scheduler.scheduled-time>","executionId":"<aws.scheduler.execution-id>",' +
      '"attempt":"<aws.scheduler.attempt-number>","scheduleArn":"<aws.scheduler.schedule-arn>","note":"<aws.scheduler.scheduled-time>"}';
    expect(JSON.parse(substituteContextAttributes(input, values))).toEqual({
      job: 'cleanup',
      scheduledTime: '2026-11-29T02:00:00Z',
      executionId: 'exec-1',
      attempt: '1',
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/cleanup',
      note: '2026-11-29T02:00:00Z',
    });
  });

  it('gives a Lambda target {} without input and rejects input that is not JSON', () => {
    expect(lambdaTargetEvent('cleanup', undefined, values)).toEqual({});
    expect(() => lambdaTargetEvent('cleanup', 'hello <aws.scheduler.execution-id>', values)).toThrow(
      new TargetInputError("schedule 'cleanup': the target input is not JSON (Lambda targets need JSON): hello exec-1"),
    );
  });

  it('formats the scheduled time to the second, without milliseconds', () => {
    expect(schedulerTime(Date.UTC(2026, 10, 29, 2, 0, 0, 999))).toBe('2026-11-29T02:00:00Z');
  });
});

describe('retryDecision', () => {
  const received = Date.UTC(2026, 0, 1, 12, 0, 0);
  const settings = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

  it('retries after one minute, then after two minutes, then gives up', () => {
    expect(retryDecision(settings, 1, received, received + 500)).toEqual({ retry: true, at: received + 500 + 60_000 });
    expect(retryDecision(settings, 2, received, received + 61_000)).toEqual({ retry: true, at: received + 61_000 + 120_000 });
    expect(retryDecision(settings, 3, received, received + 181_000)).toEqual({ retry: false, condition: 'RetriesExhausted' });
  });

  it('does not retry when retries are off', () => {
    expect(retryDecision({ ...settings, maximumRetryAttempts: 0 }, 1, received, received)).toEqual({ retry: false, condition: 'RetriesExhausted' });
  });

  it('stops when the next attempt would be older than the maximum event age', () => {
    // Age limit 60 s: the retry one minute after a failure at +1 s would be 61 s old.
    expect(retryDecision({ ...settings, maximumEventAgeSeconds: 60 }, 1, received, received + 1000)).toEqual({
      retry: false,
      condition: 'EventAgeExceeded',
    });
  });
});

describe('destination records', () => {
  const error = { errorType: 'TypeError', errorMessage: 'boom', trace: ['TypeError: boom', '    at x'] };

  it('builds the on-failure record in the Lambda destination format', () => {
    const record = failureRecord({
      requestId: 'req-1',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cleanup',
      condition: 'RetriesExhausted',
      attempts: 3,
      event: { job: 'cleanup' },
      error,
      timestamp: '2026-11-29T02:03:01.000Z',
    });
    expect(record).toEqual({
      version: '1.0',
      timestamp: '2026-11-29T02:03:01.000Z',
      requestContext: {
        requestId: 'req-1',
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cleanup:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { job: 'cleanup' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'TypeError', errorMessage: 'boom', trace: ['TypeError: boom', '    at x'] },
    });
  });

  it('builds the on-success record', () => {
    const record = successRecord({
      requestId: 'req-2',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      attempts: 1,
      event: {},
      result: { ok: 1 },
      timestamp: 't',
    });
    expect(record.requestContext.condition).toBe('Success');
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(record.responsePayload).toEqual({ ok: 1 });
  });

  it('builds dead-letter message attributes for functions and schedules', () => {
    expect(functionDeadLetterAttributes('req-3', error)).toEqual({
      RequestID: { DataType: 'String', StringValue: 'req-3' },
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: 'boom' },
    });
    const attributes = scheduleDeadLetterAttributes({
      errorCode: 'ResourceNotFoundException',
      errorMessage: 'no such function',
      executionId: 'exec-9',
      condition: 'MaximumRetryAttemptsExceeded',
      retryAttempts: 0,
      scheduledTime: '2026-11-29T02:00:00Z',
      scheduleArn: values.scheduleArn,
      targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:gone',
    });
    expect(Object.keys(attributes).sort()).toEqual([
      'ERROR_CODE',
      'ERROR_MESSAGE',
      'EXECUTION_ID',
      'EXHAUSTED_RETRY_CONDITION',
      'IS_PAYLOAD_TRUNCATED',
      'RETRY_ATTEMPTS',
      'SCHEDULED_TIME',
      'SCHEDULE_ARN',
      'TARGET_ARN',
    ]);
    expect(attributes.RETRY_ATTEMPTS).toEqual({ DataType: 'Number', StringValue: '0' });
    expect(attributes.TARGET_ARN.StringValue).toBe('arn:aws:lambda:us-east-1:123456789012:function:gone');
  });
});
