import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createApp, createStack } from '../support/cdk';

const FIXTURE = 'test/fixtures/handler.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

function onlyResource(template: Template, type: string, props: Record<string, unknown> = {}): [string, Resource] {
  const found = Object.entries(template.findResources(type, { Properties: Match.objectLike(props) })) as [string, Resource][];
  expect(found).toHaveLength(1);
  return found[0];
}

describe('JobPlatform', () => {
  let stack: Stack;
  let template: Template;
  let platform: JobPlatform;

  beforeAll(() => {
    // GIVEN a stack with a platform (alarm email) and one job
    stack = createStack();
    platform = new JobPlatform(stack, 'Platform', { alarmEmail: 'ops@example.com', missedRunGrace: Duration.minutes(15) });
    new ScheduledJob(stack, 'NightlyReport', {
      platform,
      schedule: ScheduleExpression.expression('cron(0 3 * * ? *)'),
      entry: FIXTURE,
    });
    // WHEN synthesized
    template = Template.fromStack(stack);
  });

  it('THEN the state table is on-demand, with PITR, pk/sk string keys and the expiresAt TTL', () => {
    const [, table] = onlyResource(template, 'AWS::DynamoDB::Table');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    // Encrypted at rest with the AWS-owned key (DynamoDB's default; SSEEnabled false selects it).
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: false });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('THEN the failure inbox keeps messages 14 days, is SQS-encrypted and refuses plain HTTP', () => {
    const [inboxId] = onlyResource(template, 'AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: inboxId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('THEN the alarm topic uses a rotating customer key that CloudWatch may use, and the email subscribes', () => {
    const [keyId, key] = onlyResource(template, 'AWS::KMS::Key', { EnableKeyRotation: true });
    const [topicId] = onlyResource(template, 'AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } });
  });

  it('THEN the scheduler role trusts only Scheduler, from this account and the platform group', () => {
    const [groupId] = onlyResource(template, 'AWS::Scheduler::ScheduleGroup', { Name: 'TestStack-jobs' });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnEquals: { 'aws:SourceArn': [{ 'Fn::GetAtt': [groupId, 'Arn'] }] },
            },
          },
        ],
      },
    });
  });

  it('THEN the watchdog runs every 5 minutes in the platform group with input {"watchdog":true}', () => {
    const [, schedule] = onlyResource(template, 'AWS::Scheduler::Schedule', { Name: 'watchdog' });
    expect(schedule.Properties).toMatchObject({
      GroupName: 'TestStack-jobs',
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
    });
    const target = schedule.Properties.Target as Record<string, unknown>;
    expect(JSON.parse(target.Input as string)).toEqual({ watchdog: true });
    expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/^PlatformFailureInbox/), 'Arn'] } });
  });

  it('THEN the watchdog function gets the table, group, grace and Powertools settings', () => {
    const [, fn] = onlyResource(template, 'AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ SCHEDULE_GROUP_NAME: 'TestStack-jobs' }) } });
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      JOBS_TABLE_NAME: { Ref: expect.stringMatching(/^PlatformTable/) },
      SCHEDULE_GROUP_NAME: 'TestStack-jobs',
      MISSED_RUN_GRACE_SECONDS: '900',
      JOB_RUN_TTL_DAYS: '90',
      POWERTOOLS_METRICS_NAMESPACE: 'ScheduledJobs',
      POWERTOOLS_SERVICE_NAME: 'watchdog',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it("THEN the watchdog may list schedules (no resource-level support) and read the schedules of the platform's group, nothing broader", () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^PlatformWatchdogRole') }] },
    });
    const statements = Object.values(policies).flatMap((p) => (p as Resource).Properties.PolicyDocument as { Statement: unknown[] }).flatMap((d) => d.Statement);
    expect(statements).toContainEqual({ Action: 'scheduler:ListSchedules', Effect: 'Allow', Resource: '*' });
    expect(statements).toContainEqual({
      Action: 'scheduler:GetSchedule',
      Effect: 'Allow',
      Resource: 'arn:aws:scheduler:us-east-1:123456789012:schedule/TestStack-jobs/*',
    });
    const schedulerActions = (statements as { Action: string | string[] }[]).flatMap((st) => [st.Action].flat()).filter((a) => a.startsWith('scheduler:'));
    expect(schedulerActions.sort()).toEqual(['scheduler:GetSchedule', 'scheduler:ListSchedules']);
  });

  it("THEN the watchdog may invoke the job functions (catch-up), in one statement on the platform's job-function prefix", () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^PlatformWatchdogRole') }] },
    });
    const statements = Object.values(policies).flatMap((p) => (p as Resource).Properties.PolicyDocument as { Statement: unknown[] }).flatMap((d) => d.Statement);
    const invoke = (statements as { Action: string | string[]; Resource: unknown }[]).filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: `arn:aws:lambda:us-east-1:123456789012:function:${platform.jobFunctionNamePrefix}*` },
    ]);
  });

  it('THEN an alarm fires while the inbox holds a message, and one when the watchdog stops', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^PlatformAlarmTopic') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocations',
      Namespace: 'AWS/Lambda',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('THEN the outputs the CLI reads have stable logical ids', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(
      ['AlarmTopicArn', 'DashboardName', 'FailureInboxArn', 'FailureInboxUrl', 'JobsTableName', 'ScheduleGroupName'].sort(),
    );
    expect(outputs.ScheduleGroupName.Value).toBe('TestStack-jobs');
    expect(outputs.JobsTableName.Value).toEqual({ Ref: expect.stringMatching(/^PlatformTable/) });
  });

  it('THEN the dashboard has the inbox and a row for the job with its four metrics', () => {
    const [, dashboard] = onlyResource(template, 'AWS::CloudWatch::Dashboard', { DashboardName: 'TestStack-jobs' });
    const body = JSON.stringify(stack.resolve(dashboard.Properties.DashboardBody));
    for (const title of ['Failure inbox', 'nightly-report: runs', 'nightly-report: failures', 'nightly-report: duration (ms)', 'nightly-report: missed runs']) {
      expect(body).toContain(title);
    }
  });

  it('THEN the platform exposes its parts and its jobs', () => {
    expect(platform.jobs.map((j) => j.jobName)).toEqual(['nightly-report']);
    expect(platform.schedulesEnabled).toBe(true);
    expect(JobPlatform.of(stack)).toBe(platform);
  });
});

describe('JobPlatform validation', () => {
  it('GIVEN a stack with a platform WHEN a second one is added THEN it throws', () => {
    const stack = createStack();
    new JobPlatform(stack, 'Platform');
    expect(() => new JobPlatform(stack, 'Other')).toThrow(
      "JobPlatform 'TestStack/Other': stack 'TestStack' already has a JobPlatform ('TestStack/Platform'); a stack holds at most one",
    );
  });

  it('GIVEN an unknown value of the schedules context WHEN the platform is built THEN it throws', () => {
    const stack = createStack(createApp({ context: { schedules: 'off' } }));
    expect(() => new JobPlatform(stack, 'Platform')).toThrow(
      `JobPlatform 'TestStack/Platform': context 'schedules' must be 'enabled' or 'disabled'; got "off"`,
    );
  });

  it('GIVEN a run retention of 36 hours WHEN the platform is built THEN it throws', () => {
    expect(() => new JobPlatform(createStack(), 'Platform', { runRetention: Duration.hours(36) })).toThrow(
      "JobPlatform 'TestStack/Platform': runRetention must be a whole number of days, at least 1; got 129600 seconds",
    );
  });

  it('GIVEN an alarm email without a domain WHEN the platform is built THEN it throws', () => {
    expect(() => new JobPlatform(createStack(), 'Platform', { alarmEmail: 'ops' })).toThrow(
      "JobPlatform 'TestStack/Platform': alarmEmail must be an email address; got 'ops'",
    );
  });
});
