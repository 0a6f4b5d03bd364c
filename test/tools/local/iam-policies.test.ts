/**
 * Reading each function role's policies from a template, and the identity policy local mode gives
 * it in moto (actions only: moto checks neither resources nor conditions).
 */
import { describe, expect, it } from 'vitest';
import {
  awsManagedPolicyName,
  functionRoleLogicalId,
  grantedActions,
  lambdaServiceActions,
  localIdentityPolicy,
  planFunctionAccess,
  rolePolicies,
} from '../../../tools/local/iam-policies';
import type { LocalFunction, LocalResource } from '../../../tools/local/local-stack';
import type { CfnTemplate } from '../../../tools/local/template-resolver';

const BASIC = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']] };
const LEADING_KEYS = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['JOB#cleanup'] } };

const template: CfnTemplate = {
  Resources: {
    CleanupRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        ManagedPolicyArns: [BASIC, { Ref: 'Shared' }, 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
        Policies: [{ PolicyName: 'inline', PolicyDocument: { Statement: { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' } } }],
      },
    },
    CleanupPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'CleanupRole' }],
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: { 'Fn::GetAtt': ['Table', 'Arn'] }, Condition: LEADING_KEYS },
            { Effect: 'Allow', Action: ['s3:GetObject*', 's3:List*', 'cloudwatch:PutMetricData'], Resource: ['arn:aws:s3:::logs', 'arn:aws:s3:::logs/*'] },
            { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
            { Effect: 'Deny', Action: 's3:PutObject', Resource: 'arn:aws:s3:::logs/*' },
            { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
          ],
        },
      },
    },
    Shared: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'scheduler:GetSchedule', Resource: '*' }] } } },
    OtherPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: { Roles: [{ Ref: 'OtherRole' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:Scan', Resource: '*' }] } },
    },
    Switched: {
      Type: 'AWS::IAM::Policy',
      Condition: 'Off',
      Properties: { Roles: [{ Ref: 'CleanupRole' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] } },
    },
    OtherRole: { Type: 'AWS::IAM::Role', Properties: {} },
    Cleanup: {
      Type: 'AWS::Lambda::Function',
      Properties: { Role: { 'Fn::GetAtt': ['CleanupRole', 'Arn'] }, TracingConfig: { Mode: 'Active' } },
      Metadata: { 'cdk-scheduled-jobs:acknowledgedUnused': [{ actions: ['s3:List*'], reason: 'lists only when the bucket is not empty' }] },
    },
    Imported: { Type: 'AWS::Lambda::Function', Properties: { Role: 'arn:aws:iam::123456789012:role/made-elsewhere' } },
  },
};

describe('rolePolicies', () => {
  it("collects a role's inline, attached, customer managed and AWS managed policies, and names the unknown managed ones", () => {
    const role = rolePolicies(template, 'CleanupRole', (id) => id !== 'Switched');
    expect(role.policies.map((p) => p.source)).toEqual([
      'CleanupRole/Policies/inline',
      'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      'Shared',
      'CleanupPolicy',
    ]);
    expect(role.unknownManagedPolicies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    expect(grantedActions(role.policies)).toEqual([
      'cloudwatch:PutMetricData',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject*',
      's3:List*',
      'scheduler:GetSchedule',
      'sqs:SendMessage',
    ]);
  });

  it('includes a policy whose condition holds', () => {
    expect(rolePolicies(template, 'CleanupRole').policies.map((p) => p.source)).toContain('Switched');
  });

  it('reads the managed policy name from a resolved or raw ARN', () => {
    expect(awsManagedPolicyName('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')).toBe('service-role/AWSLambdaBasicExecutionRole');
    expect(awsManagedPolicyName(BASIC)).toBe('service-role/AWSLambdaBasicExecutionRole');
    expect(awsManagedPolicyName('arn:aws:iam::123456789012:policy/Mine')).toBeUndefined();
  });

  it("finds a function's role only when it is a role of the template", () => {
    expect(functionRoleLogicalId(template, template.Resources!.Cleanup)).toBe('CleanupRole');
    expect(functionRoleLogicalId(template, template.Resources!.Imported)).toBeUndefined();
  });
});

describe('localIdentityPolicy', () => {
  it('keeps the actions on every resource without conditions, adds the names moto checks, and keeps only unconditional Deny on *', () => {
    const role = rolePolicies(template, 'CleanupRole', (id) => id !== 'Switched');
    expect(localIdentityPolicy(role.policies)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'cloudwatch:PutMetricData',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'logs:CreateLogGroup',
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            's3:GetObject*',
            's3:List*',
            'scheduler:GetSchedule',
            'sqs:SendMessage',
            'monitoring:PutMetricData',
            'dynamodb:TransactWriteItems',
            'dynamodb:TransactGetItems',
            'sqs:SendMessageBatch',
            's3:HeadBucket',
          ],
          Resource: '*',
        },
        { Effect: 'Deny', Action: ['s3:DeleteBucket'], Resource: '*' },
      ],
    });
  });

  it('gives an identity granted nothing a valid policy that allows nothing real', () => {
    expect(localIdentityPolicy([])).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['none:NothingGranted'], Resource: '*' }] });
  });
});

describe('lambdaServiceActions', () => {
  it("lists what Lambda does with the role: logs always, traces, stream polling and destination deliveries when configured", () => {
    expect(lambdaServiceActions({})).toEqual(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(
      lambdaServiceActions({ tracing: true, eventSources: ['dynamodb'], destinations: ['arn:aws:sqs:us-east-1:123456789012:inbox', 'arn:aws:sns:us-east-1:123456789012:t'] }),
    ).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sns:Publish',
      'sqs:SendMessage',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });
});

describe('planFunctionAccess', () => {
  const fn = (logicalId: string, extra: Partial<LocalFunction> = {}): LocalFunction => ({
    logicalId,
    functionName: `stack-${logicalId}`,
    arn: `arn:aws:lambda:us-east-1:123456789012:function:stack-${logicalId}`,
    codeDir: '/code',
    handler: 'index.handler',
    timeoutSeconds: 3,
    memorySize: 128,
    environment: {},
    asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600 },
    ...extra,
  });
  const resource = (name: string): LocalResource => ({ type: 'AWS::IAM::Role', ref: name, name, attributes: {}, provisioned: false });

  it("plans each function's identity from its role, with its acknowledgements; a function with a role from elsewhere gets none", () => {
    const plans = planFunctionAccess(template, {
      functions: {
        Cleanup: fn('Cleanup', { jobName: 'cleanup', asyncConfig: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60, onFailure: { arn: 'arn:aws:sqs:us-east-1:123456789012:inbox' } } }),
        Imported: fn('Imported'),
      },
      resources: { CleanupRole: resource('stack-CleanupRole-1A2B'), CleanupPolicy: resource('p'), Shared: resource('s') },
      eventSources: {},
    });
    expect(plans.map(({ policy, ...rest }) => ({ ...rest, allows: policy?.Statement[0].Action?.length }))).toEqual([
      {
        functionLogicalId: 'Cleanup',
        functionName: 'stack-Cleanup',
        jobName: 'cleanup',
        roleLogicalId: 'CleanupRole',
        roleName: 'stack-CleanupRole-1A2B',
        granted: grantedActions(rolePolicies(template, 'CleanupRole', (id) => id !== 'Switched').policies),
        service: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
        unknownManagedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
        acknowledged: [{ action: 's3:List*', reason: 'lists only when the bucket is not empty' }],
        allows: 15,
      },
      {
        functionLogicalId: 'Imported',
        functionName: 'stack-Imported',
        service: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        acknowledged: [],
        granted: [],
        unknownManagedPolicies: [],
        allows: undefined,
      },
    ]);
  });
});
