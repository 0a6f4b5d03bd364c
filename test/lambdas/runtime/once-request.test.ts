import { describe, expect, it } from 'vitest';
import { OneTimeScheduleValidationError, OneTimeSchedulerConfigError } from '../../../lambdas/runtime/once-errors';
import { buildSchedule, createScheduleInput, keyFromDescription, validateConfig, type OneTimeConfig } from '../../../lambdas/runtime/once-request';

const config: OneTimeConfig = {
  job: 'payment-reminder',
  group: 'jobs-once',
  target: {
    arn: 'arn:aws:lambda:us-east-1:123456789012:function:reminder',
    roleArn: 'arn:aws:iam::123456789012:role/scheduler',
    deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:inbox',
  },
  retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
};
const now = new Date('2027-02-01T00:00:00Z');

function validationError(fn: () => unknown): OneTimeScheduleValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OneTimeScheduleValidationError);
    return error as OneTimeScheduleValidationError;
  }
  throw new Error('expected a validation error');
}

describe('buildSchedule', () => {
  it('writes the at() wall clock in the zone and fixes scheduledTime to the instant', () => {
    const at = new Date('2027-02-26T08:00:00.789Z'); // 09:00:00 in Paris; milliseconds dropped
    const built = buildSchedule(config, { key: 'sub-123', at, timeZone: 'Europe/Paris', payload: { subscriptionId: 'sub-123' } }, now);
    expect(built.expression).toBe('at(2027-02-26T09:00:00)');
    expect(built.expressionTimeZone).toBe('Europe/Paris');
    expect(built.at.toISOString()).toBe('2027-02-26T08:00:00.000Z');
    expect(JSON.parse(built.input)).toEqual({
      job: 'payment-reminder',
      scheduledTime: '2027-02-26T08:00:00.000Z',
      executionId: '<aws.scheduler.execution-id>',
      attempt: '<aws.scheduler.attempt-number>',
      scheduleArn: '<aws.scheduler.schedule-arn>',
      payload: { subscriptionId: 'sub-123' },
      key: 'sub-123',
    });
    expect(keyFromDescription('payment-reminder', built.description)).toBe('sub-123');
  });

  it('writes the second pass of a fall-back hour in UTC so it does not fire an hour early', () => {
    // 06:30Z on 1 Nov 2026 is 01:30 EST, the second 01:30 in New York.
    const built = buildSchedule(config, { key: 'k', at: new Date('2026-11-01T06:30:00Z'), timeZone: 'America/New_York' }, new Date('2026-10-01T00:00:00Z'));
    expect(built.expression).toBe('at(2026-11-01T06:30:00)');
    expect(built.expressionTimeZone).toBe('UTC');
    const first = buildSchedule(config, { key: 'k', at: new Date('2026-11-01T05:30:00Z'), timeZone: 'America/New_York' }, new Date('2026-10-01T00:00:00Z'));
    expect(first.expression).toBe('at(2026-11-01T01:30:00)');
    expect(first.expressionTimeZone).toBe('America/New_York');
  });

  it('defaults to UTC and an empty payload', () => {
    const built = buildSchedule(config, { key: 'k', at: new Date('2027-03-01T12:00:00Z') }, now);
    expect(built.expression).toBe('at(2027-03-01T12:00:00)');
    expect(built.expressionTimeZone).toBe('UTC');
    expect(JSON.parse(built.input).payload).toEqual({});
  });

  it('builds the CreateSchedule request: DELETE after completion, no window, retry policy, dead-letter queue', () => {
    const built = buildSchedule(config, { key: 'sub-1', at: new Date('2027-03-01T12:00:00Z') }, now);
    expect(createScheduleInput(config, built, 'token-1')).toEqual({
      Name: built.name,
      GroupName: 'jobs-once',
      Description: 'payment-reminder: sub-1',
      ScheduleExpression: 'at(2027-03-01T12:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      ClientToken: 'token-1',
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:123456789012:function:reminder',
        RoleArn: 'arn:aws:iam::123456789012:role/scheduler',
        Input: built.input,
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:inbox' },
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      },
    });
  });

  describe('rejects bad input naming the field', () => {
    const at = new Date('2027-03-01T12:00:00Z');
    it.each([
      [{ key: '', at }, 'key', "one-time schedule for job 'payment-reminder': key must be a non-empty string of at most 256 characters (got an empty string)"],
      [{ key: 'k'.repeat(257), at }, 'key', "one-time schedule for job 'payment-reminder': key must be a non-empty string of at most 256 characters (got 257 characters)"],
      [{ key: 42, at }, 'key', "one-time schedule for job 'payment-reminder': key must be a non-empty string of at most 256 characters (got number)"],
      [{ key: 'k', at: new Date('nope') }, 'at', "one-time schedule for job 'payment-reminder': at must be a valid Date (got an invalid Date)"],
      [{ key: 'k', at: '2027-03-01T12:00:00Z' }, 'at', "one-time schedule for job 'payment-reminder': at must be a valid Date (got '2027-03-01T12:00:00Z')"],
      [
        { key: 'k', at: new Date('2027-02-01T00:00:59Z') },
        'at',
        "one-time schedule for job 'payment-reminder': at must be at least 1 minute in the future (got 2027-02-01T00:00:59.000Z, now 2027-02-01T00:00:00.000Z)",
      ],
      [
        { key: 'k', at: new Date('2026-01-01T00:00:00Z') },
        'at',
        "one-time schedule for job 'payment-reminder': at must be at least 1 minute in the future (got 2026-01-01T00:00:00.000Z, now 2027-02-01T00:00:00.000Z)",
      ],
      [{ key: 'k', at, timeZone: 'Mars/Olympus_Mons' }, 'timeZone', "one-time schedule for job 'payment-reminder': timeZone must be an IANA time zone such as 'Europe/Paris' (got 'Mars/Olympus_Mons')"],
      [{ key: 'k', at, timeZone: 'europe/paris' }, 'timeZone', "one-time schedule for job 'payment-reminder': timeZone must be an IANA time zone such as 'Europe/Paris' (got 'europe/paris')"],
      [{ key: 'k', at, payload: { n: 1n } }, 'payload', "one-time schedule for job 'payment-reminder': payload must be JSON-serialisable (got Do not know how to serialize a BigInt)"],
    ])('%#: %s', (request, field, message) => {
      const error = validationError(() => buildSchedule(config, request as never, now));
      expect(error.field).toBe(field);
      expect(error.message).toBe(message);
    });

    it('accepts exactly one minute ahead', () => {
      expect(() => buildSchedule(config, { key: 'k', at: new Date('2027-02-01T00:01:00Z') }, now)).not.toThrow();
    });

    it('a payload over the input limit, counted in UTF-8 bytes of the whole event', () => {
      // The event around the payload: everything but the payload string's content.
      const envelope = JSON.stringify({
        job: 'payment-reminder',
        scheduledTime: '2027-03-01T12:00:00.000Z',
        executionId: '<aws.scheduler.execution-id>',
        attempt: '<aws.scheduler.attempt-number>',
        scheduleArn: '<aws.scheduler.schedule-arn>',
        payload: { text: '' },
        key: 'k',
      }).length;
      const fits = 'x'.repeat(262_144 - envelope);
      expect(() => buildSchedule(config, { key: 'k', at, payload: { text: fits } }, now)).not.toThrow();
      // 'é' is 2 bytes in UTF-8: one character less, one byte more.
      const over = `${'x'.repeat(262_144 - envelope - 1)}é`;
      const error = validationError(() => buildSchedule(config, { key: 'k', at, payload: { text: over } }, now));
      expect(error.field).toBe('payload');
      expect(error.message).toBe(
        "one-time schedule for job 'payment-reminder': payload must fit in a schedule input of at most 262144 bytes of JSON (got 262145 bytes)",
      );
    });

    it('names the item in a batch', () => {
      const error = validationError(() => buildSchedule(config, { key: '', at }, now, 7));
      expect(error.index).toBe(7);
      expect(error.message).toBe(
        "one-time schedule for job 'payment-reminder' (item 7): key must be a non-empty string of at most 256 characters (got an empty string)",
      );
    });
  });
});

describe('validateConfig', () => {
  it.each([
    [{ ...config, job: 'Payment' }, 'OneTimeScheduler: job must be a job name matching /^[a-z][a-z0-9-]{0,47}$/ (got "Payment")'],
    [{ ...config, group: 'bad group' }, 'OneTimeScheduler: group must be a schedule group name of 1-64 characters [0-9a-zA-Z-_.] (got "bad group")'],
    [{ ...config, target: { ...config.target, arn: '' } }, "OneTimeScheduler: target.arn must be the job function's ARN (got \"\")"],
    [{ ...config, target: { ...config.target, roleArn: 'scheduler' } }, 'OneTimeScheduler: target.roleArn must be an IAM role ARN (got "scheduler")'],
    [{ ...config, target: { ...config.target, deadLetterArn: 'arn:aws:sns:us-east-1:123456789012:t' } }, 'OneTimeScheduler: target.deadLetterArn must be an SQS queue ARN (got "arn:aws:sns:us-east-1:123456789012:t")'],
    [{ ...config, retryPolicy: { maximumRetryAttempts: 186 } }, 'OneTimeScheduler: retryPolicy.maximumRetryAttempts must be an integer from 0 to 185 (got 186)'],
    [{ ...config, retryPolicy: { maximumEventAgeInSeconds: 59 } }, 'OneTimeScheduler: retryPolicy.maximumEventAgeInSeconds must be an integer from 60 to 86400 (got 59)'],
  ])('%#', (bad, message) => {
    expect(() => validateConfig(bad as OneTimeConfig)).toThrow(new OneTimeSchedulerConfigError(message));
    expect(() => validateConfig(bad as OneTimeConfig)).toThrow(message);
  });
});
