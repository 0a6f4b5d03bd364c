import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient, type GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { UnknownJobError } from '../../../tools/cli/errors';
import {
  buildCatalog,
  findJob,
  functionNameOf,
  jobFromSchedule,
  localJobFunctions,
  oneTimeRetryPolicy,
  readScheduleGroup,
  scheduleStart,
  stackJobFunctions,
} from '../../../tools/cli/job-catalog';
import type { LocalStackFile } from '../../../tools/local/local-stack';

const ROLE = 'arn:aws:iam::123456789012:role/Jobs-SchedulerRole';
const fnArn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:Jobs-${name}`;

function schedule(name: string, input: unknown, extra: Partial<GetScheduleCommandOutput> = {}): GetScheduleCommandOutput {
  return {
    $metadata: {},
    Name: name,
    GroupName: 'Jobs-jobs',
    Arn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/Jobs-jobs/${name}`,
    ScheduleExpression: 'cron(0 2 ? * SUN *)',
    ScheduleExpressionTimezone: 'Europe/Berlin',
    State: 'ENABLED',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: fnArn(name), RoleArn: ROLE, Input: JSON.stringify(input) },
    ...extra,
  };
}

describe('jobFromSchedule', () => {
  it('reads the job, payload, function, expression, zone, state and delivery settings', () => {
    const created = new Date('2026-01-01T00:00:00Z');
    const job = jobFromSchedule(
      schedule('weekly-cleanup', { job: 'weekly-cleanup', scheduledTime: '<aws.scheduler.scheduled-time>', payload: { olderThanDays: 30 } }, {
        Description: 'at 02:00, only on Sunday',
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
        State: 'DISABLED',
        CreationDate: created,
        Target: {
          Arn: fnArn('weekly-cleanup'),
          RoleArn: ROLE,
          Input: JSON.stringify({ job: 'weekly-cleanup', payload: { olderThanDays: 30 } }),
          DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:inbox' },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 3600 },
        },
      }),
    );
    expect(job).toEqual({
      name: 'weekly-cleanup',
      kind: 'scheduled',
      functionArn: fnArn('weekly-cleanup'),
      payload: { olderThanDays: 30 },
      schedule: {
        name: 'weekly-cleanup',
        group: 'Jobs-jobs',
        arn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/Jobs-jobs/weekly-cleanup',
        expression: 'cron(0 2 ? * SUN *)',
        timeZone: 'Europe/Berlin',
        state: 'DISABLED',
        description: 'at 02:00, only on Sunday',
        createdAt: created,
        flexibleWindowMinutes: 15,
        roleArn: ROLE,
        deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:inbox',
        retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 3600 },
      },
    });
  });

  it('gives no job for a schedule whose input names none (the watchdog) or is not a JSON object', () => {
    expect(jobFromSchedule(schedule('watchdog', { watchdog: true }))).toBeUndefined();
    expect(jobFromSchedule(schedule('odd', [1, 2]))).toBeUndefined();
    expect(jobFromSchedule({ ...schedule('raw', {}), Target: { Arn: fnArn('raw'), RoleArn: ROLE, Input: 'plain text' } })).toBeUndefined();
  });

  it('defaults the payload to {} and the zone to UTC', () => {
    const job = jobFromSchedule({ ...schedule('a', { job: 'a' }), ScheduleExpressionTimezone: undefined });
    expect(job?.payload).toEqual({});
    expect(job?.schedule?.timeZone).toBe('UTC');
  });
});

describe('catalog', () => {
  const catalog = buildCatalog(
    'Jobs',
    [schedule('zeta', { job: 'zeta' }), schedule('watchdog', { watchdog: true }), schedule('alpha', { job: 'alpha' })],
    [
      { name: 'reminder', functionArn: fnArn('reminder') },
      { name: 'alpha', functionArn: fnArn('alpha-duplicate') },
      { name: 'birthday', functionArn: fnArn('birthday') },
    ],
  );

  it('lists scheduled jobs by name, then the jobs without a schedule by name, each once', () => {
    expect(catalog.jobs.map((j) => [j.name, j.kind, j.functionArn])).toEqual([
      ['alpha', 'scheduled', fnArn('alpha')],
      ['zeta', 'scheduled', fnArn('zeta')],
      ['birthday', 'one-time', fnArn('birthday')],
      ['reminder', 'one-time', fnArn('reminder')],
    ]);
    expect(catalog.schedulerRoleArn).toBe(ROLE);
  });

  it('finds a job, or fails listing the known jobs', () => {
    expect(findJob(catalog, 'zeta').functionArn).toBe(fnArn('zeta'));
    expect(() => findJob(catalog, 'zeat')).toThrow(
      new UnknownJobError("unknown job 'zeat' in stack 'Jobs' (known jobs: alpha, zeta, birthday, reminder)", 'zeat', ['alpha', 'zeta', 'birthday', 'reminder']),
    );
    expect(() => findJob(buildCatalog('Empty', [], []), 'x')).toThrow("unknown job 'x' in stack 'Empty' (known jobs: none)");
  });

  it('counts rate() schedules from their creation, cron() from their start date only', () => {
    const created = new Date('2026-01-01T00:00:00Z');
    const start = new Date('2026-02-01T00:00:00Z');
    const base = { name: 'a', group: 'g', timeZone: 'UTC', state: 'ENABLED' as const, flexibleWindowMinutes: 0, createdAt: created };
    expect(scheduleStart({ ...base, expression: 'rate(1 hour)' })).toBe(created);
    expect(scheduleStart({ ...base, expression: 'rate(1 hour)', startDate: start })).toBe(start);
    expect(scheduleStart({ ...base, expression: 'cron(0 2 * * ? *)' })).toBeUndefined();
    expect(scheduleStart({ ...base, expression: 'cron(0 2 * * ? *)', startDate: start })).toBe(start);
  });

  it('reads function names out of ARNs', () => {
    expect(functionNameOf(fnArn('a'))).toBe('Jobs-a');
    expect(functionNameOf(`${fnArn('a')}:$LATEST`)).toBe('Jobs-a');
    expect(functionNameOf('Jobs-a')).toBe('Jobs-a');
  });

  it('takes the job functions of a local stack record, with the one-time retry policy its grantees carry', () => {
    const stack = {
      jobs: {
        report: { functionLogicalId: 'ReportFn', scheduleLogicalId: 'ReportSchedule' },
        'payment-reminder': { functionLogicalId: 'ReminderFn' },
        ghost: { functionLogicalId: 'Missing' },
      },
      functions: {
        ReportFn: { arn: fnArn('report'), environment: { JOB_NAME: 'report' } },
        ReminderFn: { arn: fnArn('payment-reminder'), environment: { JOB_NAME: 'payment-reminder' } },
        Subscriptions: { arn: fnArn('subs'), environment: { ONCE_PAYMENT_REMINDER_RETRY_ATTEMPTS: '3', ONCE_PAYMENT_REMINDER_MAX_EVENT_AGE_SECONDS: '600' } },
      },
    } as unknown as LocalStackFile;
    expect(localJobFunctions(stack)).toEqual([
      { name: 'report', functionArn: fnArn('report') },
      { name: 'payment-reminder', functionArn: fnArn('payment-reminder'), oneTimeRetryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 600 } },
    ]);
  });

  it('reads a one-time retry policy only from valid ONCE_<JOB>_ variables', () => {
    expect(oneTimeRetryPolicy('a-b', [{ ONCE_A_B_RETRY_ATTEMPTS: '0' }])).toEqual({ maximumRetryAttempts: 0 });
    expect(oneTimeRetryPolicy('a-b', [{ ONCE_A_B_RETRY_ATTEMPTS: '186', ONCE_A_B_MAX_EVENT_AGE_SECONDS: '59' }, { ONCE_A_B_MAX_EVENT_AGE_SECONDS: '3600' }])).toEqual({
      maximumEventAgeInSeconds: 3600,
    });
    expect(oneTimeRetryPolicy('a-b', [{ ONCE_OTHER_RETRY_ATTEMPTS: '3' }])).toBeUndefined();
  });

  it('gives the catalog entry of a job without a schedule its one-time retry policy', () => {
    const one = buildCatalog('Jobs', [], [{ name: 'r', functionArn: fnArn('r'), oneTimeRetryPolicy: { maximumRetryAttempts: 1 } }]);
    expect(one.jobs).toEqual([{ name: 'r', kind: 'one-time', functionArn: fnArn('r'), payload: {}, oneTimeRetryPolicy: { maximumRetryAttempts: 1 } }]);
  });
});

describe('adapters', () => {
  const scheduler = mockClient(SchedulerClient);
  const cloudFormation = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);
  afterEach(() => {
    scheduler.reset();
    cloudFormation.reset();
    lambda.reset();
  });

  it('reads every schedule of the group, page after page, skipping one deleted meanwhile', async () => {
    scheduler
      .on(ListSchedulesCommand, { GroupName: 'Jobs-jobs', NextToken: undefined })
      .resolves({ Schedules: [{ Name: 'a', GroupName: 'Jobs-jobs' }, { Name: 'gone', GroupName: 'Jobs-jobs' }], NextToken: 'p2' })
      .on(ListSchedulesCommand, { GroupName: 'Jobs-jobs', NextToken: 'p2' })
      .resolves({ Schedules: [{ Name: 'b', GroupName: 'Jobs-jobs' }, { Name: 'elsewhere', GroupName: 'other' }] });
    scheduler.on(GetScheduleCommand, { Name: 'a' }).resolves(schedule('a', { job: 'a' }));
    scheduler.on(GetScheduleCommand, { Name: 'b' }).resolves(schedule('b', { job: 'b' }));
    scheduler.on(GetScheduleCommand, { Name: 'gone' }).rejects(Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }));
    const progress: Array<[number, number]> = [];

    const details = await readScheduleGroup(new SchedulerClient({}), 'Jobs-jobs', (done, total) => progress.push([done, total]));

    expect(details.map((d) => d.Name)).toEqual(['a', 'b']);
    expect(scheduler).toHaveReceivedCommandTimes(ListSchedulesCommand, 2);
    expect(scheduler).toHaveReceivedCommandWith(ListSchedulesCommand, { GroupName: 'Jobs-jobs', MaxResults: 100 });
    expect(scheduler).toHaveReceivedCommandTimes(GetScheduleCommand, 3);
    expect(scheduler).toHaveReceivedCommandWith(GetScheduleCommand, { Name: 'b', GroupName: 'Jobs-jobs' });
    expect(progress.map(([, total]) => total)).toEqual([3, 3, 3]);
  });

  it('finds the stack functions that run a job of this platform, skipping the known ones', async () => {
    cloudFormation.on(ListStackResourcesCommand).resolvesOnce({
      StackResourceSummaries: [
        { ResourceType: 'AWS::Lambda::Function', PhysicalResourceId: 'Jobs-reminder', LogicalResourceId: 'R', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
        { ResourceType: 'AWS::Lambda::Function', PhysicalResourceId: 'Jobs-weekly', LogicalResourceId: 'W', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
        { ResourceType: 'AWS::SQS::Queue', PhysicalResourceId: 'https://queue', LogicalResourceId: 'Q', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      ],
      NextToken: 't',
    }).resolvesOnce({
      StackResourceSummaries: [
        { ResourceType: 'AWS::Lambda::Function', PhysicalResourceId: 'Jobs-Watchdog', LogicalResourceId: 'D', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
        { ResourceType: 'AWS::Lambda::Function', PhysicalResourceId: 'Other-job', LogicalResourceId: 'O', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      ],
    });
    lambda
      .on(GetFunctionConfigurationCommand, { FunctionName: 'Jobs-reminder' })
      .resolves({ FunctionArn: fnArn('reminder'), Environment: { Variables: { JOB_NAME: 'reminder', JOBS_TABLE_NAME: 'Jobs-Table' } } })
      .on(GetFunctionConfigurationCommand, { FunctionName: 'Jobs-Watchdog' })
      .resolves({ FunctionArn: fnArn('Watchdog'), Environment: { Variables: { JOBS_TABLE_NAME: 'Jobs-Table', ONCE_REMINDER_RETRY_ATTEMPTS: '5' } } })
      .on(GetFunctionConfigurationCommand, { FunctionName: 'Other-job' })
      .resolves({ FunctionArn: fnArn('other'), Environment: { Variables: { JOB_NAME: 'other', JOBS_TABLE_NAME: 'Another-Table' } } });

    const found = await stackJobFunctions(
      { cloudFormation: new CloudFormationClient({}), lambda: new LambdaClient({}) },
      'Jobs',
      'Jobs-Table',
      new Set(['Jobs-weekly']),
    );

    expect(found).toEqual([{ name: 'reminder', functionArn: fnArn('reminder'), oneTimeRetryPolicy: { maximumRetryAttempts: 5 } }]);
    expect(cloudFormation).toHaveReceivedCommandTimes(ListStackResourcesCommand, 2);
    expect(cloudFormation).toHaveReceivedCommandWith(ListStackResourcesCommand, { StackName: 'Jobs', NextToken: 't' });
    expect(lambda).toHaveReceivedCommandTimes(GetFunctionConfigurationCommand, 3);
    expect(lambda).not.toHaveReceivedCommandWith(GetFunctionConfigurationCommand, { FunctionName: 'Jobs-weekly' });
  });
});
