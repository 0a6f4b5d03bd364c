import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobAccess } from '../../lib/access';
import { grantStateItems, StateTableActions } from '../../lib/access-state';
import { OverlapPolicy } from '../../lib/contract';
import { JobPlatform } from '../../lib/job-platform';
import { OneTimeJob } from '../../lib/one-time-job';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createApp, createStack } from '../support/cdk';
import { actionsOfRole, stateTableStatements, statementsOfRole, type Statement } from '../support/iam';

const FIXTURE = 'test/fixtures/handler.ts';

const leadingKeys = (s: Statement) => (s.Condition?.['ForAllValues:StringEquals'] ?? s.Condition?.['ForAllValues:StringLike'])?.['dynamodb:LeadingKeys'];

describe('state-table access of a minimal platform', () => {
  let stack: Stack;
  let template: Template;
  let platform: JobPlatform;
  let nightly: ScheduledJob;
  let hourly: ScheduledJob;
  let reminder: OneTimeJob;

  beforeAll(() => {
    // GIVEN a platform with two scheduled jobs (one allowing overlap) and a one-time job, checked by cdk-nag
    const app = createApp();
    stack = createStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    platform = new JobPlatform(stack, 'Platform');
    nightly = new ScheduledJob(stack, 'Nightly', { platform, entry: FIXTURE, schedule: ScheduleExpression.cron({ minute: '0', hour: '2' }) });
    hourly = new ScheduledJob(stack, 'Hourly', {
      platform,
      entry: FIXTURE,
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      overlap: OverlapPolicy.ALLOW,
    });
    reminder = new OneTimeJob(stack, 'Reminder', { platform, entry: FIXTURE });
    template = Template.fromStack(stack);
  });

  it('THEN each job role reaches only its own partition, with the item actions its runs make', () => {
    const expected: Array<[ScheduledJob | OneTimeJob, string[]]> = [
      // overlap skip (the scheduled default): the lease is released with DeleteItem
      [nightly, ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
      // overlap allow: no lease, no delete
      [hourly, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
      [reminder, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']],
    ];
    for (const [job, actions] of expected) {
      const statements = stateTableStatements(stack, template, job.function.role!, platform.table);
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: actions,
          Resource: { 'Fn::GetAtt': [stack.getLogicalId(platform.table.node.defaultChild as never), 'Arn'] },
          Condition: {
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`JOB#${job.jobName}`] },
            Null: { 'dynamodb:LeadingKeys': 'false' },
          },
        },
      ]);
    }
  });

  it('THEN no job role holds Scan, a table-wide action, or any table action without the LeadingKeys condition', () => {
    for (const job of [nightly, hourly, reminder]) {
      const all = statementsOfRole(stack, template, job.function.role!);
      const onTable = all.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
      expect(onTable.length).toBeGreaterThan(0);
      for (const s of onTable) {
        const actions = [s.Action].flat();
        expect(actions.filter((a) => /Scan|\*|BatchWrite|DeleteTable|UpdateTable|PartiQL/.test(a))).toEqual([]);
        expect(leadingKeys(s)).toEqual([`JOB#${job.jobName}`]);
      }
    }
  });

  it('THEN the watchdog queries and records missed slots in the jobs\' partitions only, and moves its cursors in WATCHDOG', () => {
    const statements = stateTableStatements(stack, template, platform.watchdog.role!, platform.table);
    expect(statements.map((s) => ({ actions: [s.Action].flat(), condition: s.Condition }))).toEqual([
      {
        actions: ['dynamodb:PutItem', 'dynamodb:Query'],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['JOB#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
      },
      {
        actions: ['dynamodb:Query', 'dynamodb:UpdateItem'],
        condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['WATCHDOG'] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
      },
    ]);
  });

  it('THEN every job function carries the acknowledgements of the access its runs may not exercise', () => {
    const inbox = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
    expect(JobAccess.acknowledged(nightly.function).map((a) => a.actions)).toEqual([
      ['lambda:InvokeFunction'],
      inbox,
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
    ]);
    expect(JobAccess.acknowledged(platform.watchdog).map((a) => a.actions)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      inbox,
      ['dynamodb:PutItem', 'lambda:InvokeFunction'],
    ]);
    // no state-table action is acknowledged: every run makes each one it is granted
    const all = [nightly, hourly, reminder].flatMap((j) => JobAccess.acknowledged(j.function).flatMap((a) => a.actions));
    expect(all.filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const findings = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((f) => f.entry.data)).toEqual([]);
  });
});

describe('a job around a function of its own', () => {
  it('THEN the function\'s role gets the same partition grant, DeleteItem only when the job holds a lease', () => {
    const app = createApp();
    const stack = createStack(app);
    const platform = new JobPlatform(stack, 'Platform');
    const fn = (id: string) =>
      new lambda.Function(stack, id, {
        functionName: `my-${id.toLowerCase()}`,
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => {}'),
      });
    const skip = new ScheduledJob(stack, 'Skip', { platform, schedule: ScheduleExpression.rate(Duration.hours(1)), function: fn('A') });
    const allow = new ScheduledJob(stack, 'Allow', {
      platform,
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      function: fn('B'),
      overlap: OverlapPolicy.ALLOW,
    });
    const template = Template.fromStack(stack);
    const onTable = (job: ScheduledJob) => stateTableStatements(stack, template, job.function.role!, platform.table);
    expect(onTable(skip).map((s) => [[s.Action].flat(), leadingKeys(s)])).toEqual([
      [['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], ['JOB#skip']],
    ]);
    expect(onTable(allow).map((s) => [[s.Action].flat(), leadingKeys(s)])).toEqual([
      [['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], ['JOB#allow']],
    ]);
  });
});

describe('grantStateItems on a table with a customer-managed key', () => {
  it('THEN readers may decrypt with the key, writers encrypt and decrypt', () => {
    // GIVEN a table encrypted with its own key and two roles
    const app = createApp();
    const stack = createStack(app);
    const table = new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    });
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN each gets item actions on one partition
    grantStateItems({ table, grantee: reader, actions: StateTableActions.OPERATOR_READ, partitions: ['JOB#a'] });
    grantStateItems({ table, grantee: writer, actions: StateTableActions.JOB_RUN, partitions: ['JOB#a'] });
    // THEN the key statements follow the actions
    const template = Template.fromStack(stack);
    const kmsActions = (role: iam.IRole) => actionsOfRole(stack, template, role).filter((a) => a.startsWith('kms:'));
    expect(kmsActions(reader)).toEqual(['kms:Decrypt']);
    expect(kmsActions(writer)).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']);
  });
});
