import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  OneTimeBatchError,
  OneTimeScheduleRequestError,
  OneTimeScheduleValidationError,
  OneTimeScheduler,
  OneTimeSchedulerConfigError,
  oneTimeScheduleName,
} from '../../../lambdas/runtime/once';

const scheduler = mockClient(SchedulerClient);
afterEach(() => scheduler.reset());

const NOW = new Date('2027-02-01T00:00:00Z');
const target = {
  arn: 'arn:aws:lambda:us-east-1:123456789012:function:reminder',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:inbox',
};

function make() {
  return new OneTimeScheduler({
    client: new SchedulerClient({}),
    job: 'payment-reminder',
    group: 'jobs-once',
    target,
    retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 600 },
    now: () => NOW,
  });
}

const opts = (message: string) => ({ message, Message: message, $metadata: {} });
const conflict = () => new ConflictException(opts('Schedule already exists.'));
const notFound = () => new ResourceNotFoundException(opts('Schedule does not exist.'));
const throttled = () => new ThrottlingException(opts('Rate exceeded'));

describe('OneTimeScheduler.schedule', () => {
  it('creates an at() schedule named after job + key, deleted after completion', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const result = await make().schedule({
      key: 'sub-123',
      at: new Date('2027-02-26T08:00:00Z'),
      timeZone: 'Europe/Paris',
      payload: { subscriptionId: 'sub-123', expiresOn: '2027-03-01' },
    });

    const name = oneTimeScheduleName('payment-reminder', 'sub-123');
    expect(result).toEqual({ key: 'sub-123', name, at: new Date('2027-02-26T08:00:00Z'), created: true });
    expect(scheduler).toReceiveCommandTimes(CreateScheduleCommand, 1);
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Name: name,
      GroupName: 'jobs-once',
      ScheduleExpression: 'at(2027-02-26T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: target.arn,
        RoleArn: target.roleArn,
        DeadLetterConfig: { Arn: target.deadLetterArn },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
      },
    });
    expect(JSON.parse(input.Target!.Input!)).toEqual({
      job: 'payment-reminder',
      scheduledTime: '2027-02-26T08:00:00.000Z',
      executionId: '<aws.scheduler.execution-id>',
      attempt: '<aws.scheduler.attempt-number>',
      scheduleArn: '<aws.scheduler.schedule-arn>',
      payload: { subscriptionId: 'sub-123', expiresOn: '2027-03-01' },
      key: 'sub-123',
    });
    expect(input.ClientToken).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);
  });

  it('treats ConflictException as "already scheduled": created false, no error', async () => {
    scheduler.on(CreateScheduleCommand).rejects(conflict());
    const result = await make().schedule({ key: 'sub-123', at: new Date('2027-02-26T08:00:00Z') });
    expect(result.created).toBe(false);
    expect(result.name).toBe(oneTimeScheduleName('payment-reminder', 'sub-123'));
  });

  it('validates before any call', async () => {
    const s = make();
    await expect(s.schedule({ key: '', at: new Date('2027-02-26T08:00:00Z') })).rejects.toThrow(
      new OneTimeScheduleValidationError(
        "one-time schedule for job 'payment-reminder': key must be a non-empty string of at most 256 characters (got an empty string)",
        'key',
      ),
    );
    await expect(s.schedule({ key: 'k', at: new Date('2027-02-01T00:00:30Z') })).rejects.toThrow(
      "one-time schedule for job 'payment-reminder': at must be at least 1 minute in the future (got 2027-02-01T00:00:30.000Z, now 2027-02-01T00:00:00.000Z)",
    );
    await expect(s.schedule({ key: 'k', at: new Date('2027-02-26T08:00:00Z'), timeZone: 'Europe/Pariss' })).rejects.toThrow(
      "one-time schedule for job 'payment-reminder': timeZone must be an IANA time zone such as 'Europe/Paris' (got 'Europe/Pariss')",
    );
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('passes a throttling error that outlived the client retries on, naming the key', async () => {
    scheduler.on(CreateScheduleCommand).rejects(throttled());
    const error = await make()
      .schedule({ key: 'k', at: new Date('2027-02-26T08:00:00Z') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OneTimeScheduleRequestError);
    expect((error as Error).message).toBe(
      "one-time schedule for job 'payment-reminder' key 'k': CreateSchedule failed: ThrottlingException: Rate exceeded",
    );
    expect((error as Error).cause).toBeInstanceOf(ThrottlingException);
    // Retrying is the client's job (sdkRetryConfig): the scheduler sends once.
    expect(scheduler).toReceiveCommandTimes(CreateScheduleCommand, 1);
  });

  it('does not retry other errors', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ValidationException(opts('bad')));
    await expect(make().schedule({ key: 'k', at: new Date('2027-02-26T08:00:00Z') })).rejects.toThrow(
      "one-time schedule for job 'payment-reminder' key 'k': CreateSchedule failed: ValidationException: bad",
    );
    expect(scheduler).toReceiveCommandTimes(CreateScheduleCommand, 1);
  });
});

describe('OneTimeScheduler.cancel', () => {
  it('deletes the schedule and says true', async () => {
    scheduler.on(DeleteScheduleCommand).resolves({});
    expect(await make().cancel('sub-123')).toBe(true);
    expect(scheduler).toReceiveCommandWith(DeleteScheduleCommand, {
      Name: oneTimeScheduleName('payment-reminder', 'sub-123'),
      GroupName: 'jobs-once',
    });
  });

  it('says false for a schedule that already fired (Scheduler deleted it) or never existed', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(notFound());
    expect(await make().cancel('sub-123')).toBe(false);
  });
});

describe('OneTimeScheduler.reschedule', () => {
  const name = oneTimeScheduleName('payment-reminder', 'sub-123');
  const existingInput = JSON.stringify({
    job: 'payment-reminder',
    scheduledTime: '2027-02-26T08:00:00.000Z',
    executionId: '<aws.scheduler.execution-id>',
    attempt: '<aws.scheduler.attempt-number>',
    scheduleArn: '<aws.scheduler.schedule-arn>',
    payload: { subscriptionId: 'sub-123', expiresOn: '2027-03-01' },
  });
  const existing = {
    Name: name,
    Description: 'payment-reminder: sub-123',
    ScheduleExpression: 'at(2027-02-26T09:00:00)',
    ScheduleExpressionTimezone: 'Europe/Paris',
    Target: { Arn: target.arn, RoleArn: target.roleArn, Input: existingInput },
  };

  it('reads the schedule, then writes every field back with the new instant, keeping payload and zone', async () => {
    scheduler.on(GetScheduleCommand).resolves(existing);
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const result = await make().reschedule({ key: 'sub-123', at: new Date('2027-03-29T07:00:00Z') });

    expect(result).toEqual({
      key: 'sub-123',
      name,
      at: new Date('2027-03-29T07:00:00Z'),
      created: false,
      previousAt: new Date('2027-02-26T08:00:00Z'),
    });
    const input = scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input;
    // 29 March 2027 07:00Z is 09:00 CEST in Paris (summer time started on 28 March).
    expect(input).toMatchObject({
      Name: name,
      GroupName: 'jobs-once',
      ScheduleExpression: 'at(2027-03-29T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Description: 'payment-reminder: sub-123',
      Target: { Arn: target.arn, RoleArn: target.roleArn, DeadLetterConfig: { Arn: target.deadLetterArn } },
    });
    expect(JSON.parse(input.Target!.Input!)).toMatchObject({
      scheduledTime: '2027-03-29T07:00:00.000Z',
      payload: { subscriptionId: 'sub-123', expiresOn: '2027-03-01' },
    });
    expect(scheduler).toReceiveCommandTimes(CreateScheduleCommand, 0);
  });

  it('replaces the payload when one is given', async () => {
    scheduler.on(GetScheduleCommand).resolves(existing);
    scheduler.on(UpdateScheduleCommand).resolves({});
    await make().reschedule({ key: 'sub-123', at: new Date('2028-02-26T08:00:00Z'), payload: { expiresOn: '2028-03-01' } });
    const input = scheduler.commandCalls(UpdateScheduleCommand)[0]!.args[0].input;
    expect(JSON.parse(input.Target!.Input!).payload).toEqual({ expiresOn: '2028-03-01' });
  });

  it('creates the schedule when there is none (it fired, or was never made)', async () => {
    scheduler.on(GetScheduleCommand).rejects(notFound());
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const result = await make().reschedule({ key: 'sub-123', at: new Date('2027-03-29T07:00:00Z') });
    expect(result.created).toBe(true);
    expect(scheduler).toReceiveCommandTimes(UpdateScheduleCommand, 0);
    expect(scheduler).toReceiveCommandTimes(CreateScheduleCommand, 1);
  });

  it('creates it when it fired between the read and the write', async () => {
    scheduler.on(GetScheduleCommand).resolves(existing);
    scheduler.on(UpdateScheduleCommand).rejects(notFound());
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const result = await make().reschedule({ key: 'sub-123', at: new Date('2027-03-29T07:00:00Z') });
    expect(result.created).toBe(true);
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(JSON.parse(input.Target!.Input!).payload).toEqual({ subscriptionId: 'sub-123', expiresOn: '2027-03-01' });
  });

  it('validates before reading', async () => {
    await expect(make().reschedule({ key: 'sub-123', at: new Date('2026-01-01T00:00:00Z') })).rejects.toThrow(OneTimeScheduleValidationError);
    expect(scheduler.calls()).toHaveLength(0);
  });
});

describe('OneTimeScheduler.scheduleMany', () => {
  const at = new Date('2027-02-26T08:00:00Z');

  it('validates every item before the first call', async () => {
    const items = [{ key: 'a', at }, { key: 'b', at }, { key: '', at }];
    await expect(make().scheduleMany(items)).rejects.toThrow(
      "one-time schedule for job 'payment-reminder' (item 2): key must be a non-empty string of at most 256 characters (got an empty string)",
    );
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('keeps at most `concurrency` requests in flight and returns results in order', async () => {
    let inFlight = 0;
    let peak = 0;
    scheduler.on(CreateScheduleCommand).callsFake(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return { ScheduleArn: 'arn' };
    });
    const items = Array.from({ length: 40 }, (_, i) => ({ key: `k-${i}`, at }));
    const results = await make().scheduleMany(items, { concurrency: 5 });
    expect(peak).toBe(5);
    expect(results.map((r) => r.key)).toEqual(items.map((i) => i.key));
    expect(results.every((r) => r.created)).toBe(true);
    expect(scheduler).toReceiveCommandTimes(CreateScheduleCommand, 40);
  });

  it('reports the items that still failed after the others finished', async () => {
    scheduler.on(CreateScheduleCommand).callsFake(async (input: { Name: string }) => {
      if (input.Name === oneTimeScheduleName('payment-reminder', 'bad')) throw new ValidationException(opts('no'));
      return {};
    });
    const error = (await make()
      .scheduleMany([{ key: 'a', at }, { key: 'bad', at }, { key: 'c', at }])
      .catch((e: unknown) => e)) as OneTimeBatchError;
    expect(error).toBeInstanceOf(OneTimeBatchError);
    expect(error.message).toBe(
      "scheduleMany for job 'payment-reminder': 1 of 3 schedules failed; first: key 'bad': one-time schedule for job 'payment-reminder' key 'bad': CreateSchedule failed: ValidationException: no",
    );
    expect(error.outcomes.map((o) => [o.key, o.created, o.error?.name])).toEqual([
      ['a', true, undefined],
      ['bad', undefined, 'OneTimeScheduleRequestError'],
      ['c', true, undefined],
    ]);
  });
});

describe('OneTimeScheduler.list and get', () => {
  it('lists this job only, page after page', async () => {
    const prefix = 'payment-reminder.';
    scheduler
      .on(ListSchedulesCommand, { GroupName: 'jobs-once', NamePrefix: prefix, NextToken: undefined })
      .resolves({ Schedules: [{ Name: `${prefix}a.x`, State: 'ENABLED' }], NextToken: 't2' })
      .on(ListSchedulesCommand, { NextToken: 't2' })
      .resolves({ Schedules: [{ Name: `${prefix}b.y`, State: 'ENABLED' }, { Name: 'payment-reminder-v2.c.z' }] });
    const list = await make().list();
    expect(list.map((s) => s.name)).toEqual([`${prefix}a.x`, `${prefix}b.y`]);
    expect(scheduler).toReceiveCommandTimes(ListSchedulesCommand, 2);
  });

  it('get returns the key, instant, zone and payload, or undefined', async () => {
    scheduler.on(GetScheduleCommand).resolvesOnce({
      Name: 'n',
      Description: 'payment-reminder: sub-9',
      ScheduleExpression: 'at(2027-02-26T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Target: { Arn: 'a', RoleArn: 'r', Input: JSON.stringify({ scheduledTime: '2027-02-26T08:00:00.000Z', payload: { p: 1 } }) },
    });
    const s = make();
    expect(await s.get('sub-9')).toMatchObject({ key: 'sub-9', at: new Date('2027-02-26T08:00:00Z'), timeZone: 'Europe/Paris', payload: { p: 1 } });
    scheduler.on(GetScheduleCommand).rejects(notFound());
    expect(await s.get('sub-9')).toBeUndefined();
  });
});

describe('OneTimeScheduler.fromEnvironment', () => {
  const env = {
    ONCE_PAYMENT_REMINDER_GROUP: 'jobs-once',
    ONCE_PAYMENT_REMINDER_TARGET_ARN: target.arn,
    ONCE_PAYMENT_REMINDER_ROLE_ARN: target.roleArn,
    ONCE_PAYMENT_REMINDER_DEAD_LETTER_ARN: target.deadLetterArn,
    ONCE_PAYMENT_REMINDER_RETRY_ATTEMPTS: '5',
    ONCE_PAYMENT_REMINDER_MAX_EVENT_AGE_SECONDS: '7200',
  };

  it('reads the variables grantSchedule sets', async () => {
    scheduler.on(CreateScheduleCommand).resolves({});
    const s = OneTimeScheduler.fromEnvironment('payment-reminder', { env, client: new SchedulerClient({}), now: () => NOW });
    expect(s.job).toBe('payment-reminder');
    expect(s.group).toBe('jobs-once');
    await s.schedule({ key: 'k', at: new Date('2027-02-26T08:00:00Z') });
    expect(scheduler).toReceiveCommandWith(CreateScheduleCommand, {
      GroupName: 'jobs-once',
      Target: expect.objectContaining({
        Arn: target.arn,
        RoleArn: target.roleArn,
        DeadLetterConfig: { Arn: target.deadLetterArn },
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 7200 },
      }),
    });
  });

  it('says which variable is missing and how to get it', () => {
    const { ONCE_PAYMENT_REMINDER_ROLE_ARN: _omitted, ...partial } = env;
    expect(() => OneTimeScheduler.fromEnvironment('payment-reminder', { env: partial })).toThrow(
      new OneTimeSchedulerConfigError(
        "OneTimeScheduler.fromEnvironment('payment-reminder'): environment variable ONCE_PAYMENT_REMINDER_ROLE_ARN is not set; give this function access with oneTimeJob.grantSchedule(fn)",
      ),
    );
    expect(() => OneTimeScheduler.fromEnvironment('payment-reminder', { env: { ...env, ONCE_PAYMENT_REMINDER_RETRY_ATTEMPTS: 'many' } })).toThrow(
      "OneTimeScheduler.fromEnvironment('payment-reminder'): environment variable ONCE_PAYMENT_REMINDER_RETRY_ATTEMPTS must be an integer (got 'many')",
    );
  });

  it('needs a job name when JOB_NAME is not set', () => {
    const saved = process.env.JOB_NAME;
    delete process.env.JOB_NAME;
    try {
      expect(() => new OneTimeScheduler({ group: 'g', target })).toThrow('OneTimeScheduler: job is required (or set JOB_NAME)');
    } finally {
      if (saved !== undefined) process.env.JOB_NAME = saved;
    }
  });
});
