import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { JobAccess } from '../../lib/access';
import { ACKNOWLEDGED_UNUSED_METADATA, iamActionMatches, readAcknowledgedUnused } from '../../lib/contract';
import { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { createApp, createStack } from '../support/cdk';

const FIXTURE = 'test/fixtures/handler.ts';

function setup() {
  const app = createApp();
  const stack = createStack(app);
  const platform = new JobPlatform(stack, 'Platform');
  const job = new ScheduledJob(stack, 'Cleanup', {
    platform,
    entry: FIXTURE,
    schedule: ScheduleExpression.cron({ minute: '0', hour: '3' }),
  });
  const bucket = new s3.Bucket(stack, 'Logs');
  return { app, stack, platform, job, bucket };
}

function functionMetadata(stack: Stack, fn: lambda.IFunction): unknown {
  const id = stack.getLogicalId((fn as lambda.Function).node.defaultChild as lambda.CfnFunction);
  return Template.fromStack(stack).toJSON().Resources[id].Metadata;
}

describe('JobAccess.acknowledgeUnused', () => {
  it('records each acknowledgement, in order, as Metadata of the function', () => {
    // GIVEN a job granted delete on a bucket
    const { stack, job, bucket } = setup();
    bucket.grantDelete(job);
    // WHEN two acknowledgements are made next to the grants
    JobAccess.acknowledgeUnused(job, ['s3:DeleteObject*'], 'deletes only logs older than 30 days');
    JobAccess.acknowledgeUnused(job, ['lambda:InvokeFunction'], 'continueLater() only, when a run nears its timeout');
    // THEN the function's Metadata holds both, and the contract's reader parses them
    const metadata = functionMetadata(stack, job.function);
    const acknowledged = readAcknowledgedUnused('Cleanup', metadata);
    expect(acknowledged.slice(-2)).toEqual([
      { actions: ['s3:DeleteObject*'], reason: 'deletes only logs older than 30 days' },
      { actions: ['lambda:InvokeFunction'], reason: 'continueLater() only, when a run nears its timeout' },
    ]);
    expect((metadata as Record<string, unknown>)[ACKNOWLEDGED_UNUSED_METADATA]).toEqual(JobAccess.acknowledged(job.function));
  });

  it('fails synth when an acknowledged action is not granted to the role', () => {
    // GIVEN a job that acknowledges s3:PutObject without any grant on it
    const { app, job } = setup();
    JobAccess.acknowledgeUnused(job, ['s3:PutObject'], 'writes only on the first run of a month');
    // WHEN the app is synthesized THEN the error names the job and the action
    expect(() => app.synth()).toThrow(
      /job 'cleanup': acknowledgeUnused\('s3:PutObject'\) acknowledges an action its role is not granted \(granted: .*\); remove the acknowledgement or grant the action/,
    );
  });

  it('rejects a missing reason, a malformed action and an imported function, naming the job', () => {
    const { stack, job } = setup();
    expect(() => JobAccess.acknowledgeUnused(job, ['dynamodb:GetItem'], '  ')).toThrow(
      "job 'cleanup': acknowledgeUnused(dynamodb:GetItem): reason must say why the access is granted yet unused (at least 10 characters); got '  '",
    );
    expect(() => JobAccess.acknowledgeUnused(job, ['GetItem'], 'a reason long enough')).toThrow(
      "job 'cleanup': acknowledgeUnused: each action must be an IAM action such as 's3:DeleteObject' (wildcards '*' and '?' allowed); got 'GetItem'",
    );
    expect(() => JobAccess.acknowledgeUnused(job, [], 'a reason long enough')).toThrow(
      "job 'cleanup': acknowledgeUnused: actions must name at least one IAM action; got none",
    );
    const imported = lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:us-east-1:123456789012:function:other');
    expect(() => JobAccess.acknowledgeUnused(imported, ['lambda:InvokeFunction'], 'a reason long enough')).toThrow(
      "function 'TestStack/Imported': acknowledgeUnused needs a lambda.Function of a stack (its Metadata records the acknowledgement); the function is imported",
    );
  });

  it('accepts a plain function whose role holds the action inline', () => {
    const { stack } = setup();
    const role = new iam.Role(stack, 'FnRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        p: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] })] }),
      },
    });
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
      role,
    });
    JobAccess.acknowledgeUnused(fn, ['sqs:SendMessage'], 'sends only when a run fails');
    expect(() => Template.fromStack(stack)).not.toThrow();
    expect(readAcknowledgedUnused('Fn', functionMetadata(stack, fn))).toEqual([{ actions: ['sqs:SendMessage'], reason: 'sends only when a run fails' }]);
  });
});

describe('readAcknowledgedUnused', () => {
  it('is empty without the key and strict about its own shape', () => {
    expect(readAcknowledgedUnused('R', undefined)).toEqual([]);
    expect(readAcknowledgedUnused('R', { 'aws:cdk:path': 'x' })).toEqual([]);
    expect(() => readAcknowledgedUnused('R', { [ACKNOWLEDGED_UNUSED_METADATA]: {} })).toThrow(
      `resource 'R': Metadata '${ACKNOWLEDGED_UNUSED_METADATA}' must be an array of { actions, reason }; got {}`,
    );
    expect(() => readAcknowledgedUnused('R', { [ACKNOWLEDGED_UNUSED_METADATA]: [{ actions: ['s3:GetObject'], reason: '' }] })).toThrow(
      `resource 'R': Metadata '${ACKNOWLEDGED_UNUSED_METADATA}'[0].reason must be a non-empty string; got ""`,
    );
    expect(() => readAcknowledgedUnused('R', { [ACKNOWLEDGED_UNUSED_METADATA]: [{ actions: ['GetObject'], reason: 'r' }] })).toThrow(
      `resource 'R': Metadata '${ACKNOWLEDGED_UNUSED_METADATA}'[0].actions must be a non-empty array of IAM actions ('service:Action'); got ["GetObject"]`,
    );
  });
});

describe('iamActionMatches', () => {
  it('matches as IAM does: case-insensitive, * and ?', () => {
    expect(iamActionMatches('s3:GetObject*', 's3:getobjectversion')).toBe(true);
    expect(iamActionMatches('s3:GetObject*', 's3:PutObject')).toBe(false);
    expect(iamActionMatches('dynamodb:?etItem', 'dynamodb:GetItem')).toBe(true);
    expect(iamActionMatches('dynamodb:GetItem', 'dynamodb:GetItems')).toBe(false);
    expect(iamActionMatches('s3:*', 'sqs:SendMessage')).toBe(false);
  });
});
