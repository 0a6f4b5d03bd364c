import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobPlatform } from '../../lib/job-platform';
import { OneTimeJob } from '../../lib/one-time-job';
import { OverlapPolicy } from '../../lib/contract';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createApp, createStack } from '../support/cdk';

const FIXTURE = 'test/fixtures/handler.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Effect: string; Resource: unknown; Condition?: unknown };

const logicalIdOf = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

function statementsOfRole(stack: Stack, template: Template, role: iam.IRole): Statement[] {
  const roleId = logicalIdOf(stack, role as never);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  return Object.values(policies).flatMap((p) => ((p as Resource).Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actions = (s: Statement) => [s.Action].flat();

describe('OneTimeJob', () => {
  let app: ReturnType<typeof createApp>;
  let stack: Stack;
  let template: Template;
  let platform: JobPlatform;
  let reminder: OneTimeJob;
  let welcome: OneTimeJob;
  let subscriptions: lambda.Function;
  let onboarding: ScheduledJob;

  beforeAll(() => {
    // GIVEN a platform, two one-time jobs, a function that schedules reminders and a scheduled job that schedules welcomes
    app = createApp();
    stack = createStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    platform = new JobPlatform(stack, 'Platform');
    reminder = new OneTimeJob(stack, 'PaymentReminder', { platform, entry: FIXTURE, timeout: Duration.minutes(2) });
    welcome = new OneTimeJob(stack, 'Welcome', {
      platform,
      entry: FIXTURE,
      jobName: 'welcome-email',
      deliveryRetryAttempts: 10,
      deliveryMaxEventAge: Duration.minutes(30),
      overlap: OverlapPolicy.SKIP,
    });
    subscriptions = new lambda.Function(stack, 'Subscriptions', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    // The stand-in application function's own finding; the grant's are acknowledged by grantSchedule.
    Validations.of(subscriptions).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'Test stand-in for an application function; its logging policy is not under test.',
      },
    );
    onboarding = new ScheduledJob(stack, 'Onboarding', {
      platform,
      entry: FIXTURE,
      schedule: ScheduleExpression.expression('rate(1 hour)', TimeZone.ETC_UTC),
    });
    // WHEN the subscriptions function and the onboarding job are allowed to schedule
    reminder.grantSchedule(subscriptions);
    welcome.grantSchedule(onboarding);
    app.synth();
    template = Template.fromStack(stack);
  });

  describe('the platform', () => {
    it('THEN gets a one-time schedule group, its output, and a scheduler role Scheduler may assume from both groups', () => {
      template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'TestStack-jobs-once' });
      template.hasOutput('OneTimeScheduleGroupName', { Value: 'TestStack-jobs-once' });
      expect(platform.oneTimeScheduleGroup.scheduleGroupName).toBe('TestStack-jobs-once');
      const role = template.toJSON().Resources[logicalIdOf(stack, platform.schedulerRole as never)] as Resource;
      const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
      expect(trust).toContain(logicalIdOf(stack, platform.scheduleGroup as never));
      expect(trust).toContain(logicalIdOf(stack, platform.oneTimeScheduleGroup as never));
    });

    it('THEN a platform without one-time jobs has neither the group nor the output', () => {
      const other = createStack(createApp(), 'Plain');
      new JobPlatform(other, 'Platform');
      const t = Template.fromStack(other);
      t.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
      expect(Object.keys(t.toJSON().Outputs)).not.toContain('OneTimeScheduleGroupName');
    });
  });

  describe('the job', () => {
    it('THEN has no recurring schedule: the only schedules are the watchdog and the scheduled job', () => {
      template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    });

    it('THEN its function has the job environment, overlap allowed by default', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `${platform.jobFunctionNamePrefix}payment-reminder`,
        Description: "One-time job 'payment-reminder': runs once for each one-time schedule created for it",
        Timeout: 120,
        Environment: {
          Variables: Match.objectLike({ JOB_NAME: 'payment-reminder', JOB_OVERLAP_POLICY: 'allow', POWERTOOLS_SERVICE_NAME: 'payment-reminder' }),
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `${platform.jobFunctionNamePrefix}welcome-email`,
        Environment: { Variables: Match.objectLike({ JOB_OVERLAP_POLICY: 'skip' }) },
      });
    });

    it('THEN function errors go to the failure inbox after Lambda retries', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalIdOf(stack, reminder.function) },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(stack, platform.failureInbox), 'Arn'] } } },
      });
    });

    it('THEN the scheduler role may invoke the function (named under the platform prefix) and send undeliverable events to the inbox', () => {
      const statements = statementsOfRole(stack, template, platform.schedulerRole);
      const resourcesOf = (action: string) => statements.filter((s) => actions(s).includes(action)).flatMap((s) => [s.Resource].flat());
      expect(resourcesOf('lambda:InvokeFunction')).toContainEqual(
        `arn:aws:lambda:us-east-1:123456789012:function:${platform.jobFunctionNamePrefix}*`,
      );
      for (const job of [reminder, welcome]) {
        const fn = template.toJSON().Resources[logicalIdOf(stack, job.function)] as Resource;
        expect(fn.Properties.FunctionName).toBe(`${platform.jobFunctionNamePrefix}${job.jobName}`);
      }
      expect(resourcesOf('sqs:SendMessage')).toEqual([{ 'Fn::GetAtt': [logicalIdOf(stack, platform.failureInbox), 'Arn'] }]);
    });

    it("THEN its own scheduler role, assumable only from the one-time group, may invoke this job's function and send to the inbox, nothing else", () => {
      const role = template.toJSON().Resources[logicalIdOf(stack, reminder.schedulerRole as never)] as Resource;
      expect(role.Properties.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '123456789012' },
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(stack, platform.oneTimeScheduleGroup as never), 'Arn'] } },
            },
          },
        ],
      });
      expect(statementsOfRole(stack, template, reminder.schedulerRole)).toEqual([
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [logicalIdOf(stack, reminder.function), 'Arn'] } },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [logicalIdOf(stack, platform.failureInbox), 'Arn'] } },
      ]);
    });

    it('THEN it has its alarm (duration threshold 80% of 2 minutes) and is registered with the platform', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'TestStack-payment-reminder-health',
        Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('IF\\(FILL\\(duration, 0\\) > 96000, 1, 0\\)') })]),
      });
      expect(platform.jobs.map((j) => j.jobName)).toEqual(['payment-reminder', 'welcome-email', 'onboarding']);
    });
  });

  describe('grantSchedule', () => {
    // The stack's environment is fixed, so the ARN is a literal.
    const reminderSchedules = 'arn:aws:scheduler:us-east-1:123456789012:schedule/TestStack-jobs-once/payment-reminder.*';
    const welcomeSchedules = 'arn:aws:scheduler:us-east-1:123456789012:schedule/TestStack-jobs-once/welcome-email.*';

    it("THEN the grantee gets exactly: the four actions on this job's schedules, ListSchedules on *, PassRole on the scheduler role to Scheduler", () => {
      const statements = statementsOfRole(stack, template, subscriptions.role!);
      expect(statements).toHaveLength(3);
      expect(statements).toContainEqual({
        Effect: 'Allow',
        // CDK sorts the actions of a statement.
        Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule', 'scheduler:UpdateSchedule'],
        Resource: reminderSchedules,
      });
      expect(statements).toContainEqual({ Effect: 'Allow', Action: 'scheduler:ListSchedules', Resource: '*' });
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack, reminder.schedulerRole as never), 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      });
    });

    it('WITH { list: false } THEN the grantee gets no ListSchedules (and no statement on "*")', () => {
      const listless = createStack(createApp());
      const p = new JobPlatform(listless, 'Platform');
      const job = new OneTimeJob(listless, 'PaymentReminder', { platform: p, entry: FIXTURE });
      const fn = new lambda.Function(listless, 'Mover', {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => {}'),
      });
      job.grantSchedule(fn, { list: false });
      const statements = statementsOfRole(listless, Template.fromStack(listless), fn.role!);
      expect(statements.flatMap(actions).filter((a) => a.startsWith('scheduler:')).sort()).toEqual([
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
        'scheduler:GetSchedule',
        'scheduler:UpdateSchedule',
      ]);
      expect(statements.some((s) => s.Resource === '*')).toBe(false);
    });

    it('THEN no broader: no scheduler wildcard action, no other job or group, PassRole nowhere else', () => {
      // Each grantee may pass only the scheduler role of the job it schedules.
      const grantees: Array<[iam.IRole, OneTimeJob]> = [
        [subscriptions.role!, reminder],
        [onboarding.function.role!, welcome],
      ];
      for (const [role, job] of grantees) {
        for (const s of statementsOfRole(stack, template, role)) {
          for (const action of actions(s)) {
            expect(action).not.toMatch(/^(scheduler|iam):\*$|^\*$/);
            if (action === 'scheduler:ListSchedules') expect(s.Resource).toBe('*');
            else if (action.startsWith('scheduler:')) expect([reminderSchedules, welcomeSchedules]).toContainEqual(s.Resource);
            if (action === 'iam:PassRole') {
              expect(s.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack, job.schedulerRole as never), 'Arn'] });
              expect(s.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
            }
          }
        }
      }
      // Each grantee reaches its own job only.
      const subscriptionsResources = JSON.stringify(statementsOfRole(stack, template, subscriptions.role!));
      expect(subscriptionsResources).not.toContain('welcome-email');
      const onboardingResources = JSON.stringify(statementsOfRole(stack, template, onboarding.function.role!));
      expect(onboardingResources).toContain('welcome-email.*');
      expect(onboardingResources).not.toContain('payment-reminder');
    });

    it('THEN a lambda.Function (or a job) grantee gets the variables OneTimeScheduler.fromEnvironment reads', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        Environment: {
          Variables: {
            ONCE_PAYMENT_REMINDER_GROUP: 'TestStack-jobs-once',
            ONCE_PAYMENT_REMINDER_TARGET_ARN: { 'Fn::GetAtt': [logicalIdOf(stack, reminder.function), 'Arn'] },
            ONCE_PAYMENT_REMINDER_ROLE_ARN: { 'Fn::GetAtt': [logicalIdOf(stack, reminder.schedulerRole as never), 'Arn'] },
            ONCE_PAYMENT_REMINDER_DEAD_LETTER_ARN: { 'Fn::GetAtt': [logicalIdOf(stack, platform.failureInbox), 'Arn'] },
            ONCE_PAYMENT_REMINDER_RETRY_ATTEMPTS: '185',
            ONCE_PAYMENT_REMINDER_MAX_EVENT_AGE_SECONDS: '3600',
          },
        },
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `${platform.jobFunctionNamePrefix}onboarding`,
        Environment: {
          Variables: Match.objectLike({
            ONCE_WELCOME_EMAIL_GROUP: 'TestStack-jobs-once',
            ONCE_WELCOME_EMAIL_RETRY_ATTEMPTS: '10',
            ONCE_WELCOME_EMAIL_MAX_EVENT_AGE_SECONDS: '1800',
          }),
        },
      });
    });

    it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
      const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
      expect(errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`)).toEqual([]);
    });
  });

  describe('validation', () => {
    const build = (props: Record<string, unknown>) => () => {
      const s = createStack(createApp(), 'V');
      const p = new JobPlatform(s, 'Platform');
      new OneTimeJob(s, 'Reminder', { platform: p, entry: FIXTURE, ...props });
    };
    it.each([
      [{ deliveryRetryAttempts: 186 }, "job 'reminder': deliveryRetryAttempts must be an integer from 0 to 185; got 186"],
      [{ deliveryMaxEventAge: Duration.seconds(30) }, "job 'reminder': deliveryMaxEventAge must be whole seconds from 1 minute to 24 hours; got 30 seconds"],
      [{ retryAttempts: 3 }, "job 'reminder': retryAttempts must be an integer from 0 to 2; got 3"],
      [{ jobName: 'Reminder' }, "job 'Reminder': the job name must be kebab-case, start with a letter and have at most 48 characters (^[a-z][a-z0-9-]{0,47}$); got 'Reminder'"],
      [{ environment: { JOB_NAME: 'x' } }, "job 'reminder': environment variable 'JOB_NAME' is set by the job itself and cannot be overridden"],
      [{ entry: undefined }, "job 'reminder': give exactly one of 'entry' and 'function'; got neither"],
    ])('%#: %s', (props, message) => {
      expect(build(props)).toThrow(message);
    });

    it('rejects a second job of the same name in the platform', () => {
      const s = createStack(createApp(), 'Dup');
      const p = new JobPlatform(s, 'Platform');
      new OneTimeJob(s, 'Reminder', { platform: p, entry: FIXTURE });
      expect(() => new ScheduledJob(s, 'Other', { platform: p, entry: FIXTURE, jobName: 'reminder', schedule: ScheduleExpression.expression('rate(1 hour)') })).toThrow(
        "job 'reminder': another job of this platform has the same name ('Dup/Reminder'); job names are unique per platform",
      );
    });
  });
});

describe('a ScheduledJob with ScheduleExpression.at(...)', () => {
  it('THEN it is a plain schedule: no ActionAfterCompletion (the L2 has none), so it stays after it fires', () => {
    const stack = createStack(createApp(), 'At');
    const platform = new JobPlatform(stack, 'Platform');
    new ScheduledJob(stack, 'Launch', {
      platform,
      entry: FIXTURE,
      // 1 March 2030, 09:00 in Paris, written as the wall clock (FACTS: at() writes toISOString()).
      schedule: ScheduleExpression.at(new Date(Date.UTC(2030, 2, 1, 9, 0, 0)), TimeZone.EUROPE_PARIS),
    });
    const schedule = Object.values(Template.fromStack(stack).findResources('AWS::Scheduler::Schedule', { Properties: { Name: 'launch' } }))[0] as Resource;
    expect(schedule.Properties).toMatchObject({ ScheduleExpression: 'at(2030-03-01T09:00:00)', ScheduleExpressionTimezone: 'Europe/Paris', State: 'ENABLED' });
    expect(schedule.Properties.ActionAfterCompletion).toBeUndefined();
  });
});
