import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient, type GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMissedRuns, type CheckMissedRunsOptions } from '../../../lambdas/watchdog/check-missed-runs';
import { captureEmf } from './support';

const GROUP = 'jobs';
const TABLE = 'jobs-state';
const NOW = new Date('2026-03-05T03:00:00.000Z');
const schedulerMock = mockClient(SchedulerClient);
const ddbMock = mockClient(DynamoDBDocumentClient);
const scheduler = new SchedulerClient({});
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));

function schedule(name: string, overrides: Partial<GetScheduleCommandOutput> = {}): GetScheduleCommandOutput {
  return {
    $metadata: {},
    Name: name,
    State: 'ENABLED',
    ScheduleExpression: 'cron(0 2 * * ? *)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    CreationDate: new Date('2026-01-01T00:00:00.000Z'),
    Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:x', RoleArn: 'arn:aws:iam::123456789012:role/r', Input: JSON.stringify({ job: name }) },
    ...overrides,
  };
}

function givenSchedules(...outputs: GetScheduleCommandOutput[]) {
  schedulerMock.on(ListSchedulesCommand).resolves({ Schedules: outputs.map((o) => ({ Name: o.Name, State: 'ENABLED' })) });
  for (const output of outputs) schedulerMock.on(GetScheduleCommand, { Name: output.Name }).resolves(output);
}

const options = (extra: Partial<CheckMissedRunsOptions> = {}): CheckMissedRunsOptions => ({
  scheduler,
  ddb,
  tableName: TABLE,
  group: GROUP,
  now: NOW,
  lookbackSeconds: 3 * 86_400,
  ...extra,
});

beforeEach(() => {
  // No cursors and no runs unless a test says otherwise.
  ddbMock.on(QueryCommand).resolves({ Items: [] });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
});

afterEach(() => {
  schedulerMock.reset();
  ddbMock.reset();
});

describe('checkMissedRuns', () => {
  it('rejects bad options before any AWS call', async () => {
    await expect(checkMissedRuns(options({ graceSeconds: -1 }))).rejects.toThrow('checkMissedRuns: graceSeconds must be an integer >= 0 (got -1)');
    await expect(checkMissedRuns(options({ maxSlotsPerJob: 0 }))).rejects.toThrow('checkMissedRuns: maxSlotsPerJob must be an integer >= 1 (got 0)');
    await expect(checkMissedRuns(options({ group: '' }))).rejects.toThrow('checkMissedRuns: group must be a non-empty string (got "")');
    await expect(checkMissedRuns(options({ now: new Date('nope') }))).rejects.toThrow('checkMissedRuns: now must be a valid Date (got Invalid Date)');
    expect(schedulerMock.calls()).toHaveLength(0);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('a job that cannot be checked does not stop the others, and gets no metric and no cursor', async () => {
    // Prepare: window (2 March 03:00, 5 March 02:50] holds 3, 4 and 5 March 02:00; no runs at all
    givenSchedules(schedule('nightly-report'), schedule('broken-zone', { ScheduleExpressionTimezone: 'Mars/Base' }));
    // Act
    const { result, emf } = await captureEmf(() =>
      checkMissedRuns(options({ metrics: new Metrics({ namespace: 'ScheduledJobs', serviceName: 'watchdog' }) })),
    );
    // Assess
    expect(result.jobs.map((j) => [j.job, j.missed, j.recorded])).toEqual([
      ['nightly-report', ['2026-03-03T02:00:00.000Z', '2026-03-04T02:00:00.000Z', '2026-03-05T02:00:00.000Z'], 3],
    ]);
    expect(result.failures.map((f) => [f.job, f.error.name, f.error.message])).toEqual([
      [
        'broken-zone',
        'WatchdogScheduleError',
        "schedule 'broken-zone' (job 'broken-zone'): cron(0 2 * * ? *): unknown time zone 'Mars/Base': expected an IANA zone name such as 'UTC' or 'Europe/London'",
      ],
    ]);
    expect(emf.map((r) => [r.service, r.values.MissedRuns])).toEqual([['nightly-report', 3]]);
    expect(ddbMock).toReceiveCommandTimes(UpdateCommand, 1);
    expect(ddbMock).toReceiveCommandWith(UpdateCommand, { Key: { pk: 'WATCHDOG', sk: 'CURSOR#nightly-report' } });
    expect(ddbMock).not.toReceiveCommandWith(QueryCommand, { ExpressionAttributeValues: { ':pk': 'JOB#broken-zone' } });
  });

  it('leaves the cursor where it was when a missed slot could not be recorded', async () => {
    givenSchedules(schedule('nightly-report'));
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    ddbMock.on(PutCommand).rejects(denied);
    const result = await checkMissedRuns(options());
    expect(result.jobs).toEqual([]);
    expect(result.failures).toEqual([{ scheduleName: 'nightly-report', job: 'nightly-report', error: denied }]);
    expect(ddbMock).toReceiveCommandTimes(UpdateCommand, 0);
  });

  it('checks neither of two schedules that feed one job', async () => {
    const other = schedule('nightly-report-copy', {
      Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:x', RoleArn: 'arn:aws:iam::123456789012:role/r', Input: JSON.stringify({ job: 'nightly-report' }) },
    });
    givenSchedules(schedule('nightly-report'), other);
    const result = await checkMissedRuns(options());
    expect(result.jobs).toEqual([]);
    expect(result.failures.map((f) => [f.scheduleName, f.error.message])).toEqual([
      ['nightly-report', "job 'nightly-report' is the target of 2 schedules in group 'jobs' ('nightly-report', 'nightly-report-copy'); expected one"],
      ['nightly-report-copy', "job 'nightly-report' is the target of 2 schedules in group 'jobs' ('nightly-report', 'nightly-report-copy'); expected one"],
    ]);
    expect(ddbMock).toReceiveCommandTimes(PutCommand, 0);
  });

  it('starts from the stored cursor and reads runs from the minute before it', async () => {
    givenSchedules(schedule('nightly-report'));
    ddbMock
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'WATCHDOG' } })
      .resolves({ Items: [{ sk: 'CURSOR#nightly-report', job: 'nightly-report', checkedUntil: '2026-03-04T02:50:00.000Z' }] });
    ddbMock
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'JOB#nightly-report' } })
      .resolves({ Items: [{ sk: 'RUN#2026-03-05T02:00:00.000Z' }] });
    const result = await checkMissedRuns(options());
    expect(result.jobs).toEqual([
      {
        job: 'nightly-report',
        scheduleName: 'nightly-report',
        window: { from: '2026-03-04T02:50:00.000Z', to: '2026-03-05T02:50:00.000Z' },
        expected: 1,
        missed: [],
        recorded: 0,
        checkedUntil: '2026-03-05T02:50:00.000Z',
        truncated: false,
      },
    ]);
    expect(ddbMock).toReceiveCommandWith(QueryCommand, {
      ExpressionAttributeValues: { ':pk': 'JOB#nightly-report', ':from': 'RUN#2026-03-04T02:50:00.000Z', ':to': 'RUN#2026-03-05T03:01:00.000Z~' },
    });
  });

  it('works a backlog off in bounded steps: the cursor stops at the last slot checked', async () => {
    givenSchedules(schedule('nightly-report'));
    const result = await checkMissedRuns(options({ maxSlotsPerJob: 2 }));
    expect(result.jobs[0]).toMatchObject({
      missed: ['2026-03-03T02:00:00.000Z', '2026-03-04T02:00:00.000Z'],
      recorded: 2,
      checkedUntil: '2026-03-04T02:00:00.000Z',
      truncated: true,
    });
    expect(ddbMock).toReceiveCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':until': '2026-03-04T02:00:00.000Z' }) });
  });

  it('counts only the slots this run recorded first', async () => {
    givenSchedules(schedule('nightly-report'));
    const exists = Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
    ddbMock.on(PutCommand).rejectsOnce(exists).resolves({});
    const result = await checkMissedRuns(options());
    expect(result.jobs[0].missed).toHaveLength(3);
    expect(result.jobs[0].recorded).toBe(2);
  });

  it('defers the jobs it has no time left for', async () => {
    givenSchedules(schedule('nightly-report'), schedule('weekly-cleanup'));
    const remaining = [60_000, 5_000];
    const result = await checkMissedRuns(options({ concurrency: 1, remainingTimeMs: () => remaining.shift() ?? 0 }));
    expect(result.jobs.map((j) => j.job)).toEqual(['nightly-report']);
    expect(result.deferred).toEqual(['weekly-cleanup']);
  });
});
