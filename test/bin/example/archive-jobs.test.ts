import { Duration, RemovalPolicy, Validations, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArchiveJobs } from '../../../bin/example/archive-jobs';
import { JobPlatform } from '../../../lib/job-platform';
import { createApp, createStack } from '../../support/cdk';

function fixture() {
  const app = createApp();
  const stack = createStack(app);
  const platform = new JobPlatform(stack, 'Platform', {});
  const logsBucket = new s3.Bucket(stack, 'LogsBucket', {
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    lifecycleRules: [{ expiration: Duration.days(400) }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(logsBucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'A test fixture: the logs bucket is not under test here.' });
  return { app, stack, platform, logsBucket };
}

describe('ArchiveJobs', () => {
  let stack: Stack;
  let template: Template;
  let bucketId: string;

  beforeAll(() => {
    // GIVEN a platform and an existing logs bucket
    const f = fixture();
    stack = f.stack;
    Validations.of(f.app).addPlugins(new AwsSolutionsChecks(f.app));
    // WHEN the archive is declared on it
    new ArchiveJobs(stack, 'Archive', { platform: f.platform, logsBucket: f.logsBucket });
    f.app.synth();
    template = Template.fromStack(stack);
    bucketId = stack.getLogicalId(f.logsBucket.node.defaultChild as s3.CfnBucket);
  });

  it('THEN the job runs at midnight UTC every day with the default storage class and the bucket name', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 0 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: Match.objectLike({ Input: Match.stringLikeRegexp('"job":"nightly-log-archive".*"storageClass":"GLACIER_IR"') }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 900,
      MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ LOGS_BUCKET_NAME: { Ref: bucketId } }) },
    });
  });

  it('THEN the role may list logs/ and archive/, read and delete under logs/, write and read under archive/, nothing more on the bucket', () => {
    const arn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
    const under = (prefix: string) => ({ 'Fn::Join': ['', [arn, `/${prefix}*`]] });
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies)
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument.Statement)
      .filter((s) => JSON.stringify(s.Resource).includes(bucketId));
    expect(statements).toEqual([
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: arn, Condition: { StringLike: { 's3:prefix': ['logs/', 'logs/*', 'archive/*'] } } },
      { Action: ['s3:DeleteObject', 's3:GetObject'], Effect: 'Allow', Resource: under('logs/') },
      { Action: ['s3:GetObject', 's3:PutObject'], Effect: 'Allow', Resource: under('archive/') },
    ]);
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect([...errors, ...warnings].map((e) => `${e.id}: ${String(e.entry.data).slice(0, 120)}`)).toEqual([]);
  });

  it('rejects an unknown storage class at synth, naming the prop', () => {
    const f = fixture();
    expect(() => new ArchiveJobs(f.stack, 'Archive', { platform: f.platform, logsBucket: f.logsBucket, storageClass: 'COLD' })).toThrow(
      "ArchiveJobs 'TestStack/Archive': storageClass must be one of STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE (got 'COLD')",
    );
  });
});
