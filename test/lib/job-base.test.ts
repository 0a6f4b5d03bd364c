import { Duration } from 'aws-cdk-lib';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { OverlapPolicy } from '../../lib/contract';
import { JobBase } from '../../lib/job-base';
import { JobPlatform } from '../../lib/job-platform';
import { OneTimeJob } from '../../lib/one-time-job';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createStack } from '../support/cdk';

const FIXTURE = 'test/fixtures/handler.ts';

describe('JobBase: what ScheduledJob and OneTimeJob share', () => {
  function jobs() {
    const stack = createStack();
    const platform = new JobPlatform(stack, 'Platform');
    const scheduled = new ScheduledJob(stack, 'NightlyExport', { platform, schedule: ScheduleExpression.rate(Duration.hours(1)), entry: FIXTURE });
    const once = new OneTimeJob(stack, 'Reminder', { platform, entry: FIXTURE, deliveryRetryAttempts: 5, deliveryMaxEventAge: Duration.minutes(10) });
    return { scheduled, once };
  }

  it('GIVEN one job of each kind THEN both are JobBases with the same defaults, each with its own overlap default', () => {
    const { scheduled, once } = jobs();
    expect(scheduled).toBeInstanceOf(JobBase);
    expect(once).toBeInstanceOf(JobBase);
    expect([scheduled.jobName, once.jobName]).toEqual(['nightly-export', 'reminder']);
    expect([scheduled.timeout.toSeconds(), once.timeout.toSeconds()]).toEqual([300, 300]);
    expect([scheduled.overlap, once.overlap]).toEqual([OverlapPolicy.SKIP, OverlapPolicy.ALLOW]);
    expect([scheduled.deliveryRetryAttempts, scheduled.deliveryMaxEventAge.toSeconds()]).toEqual([185, 3600]);
    expect([once.deliveryRetryAttempts, once.deliveryMaxEventAge.toSeconds()]).toEqual([5, 600]);
    expect(scheduled.grantPrincipal).toBe(scheduled.function.grantPrincipal);
  });

  it.each([
    ['ScheduledJob', (j: ReturnType<typeof jobs>) => j.scheduled, 'nightly-export'],
    ['OneTimeJob', (j: ReturnType<typeof jobs>) => j.once, 'reminder'],
  ])('GIVEN a %s WHEN addEnvironment sets a job variable THEN it throws the same message', (_, pick, name) => {
    expect(() => pick(jobs()).addEnvironment('JOB_NAME', 'x')).toThrow(
      `job '${name}': environment variable 'JOB_NAME' is set by the job itself and cannot be overridden`,
    );
  });

  it('GIVEN a OneTimeJob with 200 delivery retries THEN the shared check rejects it, naming the job', () => {
    const stack = createStack();
    const platform = new JobPlatform(stack, 'Platform');
    expect(() => new OneTimeJob(stack, 'Reminder', { platform, entry: FIXTURE, deliveryRetryAttempts: 200 })).toThrow(
      "job 'reminder': deliveryRetryAttempts must be an integer from 0 to 185; got 200",
    );
  });
});
