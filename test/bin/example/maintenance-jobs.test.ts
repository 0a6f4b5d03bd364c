import { Duration, Validations, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaintenanceJobs } from '../../../bin/example/maintenance-jobs';
import { JobPlatform } from '../../../lib/job-platform';
import { createApp, createStack } from '../../support/cdk';

function fixture() {
  const app = createApp();
  const stack = createStack(app);
  const platform = new JobPlatform(stack, 'Platform', {});
  const orders = new dynamodb.TableV2(stack, 'Orders', {
    partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  });
  const documents = new s3.Bucket(stack, 'Documents', { enforceSSL: true });
  Validations.of(documents).acknowledge({ id: 'AwsSolutions-S1', reason: 'A test fixture: the source bucket is not under test here.' });
  return { app, stack, platform, orders, documents };
}

describe('MaintenanceJobs', () => {
  let stack: Stack;
  let template: Template;
  let jobs: MaintenanceJobs;

  beforeAll(() => {
    // GIVEN a platform, a table and a bucket
    const f = fixture();
    stack = f.stack;
    Validations.of(f.app).addPlugins(new AwsSolutionsChecks(f.app));
    // WHEN the backup is declared
    jobs = new MaintenanceJobs(stack, 'Maintenance', { platform: f.platform, tables: [f.orders], sources: [{ bucket: f.documents, prefix: 'docs/' }] });
    f.app.synth();
    template = Template.fromStack(stack);
  });

  it('THEN the backup bucket is versioned, encrypted, private, TLS-only, with an archive-then-expire lifecycle', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'ArchiveThenExpireCopies',
            Prefix: 's3/',
            Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 30 }],
            NoncurrentVersionTransitions: [{ StorageClass: 'GLACIER', TransitionInDays: 30 }],
            NoncurrentVersionExpiration: { NoncurrentDays: 365 },
          }),
          Match.objectLike({ Id: 'ArchiveThenExpireExports', Prefix: 'dynamodb/', Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 30 }], ExpirationInDays: 365 }),
          Match.objectLike({ Id: 'ExpireManifests', Prefix: 'manifests/', ExpirationInDays: 365 }),
          Match.objectLike({ Id: 'AbortIncompleteUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } }),
        ]),
      },
    });
    const policy = template.findResources('AWS::S3::BucketPolicy');
    const statements = Object.values(policy).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Condition?: unknown; Effect: string }[] } } }).Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });

  it('THEN the nightly backup runs at midnight UTC with the tables and sources in its payload', () => {
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: 'nightly-backup' } })) as {
      Properties: { ScheduleExpression: string; ScheduleExpressionTimezone: string; Target: { Input: unknown } };
    }[];
    expect(schedule.Properties.ScheduleExpression).toBe('cron(0 0 * * ? *)');
    expect(schedule.Properties.ScheduleExpressionTimezone).toBe('Etc/UTC');
    const input = JSON.stringify(stack.resolve(schedule.Properties.Target.Input));
    expect(input).toContain('\\"concurrency\\":16');
    expect(input).toContain('\\"prefix\\":\\"docs/\\"');
    expect(jobs.backup.payload).toMatchObject({ concurrency: 16 });
  });

  it('THEN the job may export the table and read its exports, and its role has nothing on "*"', () => {
    const roleRef = stack.resolve((jobs.backup.grantPrincipal as iam.IRole).roleName);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { Roles: unknown[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
    }[];
    const statements = policies
      .filter((p) => p.Properties.Roles.some((r) => JSON.stringify(r) === JSON.stringify(roleRef)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const exportStatement = statements.find((s) => [s.Action].flat().includes('dynamodb:ExportTableToPointInTime'));
    expect([exportStatement?.Action].flat()).toEqual(
      expect.arrayContaining(['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:ExportTableToPointInTime']),
    );
    const describeExport = statements.find((s) => [s.Action].flat().includes('dynamodb:DescribeExport'));
    expect(JSON.stringify(describeExport?.Resource)).toContain('/export/*');
    expect(statements.length).toBeGreaterThan(3);
    expect(statements.filter((s) => s.Resource === '*')).toEqual([]);
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`)).toEqual([]);
  });

  it('rejects an expiry not longer than the archive delay, and an empty backup', () => {
    const f = fixture();
    expect(() => new MaintenanceJobs(f.stack, 'M1', { platform: f.platform, tables: [f.orders], archiveAfter: Duration.days(30), expireAfter: Duration.days(30) })).toThrow(
      "MaintenanceJobs 'TestStack/M1': expireAfter must be longer than archiveAfter (got expireAfter 30 days, archiveAfter 30 days)",
    );
    expect(() => new MaintenanceJobs(f.stack, 'M2', { platform: f.platform })).toThrow(
      "MaintenanceJobs 'TestStack/M2': nothing to back up (expected at least one of tables or sources, got neither)",
    );
  });
});
