import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readWatchdogConfig } from '../../../lambdas/watchdog/config';
import { WatchdogConfigError, WatchdogRunError } from '../../../lambdas/watchdog/errors';
import { handler } from '../../../lambdas/watchdog/handler';
import { captureEmf } from './support';

const schedulerMock = mockClient(SchedulerClient);
const ddbMock = mockClient(DynamoDBDocumentClient);
const ENV = { JOBS_TABLE_NAME: 'jobs-state', SCHEDULE_GROUP_NAME: 'jobs', MISSED_RUN_GRACE_SECONDS: '600' };

const jobSchedule = (name: string, timeZone = 'UTC') => ({
  Name: name,
  State: 'ENABLED' as const,
  ScheduleExpression: 'cron(0 2 * * ? *)',
  ScheduleExpressionTimezone: timeZone,
  FlexibleTimeWindow: { Mode: 'OFF' as const },
  CreationDate: new Date('2026-01-01T00:00:00.000Z'),
  Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:x', RoleArn: 'arn:aws:iam::123456789012:role/r', Input: JSON.stringify({ job: name }) },
});

describe('readWatchdogConfig', () => {
  it('reads the table, the group, the grace and the TTL, with defaults', () => {
    expect(readWatchdogConfig(ENV)).toEqual({ tableName: 'jobs-state', group: 'jobs', graceSeconds: 600, missedTtlDays: 90 });
    expect(readWatchdogConfig({ ...ENV, MISSED_RUN_GRACE_SECONDS: undefined, JOB_RUN_TTL_DAYS: '30' })).toEqual({
      tableName: 'jobs-state',
      group: 'jobs',
      graceSeconds: 600,
      missedTtlDays: 30,
    });
  });

  it('names the variable, what was expected and what came', () => {
    expect(() => readWatchdogConfig({ ...ENV, JOBS_TABLE_NAME: undefined })).toThrow(WatchdogConfigError);
    expect(() => readWatchdogConfig({ ...ENV, JOBS_TABLE_NAME: undefined })).toThrow(
      "watchdog: environment variable JOBS_TABLE_NAME must be set to the job-state table's name (got nothing)",
    );
    expect(() => readWatchdogConfig({ ...ENV, SCHEDULE_GROUP_NAME: ' ' })).toThrow(
      "watchdog: environment variable SCHEDULE_GROUP_NAME must be set to the platform's schedule group name (got '')",
    );
    expect(() => readWatchdogConfig({ ...ENV, MISSED_RUN_GRACE_SECONDS: '10m' })).toThrow(
      "watchdog: environment variable MISSED_RUN_GRACE_SECONDS must be a whole number of seconds >= 0 (got '10m')",
    );
    expect(() => readWatchdogConfig({ ...ENV, JOB_RUN_TTL_DAYS: '0' })).toThrow(
      "watchdog: environment variable JOB_RUN_TTL_DAYS must be a whole number of days >= 1 (got '0')",
    );
  });
});

describe('handler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-03-05T03:00:00.000Z'), toFake: ['Date'] });
    for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, value);
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock.on(PutCommand).resolves({});
    ddbMock.on(UpdateCommand).resolves({});
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    schedulerMock.reset();
    ddbMock.reset();
  });

  it('fails on an incomplete environment before any AWS call', async () => {
    vi.stubEnv('SCHEDULE_GROUP_NAME', '');
    await expect(handler({ watchdog: true })).rejects.toThrow(
      "watchdog: environment variable SCHEDULE_GROUP_NAME must be set to the platform's schedule group name (got '')",
    );
    expect(schedulerMock.calls()).toHaveLength(0);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('checks the group of the environment, records, publishes and summarises', async () => {
    // Prepare: one daily job; it ran on 5 March only; the look-back (24 h) reaches 4 March 03:00
    // and the watchdog's own schedule, which it may not read
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'jobs-Watchdog-AbC');
    schedulerMock.on(ListSchedulesCommand, { GroupName: 'jobs' }).resolves({
      Schedules: [
        { Name: 'nightly-report', State: 'ENABLED' },
        { Name: 'watchdog', State: 'ENABLED', Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:jobs-Watchdog-AbC' } },
      ],
    });
    schedulerMock.on(GetScheduleCommand, { GroupName: 'jobs', Name: 'nightly-report' }).resolves(jobSchedule('nightly-report'));
    schedulerMock.on(GetScheduleCommand, { Name: 'watchdog' }).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    // Act
    const { result, emf, logs } = await captureEmf(() => handler({ watchdog: true }, { getRemainingTimeInMillis: () => 60_000 }));
    // Assess: the 02:00 slot of 5 March had no run
    expect(result).toEqual({
      checkedAt: '2026-03-05T03:00:00.000Z',
      group: 'jobs',
      jobs: 1,
      missedRecorded: 1,
      missed: [{ job: 'nightly-report', slots: ['2026-03-05T02:00:00.000Z'] }],
      caughtUp: [],
      deferred: [],
      failures: [],
    });
    expect(emf.map((r) => [r.namespace, r.service, r.values.MissedRuns])).toEqual([['ScheduledJobs', 'nightly-report', 1]]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'missed runs recorded', job: 'nightly-report', recorded: 1 }));
    expect(logs).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'watchdog run finished', missedRecorded: 1 }));
    expect(ddbMock).toReceiveCommandWith(PutCommand, {
      TableName: 'jobs-state',
      Item: expect.objectContaining({ pk: 'JOB#nightly-report', sk: 'MISSED#2026-03-05T02:00:00.000Z', expiresAt: Date.parse('2026-03-05T03:00:00.000Z') / 1000 + 90 * 86_400 }),
    });
  });

  it('throws a WatchdogRunError naming the jobs it could not check, after checking the others', async () => {
    schedulerMock.on(ListSchedulesCommand).resolves({
      Schedules: [
        { Name: 'nightly-report', State: 'ENABLED' },
        { Name: 'broken-zone', State: 'ENABLED' },
      ],
    });
    schedulerMock.on(GetScheduleCommand, { Name: 'nightly-report' }).resolves(jobSchedule('nightly-report'));
    schedulerMock.on(GetScheduleCommand, { Name: 'broken-zone' }).resolves(jobSchedule('broken-zone', 'Mars/Base'));
    const { result, logs } = await captureEmf(() => handler({ watchdog: true }).then(
      () => undefined,
      (error: unknown) => error,
    ));
    expect(result).toBeInstanceOf(WatchdogRunError);
    expect((result as WatchdogRunError).jobs).toEqual(['broken-zone']);
    expect((result as WatchdogRunError).message).toBe(
      "watchdog: 1 schedule(s) of group 'jobs' could not be checked: broken-zone (WatchdogScheduleError: schedule 'broken-zone' (job 'broken-zone'): cron(0 2 * * ? *): unknown time zone 'Mars/Base': expected an IANA zone name such as 'UTC' or 'Europe/London')",
    );
    expect(ddbMock).toReceiveCommandWith(UpdateCommand, { Key: { pk: 'WATCHDOG', sk: 'CURSOR#nightly-report' } });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'job not checked', job: 'broken-zone' }));
  });
});
