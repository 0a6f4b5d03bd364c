import { CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createApp, createStack } from '../support/cdk';

const JOBS = 60;
const MAX_PER_JOB = 7;
/** Resources of the application's own (buckets, tables, ...) the stack must still have room for. */
const USER_RESOURCES = 20;
/** CloudFormation: at most 500 resources in a stack. */
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

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** A stack with a platform and `count` bundled jobs named by `name`. */
function stackWithJobs(stackName: string, count: number, name: (i: number) => string | undefined = () => undefined): Stack {
  const stack = createStack(createApp(), stackName);
  const platform = new JobPlatform(stack, 'Platform');
  for (let i = 0; i < count; i++) {
    new ScheduledJob(stack, `Job${i}`, {
      platform,
      jobName: name(i),
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      entry: 'test/fixtures/handler.ts',
    });
  }
  return stack;
}

/** The policy documents of the scheduler role and the watchdog role, by role. */
function sharedPolicies(stack: Stack): Record<string, string> {
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  const byRole: Record<string, string> = {};
  for (const policy of Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy')) {
    const role = JSON.stringify(policy.Properties.Roles).match(/PlatformSchedulerRole|PlatformWatchdogRole/)?.[0];
    if (role !== undefined) {
      byRole[role] = JSON.stringify(policy.Properties.PolicyDocument);
    }
  }
  return byRole;
}

type Doc = { Statement: { Resource: unknown }[] };

/**
 * The policy document as IAM will store it: references to job functions become their ARNs (their
 * names are fixed), other references become ARNs of the longest possible name.
 */
function deployedLength(doc: Doc, template: Resources): number {
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

  it('THEN the platform alone is 18 resources', () => {
    expect(base).toBe(18);
  });

  describe('GIVEN stack Many60: 60 bundled jobs (Job0..Job59) and 20 resources of the application', () => {
    let stack: Stack;

    beforeAll(() => {
      // Bundling is skipped in this app (see test/support/cdk.ts): the template is the same.
      stack = stackWithJobs('Many60', JOBS);
      for (let i = 0; i < USER_RESOURCES; i++) {
        new sqs.Queue(stack, `Queue${i}`);
      }
    });

    it('THEN the stack fits CloudFormation\'s 500: 18 + 60 x 7 + 20 = 458', () => {
      expect(base + JOBS * MAX_PER_JOB + USER_RESOURCES).toBeLessThanOrEqual(STACK_LIMIT);
      expect(resourceCount(stack)).toBe(base + JOBS * MAX_PER_JOB + USER_RESOURCES);
      expect(resourceCount(stack)).toBe(458);
    });

    it('THEN no policy overflows into an AWS::IAM::ManagedPolicy', () => {
      Template.fromStack(stack).resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    });
  });

  describe('GIVEN one job, then 60 jobs', () => {
    it("THEN the scheduler role's and the watchdog's policies are the same, character for character", () => {
      const one = sharedPolicies(stackWithJobs('Many60', 1));
      const sixty = sharedPolicies(stackWithJobs('Many60', JOBS));
      expect(Object.keys(one).sort()).toEqual(['PlatformSchedulerRole', 'PlatformWatchdogRole']);
      expect(sixty).toEqual(one);
      // The sizes reported in docs/concepts/resource-budget.md (the watchdog's includes the
      // catch-up statement, lambda:InvokeFunction on the job-function prefix).
      expect(one.PlatformSchedulerRole).toHaveLength(331);
      // The state-table statements are two, each confined by LeadingKeys (JOB#*, WATCHDOG).
      expect(one.PlatformWatchdogRole).toHaveLength(1150);
    });
  });

  describe('GIVEN 60 bundled jobs with 48-character names', () => {
    let stack: Stack;
    let jobs: ScheduledJob[];
    let template: Template;

    beforeAll(() => {
      stack = stackWithJobs('ScheduledJobs', JOBS, longName);
      jobs = stack.node.children.filter((c): c is ScheduledJob => c instanceof ScheduledJob);
      template = Template.fromStack(stack);
    });

    it('THEN each job has exactly 7 resources: role, policy, function, log group, invoke config, schedule, alarm', () => {
      expect(jobs).toHaveLength(JOBS);
      for (const job of jobs) {
        const types = job.node
          .findAll()
          .filter(CfnResource.isCfnResource)
          .map((r) => r.cfnResourceType)
          .sort();
        expect(types).toEqual(
          [
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

    it('THEN the stack grows by 7 per job, with room for 20 resources of the application', () => {
      const total = resourceCount(stack);
      expect((total - base) / JOBS).toBe(MAX_PER_JOB);
      expect(total + USER_RESOURCES).toBeLessThanOrEqual(STACK_LIMIT);
      template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    });

    it('THEN the shared scheduler role and the watchdog role keep their policies far under the IAM inline limit', () => {
      const resources = template.toJSON().Resources as Resources;
      const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
      const platformPolicies = policies.filter((p) =>
        JSON.stringify(p.Properties.Roles).match(/PlatformSchedulerRole|PlatformWatchdogRole/),
      );
      expect(platformPolicies).toHaveLength(2);
      for (const policy of platformPolicies) {
        expect(deployedLength(policy.Properties.PolicyDocument as Doc, resources)).toBeLessThan(INLINE_POLICY_LIMIT / 5);
      }
    });

    it('THEN the template stays under the 1 MB CloudFormation limit', () => {
      expect(JSON.stringify(template.toJSON()).length).toBeLessThan(TEMPLATE_LIMIT);
    });
  });

  describe('GIVEN 60 jobs with functions of their own', () => {
    /**
     * 60 jobs, each passed a lambda.Function of the stack named by `name`, and the resources each
     * job adds to it (the function's role policy among them: the job's grants are its first).
     */
    function ownFunctions(name: (platform: JobPlatform, i: number) => string): { stack: Stack; jobResources: string[][] } {
      const stack = createStack(createApp(), 'ScheduledJobs');
      const platform = new JobPlatform(stack, 'Platform');
      const jobResources: string[][] = [];
      for (let i = 0; i < JOBS; i++) {
        const fn = new lambda.Function(stack, `Fn${i}`, {
          functionName: name(platform, i),
          runtime: lambda.Runtime.NODEJS_24_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => ({})'),
        });
        const before = new Set(stack.node.findAll().filter(CfnResource.isCfnResource));
        new ScheduledJob(stack, `Job${i}`, { platform, jobName: `job-${i}`, schedule: ScheduleExpression.rate(Duration.hours(1)), function: fn });
        jobResources.push(
          stack.node
            .findAll()
            .filter(CfnResource.isCfnResource)
            .filter((r) => !before.has(r))
            .map((r) => r.cfnResourceType)
            .sort(),
        );
      }
      return { stack, jobResources };
    }

    it('THEN named freely, each job adds an invoke permission to the function instead of growing the shared policies', () => {
      const { stack, jobResources } = ownFunctions((_, i) => `fn-${i}`);
      for (const types of jobResources) {
        expect(types).toEqual(
          [
            'AWS::CloudWatch::Alarm',
            'AWS::IAM::Policy',
            'AWS::Lambda::EventInvokeConfig',
            'AWS::Lambda::Permission',
            'AWS::Scheduler::Schedule',
          ].sort(),
        );
      }
      expect(sharedPolicies(stack)).toEqual(sharedPolicies(stackWithJobs('ScheduledJobs', 0)));
    });

    it('THEN named with platform.jobFunctionName, no permission is needed (the prefix statement covers it): 7 per job with the function', () => {
      const { stack, jobResources } = ownFunctions((platform, i) => platform.jobFunctionName(`job-${i}`));
      for (const types of jobResources) {
        expect(types).toEqual(['AWS::CloudWatch::Alarm', 'AWS::IAM::Policy', 'AWS::Lambda::EventInvokeConfig', 'AWS::Scheduler::Schedule'].sort());
      }
      const total = resourceCount(stack);
      // With the function's role, the function and its log group (feature flag useCdkManagedLogGroup).
      expect((total - base) / JOBS).toBe(MAX_PER_JOB);
      expect(total + USER_RESOURCES).toBeLessThanOrEqual(STACK_LIMIT);
      expect(sharedPolicies(stack)).toEqual(sharedPolicies(stackWithJobs('ScheduledJobs', 0)));
    });
  });
});
