import { Validations, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { PromotionJobs } from '../../../bin/example/promotion-jobs';
import { JobPlatform } from '../../../lib/job-platform';
import { createApp, createStack } from '../../support/cdk';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const logicalIdOf = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } });
  return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
}

describe('PromotionJobs', () => {
  let stack: Stack;
  let template: Template;
  let promotions: PromotionJobs;

  beforeAll(() => {
    // GIVEN a platform with cdk-nag checks
    const app = createApp();
    stack = createStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const platform = new JobPlatform(stack, 'Platform');
    // WHEN the promotion job is declared
    promotions = new PromotionJobs(stack, 'Promotions', { platform, senderAddress: 'offers@example.com' });
    app.synth();
    template = Template.fromStack(stack);
  });

  it('THEN the recipients table has the sparse due index: bucket partition, nextSendAt sort key', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'recipientId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byNextSendAt',
          KeySchema: [
            { AttributeName: 'dueBucket', KeyType: 'HASH' },
            { AttributeName: 'nextSendAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['email', 'name', 'timeZone', 'optedOut', 'lastSentLocalDate'] },
        },
      ],
    });
  });

  it('THEN the job runs every 15 minutes in UTC', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'morning-promotions',
      ScheduleExpression: 'cron(0/15 * * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
    });
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: 'morning-promotions' } }))[0] as {
      Properties: { Target: { Input: string } };
    };
    expect(JSON.parse(schedule.Properties.Target.Input).payload).toEqual({ subject: "Today's offer", maxLatenessMinutes: 240 });
  });

  it('THEN the job may Query the due index, update recipients, send from the identity and read the quota and suppression list, nothing more', () => {
    const roleId = logicalIdOf(stack, promotions.morningPromotions.function.role! as never);
    const statements = statementsOfRole(template, roleId);
    const tableId = logicalIdOf(stack, promotions.recipientsTable);
    const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(tableId));
    expect(onTable).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/byNextSendAt']] } },
      { Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } },
    ]);
    const sesStatements = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('ses:')));
    expect(sesStatements).toHaveLength(2);
    const send = sesStatements.find((s) => s.Action === 'ses:SendEmail')!;
    expect(JSON.stringify(send.Resource)).toContain(':identity/');
    expect(JSON.stringify(send.Resource)).toContain(':configuration-set/');
    expect(sesStatements.find((s) => s.Action !== 'ses:SendEmail')).toEqual({
      Effect: 'Allow',
      Action: ['ses:GetAccount', 'ses:GetSuppressedDestination'],
      Resource: '*',
    });
  });

  it('THEN the function finds the table, the index and the sender in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PROMOTIONS_TABLE_NAME: { Ref: logicalIdOf(stack, promotions.recipientsTable) },
          PROMOTIONS_DUE_INDEX: 'byNextSendAt',
          PROMOTIONS_EMAIL_FROM: 'offers@example.com',
          PROMOTIONS_EMAIL_CONFIGURATION_SET: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'offers@example.com' });
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`)).toEqual([]);
  });
});
