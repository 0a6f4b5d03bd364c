import { Annotations, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobPlatform } from '../../lib/job-platform';
import { OverlapPolicy } from '../../lib/contract';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createApp, createStack } from '../support/cdk';

const FIXTURE = 'test/fixtures/handler.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Statement = { Action: string | string[]; Effect: string; Resource: unknown; Condition?: unknown };

function resourceOf(template: Template, logicalId: string): Resource {
  return template.toJSON().Resources[logicalId] as Resource;
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

function statementsOf(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } });
  return Object.values(policies).flatMap((p) => ((p as Resource).Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

describe('ScheduledJob', () => {
  let stack: Stack;
  let template: Template;
  let platform: JobPlatform;
  let cleanup: ScheduledJob;
  let report: ScheduledJob;

  beforeAll(() => {
    // GIVEN a platform, a bucket and two jobs: one with defaults, one with every option
    stack = createStack();
    platform = new JobPlatform(stack, 'Platform');
    const bucket = new s3.Bucket(stack, 'Bucket');
    cleanup = new ScheduledJob(stack, 'WeeklyLogCleanup', {
      platform,
      schedule: ScheduleExpression.expression('cron(0 2 ? * SUN *)', TimeZone.ETC_UTC),
      entry: FIXTURE,
      payload: { olderThanDays: 30 },
    });
    bucket.grantReadWrite(cleanup);
    cleanup.addEnvironment('LOGS_BUCKET_NAME', 'the-bucket');
    report = new ScheduledJob(stack, 'Report', {
      platform,
      jobName: 'sales-report',
      schedule: ScheduleExpression.cron({ minute: '30', hour: '6', timeZone: TimeZone.EUROPE_BERLIN }),
      entry: FIXTURE,
      description: 'Daily sales report',
      enabled: false,
      timeout: Duration.minutes(10),
      memorySize: 512,
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
      deliveryRetryAttempts: 3,
      deliveryMaxEventAge: Duration.minutes(30),
      timeWindow: TimeWindow.flexible(Duration.minutes(15)),
      overlap: OverlapPolicy.ALLOW,
      alarms: { durationThresholdPercent: 50 },
      environment: { REPORT_FORMAT: 'csv' },
    });
    // WHEN synthesized
    template = Template.fromStack(stack);
  });

  describe('the schedule', () => {
    it('THEN it is named after the job, in the platform group, with the expression and zone', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: 'weekly-log-cleanup',
        GroupName: 'TestStack-jobs',
        ScheduleExpression: 'cron(0 2 ? * SUN *)',
        ScheduleExpressionTimezone: 'Etc/UTC',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
      });
    });

    it('THEN its input carries the job, the four context attributes and the payload, exactly', () => {
      const schedule = resourceOf(template, logicalIdOf(stack, cleanup.schedule));
      const input = JSON.parse((schedule.Properties.Target as { Input: string }).Input) as unknown;
      expect(input).toStrictEqual({
        job: 'weekly-log-cleanup',
        scheduledTime: '<aws.scheduler.scheduled-time>',
        executionId: '<aws.scheduler.execution-id>',
        attempt: '<aws.scheduler.attempt-number>',
        scheduleArn: '<aws.scheduler.schedule-arn>',
        payload: { olderThanDays: 30 },
      });
    });

    it('THEN the delivery layer retries for an hour, then goes to the inbox, with the shared role', () => {
      const schedule = resourceOf(template, logicalIdOf(stack, cleanup.schedule));
      expect(schedule.Properties.Target).toMatchObject({
        Arn: { 'Fn::GetAtt': [logicalIdOf(stack, cleanup.function), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [logicalIdOf(stack, platform.schedulerRole), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack, platform.failureInbox), 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 },
      });
    });

    it('THEN a described, disabled job with a flexible window and its own delivery retries renders them', () => {
      const schedule = resourceOf(template, logicalIdOf(stack, report.schedule));
      expect(schedule.Properties).toMatchObject({
        Name: 'sales-report',
        Description: 'Daily sales report',
        ScheduleExpression: 'cron(30 6 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
        State: 'DISABLED',
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
        Target: { RetryPolicy: { MaximumEventAgeInSeconds: 1800, MaximumRetryAttempts: 3 } },
      });
      expect(JSON.parse((schedule.Properties.Target as { Input: string }).Input)).toMatchObject({ job: 'sales-report', payload: {} });
    });

    it('THEN without a description the schedule is described in words', () => {
      const schedule = resourceOf(template, logicalIdOf(stack, cleanup.schedule));
      expect(schedule.Properties.Description).toEqual(expect.stringMatching(/02:00/));
      expect(schedule.Properties.Description).toEqual(expect.stringMatching(/Sunday/));
    });
  });

  describe('the function', () => {
    it('THEN it is Node.js 24 on arm64 with the defaults, a fixed name under the platform prefix and its log group', () => {
      const fn = resourceOf(template, logicalIdOf(stack, cleanup.function));
      expect(platform.jobFunctionNamePrefix).toMatch(/^TestSt-[0-9a-f]{8}-$/);
      expect(fn.Properties).toMatchObject({
        FunctionName: `${platform.jobFunctionNamePrefix}weekly-log-cleanup`,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 300,
        MemorySize: 256,
        Handler: 'index.handler',
      });
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resourceOf(template, logGroupId).Properties).toEqual({
        LogGroupName: `/aws/lambda/${platform.jobFunctionNamePrefix}weekly-log-cleanup`,
        RetentionInDays: 90,
      });
    });

    it('THEN its environment follows the contract, plus what the job added', () => {
      const fn = resourceOf(template, logicalIdOf(stack, cleanup.function));
      expect((fn.Properties.Environment as { Variables: unknown }).Variables).toStrictEqual({
        JOBS_TABLE_NAME: { Ref: logicalIdOf(stack, platform.table) },
        JOB_NAME: 'weekly-log-cleanup',
        JOB_OVERLAP_POLICY: 'skip',
        JOB_LEASE_SECONDS: String(300 + 60),
        JOB_RUN_TTL_DAYS: '90',
        POWERTOOLS_SERVICE_NAME: 'weekly-log-cleanup',
        POWERTOOLS_METRICS_NAMESPACE: 'ScheduledJobs',
        NODE_OPTIONS: '--enable-source-maps',
        LOGS_BUCKET_NAME: 'the-bucket',
      });
      const other = resourceOf(template, logicalIdOf(stack, report.function));
      expect(other.Properties).toMatchObject({
        Timeout: 600,
        MemorySize: 512,
        Environment: { Variables: { JOB_OVERLAP_POLICY: 'allow', JOB_LEASE_SECONDS: '660', REPORT_FORMAT: 'csv' } },
      });
    });

    it('THEN the execution layer retries twice within 6 hours, then goes to the inbox', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalIdOf(stack, cleanup.function) },
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(stack, platform.failureInbox), 'Arn'] } } },
        Qualifier: '$LATEST',
      });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalIdOf(stack, report.function) },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 3600,
      });
    });
  });

  describe('least-privilege IAM', () => {
    it('THEN the job role may write its logs, use the state table, send to the inbox, invoke itself and use the bucket it was granted', () => {
      const roleId = logicalIdOf(stack, cleanup.function.role!);
      const statements = statementsOf(template, roleId);
      const byAction = (action: string) => statements.filter((s) => ([] as string[]).concat(s.Action).includes(action));
      expect(byAction('logs:PutLogEvents').map((s) => s.Resource)).toEqual([
        { 'Fn::GetAtt': [expect.stringMatching(/^WeeklyLogCleanupLogGroup/), 'Arn'] },
      ]);
      expect(byAction('dynamodb:PutItem').map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [logicalIdOf(stack, platform.table), 'Arn'] }]);
      expect(byAction('sqs:SendMessage').map((s) => s.Resource)).toEqual([
        { 'Fn::GetAtt': [logicalIdOf(stack, platform.failureInbox), 'Arn'] },
      ]);
      expect(byAction('lambda:InvokeFunction').map((s) => s.Resource)).toEqual([
        `arn:aws:lambda:us-east-1:123456789012:function:${platform.jobFunctionNamePrefix}weekly-log-cleanup`,
      ]);
      expect(byAction('s3:DeleteObject*')).toHaveLength(1);
    });

    it('THEN the job role has no managed policy: logging is granted on its own log group only', () => {
      const role = resourceOf(template, logicalIdOf(stack, cleanup.function.role!));
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    });

    it('THEN the shared scheduler role may invoke the unqualified functions under the platform prefix and the watchdog, and send to the inbox', () => {
      const statements = statementsOf(template, logicalIdOf(stack, platform.schedulerRole));
      expect(statements).toHaveLength(2);
      const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction');
      expect(invoke?.Resource).toEqual([
        `arn:aws:lambda:us-east-1:123456789012:function:${platform.jobFunctionNamePrefix}*`,
        { 'Fn::GetAtt': [logicalIdOf(stack, platform.watchdog), 'Arn'] },
      ]);
      expect(statements.find((s) => s.Action === 'sqs:SendMessage')?.Resource).toEqual({
        'Fn::GetAtt': [logicalIdOf(stack, platform.failureInbox), 'Arn'],
      });
      for (const job of [cleanup, report]) {
        const name = resourceOf(template, logicalIdOf(stack, job.function)).Properties.FunctionName as string;
        expect(name.startsWith(platform.jobFunctionNamePrefix)).toBe(true);
      }
    });

    it('THEN the only "*" resources: ListSchedules on "*", Invoke on the platform prefix (scheduler role and watchdog), GetSchedule on the platform group', () => {
      const wildcard = Object.values(template.findResources('AWS::IAM::Policy'))
        .flatMap((p) => ((p as Resource).Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .flatMap((s) =>
          ([] as unknown[])
            .concat(s.Resource)
            .filter((r) => typeof r === 'string' && r.includes('*'))
            .map((r) => ({ Action: s.Action, Resource: r })),
        );
      expect(wildcard).toEqual(
        expect.arrayContaining([
          { Action: 'scheduler:ListSchedules', Resource: '*' },
          { Action: 'lambda:InvokeFunction', Resource: `arn:aws:lambda:us-east-1:123456789012:function:${platform.jobFunctionNamePrefix}*` },
          { Action: 'scheduler:GetSchedule', Resource: 'arn:aws:scheduler:us-east-1:123456789012:schedule/TestStack-jobs/*' },
        ]),
      );
      expect(wildcard.filter((w) => w.Action === 'lambda:InvokeFunction')).toHaveLength(2);
      expect(wildcard).toHaveLength(4);
    });
  });

  describe('alarms', () => {
    it('THEN each job has one alarm, to the topic, on Failures + MissedRuns + a run over the duration threshold', () => {
      const topic = { Ref: logicalIdOf(stack, platform.alarmTopic) };
      for (const [job, thresholdMs] of [
        ['weekly-log-cleanup', 0.8 * 300_000],
        ['sales-report', 0.5 * 600_000],
      ] as const) {
        const metric = (id: string, name: string, stat: string) =>
          Match.objectLike({
            Id: id,
            ReturnData: false,
            MetricStat: Match.objectLike({
              Metric: { Namespace: 'ScheduledJobs', MetricName: name, Dimensions: [{ Name: 'service', Value: job }] },
              Period: 300,
              Stat: stat,
            }),
          });
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: `TestStack-${job}-health`,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
          AlarmActions: [topic],
          OKActions: [topic],
          Metrics: [
            Match.objectLike({
              Expression: `FILL(failures, 0) + FILL(missed, 0) + IF(FILL(duration, 0) > ${thresholdMs}, 1, 0)`,
              ReturnData: true,
            }),
            metric('failures', 'Failures', 'Sum'),
            metric('missed', 'MissedRuns', 'Sum'),
            metric('duration', 'Duration', 'Maximum'),
          ],
        });
      }
      const jobAlarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: Match.stringLikeRegexp('^TestStack-(weekly|sales)') } });
      expect(Object.keys(jobAlarms)).toHaveLength(2);
    });

    it('THEN a job with alarms disabled has none', () => {
      const local = createStack();
      const p = new JobPlatform(local, 'Platform');
      new ScheduledJob(local, 'Quiet', { platform: p, schedule: ScheduleExpression.rate(Duration.hours(1)), entry: FIXTURE, alarms: { enabled: false } });
      const alarms = Template.fromStack(local).findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmName: Match.stringLikeRegexp('quiet') },
      });
      expect(alarms).toEqual({});
    });
  });
});

describe('the platform switch', () => {
  it('GIVEN the context schedules=disabled WHEN synthesized THEN every schedule, the watchdog included, is DISABLED', () => {
    const stack = createStack(createApp({ context: { schedules: 'disabled' } }));
    const platform = new JobPlatform(stack, 'Platform');
    for (const id of ['First', 'Second']) {
      new ScheduledJob(stack, id, { platform, schedule: ScheduleExpression.rate(Duration.hours(1)), entry: FIXTURE, enabled: true });
    }
    const schedules = Object.values(Template.fromStack(stack).findResources('AWS::Scheduler::Schedule')) as Resource[];
    expect(schedules.map((s) => [s.Properties.Name, s.Properties.State])).toEqual([
      ['watchdog', 'DISABLED'],
      ['first', 'DISABLED'],
      ['second', 'DISABLED'],
    ]);
    expect(platform.schedulesEnabled).toBe(false);
  });

  it('GIVEN schedulesEnabled: true WHEN the context says disabled THEN the prop wins', () => {
    const stack = createStack(createApp({ context: { schedules: 'disabled' } }));
    const platform = new JobPlatform(stack, 'Platform', { schedulesEnabled: true });
    new ScheduledJob(stack, 'First', { platform, schedule: ScheduleExpression.rate(Duration.hours(1)), entry: FIXTURE });
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', { Name: 'first', State: 'ENABLED' });
  });
});

/** A stack holding only a platform, for comparing the shared policies with and without jobs. */
function createStackWithPlatform(): { stack: Stack; platform: JobPlatform } {
  const stack = createStack();
  return { stack, platform: new JobPlatform(stack, 'Platform') };
}

describe('a job with a function of its own', () => {
  it('GIVEN a lambda.Function with a fixed name WHEN scheduled THEN it gets the env, the async config and may invoke itself', () => {
    const stack = createStack();
    const platform = new JobPlatform(stack, 'Platform');
    const fn = new lambda.Function(stack, 'Fn', {
      functionName: 'my-export',
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
      timeout: Duration.minutes(2),
    });
    const job = new ScheduledJob(stack, 'Export', { platform, schedule: ScheduleExpression.rate(Duration.hours(6)), function: fn });
    const template = Template.fromStack(stack);
    expect(job.function).toBe(fn);
    expect(job.timeout.toSeconds()).toBe(120);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'my-export',
      Environment: { Variables: Match.objectLike({ JOB_NAME: 'export', JOB_LEASE_SECONDS: '180' }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(stack, fn) },
      MaximumRetryAttempts: 2,
    });
    const statements = statementsOf(template, logicalIdOf(stack, fn.role!));
    expect(statements).toContainEqual({
      Action: 'lambda:InvokeFunction',
      Effect: 'Allow',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:my-export',
    });
  });

  it('GIVEN a lambda.Function of the stack WHEN scheduled THEN Scheduler\'s role may invoke it through a permission on the function, not the shared policy', () => {
    const stack = createStack();
    const platform = new JobPlatform(stack, 'Platform');
    const empty = createStackWithPlatform();
    const before = JSON.stringify(statementsOf(Template.fromStack(empty.stack), logicalIdOf(empty.stack, empty.platform.schedulerRole)));
    const fn = new lambda.Function(stack, 'Fn', {
      functionName: 'my-export',
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    new ScheduledJob(stack, 'Export', { platform, schedule: ScheduleExpression.rate(Duration.hours(6)), function: fn });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack, fn), 'Arn'] },
      Principal: { 'Fn::GetAtt': [logicalIdOf(stack, platform.schedulerRole), 'Arn'] },
    });
    expect(JSON.stringify(statementsOf(template, logicalIdOf(stack, platform.schedulerRole)))).toBe(before);
  });

  it('GIVEN an imported function WHEN scheduled THEN Scheduler\'s role gets a statement for its ARN', () => {
    const stack = createStack();
    const platform = new JobPlatform(stack, 'Platform');
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:elsewhere';
    const role = iam.Role.fromRoleArn(stack, 'FnRole', 'arn:aws:iam::123456789012:role/elsewhere', { mutable: false });
    const fn = lambda.Function.fromFunctionAttributes(stack, 'Fn', { functionArn: arn, role });
    const job = new ScheduledJob(stack, 'Export', { platform, schedule: ScheduleExpression.rate(Duration.hours(6)), function: fn });
    Annotations.of(job).acknowledgeWarning('cdk-scheduled-jobs:importedFunctionEnvironment', 'The imported function is not run in this test.');
    const invoke = statementsOf(Template.fromStack(stack), logicalIdOf(stack, platform.schedulerRole)).find(
      (s) => s.Action === 'lambda:InvokeFunction',
    );
    expect(invoke?.Resource).toEqual(expect.arrayContaining([arn]));
  });

  it('GIVEN a job WHEN a grant is made to it THEN the function role receives it', () => {
    const stack = createStack();
    const platform = new JobPlatform(stack, 'Platform');
    const table = new dynamodb.Table(stack, 'Other', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    const job = new ScheduledJob(stack, 'Reader', { platform, schedule: ScheduleExpression.rate(Duration.hours(6)), entry: FIXTURE });
    table.grantReadData(job);
    const statements = statementsOf(Template.fromStack(stack), logicalIdOf(stack, job.function.role!));
    expect(statements.filter((s) => JSON.stringify(s.Resource).includes(logicalIdOf(stack, table)))).not.toHaveLength(0);
  });
});
