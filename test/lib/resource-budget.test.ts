import { CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createApp, createStack } from '../support/cdk';

const JOBS = 60;
const MAX_PER_JOB = 8;
const STACK_LIMIT = 500;
/** IAM: the inline policies of one role hold at most 10,240 characters (whitespace not counted). */
const INLINE_POLICY_LIMIT = 10_240;
/** CloudFormation: a template uploaded through S3 is at most 1 MB. */
const TEMPLATE_LIMIT = 1_000_000;

/** A 48-character job name (the longest allowed), so policy sizes are measured at their worst. */
function longName(i: number): string {
  const head = `job-${String(i).padStart(2, '0')}-`;
  return head + 'x'.repeat(48 - head.length);
}

function resourceCount(stack: Stack): number {
  return Object.keys(Template.fromStack(stack).toJSON().Resources).length;
}

function platformOnlyCount(): number {
  const stack = createStack(createApp(), 'ScheduledJobs');
  new JobPlatform(stack, 'Platform');
  return resourceCount(stack);
}

type Doc = { Statement: { Resource: unknown }[] };

/**
 * The policy document as IAM will store it: references to job functions become their ARNs (their
 * names are fixed), other references become ARNs of the longest possible name.
 */
function deployedLength(doc: Doc, template: Record<string, { Type: string; Properties: Record<string, unknown> }>): number {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') {
      const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt) {
        const target = template[getAtt[0]];
        const name = (target.Properties.FunctionName as string | undefined) ?? 'n'.repeat(64);
        const service = target.Type === 'AWS::Lambda::Function' ? 'lambda' : target.Type === 'AWS::SQS::Queue' ? 'sqs' : 'other';
        return service === 'lambda'
          ? `arn:aws:lambda:us-east-1:123456789012:function:${name}`
          : `arn:aws:${service}:us-east-1:123456789012:${'n'.repeat(80)}`;
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    }
    return value;
  };
  return JSON.stringify(resolve(doc)).length;
}

describe('resource budget: 60 jobs in one stack', () => {
  let base: number;

  beforeAll(() => {
    base = platformOnlyCount();
  });

  describe('GIVEN 60 bundled jobs with 48-character names', () => {
    let stack: Stack;
    let jobs: ScheduledJob[];
    let template: Template;

    beforeAll(() => {
      // Bundling is skipped in this app (see test/support/cdk.ts): the template is the same.
      stack = createStack(createApp(), 'ScheduledJobs');
      const platform = new JobPlatform(stack, 'Platform');
      jobs = Array.from(
        { length: JOBS },
        (_, i) =>
          new ScheduledJob(stack, `Job${i}`, {
            platform,
            jobName: longName(i),
            schedule: ScheduleExpression.rate(Duration.hours(1)),
            entry: 'test/fixtures/handler.ts',
          }),
      );
      template = Template.fromStack(stack);
    });

    it('THEN each job has exactly 8 resources: role, policy, function, log group, invoke config, schedule, 2 alarms', () => {
      for (const job of jobs) {
        const types = job.node
          .findAll()
          .filter(CfnResource.isCfnResource)
          .map((r) => r.cfnResourceType)
          .sort();
        expect(types).toEqual(
          [
            'AWS::CloudWatch::Alarm',
            'AWS::CloudWatch::Alarm',
            'AWS::IAM::Policy',
            'AWS::IAM::Role',
            'AWS::Lambda::EventInvokeConfig',
            'AWS::Lambda::Function',
            'AWS::Logs::LogGroup',
            'AWS::Scheduler::Schedule',
          ].sort(),
        );
      }
    });

    it('THEN the stack grows by at most 8 per job and stays under 500', () => {
      const total = resourceCount(stack);
      expect((total - base) / JOBS).toBeLessThanOrEqual(MAX_PER_JOB);
      expect(total).toBeLessThan(STACK_LIMIT);
    });

    it('THEN the shared scheduler role and the watchdog role keep their policies under the IAM inline limit', () => {
      const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
      const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
      const platformPolicies = policies.filter((p) =>
        JSON.stringify(p.Properties.Roles).match(/PlatformSchedulerRole|PlatformWatchdogRole/),
      );
      expect(platformPolicies).toHaveLength(2);
      for (const policy of platformPolicies) {
        expect(deployedLength(policy.Properties.PolicyDocument as Doc, resources)).toBeLessThan(INLINE_POLICY_LIMIT);
      }
    });

    it('THEN the template stays under the 1 MB CloudFormation limit', () => {
      expect(JSON.stringify(template.toJSON()).length).toBeLessThan(TEMPLATE_LIMIT);
    });
  });

  describe('GIVEN 60 jobs with functions of their own', () => {
    it('THEN the stack grows by at most 8 per job (the function, its role, policy and log group included)', () => {
      const stack = createStack(createApp(), 'ScheduledJobs');
      const platform = new JobPlatform(stack, 'Platform');
      for (let i = 0; i < JOBS; i++) {
        const fn = new lambda.Function(stack, `Fn${i}`, {
          functionName: `fn-${i}`,
          runtime: lambda.Runtime.NODEJS_22_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => ({})'),
        });
        new ScheduledJob(stack, `Job${i}`, { platform, schedule: ScheduleExpression.rate(Duration.hours(1)), function: fn });
      }
      const total = resourceCount(stack);
      expect((total - base) / JOBS).toBeLessThanOrEqual(MAX_PER_JOB);
      expect(total).toBeLessThan(STACK_LIMIT);
    });
  });
});
