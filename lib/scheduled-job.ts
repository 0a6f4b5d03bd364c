/**
 * One scheduled job: its function, the EventBridge Scheduler schedule that invokes it, both
 * failure layers wired to the platform's inbox, its alarms and its dashboard row.
 */
import { Duration, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { JobConfigurationError } from './contract';
import {
  addJobEnvironment,
  buildJobFunction,
  checkDuration,
  checkInteger,
  truncate,
  validateJobFunctionProps,
  type JobFunctionProps,
} from './job-function';
import type { JobAlarms, JobMetrics } from './job-monitoring';
import { jobNameFromId, validateJobName } from './job-name';
import type { JobPlatform } from './job-platform';
import { OverlapPolicy } from './contract';
import { describeSchedule, parseSchedule } from './schedule';
import { SharedRoleLambdaInvoke } from './shared-role-lambda-invoke';

export { DEFAULT_JOB_MEMORY_MB, DEFAULT_JOB_TIMEOUT, LEASE_MARGIN, RESERVED_ENVIRONMENT } from './job-function';

/** Props of {@link ScheduledJob}. */
export interface ScheduledJobProps extends JobFunctionProps {
  /**
   * When the job runs: `ScheduleExpression.cron({...})`, `.rate(Duration)` or
   * `.expression('cron(0 2 ? * SUN *)', TimeZone.EUROPE_BERLIN)`. Validated at synth time.
   */
  readonly schedule: scheduler.ScheduleExpression;
  /**
   * A JSON object given to every run as `ctx.payload`.
   * @default {}
   */
  readonly payload?: { readonly [key: string]: unknown };
  /**
   * Description of the schedule and the function.
   * @default - the schedule in words, e.g. "at 02:00, only on Sunday (UTC)"
   */
  readonly description?: string;
  /**
   * Whether the schedule is enabled. The platform switch (`schedulesEnabled`) overrides it.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Scheduler's retries of a delivery to Lambda that failed (0-185); after the last, the event
   * goes to the failure inbox.
   * @default 185
   */
  readonly deliveryRetryAttempts?: number;
  /**
   * How long Scheduler retries a failed delivery (1 minute to 24 hours) before the event goes to
   * the failure inbox.
   * @default Duration.hours(1)
   */
  readonly deliveryMaxEventAge?: Duration;
  /**
   * A flexible time window: Scheduler starts the run at some moment within it (for off-peak work).
   * @default TimeWindow.off()
   */
  readonly timeWindow?: scheduler.TimeWindow;
  /**
   * What happens when a slot comes while the previous run is still going.
   * @default OverlapPolicy.SKIP
   */
  readonly overlap?: OverlapPolicy;
}

const DEFAULT_DELIVERY_RETRY_ATTEMPTS = 185;
const DEFAULT_DELIVERY_MAX_EVENT_AGE = Duration.hours(1);
const MAX_SCHEDULE_DESCRIPTION = 512;

/**
 * A job that runs on a schedule: a Lambda function invoked by EventBridge Scheduler, every failure
 * captured in the platform's inbox, with state in the platform's table and alarms when it fails,
 * misses a run or runs close to its timeout. A job is an `iam.IGrantable` (its function's role).
 *
 * @example
 * const cleanup = new ScheduledJob(stack, 'WeeklyLogCleanup', {
 *   platform,
 *   schedule: ScheduleExpression.expression('cron(0 2 ? * SUN *)', TimeZone.ETC_UTC),
 *   entry: 'lambdas/jobs/cleanup/handler.ts',
 *   payload: { olderThanDays: 30 },
 * });
 * bucket.grantReadWrite(cleanup);
 */
export class ScheduledJob extends Construct implements iam.IGrantable {
  /** The job's name. */
  public readonly jobName: string;
  /** The function that runs the job. */
  public readonly function: lambda.IFunction;
  /** The Scheduler schedule that invokes it. */
  public readonly schedule: scheduler.ISchedule;
  /** The schedule expression (and its time zone). */
  public readonly scheduleExpression: scheduler.ScheduleExpression;
  /** The payload every scheduled run receives. */
  public readonly payload: { readonly [key: string]: unknown };
  /** The bundled handler file (absolute), when the job was declared with `entry`. */
  public readonly entry?: string;
  /** The function timeout the alarms and the lease are based on. */
  public readonly timeout: Duration;
  /** The overlap policy. */
  public readonly overlap: OverlapPolicy;
  /** Whether the schedule is enabled (the platform switch and the job's own `enabled`). */
  public readonly enabled: boolean;
  /** The job's metrics. */
  public readonly metrics: JobMetrics;
  /** The job's alarms (undefined when disabled through `alarms.enabled`). */
  public readonly alarms?: JobAlarms;
  /** The platform the job belongs to. */
  public readonly platform: JobPlatform;
  public readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    const jobName = props.jobName ?? jobNameFromId(id);
    validateJobName(jobName);
    this.jobName = jobName;
    this.platform = props.platform;
    this.scheduleExpression = props.schedule;
    this.payload = props.payload ?? {};
    this.overlap = props.overlap ?? OverlapPolicy.SKIP;
    this.enabled = props.platform.schedulesEnabled && (props.enabled ?? true);
    validateProps(jobName, props);
    const description = props.description ?? scheduleDescription(jobName, props.schedule);

    const parts = buildJobFunction(this, jobName, props, { kind: 'scheduled job', description, overlap: this.overlap });
    this.function = parts.function;
    this.entry = parts.entry;
    this.timeout = parts.timeout;
    this.metrics = parts.metrics;
    this.alarms = parts.alarms;
    this.grantPrincipal = this.function.grantPrincipal;

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: jobName,
      scheduleGroup: props.platform.scheduleGroup,
      schedule: props.schedule,
      description: truncate(description, MAX_SCHEDULE_DESCRIPTION),
      enabled: this.enabled,
      timeWindow: props.timeWindow,
      target: new SharedRoleLambdaInvoke(this.function, {
        role: props.platform.schedulerRole,
        grantInvoke: false,
        deadLetterQueue: props.platform.failureInbox,
        retryAttempts: props.deliveryRetryAttempts ?? DEFAULT_DELIVERY_RETRY_ATTEMPTS,
        maxEventAge: props.deliveryMaxEventAge ?? DEFAULT_DELIVERY_MAX_EVENT_AGE,
        input: scheduler.ScheduleTargetInput.fromObject({
          job: jobName,
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
          executionId: scheduler.ContextAttribute.executionId,
          attempt: scheduler.ContextAttribute.attemptNumber,
          scheduleArn: scheduler.ContextAttribute.scheduleArn,
          payload: this.payload,
        }),
      }),
    });

    props.platform.grantSchedulerInvoke(this.function);
    props.platform.registerJob(this);
  }

  /**
   * Adds an environment variable to the job's function (for example the name of a bucket it
   * works on). Only for bundled jobs and passed `lambda.Function`s.
   */
  public addEnvironment(key: string, value: string): this {
    addJobEnvironment(this.jobName, this.function, key, value);
    return this;
  }
}

function validateProps(job: string, props: ScheduledJobProps): void {
  const fail = (message: string): never => {
    throw new JobConfigurationError(`job '${job}': ${message}`);
  };
  validateJobFunctionProps(props, fail);
  const payload: unknown = props.payload;
  if (payload !== undefined && (payload === null || typeof payload !== 'object' || Array.isArray(payload))) {
    fail(`payload must be a JSON object; got ${Array.isArray(payload) ? 'an array' : JSON.stringify(payload)}`);
  }
  checkInteger('deliveryRetryAttempts', props.deliveryRetryAttempts, 0, 185, fail);
  checkDuration('deliveryMaxEventAge', props.deliveryMaxEventAge, 60, 86_400, '1 minute to 24 hours', fail);
  const expression = props.schedule.expressionString;
  const timeZone = props.schedule.timeZone?.timezoneName ?? 'UTC';
  if (!Token.isUnresolved(expression) && !Token.isUnresolved(timeZone)) {
    try {
      parseSchedule(expression, timeZone);
    } catch (cause) {
      throw new JobConfigurationError(`job '${job}': ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }
}

function scheduleDescription(job: string, schedule: scheduler.ScheduleExpression): string {
  const expression = schedule.expressionString;
  const timeZone = schedule.timeZone?.timezoneName;
  if (Token.isUnresolved(expression)) {
    return `Scheduled job '${job}'`;
  }
  return describeSchedule(expression, timeZone);
}
