import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Validations } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { BusinessData } from '../../../bin/example/business-data';
import { ReportJobs } from '../../../bin/example/report-jobs';
import { JobPlatform } from '../../../lib/job-platform';
import { createApp, createStack } from '../../support/cdk';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

function policyStatementsOf(template: Template, stack: Stack, roleLogicalIdPrefix: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } } }[];
  return policies
    .filter((p) => JSON.stringify(stack.resolve(p.Properties.Roles)).includes(roleLogicalIdPrefix))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

describe('BusinessData and ReportJobs', () => {
  let stack: Stack;
  let template: Template;
  let data: BusinessData;

  beforeAll(() => {
    // GIVEN a platform and the business data
    const app = createApp();
    stack = createStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const platform = new JobPlatform(stack, 'Platform', {});
    data = new BusinessData(stack, 'Data');
    // WHEN the report jobs are declared
    new ReportJobs(stack, 'Reports', { platform, data });
    app.synth();
    template = Template.fromStack(stack);
  });

  it('THEN the orders table has the byDay and byCustomerShard indexes, PITR and encryption', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byDay',
          KeySchema: [
            { AttributeName: 'orderDay', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['customerId', 'lines'] },
        },
        {
          IndexName: 'byCustomerShard',
          KeySchema: [
            { AttributeName: 'customerShard', KeyType: 'HASH' },
            { AttributeName: 'customerOrder', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['customerId', 'createdAt', 'orderDay', 'lines'] },
        },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('THEN the reports bucket is encrypted, private, TLS-only and cleans up unfinished uploads and resume state', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: {
        Rules: [
          { Id: 'AbortIncompleteUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 }, Status: 'Enabled' },
          { Id: 'ExpireReportState', Prefix: 'report-state/', ExpirationInDays: 7, Status: 'Enabled' },
        ],
      },
    });
    const bucketId = stack.getLogicalId(data.reportsBucket.node.defaultChild as never);
    const policy = template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } });
    const statements = Object.values(policy).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Condition?: unknown; Effect: string }[] } } }).Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }));
  });

  it.each([
    ['daily-sales-report', 'cron(0 0 * * ? *)', '{"period":"day"}'],
    ['monthly-sales-report', 'cron(0 1 1 * ? *)', '{"period":"month"}'],
    ['weekly-loyalty-points', 'cron(0 3 ? * SUN *)', '{"centsPerPoint":100}'],
  ])('THEN %s runs on %s UTC with payload %s', (name, expression, payload) => {
    const found = Object.values(template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: name } })) as {
      Properties: { ScheduleExpression: string; ScheduleExpressionTimezone: string; Target: { Input: unknown } };
    }[];
    expect(found).toHaveLength(1);
    expect(found[0].Properties.ScheduleExpression).toBe(expression);
    expect(found[0].Properties.ScheduleExpressionTimezone).toBe('Etc/UTC');
    const input = JSON.parse(stack.resolve(found[0].Properties.Target.Input) as string) as { payload: unknown };
    expect(JSON.stringify(input.payload)).toBe(payload);
  });

  it('THEN the functions know where the data is', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as { Properties: { Environment?: { Variables: Record<string, unknown> } } }[];
    const envs = functions.map((f) => f.Properties.Environment?.Variables ?? {}).filter((v) => ['daily-sales-report', 'monthly-sales-report', 'weekly-loyalty-points'].includes(v.JOB_NAME as string));
    expect(envs).toHaveLength(3);
    for (const env of envs) {
      expect(env).toMatchObject({ ORDERS_TABLE_NAME: expect.anything(), ORDERS_INDEX_NAME: 'byDay' });
      if (env.JOB_NAME === 'weekly-loyalty-points') expect(env.CUSTOMERS_TABLE_NAME).toBeDefined();
      else expect(env.REPORTS_BUCKET_NAME).toBeDefined();
    }
  });

  it('THEN the reports may Query the orders (never Scan) and write only under reports/ and report-state/', () => {
    const statements = policyStatementsOf(template, stack, 'DailySalesReport');
    const ordersId = stack.getLogicalId(data.ordersTable.node.defaultChild as never);
    const onOrders = statements.filter((s) => JSON.stringify(s.Resource).includes(ordersId));
    expect(actionsOf(onOrders)).toEqual(['dynamodb:Query']);
    // the date index only, not the table nor every index
    expect(onOrders.map((s) => stack.resolve(s.Resource))).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ordersId, 'Arn'] }, '/index/byDay']] },
    ]);
    const bucketId = stack.getLogicalId(data.reportsBucket.node.defaultChild as never);
    const onObjects = (prefix: string) =>
      actionsOf(statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${prefix}*`]] }))).sort();
    expect(onObjects('reports/')).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    expect(onObjects('report-state/')).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    const s3Actions = actionsOf(statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:'))));
    expect(s3Actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(JSON.stringify(statements.map((s) => s.Resource))).not.toContain(`"/*"`);
  });

  it('THEN the loyalty job may Query the orders and UpdateItem the customers, and nothing else on them', () => {
    const statements = policyStatementsOf(template, stack, 'WeeklyLoyaltyPoints');
    const customersId = stack.getLogicalId(data.customersTable.node.defaultChild as never);
    const onCustomers = statements.filter((s) => JSON.stringify(s.Resource).includes(customersId));
    expect(actionsOf(onCustomers)).toEqual(['dynamodb:UpdateItem']);
    expect(actionsOf(statements)).toContain('dynamodb:Query');
    expect(actionsOf(statements).some((a) => a.startsWith('s3:'))).toBe(false);
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`)).toEqual([]);
  });
});

describe('BusinessData with a customer-managed key', () => {
  it('encrypts the three tables and the bucket with it and lets the jobs use it', () => {
    const app = createApp();
    const stack = createStack(app);
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const data = new BusinessData(stack, 'Data', { encryptionKey: key });
    new ReportJobs(stack, 'Reports', { platform: new JobPlatform(stack, 'Platform', {}), data });
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as never), 'Arn'] };
    template.resourcePropertiesCountIs(
      'AWS::DynamoDB::GlobalTable',
      { SSESpecification: { SSEEnabled: true, SSEType: 'KMS' }, Replicas: [Match.objectLike({ SSESpecification: { KMSMasterKeyId: keyArn } })] },
      3,
    );
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }] },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
    const kmsStatements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => JSON.stringify(s.Resource) === JSON.stringify(keyArn));
    expect(kmsStatements.length).toBeGreaterThanOrEqual(3);
  });
});
