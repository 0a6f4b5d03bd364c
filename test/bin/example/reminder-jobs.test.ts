import { Validations, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReminderJobs } from '../../../bin/example/reminder-jobs';
import { JobPlatform } from '../../../lib/job-platform';
import { createApp, createStack } from '../../support/cdk';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const logicalIdOf = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } });
  return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
}
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat()).sort();

describe('ReminderJobs', () => {
  let stack: Stack;
  let template: Template;
  let reminders: ReminderJobs;
  let platform: JobPlatform;

  beforeAll(() => {
    // GIVEN a platform with cdk-nag checks
    const app = createApp();
    stack = createStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    platform = new JobPlatform(stack, 'Platform');
    // WHEN the reminder jobs are declared
    reminders = new ReminderJobs(stack, 'Reminders', { platform, senderAddress: 'billing@example.com' });
    app.synth();
    template = Template.fromStack(stack);
  });

  it('THEN the subscriptions table streams old and new images; the users table has the month-day index', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'subscriptionId', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      SSESpecification: { SSEEnabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byBirthMonthDay',
          KeySchema: [
            { AttributeName: 'birthMonthDay', KeyType: 'HASH' },
            { AttributeName: 'userId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['email', 'name'] },
        },
      ],
    });
  });

  it('THEN the subscriptions function reads the stream, reports batch item failures and sends what fails to the inbox', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(stack, reminders.subscriptionsFunction) },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(stack, platform.failureInbox), 'Arn'] } } },
    });
  });

  it('THEN the subscriptions function may schedule, move and cancel payment reminders and nothing else in Scheduler (it never lists them)', () => {
    const roleId = logicalIdOf(stack, reminders.subscriptionsFunction.role! as never);
    const statements = statementsOfRole(template, roleId);
    const scheduler = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('scheduler:') || a.startsWith('iam:')));
    expect(scheduler).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule', 'scheduler:UpdateSchedule'],
          Resource: 'arn:aws:scheduler:us-east-1:123456789012:schedule/TestStack-jobs-once/payment-reminder.*',
        },
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          // the payment reminder's own scheduler role, which may invoke that job only
          Resource: { 'Fn::GetAtt': [logicalIdOf(stack, reminders.paymentReminder.schedulerRole as never), 'Arn'] },
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]),
    );
    expect(scheduler).toHaveLength(2);
    expect(actionsOf(statements)).not.toContain('scheduler:ListSchedules');
    // It never touches the subscriptions table itself, only its stream.
    expect(actionsOf(statements).filter((a) => a.startsWith('dynamodb:'))).toEqual(
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'].sort(),
    );
  });

  it('THEN the reminder reads and conditionally updates subscriptions and sends email from the identity with the configuration set', () => {
    const roleId = logicalIdOf(stack, reminders.paymentReminder.function.role! as never);
    const statements = statementsOfRole(template, roleId);
    const onSubscriptions = statements.filter((s) => JSON.stringify(s.Resource).includes(logicalIdOf(stack, reminders.subscriptionsTable)));
    expect(actionsOf(onSubscriptions)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    const send = statements.find((s) => s.Action === 'ses:SendEmail');
    expect(JSON.stringify(send?.Resource)).toContain(':configuration-set/');
    expect(JSON.stringify(send?.Resource)).toContain(':identity/');
    expect(actionsOf(statements)).not.toContain('ses:SendRawEmail');
  });

  it('THEN the birthday job runs daily at 09:00 London with its zone in the payload, and Queries the index', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'birthday-emails',
      ScheduleExpression: 'cron(0 9 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/London',
    });
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: 'birthday-emails' } }))[0] as {
      Properties: { Target: { Input: string } };
    };
    expect(JSON.parse(schedule.Properties.Target.Input).payload).toEqual({ timeZone: 'Europe/London' });
    const roleId = logicalIdOf(stack, reminders.birthdayEmails.function.role! as never);
    const onUsers = statementsOfRole(template, roleId).filter((s) => JSON.stringify(s.Resource).includes(logicalIdOf(stack, reminders.usersTable)));
    expect(actionsOf(onUsers)).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
  });

  it('THEN the payment reminder has no recurring schedule and the platform has its one-time group', () => {
    expect(Object.keys(template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: 'payment-reminder' } }))).toEqual([]);
    template.hasOutput('OneTimeScheduleGroupName', { Value: 'TestStack-jobs-once' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ONCE_PAYMENT_REMINDER_GROUP: 'TestStack-jobs-once' }) },
    });
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`)).toEqual([]);
  });
});
