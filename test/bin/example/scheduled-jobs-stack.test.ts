import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduledJobsStack } from '../../../bin/example/scheduled-jobs-stack';
import { createApp, TEST_ENV } from '../../support/cdk';

type Resource = { Type: string; Properties: Record<string, unknown> };

/** Lets the test worker answer its runner between long synchronous steps (synthesis, bundling). */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ status: null, stdout, error }));
    child.on('close', (status) => resolve({ status, stdout }));
  });
}

describe('ScheduledJobsStack (the example app, bundled for real)', () => {
  let app: App;
  let stack: ScheduledJobsStack;
  let template: Template;
  let dir: string;
  let assembly: ReturnType<App['synth']>;

  beforeAll(async () => {
    // GIVEN the app as bin/app.ts declares it: real esbuild bundles, cdk-nag registered
    app = createApp({ bundling: true, validation: true });
    stack = new ScheduledJobsStack(app, 'ScheduledJobs', { env: TEST_ENV, alarmEmail: 'ops@example.com' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    await tick();
    // WHEN synthesized (the nag plugin fails synthesis on any unacknowledged finding)
    assembly = app.synth();
    await tick();
    template = Template.fromStack(stack);
    dir = mkdtempSync(join(tmpdir(), 'scheduled-jobs-template-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('THEN the weekly log cleanup runs Sundays 02:00 UTC with its payload', () => {
    const [schedule] = Object.values(
      template.findResources('AWS::Scheduler::Schedule', { Properties: { Name: 'weekly-log-cleanup' } }),
    ) as Resource[];
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 2 ? * SUN *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
    });
    const input = JSON.parse((schedule.Properties.Target as { Input: string }).Input) as { payload: unknown; job: string };
    expect(input.job).toBe('weekly-log-cleanup');
    expect(input.payload).toStrictEqual({
      olderThanDays: 30,
      prefixes: ['logs/'],
      keyDatePattern: '^logs/[^/]+/(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/',
    });
  });

  it('THEN the cleanup function knows its bucket and may list and delete under logs/, and nothing more', () => {
    const bucketId = stack.getLogicalId(stack.logsBucket.node.defaultChild as never);
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: stack.logCleanup.platform.jobFunctionName('weekly-log-cleanup'),
      Timeout: 900,
      Environment: { Variables: Match.objectLike({ LOGS_BUCKET_NAME: { Ref: bucketId } }) },
    });
    const roleId = stack.getLogicalId(stack.logCleanup.function.role!.node.defaultChild as never);
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } })) as Resource[];
    const statements = (policy.Properties.PolicyDocument as { Statement: { Action: string[]; Resource: unknown; Condition?: unknown }[] }).Statement;
    const onS3 = statements.filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('s3:')));
    expect(onS3).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['logs/', 'logs/*'] } },
      },
      { Effect: 'Allow', Action: 's3:DeleteObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/logs/*']] } },
    ]);
  });

  it('THEN every bucket is encrypted, private and TLS-only, and the logs bucket logs its access', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    const ids = [stack.logsBucket, stack.accessLogsBucket].map((b) => stack.getLogicalId(b.node.defaultChild as never));
    expect(Object.keys(buckets)).toEqual(expect.arrayContaining(ids));
    // Every bucket of the app, these two and any a job group adds.
    for (const bucket of Object.values(buckets) as Resource[]) {
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: expect.stringMatching(/^(AES256|aws:kms)/) } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
    }
    for (const id of ids) {
      expect((buckets[id] as Resource).Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    }
    const accessLogsId = stack.getLogicalId(stack.accessLogsBucket.node.defaultChild as never);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: accessLogsId }, LogFilePrefix: 'logs-bucket/' },
    });
    for (const id of Object.keys(buckets)) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('THEN synthesis with the nag plugin and CDK validation passes, with no error or warning annotation', () => {
    expect(assembly.getStackByName('ScheduledJobs').template).toBeDefined();
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('THEN every bundle loads the runtime-provided SDK modules with require(), which searches the runtime module path', () => {
    const bundles = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => readFileSync(join(assembly.directory, name, 'index.js'), 'utf8'));
    // The watchdog and the log cleanup at least; every job group adds its own.
    expect(bundles.length).toBeGreaterThanOrEqual(2);
    for (const code of bundles) {
      expect(code).not.toMatch(/import\("@aws-sdk\//);
      expect(code).not.toMatch(/import\("@smithy\//);
    }
    // The cleanup job continues itself through the Lambda client of the runtime.
    expect(bundles.some((code) => code.includes('require("@aws-sdk/client-lambda")'))).toBe(true);
  });

  it('THEN cfn-lint finds no error in the template', async () => {
    const file = join(dir, 'ScheduledJobs.template.json');
    writeFileSync(file, JSON.stringify(template.toJSON(), null, 1));
    const lint = await run('cfn-lint', ['--format', 'parseable', '--', file]);
    if (lint.error) {
      throw new Error(`cfn-lint could not be run (is it installed and on PATH?): ${lint.error.message}`, { cause: lint.error });
    }
    const errors = lint.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
    expect(errors).toEqual([]);
    // cfn-lint sets bit 2 of its exit code when it found an error, and exits 1 when it failed to run.
    expect(lint.status === null ? -1 : lint.status & 3).toBe(0);
  });
});
