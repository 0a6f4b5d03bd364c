import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobPlatform } from '../../lib/job-platform';
import { OneTimeJob } from '../../lib/one-time-job';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createApp, createStack } from '../support/cdk';
import { logicalIdOf, statementsOfRole, type Statement } from '../support/iam';

const FIXTURE = 'test/fixtures/handler.ts';

/**
 * Each (action, resource, condition) a role is granted, as one sorted line: statements merged or
 * split by CDK compare the same.
 */
function grants(statements: Statement[]): string[] {
  const lines = statements.flatMap((s) =>
    [s.Action].flat().flatMap((action) =>
      [s.Resource].flat().map((resource) => `${action} ${JSON.stringify(resource)}${s.Condition ? ` if ${JSON.stringify(s.Condition)}` : ''}`),
    ),
  );
  return [...new Set(lines)].sort();
}

describe('operator grants', () => {
  let stack: Stack;
  let template: Template;
  let platform: JobPlatform;
  let nightly: ScheduledJob;
  let reminder: OneTimeJob;
  let reader: iam.Role;
  let operator: iam.Role;

  beforeAll(() => {
    // GIVEN a platform with a scheduled and a one-time job, a read-only operator role and a full one
    const app = createApp();
    stack = createStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    platform = new JobPlatform(stack, 'Platform');
    reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN the grants are made before the jobs exist (the lists are produced at synth)
    platform.grantOperatorRead(reader);
    platform.grantOperate(operator);
    nightly = new ScheduledJob(stack, 'Nightly', { platform, entry: FIXTURE, schedule: ScheduleExpression.cron({ minute: '0', hour: '2' }) });
    reminder = new OneTimeJob(stack, 'Reminder', { platform, entry: FIXTURE });
    template = Template.fromStack(stack);
  });

  const arn = (id: string) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });
  const partitions = JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['JOB#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } });

  it('THEN the read-only role gets exactly what list, next, history and failures call', () => {
    const table = arn(logicalIdOf(stack, platform.table as never));
    const inbox = arn(logicalIdOf(stack, platform.failureInbox as never));
    const functions = Object.keys(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBe(3); // the watchdog and the two jobs
    expect(grants(statementsOfRole(stack, template, reader))).toEqual(
      [
        'cloudformation:DescribeStacks "arn:aws:cloudformation:us-east-1:123456789012:stack/TestStack/*"',
        'cloudformation:ListStackResources "arn:aws:cloudformation:us-east-1:123456789012:stack/TestStack/*"',
        'scheduler:ListSchedules "*"',
        'scheduler:GetSchedule "arn:aws:scheduler:us-east-1:123456789012:schedule/TestStack-jobs/*"',
        'scheduler:GetSchedule "arn:aws:scheduler:us-east-1:123456789012:schedule/TestStack-jobs-once/*"',
        ...functions.map((id) => `lambda:GetFunctionConfiguration ${arn(id)}`),
        `dynamodb:BatchGetItem ${table} if ${partitions}`,
        `dynamodb:GetItem ${table} if ${partitions}`,
        `dynamodb:Query ${table} if ${partitions}`,
        `sqs:ChangeMessageVisibility ${inbox}`,
        `sqs:GetQueueAttributes ${inbox}`,
        `sqs:ReceiveMessage ${inbox}`,
      ].sort(),
    );
  });

  it('THEN the operate role adds invoking the jobs, the paused flag and deleting inbox messages, nothing else', () => {
    const read = grants(statementsOfRole(stack, template, reader));
    const operate = grants(statementsOfRole(stack, template, operator));
    const table = arn(logicalIdOf(stack, platform.table as never));
    const inbox = arn(logicalIdOf(stack, platform.failureInbox as never));
    expect(read.filter((g) => !operate.includes(g))).toEqual([]);
    expect(operate.filter((g) => !read.includes(g))).toEqual(
      [
        `lambda:InvokeFunction ${arn(logicalIdOf(stack, nightly.function as never))}`,
        `lambda:InvokeFunction ${arn(logicalIdOf(stack, reminder.function as never))}`,
        `dynamodb:UpdateItem ${table} if ${partitions}`,
        `sqs:DeleteMessage ${inbox}`,
      ].sort(),
    );
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const findings = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((f) => f.entry.data)).toEqual([]);
  });
});
