import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { beforeAll, describe, expect, it } from 'vitest';
import { CatchUp } from '../../lib/catch-up';
import { JobConfigurationError } from '../../lib/contract';
import { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob, type ScheduledJobProps } from '../../lib/scheduled-job';
import { ScheduleExpressionError } from '../../lib/schedule';
import { createStack } from '../support/cdk';

const FIXTURE = 'test/fixtures/handler.ts';
const HOURLY = ScheduleExpression.rate(Duration.hours(1));

// Every construction below fails before synthesis, so one stack and platform serve them all;
// each job gets its own construct id.
let stack: Stack;
let platform: JobPlatform;
let counter = 0;

beforeAll(() => {
  stack = createStack();
  platform = new JobPlatform(stack, 'Platform');
});

function build(props: Partial<ScheduledJobProps>, id = `Job${++counter}`): ScheduledJob {
  return new ScheduledJob(stack, id, { platform, schedule: HOURLY, entry: FIXTURE, ...props });
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('ScheduledJob validation at synth time', () => {
  it.each<[string, Partial<ScheduledJobProps>, string]>([
    [
      'a name that is not kebab-case',
      { jobName: 'Nightly_Report' },
      "job 'Nightly_Report': the job name must be kebab-case, start with a letter and have at most 48 characters (^[a-z][a-z0-9-]{0,47}$); got 'Nightly_Report'",
    ],
    [
      'a catch-up window under a minute',
      { jobName: 'short-catch-up', catchUp: CatchUp.within(Duration.seconds(30)) },
      "job 'short-catch-up': catchUp: CatchUp.within() window must be whole seconds from 1 minute to 7 days; got 30 seconds",
    ],
    [
      'a catch-up window over 7 days',
      { jobName: 'long-catch-up', catchUp: CatchUp.within(Duration.days(8)) },
      "job 'long-catch-up': catchUp: CatchUp.within() window must be whole seconds from 1 minute to 7 days; got 691200 seconds",
    ],
    ['the reserved name', { jobName: 'watchdog' }, "job 'watchdog': the name 'watchdog' is reserved for the platform's own schedule; choose another jobName"],
    [
      'a minute out of range',
      { jobName: 'bad-minute', schedule: ScheduleExpression.expression('cron(60 2 ? * * *)') },
      "job 'bad-minute': cron(60 2 ? * * *): minutes: expected a value 0-59, got '60'",
    ],
    [
      'day-of-month and day-of-week both set',
      { jobName: 'both-days', schedule: ScheduleExpression.expression('cron(0 2 * * MON *)') },
      "job 'both-days': cron(0 2 * * MON *): day-of-month and day-of-week are both set ('*' and 'MON'); one of them must be '?'",
    ],
    [
      'an unknown time zone',
      { jobName: 'on-mars', schedule: ScheduleExpression.expression('cron(0 2 * * ? *)', TimeZone.of('Mars/Base')) },
      "job 'on-mars': cron(0 2 * * ? *): unknown time zone 'Mars/Base': expected an IANA zone name such as 'UTC' or 'Europe/London'",
    ],
    [
      'a zero rate',
      { jobName: 'never', schedule: ScheduleExpression.expression('rate(0 minutes)') },
      "job 'never': rate(0 minutes): value: expected a positive integer, got '0'",
    ],
    [
      'something that is no expression',
      { jobName: 'prose', schedule: ScheduleExpression.expression('every day') },
      "job 'prose': every day: expected cron(...), rate(...) or at(...)",
    ],
    ['neither entry nor function', { jobName: 'no-code', entry: undefined }, "job 'no-code': give exactly one of 'entry' and 'function'; got neither"],
    ['three Lambda retries', { jobName: 'too-many', retryAttempts: 3 }, "job 'too-many': retryAttempts must be an integer from 0 to 2; got 3"],
    ['a fractional retry count', { jobName: 'half', retryAttempts: 1.5 }, "job 'half': retryAttempts must be an integer from 0 to 2; got 1.5"],
    [
      'a Lambda event age over 6 hours',
      { jobName: 'old-events', maxEventAge: Duration.hours(7) },
      "job 'old-events': maxEventAge must be whole seconds from 1 minute to 6 hours; got 25200 seconds",
    ],
    [
      'a timeout over 15 minutes',
      { jobName: 'slow', timeout: Duration.minutes(20) },
      "job 'slow': timeout must be whole seconds from 1 second to 15 minutes; got 1200 seconds",
    ],
    [
      '186 delivery retries',
      { jobName: 'persistent', deliveryRetryAttempts: 186 },
      "job 'persistent': deliveryRetryAttempts must be an integer from 0 to 185; got 186",
    ],
    [
      'a delivery event age of 2 days',
      { jobName: 'patient', deliveryMaxEventAge: Duration.days(2) },
      "job 'patient': deliveryMaxEventAge must be whole seconds from 1 minute to 24 hours; got 172800 seconds",
    ],
    ['64 MB of memory', { jobName: 'tiny', memorySize: 64 }, "job 'tiny': memorySize must be an integer from 128 to 10240; got 64"],
    [
      'an array payload',
      { jobName: 'list', payload: [1, 2] as unknown as Record<string, unknown> },
      "job 'list': payload must be a JSON object; got an array",
    ],
    [
      'a job variable in environment',
      { jobName: 'sneaky', environment: { JOB_NAME: 'other' } },
      "job 'sneaky': environment variable 'JOB_NAME' is set by the job itself and cannot be overridden",
    ],
    [
      'a duration threshold of 0%',
      { jobName: 'nervous', alarms: { durationThresholdPercent: 0 } },
      "job 'nervous': alarms.durationThresholdPercent must be from 1 to 100; got 0",
    ],
  ])('GIVEN %s WHEN the job is declared THEN it throws the exact message', (_case, props, message) => {
    const error = errorOf(() => build(props));
    expect(error).toBeInstanceOf(JobConfigurationError);
    expect(error.name).toBe('JobConfigurationError');
    expect(error.message).toBe(message);
  });

  it('GIVEN an invalid expression WHEN the job is declared THEN the engine error is kept as the cause', () => {
    const error = errorOf(() => build({ jobName: 'with-cause', schedule: ScheduleExpression.expression('cron(0 25 * * ? *)') }));
    expect(error.cause).toBeInstanceOf(ScheduleExpressionError);
  });

  it('GIVEN both entry and a function WHEN the job is declared THEN it throws', () => {
    const fn = lambda.Function.fromFunctionName(stack, 'Imported', 'some-function');
    expect(() => build({ jobName: 'two-codes', function: fn })).toThrow(
      "job 'two-codes': give exactly one of 'entry' and 'function'; got both",
    );
  });

  it('GIVEN an id that derives a name too long WHEN the job is declared THEN the derived name is named', () => {
    const id = `A${'Very'.repeat(12)}LongJob`;
    const derived = `a-${'very-'.repeat(12)}long-job`;
    expect(() => build({}, id)).toThrow(
      `job '${derived}': the job name must be kebab-case, start with a letter and have at most 48 characters (^[a-z][a-z0-9-]{0,47}$); got '${derived}'`,
    );
  });

  it('GIVEN a job WHEN a second one takes its name THEN it throws naming both', () => {
    build({}, 'Unique');
    expect(() => build({ jobName: 'unique' }, 'Copy')).toThrow(
      "job 'unique': another job of this platform has the same name ('TestStack/Unique'); job names are unique per platform",
    );
  });

  it('GIVEN a job WHEN addEnvironment sets a job variable THEN it throws', () => {
    const job = build({ jobName: 'adder' });
    expect(() => job.addEnvironment('JOBS_TABLE_NAME', 'x')).toThrow(
      "job 'adder': environment variable 'JOBS_TABLE_NAME' is set by the job itself and cannot be overridden",
    );
  });
});
