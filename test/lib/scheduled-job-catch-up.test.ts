import { Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { beforeAll, describe, expect, it } from 'vitest';
import { CatchUp } from '../../lib/catch-up';
import { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createStack } from '../support/cdk';

const FIXTURE = 'test/fixtures/handler.ts';
const HOURLY = ScheduleExpression.rate(Duration.hours(1));

function inputOf(template: Template, scheduleName: string): Record<string, unknown> {
  const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule', { Properties: Match.objectLike({ Name: scheduleName }) }));
  expect(schedules).toHaveLength(1);
  const target = (schedules[0] as { Properties: { Target: { Input: string } } }).Properties.Target;
  return JSON.parse(target.Input) as Record<string, unknown>;
}

describe('ScheduledJob catchUp', () => {
  let stack: Stack;
  let template: Template;
  let plain: ScheduledJob;
  let off: ScheduledJob;
  let last: ScheduledJob;
  let within: ScheduledJob;

  beforeAll(() => {
    // GIVEN a platform and four jobs: no catchUp, CatchUp.off(), lastMissed() and within(6 hours)
    stack = createStack();
    const platform = new JobPlatform(stack, 'Platform');
    plain = new ScheduledJob(stack, 'PlainJob', { platform, schedule: HOURLY, entry: FIXTURE });
    off = new ScheduledJob(stack, 'OffJob', { platform, schedule: HOURLY, entry: FIXTURE, catchUp: CatchUp.off() });
    last = new ScheduledJob(stack, 'LastJob', { platform, schedule: HOURLY, entry: FIXTURE, catchUp: CatchUp.lastMissed() });
    within = new ScheduledJob(stack, 'WithinJob', { platform, schedule: HOURLY, entry: FIXTURE, catchUp: CatchUp.within(Duration.hours(6)) });
    // WHEN synthesized
    template = Template.fromStack(stack);
  });

  it('THEN a job without a policy, or with CatchUp.off(), has no catchUp in its schedule input', () => {
    expect(plain.catchUp.mode).toBe('off');
    expect(off.catchUp.mode).toBe('off');
    expect(inputOf(template, 'plain-job')).not.toHaveProperty('catchUp');
    expect(inputOf(template, 'off-job')).not.toHaveProperty('catchUp');
  });

  it('THEN the schedule input carries the policy beside the Scheduler fields', () => {
    expect(inputOf(template, 'last-job')).toEqual({
      job: 'last-job',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
      attempt: '<aws.scheduler.attempt-number>',
      scheduleArn: '<aws.scheduler.schedule-arn>',
      payload: {},
      catchUp: { mode: 'last' },
    });
    expect(inputOf(template, 'within-job')).toMatchObject({ job: 'within-job', catchUp: { mode: 'within', windowSeconds: 21_600 } });
    expect([last.catchUp.mode, within.catchUp.window?.toHours()]).toEqual(['last', 6]);
  });

  it("THEN the watchdog's policy does not grow with jobs that catch up", () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^PlatformWatchdogRole') }] },
    });
    const invoke = Object.values(policies)
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement)
      .filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect([invoke[0].Resource].flat()).toHaveLength(1);
  });
});
