import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GetBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StackArtifact } from '../../../tools/local/cloud-assembly';
import { ProvisioningError, provisionClients, provisionStack } from '../../../tools/local/provisioner';
import type { CfnTemplate } from '../../../tools/local/template-resolver';
import { useMoto } from '../../support/moto';

const ACCOUNT = '123456789012';

/** A template in the shape CDK synthesizes, written by hand. */
const template: CfnTemplate = {
  Parameters: { BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' } },
  Conditions: { Never: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'mars-1'] } },
  Resources: {
    StateTable: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'job', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [{ IndexName: 'byJob', KeySchema: [{ AttributeName: 'job', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } },
      },
    },
    OrdersTable: {
      Type: 'AWS::DynamoDB::GlobalTable',
      Properties: {
        TableName: 'orders',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        Replicas: [{ Region: { Ref: 'AWS::Region' }, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } }],
      },
    },
    Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [] } } },
    KeyAlias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/jobs', TargetKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
    LogsBucket: { Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Enabled' } } },
    Inbox: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1209600, KmsMasterKeyId: { Ref: 'Key' } } },
    Work: {
      Type: 'AWS::SQS::Queue',
      Properties: { VisibilityTimeout: 120, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Inbox', 'Arn'] }, maxReceiveCount: 5 } },
    },
    Alarms: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { Ref: 'Key' } } },
    AlarmsToWork: {
      Type: 'AWS::SNS::Subscription',
      Properties: { Protocol: 'sqs', TopicArn: { Ref: 'Alarms' }, Endpoint: { 'Fn::GetAtt': ['Work', 'Arn'] }, RawMessageDelivery: true },
    },
    AlarmsByMail: { Type: 'AWS::SNS::Subscription', Properties: { Protocol: 'email', TopicArn: { Ref: 'Alarms' }, Endpoint: 'ops@example.com' } },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: { AssumeRolePolicyDocument: { Statement: [] } },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      DependsOn: ['Role'],
      Properties: {
        Code: { S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: 'abc123.zip' },
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Timeout: 300,
        MemorySize: 512,
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['Inbox', 'Arn'] } },
        Environment: {
          Variables: {
            JOB_NAME: 'weekly-cleanup',
            JOBS_TABLE_NAME: { Ref: 'StateTable' },
            BUCKET_ARN: { 'Fn::GetAtt': ['LogsBucket', 'Arn'] },
            INBOX_URL: { Ref: 'Inbox' },
            STREAM: { 'Fn::GetAtt': ['StateTable', 'StreamArn'] },
            WHERE: { 'Fn::Join': ['/', [{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }]] },
            JOB_LEASE_SECONDS: 960,
          },
        },
      },
    },
    FnInvokeConfig: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: { Ref: 'Fn' },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Inbox', 'Arn'] } } },
      },
    },
    Group: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: 'jobs-group' } },
    Schedule: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: 'weekly-cleanup',
        GroupName: { Ref: 'Group' },
        ScheduleExpression: 'cron(0 2 ? * SUN *)',
        ScheduleExpressionTimezone: 'Europe/Paris',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
        Target: {
          Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] },
          RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
          Input: {
            'Fn::Join': ['', ['{"job":"weekly-cleanup","scheduledTime":"<aws.scheduler.scheduled-time>","payload":{"table":"', { Ref: 'StateTable' }, '"}}']],
          },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Inbox', 'Arn'] } },
        },
      },
    },
    OnlyOnMars: { Type: 'AWS::SQS::Queue', Condition: 'Never', Properties: { QueueName: 'mars' } },
  },
  Outputs: {
    JobsTableName: { Value: { Ref: 'StateTable' } },
    FailureInboxUrl: { Value: { Ref: 'Inbox' } },
    FailureInboxArn: { Value: { 'Fn::GetAtt': ['Inbox', 'Arn'] } },
    ScheduleGroupName: { Value: { Ref: 'Group' } },
    Mars: { Value: { Ref: 'OnlyOnMars' }, Condition: 'Never' },
  },
};

function artifact(t: CfnTemplate = template): StackArtifact {
  const codeDir = mkdtempSync(join(tmpdir(), 'local-asset-'));
  return { id: 'Jobs', stackName: 'Jobs', templateFile: '/nowhere/Jobs.template.json', template: t, assets: new Map([['abc123.zip', codeDir]]) };
}

describe('provisionStack against moto', () => {
  const moto = useMoto();

  it('creates the data-plane resources and describes the stack with local names', async () => {
    // Prepare
    const config = moto.config();
    const stackArtifact = artifact();
    // Act
    const stack = await provisionStack({
      stack: stackArtifact,
      assemblyDir: '/nowhere',
      endpoint: moto.endpoint.url,
      region: 'us-east-1',
      clients: provisionClients(config),
    });
    // Assess: the table, with its index, stream, TTL and point-in-time recovery
    const tableName = stack.resources.StateTable.ref;
    expect(tableName).toMatch(/^Jobs-StateTable-[A-Z0-9]{12}$/);
    const dynamodb = new DynamoDBClient(config);
    const table = (await dynamodb.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    expect(table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byJob']);
    expect(table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(stack.resources.StateTable.attributes.StreamArn).toBe(table?.LatestStreamArn);
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: tableName }));
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe('ENABLED');
    // a TableV2 (GlobalTable) with its explicit name
    const orders = (await dynamodb.send(new DescribeTableCommand({ TableName: 'orders' }))).Table;
    expect(orders?.TableArn).toBe(`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`);

    // the bucket (lower-case generated name), versioned
    const bucket = stack.resources.LogsBucket.ref;
    expect(bucket).toMatch(/^jobs-logsbucket-[a-z0-9]{12}$/);
    const versioning = await new S3Client(config).send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(versioning.Status).toBe('Enabled');

    // queues: Ref is the URL the emulator gave; the redrive policy points at the inbox ARN
    const sqs = new SQSClient(config);
    const inboxUrl = stack.resources.Inbox.ref;
    expect(inboxUrl).toBe(`${moto.endpoint.url}/${ACCOUNT}/${stack.resources.Inbox.name}`);
    const work = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.resources.Work.ref, AttributeNames: ['All'] }));
    expect(JSON.parse(work.Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${stack.resources.Inbox.name}`,
      maxReceiveCount: 5,
    });
    expect(work.Attributes?.VisibilityTimeout).toBe('120');

    // the topic delivers to the queue it subscribes; e-mail is not emulated
    const subscriptions = await new SNSClient(config).send(new ListSubscriptionsByTopicCommand({ TopicArn: stack.resources.Alarms.ref }));
    expect(subscriptions.Subscriptions?.map((s) => s.Protocol)).toEqual(['sqs']);
    expect(stack.resources.AlarmsByMail.provisioned).toBe(false);

    // the KMS key exists in the emulator: its id is moto's
    expect(stack.resources.Key.provisioned).toBe(true);
    expect(stack.resources.Key.arn).toBe(`arn:aws:kms:us-east-1:${ACCOUNT}:key/${stack.resources.Key.ref}`);

    // the schedule, with its zone, window, retry policy and the context attributes left in
    const schedule = await new SchedulerClient(config).send(new GetScheduleCommand({ Name: 'weekly-cleanup', GroupName: 'jobs-group' }));
    expect(schedule).toMatchObject({
      ScheduleExpression: 'cron(0 2 ? * SUN *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      Target: {
        Arn: stack.functions.Fn.arn,
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: stack.resources.Inbox.arn },
        Input: `{"job":"weekly-cleanup","scheduledTime":"<aws.scheduler.scheduled-time>","payload":{"table":"${tableName}"}}`,
      },
    });

    // the function: its code, settings, resolved environment and async configuration
    const fnName = stack.resources.Fn.ref;
    expect(stack.functions.Fn).toEqual({
      logicalId: 'Fn',
      functionName: fnName,
      arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${fnName}`,
      codeDir: stackArtifact.assets.get('abc123.zip'),
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      timeoutSeconds: 300,
      memorySize: 512,
      environment: {
        JOB_NAME: 'weekly-cleanup',
        JOBS_TABLE_NAME: tableName,
        BUCKET_ARN: `arn:aws:s3:::${bucket}`,
        INBOX_URL: inboxUrl,
        STREAM: table?.LatestStreamArn,
        WHERE: `us-east-1/${ACCOUNT}`,
        JOB_LEASE_SECONDS: '960',
      },
      jobName: 'weekly-cleanup',
      asyncConfig: { maximumRetryAttempts: 1, maximumEventAgeSeconds: 3600, onFailure: { arn: stack.resources.Inbox.arn } },
      deadLetterArn: stack.resources.Inbox.arn,
    });
    expect(stack.schedules.Schedule.target.functionLogicalId).toBe('Fn');
    expect(stack.jobs).toEqual({ 'weekly-cleanup': { functionLogicalId: 'Fn', scheduleLogicalId: 'Schedule' } });

    // resources under a false condition are skipped; outputs are resolved
    expect(stack.resources.OnlyOnMars).toBeUndefined();
    expect(stack.outputs).toEqual({
      JobsTableName: tableName,
      FailureInboxUrl: inboxUrl,
      FailureInboxArn: stack.resources.Inbox.arn,
      ScheduleGroupName: 'jobs-group',
    });
    expect(stack.resources.Role.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/${stack.resources.Role.ref}`);
  });

  it('provisions again into the same emulator without failing (an endpoint that outlives a run)', async () => {
    const options = {
      stack: artifact(),
      assemblyDir: '/nowhere',
      endpoint: moto.endpoint.url,
      region: 'us-east-1',
      clients: provisionClients(moto.config()),
    };
    const first = await provisionStack(options);
    const second = await provisionStack(options);
    expect(second.resources.StateTable.ref).toBe(first.resources.StateTable.ref);
    expect(second.resources.Inbox.ref).toBe(first.resources.Inbox.ref);
  });

  it('records a state machine with its definition resolved to local names (local mode runs it in-process)', async () => {
    const withMachine: CfnTemplate = {
      ...template,
      Resources: {
        ...template.Resources,
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            StateMachineName: 'Jobs-fan',
            RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
            DefinitionString: {
              'Fn::Join': ['', ['{"StartAt":"Plan","States":{"Plan":{"Type":"Task","Resource":"', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '","Parameters":{"Bucket":"', { Ref: 'LogsBucket' }, '"},"End":true}}}']],
            },
          },
        },
      },
    };
    const stack = await provisionStack({ stack: artifact(withMachine), assemblyDir: '/nowhere', endpoint: moto.endpoint.url, region: 'us-east-1', clients: provisionClients(moto.config()) });
    const machineArn = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:Jobs-fan`;
    expect(stack.stateMachines).toEqual({
      Machine: {
        logicalId: 'Machine',
        name: 'Jobs-fan',
        arn: machineArn,
        definition: `{"StartAt":"Plan","States":{"Plan":{"Type":"Task","Resource":"${stack.functions.Fn.arn}","Parameters":{"Bucket":"${stack.resources.LogsBucket.ref}"},"End":true}}}`,
      },
    });
    expect(stack.resources.Machine).toMatchObject({ type: 'AWS::StepFunctions::StateMachine', ref: machineArn, provisioned: false });
  });

  it('names the resource whose reference cannot be resolved', async () => {
    const broken: CfnTemplate = {
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Nowhere', 'Arn'] } } } } },
    };
    await expect(
      provisionStack({ stack: artifact(broken), assemblyDir: '/nowhere', endpoint: moto.endpoint.url, region: 'us-east-1', clients: provisionClients(moto.config()) }),
    ).rejects.toThrow(
      new ProvisioningError("resource Queue: Fn::GetAtt Nowhere.Arn: resource 'Nowhere' is not resolved (unknown logical id, or not provisioned yet)"),
    );
  });

  it('leaves out an environment variable that refers to something local mode does not model, with a warning', async () => {
    const custom: CfnTemplate = {
      Resources: {
        Custom: { Type: 'Custom::Thing', Properties: { ServiceToken: 'arn:x' } },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Code: { S3Key: 'abc123.zip' },
            Handler: 'index.handler',
            Environment: { Variables: { FROM_CUSTOM: { 'Fn::GetAtt': ['Custom', 'Value'] }, PLAIN: 'yes' } },
          },
        },
      },
    };
    const warnings: string[] = [];
    const stack = await provisionStack({
      stack: artifact(custom),
      assemblyDir: '/nowhere',
      endpoint: moto.endpoint.url,
      region: 'us-east-1',
      clients: provisionClients(moto.config()),
      warn: (m) => warnings.push(m),
    });
    expect(stack.functions.Fn.environment).toEqual({ PLAIN: 'yes' });
    expect(stack.functions.Fn.timeoutSeconds).toBe(3);
    expect(warnings).toEqual([
      "function Fn: environment variable FROM_CUSTOM left unset: Fn::GetAtt Custom.Value: attribute 'Value' is not known locally (known: none)",
    ]);
  });
});
