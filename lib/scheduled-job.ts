/**
 * One scheduled job: its function, the EventBridge Scheduler schedule that invokes it, both
 * failure layers wired to the platform's inbox, its alarm and its dashboard row.
 */
import { Token } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { CatchUp } from './catch-up';
import { OverlapPolicy } from './contract';
import { JobBase, type JobBaseProps, type JobKind } from './job-base';
import { truncate } from './job-function';
import { describeSchedule, parseSchedule } from './schedule';
import { SharedRoleLambdaInvoke } from './shared-role-lambda-invoke';

export { DEFAULT_JOB_MEMORY_MB, DEFAULT_JOB_TIMEOUT, LEASE_MARGIN, RESERVED_ENVIRONMENT } from './job-function';

/** Props of {@link ScheduledJob}. */
export interface ScheduledJobProps extends JobBaseProps {
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
   * A flexible time window: Scheduler starts the run at some moment within it (for off-peak work).
   * @default TimeWindow.off()
   */
  readonly timeWindow?: scheduler.TimeWindow;
  /**
   * What happens when a slot comes while the previous run is still going.
   * @default OverlapPolicy.SKIP
   */
  readonly overlap?: OverlapPolicy;
  /**
   * Whether slots that did not run are run afterwards: by the watchdog for the slots it records
   * missed, and by `cdk-jobs resume` for the slots skipped or missed while the job was paused.
   * `CatchUp.lastMissed()` runs the most recent one, `CatchUp.within(Duration.hours(6))` every one
   * at most that old, oldest first. Carried in the schedule's input.
   * @default CatchUp.off()
   */
  readonly catchUp?: CatchUp;
}

const MAX_SCHEDULE_DESCRIPTION = 512;

/**
 * A job that runs on a schedule: a Lambda function invoked by EventBridge Scheduler, every failure
 * captured in the platform's inbox, with state in the platform's table and an alarm when it fails,
 * misses a run or runs close to its timeout. A job is an `iam.IGrantable` (its function's role).
 *
 * @example
 * const cleanup = new ScheduledJob(stack, 'WeeklyLogCleanup', {
 *   platform,
 *   schedule: ScheduleExpression.expression('cron(0 2 ? * SUN *)', TimeZone.ETC_UTC),
 *   entry: 'lambdas/jobs/cleanup/handler.ts',
 *   payload: { olderThanDays: 30 },
 * });
 * bucket.grantRead(cleanup);   // list and read
 * bucket.grantDelete(cleanup); // delete; no write
 */
export class ScheduledJob extends JobBase {
  /** The Scheduler schedule that invokes it. */
  public readonly schedule: scheduler.ISchedule;
  /** The schedule expression (and its time zone). */
  public readonly scheduleExpression: scheduler.ScheduleExpression;
  /** The payload every scheduled run receives. */
  public readonly payload: { readonly [key: string]: unknown };
  /** Whether the schedule is enabled (the platform switch and the job's own `enabled`). */
  public readonly enabled: boolean;
  /** What happens to slots that did not run. */
  public readonly catchUp: CatchUp;

  /**
   * @param kind for subclasses (`FanOutJob`): the kind of scheduled job, whose checks run after the
   *   scheduled job's own
   */
  constructor(scope: Construct, id: string, props: ScheduledJobProps, kind?: JobKind<ScheduledJobProps>) {
    super(scope, id, props, kind ? withScheduledChecks(kind) : SCHEDULED_JOB_KIND);
    this.scheduleExpression = props.schedule;
    this.payload = props.payload ?? {};
    this.enabled = props.platform.schedulesEnabled && (props.enabled ?? true);
    this.catchUp = props.catchUp ?? CatchUp.off();
    const catchUp = this.catchUp.toSpec();

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: this.jobName,
      scheduleGroup: props.platform.scheduleGroup,
      schedule: props.schedule,
      description: truncate(this.description, MAX_SCHEDULE_DESCRIPTION),
      enabled: this.enabled,
      timeWindow: props.timeWindow,
      target: new SharedRoleLambdaInvoke(this.function, {
        role: props.platform.schedulerRole,
        grantInvoke: false,
        deadLetterQueue: props.platform.failureInbox,
        retryAttempts: this.deliveryRetryAttempts,
        maxEventAge: this.deliveryMaxEventAge,
        input: scheduler.ScheduleTargetInput.fromObject({
          job: this.jobName,
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
          executionId: scheduler.ContextAttribute.executionId,
          attempt: scheduler.ContextAttribute.attemptNumber,
          scheduleArn: scheduler.ContextAttribute.scheduleArn,
          payload: this.payload,
          ...(catchUp ? { catchUp } : {}),
        }),
      }),
    });

    this.register();
  }
}

/** What a scheduled job adds to {@link JobBase}: its description, default overlap and checks. */
const SCHEDULED_JOB_KIND = {
  kind: 'scheduled job',
  defaultOverlap: OverlapPolicy.SKIP,
  describe: (job: string, props: ScheduledJobProps): string => props.description ?? scheduleDescription(job, props.schedule),
  validate: (props: ScheduledJobProps, fail: (message: string, cause?: unknown) => never): void => {
    const payload: unknown = props.payload;
    if (payload !== undefined && (payload === null || typeof payload !== 'object' || Array.isArray(payload))) {
      fail(`payload must be a JSON object; got ${Array.isArray(payload) ? 'an array' : JSON.stringify(payload)}`);
    }
    const catchUpProblem = props.catchUp?.problem();
    if (catchUpProblem) fail(`catchUp: ${catchUpProblem}`);
    const expression = props.schedule.expressionString;
    const timeZone = props.schedule.timeZone?.timezoneName ?? 'UTC';
    if (!Token.isUnresolved(expression) && !Token.isUnresolved(timeZone)) {
      try {
        parseSchedule(expression, timeZone);
      } catch (cause) {
        fail(cause instanceof Error ? cause.message : String(cause), cause);
      }
    }
  },
};

/** A subclass's kind, checked as a scheduled job first. */
function withScheduledChecks(kind: JobKind<ScheduledJobProps>): JobKind {
  return {
    ...kind,
    validate: (props, fail) => {
      SCHEDULED_JOB_KIND.validate(props as ScheduledJobProps, fail);
      kind.validate?.(props as ScheduledJobProps, fail);
    },
  } as JobKind;
}

function scheduleDescription(job: string, schedule: scheduler.ScheduleExpression): string {
  const expression = schedule.expressionString;
  const timeZone = schedule.timeZone?.timezoneName;
  if (Token.isUnresolved(expression)) {
    return `Scheduled job '${job}'`;
  }
  return describeSchedule(expression, timeZone);
}
