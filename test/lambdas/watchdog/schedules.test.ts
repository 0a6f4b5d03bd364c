import {
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  type GetScheduleCommandOutput,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchdogScheduleError } from '../../../lambdas/watchdog/errors';
import { jobOfInput, lambdaFunctionName, listJobSchedules, toJobSchedule } from '../../../lambdas/watchdog/schedules';

const GROUP = 'jobs';
const scheduler = mockClient(SchedulerClient);
const client = new SchedulerClient({});

const jobInput = (job: string) =>
  JSON.stringify({ job, scheduledTime: '<aws.scheduler.scheduled-time>', attempt: '<aws.scheduler.attempt-number>', payload: {} });

function scheduleOutput(name: string, overrides: Partial<GetScheduleCommandOutput> = {}): GetScheduleCommandOutput {
  return {
    $metadata: {},
    Name: name,
    GroupName: GROUP,
    State: 'ENABLED',
    ScheduleExpression: 'cron(0 2 * * ? *)',
    ScheduleExpressionTimezone: 'Europe/London',
    FlexibleTimeWindow: { Mode: 'OFF' },
    CreationDate: new Date('2026-01-01T00:00:00.000Z'),
    LastModificationDate: new Date('2026-02-01T00:00:00.000Z'),
    Target: { Arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`, RoleArn: 'arn:aws:iam::123456789012:role/scheduler', Input: jobInput(name) },
    ...overrides,
  };
}

afterEach(() => {
  scheduler.reset();
});

describe('jobOfInput', () => {
  it('reads the job of a job event and nothing else', () => {
    expect(jobOfInput(jobInput('nightly-report'))).toBe('nightly-report');
    expect(jobOfInput('{"watchdog":true}')).toBeUndefined();
    expect(jobOfInput('not json')).toBeUndefined();
    expect(jobOfInput('["job"]')).toBeUndefined();
    expect(jobOfInput(undefined)).toBeUndefined();
  });
});

describe('lambdaFunctionName', () => {
  it('reads the function name of a function ARN, qualified or not', () => {
    expect(lambdaFunctionName('arn:aws:lambda:us-east-1:123456789012:function:jobs-Watchdog-AbC')).toBe('jobs-Watchdog-AbC');
    expect(lambdaFunctionName('arn:aws:lambda:us-east-1:123456789012:function:jobs-Watchdog-AbC:live')).toBe('jobs-Watchdog-AbC');
    expect(lambdaFunctionName('arn:aws:sqs:us-east-1:123456789012:queue')).toBeUndefined();
    expect(lambdaFunctionName(undefined)).toBeUndefined();
  });
});

describe('toJobSchedule', () => {
  it('takes expression, zone, flexible window, dates and when the schedule took its form', () => {
    const schedule = toJobSchedule(
      scheduleOutput('nightly-report', {
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
        StartDate: new Date('2026-03-01T00:00:00.000Z'),
        EndDate: new Date('2027-01-01T00:00:00.000Z'),
      }),
      GROUP,
    );
    expect(schedule).toEqual({
      job: 'nightly-report',
      scheduleName: 'nightly-report',
      expression: 'cron(0 2 * * ? *)',
      timeZone: 'Europe/London',
      flexibleWindowMs: 15 * 60_000,
      startDate: new Date('2026-03-01T00:00:00.000Z'),
      endDate: new Date('2027-01-01T00:00:00.000Z'),
      activeSince: new Date('2026-02-01T00:00:00.000Z'),
    });
  });

  it('defaults the zone to UTC and falls back to CreationDate', () => {
    const schedule = toJobSchedule(scheduleOutput('a', { ScheduleExpressionTimezone: undefined, LastModificationDate: undefined }), GROUP);
    expect(schedule?.timeZone).toBe('UTC');
    expect(schedule?.activeSince).toEqual(new Date('2026-01-01T00:00:00.000Z'));
  });

  it('is undefined for a schedule whose input names no job', () => {
    expect(toJobSchedule(scheduleOutput('watchdog', { Target: { Arn: 'x', RoleArn: 'y', Input: '{"watchdog":true}' } }), GROUP)).toBeUndefined();
  });

  it('names the schedule, the field, what was expected and what came', () => {
    const badName = scheduleOutput('Bad', { Target: { Arn: 'x', RoleArn: 'y', Input: jobInput('Bad_Name') } });
    expect(() => toJobSchedule(badName, GROUP)).toThrow(WatchdogScheduleError);
    expect(() => toJobSchedule(badName, GROUP)).toThrow(
      "schedule 'Bad' in group 'jobs': Target.Input.job must match ^[a-z][a-z0-9-]{0,47}$ (got 'Bad_Name')",
    );
    expect(() => toJobSchedule(scheduleOutput('a', { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }), GROUP)).toThrow(
      "schedule 'a' in group 'jobs' (job 'a'): FlexibleTimeWindow.MaximumWindowInMinutes must be an integer from 1 to 1440 when Mode is FLEXIBLE (got undefined)",
    );
    expect(() => toJobSchedule(scheduleOutput('a', { ScheduleExpression: undefined }), GROUP)).toThrow(
      "schedule 'a' in group 'jobs' (job 'a'): ScheduleExpression is missing",
    );
    expect(() => toJobSchedule(scheduleOutput('a', { CreationDate: undefined, LastModificationDate: undefined }), GROUP)).toThrow(
      "schedule 'a' in group 'jobs' (job 'a'): neither LastModificationDate nor CreationDate is set",
    );
  });
});

describe('listJobSchedules', () => {
  it('reads every page, gets each enabled schedule and leaves out disabled and non-job ones', async () => {
    // Prepare: two pages; one disabled job, the watchdog's own schedule, two enabled jobs
    scheduler
      .on(ListSchedulesCommand, { GroupName: GROUP })
      .resolvesOnce({ Schedules: [{ Name: 'nightly-report', State: 'ENABLED' }, { Name: 'paused-job', State: 'DISABLED' }], NextToken: 'page-2' })
      .resolvesOnce({ Schedules: [{ Name: 'watchdog', State: 'ENABLED' }, { Name: 'sync-orders', State: 'ENABLED' }] });
    scheduler.on(GetScheduleCommand, { Name: 'nightly-report' }).resolves(scheduleOutput('nightly-report'));
    scheduler.on(GetScheduleCommand, { Name: 'sync-orders' }).resolves(scheduleOutput('sync-orders', { ScheduleExpression: 'rate(1 hour)' }));
    scheduler
      .on(GetScheduleCommand, { Name: 'watchdog' })
      .resolves(scheduleOutput('watchdog', { Target: { Arn: 'x', RoleArn: 'y', Input: '{"watchdog":true}' } }));
    // Act
    const listed = await listJobSchedules(client, GROUP);
    // Assess
    expect(listed.schedules.map((s) => [s.job, s.expression])).toEqual([
      ['nightly-report', 'cron(0 2 * * ? *)'],
      ['sync-orders', 'rate(1 hour)'],
    ]);
    expect(listed.ignored).toEqual([
      { scheduleName: 'paused-job', reason: 'state is DISABLED' },
      { scheduleName: 'watchdog', reason: 'its target input has no job' },
    ]);
    expect(listed.failures).toEqual([]);
    expect(scheduler).toReceiveCommandTimes(ListSchedulesCommand, 2);
    expect(scheduler).toReceiveCommandWith(ListSchedulesCommand, { GroupName: GROUP, NextToken: 'page-2' });
    expect(scheduler).toReceiveCommandTimes(GetScheduleCommand, 3);
    expect(scheduler).not.toReceiveCommandWith(GetScheduleCommand, { Name: 'paused-job' });
  });

  it('leaves out the schedule that targets the watchdog itself without reading it', async () => {
    // Prepare: the watchdog may not GetSchedule its own schedule (it is granted job schedules only)
    scheduler.on(ListSchedulesCommand).resolves({
      Schedules: [
        { Name: 'watchdog', State: 'ENABLED', Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:jobs-Watchdog-AbC' } },
        { Name: 'nightly-report', State: 'ENABLED', Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:nightly-report' } },
      ],
    });
    scheduler.on(GetScheduleCommand, { Name: 'watchdog' }).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    scheduler.on(GetScheduleCommand, { Name: 'nightly-report' }).resolves(scheduleOutput('nightly-report'));
    // Act
    const listed = await listJobSchedules(client, GROUP, { ownFunctionName: 'jobs-Watchdog-AbC' });
    // Assess
    expect(listed.schedules.map((s) => s.job)).toEqual(['nightly-report']);
    expect(listed.ignored).toEqual([{ scheduleName: 'watchdog', reason: 'it targets the watchdog itself' }]);
    expect(listed.failures).toEqual([]);
    expect(scheduler).not.toReceiveCommandWith(GetScheduleCommand, { Name: 'watchdog' });
  });

  it('reports a schedule it may not read as a failure (a job without its grant stays visible)', async () => {
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: 'nightly-report', State: 'ENABLED' }] });
    scheduler.on(GetScheduleCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const listed = await listJobSchedules(client, GROUP, { ownFunctionName: 'jobs-Watchdog-AbC' });
    expect(listed.failures.map((f) => [f.scheduleName, f.error.name])).toEqual([['nightly-report', 'AccessDeniedException']]);
  });

  it('ignores a schedule deleted (or disabled) after the listing, and reports one it cannot read (still throttled after the SDK retries, or malformed)', async () => {
    scheduler.on(ListSchedulesCommand).resolves({
      Schedules: [
        { Name: 'gone', State: 'ENABLED' },
        { Name: 'just-disabled', State: 'ENABLED' },
        { Name: 'throttled', State: 'ENABLED' },
        { Name: 'Bad', State: 'ENABLED' },
      ],
    });
    scheduler.on(GetScheduleCommand, { Name: 'gone' }).rejects(new ResourceNotFoundException({ message: 'not found', Message: 'not found', $metadata: {} }));
    scheduler.on(GetScheduleCommand, { Name: 'just-disabled' }).resolves(scheduleOutput('just-disabled', { State: 'DISABLED' }));
    scheduler.on(GetScheduleCommand, { Name: 'throttled' }).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }));
    scheduler
      .on(GetScheduleCommand, { Name: 'Bad' })
      .resolves(scheduleOutput('Bad', { Target: { Arn: 'x', RoleArn: 'y', Input: jobInput('Bad') } }));
    const listed = await listJobSchedules(client, GROUP);
    expect(listed.schedules).toEqual([]);
    expect(listed.ignored).toEqual([
      { scheduleName: 'gone', reason: 'deleted while the group was read' },
      { scheduleName: 'just-disabled', reason: 'state is DISABLED' },
    ]);
    expect(listed.failures.map((f) => [f.scheduleName, f.job, f.error.name, f.error.message])).toEqual([
      ['throttled', undefined, 'ThrottlingException', 'Rate exceeded'],
      ['Bad', 'Bad', 'WatchdogScheduleError', "schedule 'Bad' in group 'jobs': Target.Input.job must match ^[a-z][a-z0-9-]{0,47}$ (got 'Bad')"],
    ]);
  });
});
