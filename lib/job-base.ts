/**
 * The base of every kind of job: the fields, defaults, checks and methods `ScheduledJob` and
 * `OneTimeJob` share. A subclass adds what triggers the job (a recurring schedule, one-time
 * schedules created at runtime).
 */
import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { JobConfigurationError, type OverlapPolicy } from './contract';
import { addJobEnvironment, buildJobFunction, checkDuration, checkInteger, validateJobFunctionProps, type JobFunctionProps } from './job-function';
import type { JobAlarms, JobMetrics } from './job-monitoring';
import { jobNameFromId, validateJobName } from './job-name';
import type { JobPlatform } from './job-platform';

/** Props every kind of job takes. */
export interface JobBaseProps extends JobFunctionProps {
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
   * What happens when a run is due while another run of the job is going.
   * @default - `OverlapPolicy.SKIP` for a `ScheduledJob`, `OverlapPolicy.ALLOW` for a `OneTimeJob`
   */
  readonly overlap?: OverlapPolicy;
}

/** What a kind of job tells {@link JobBase}. */
export interface JobKind<P extends JobBaseProps = JobBaseProps> {
  /** `scheduled job`, `one-time job`: how the role, the function and the messages name the kind. */
  readonly kind: string;
  /** The overlap policy when the props give none. */
  readonly defaultOverlap: OverlapPolicy;
  /** What the job does, for the function's description. */
  describe(jobName: string, props: P): string;
  /** Checks the kind's own props after the shared ones; `fail` throws with the job's name in front. */
  validate?(props: P, fail: (message: string, cause?: unknown) => never): void;
  /**
   * How long one run may take when a run spans more than one invocation (a fan-out run): the
   * alarm's near-timeout threshold, the dashboard's timeout line and the run's lease use it.
   * @default the function timeout
   */
  runTimeout?(props: P): Duration | undefined;
}

const DEFAULT_DELIVERY_RETRY_ATTEMPTS = 185;
const DEFAULT_DELIVERY_MAX_EVENT_AGE = Duration.hours(1);

/**
 * A job of a {@link JobPlatform}: its function (bundled from `entry` or passed), the asynchronous
 * invoke configuration with the failure inbox as on-failure destination, its environment, access to
 * the state table, the right to invoke itself, its alarm, metrics and dashboard row, and the
 * scheduler role's right to invoke it. A job is an `iam.IGrantable` (its function's role).
 *
 * The constructor validates the props and builds the children `Role`, `LogGroup`, `Function` and
 * `HealthAlarm`; the subclass then adds its trigger and calls {@link register}.
 */
export abstract class JobBase extends Construct implements iam.IGrantable {
  /** The job's name. */
  public readonly jobName: string;
  /** The function that runs the job. */
  public readonly function: lambda.IFunction;
  /** The bundled handler file (absolute), when the job was declared with `entry`. */
  public readonly entry?: string;
  /** The function timeout the alarm and the lease are based on. */
  public readonly timeout: Duration;
  /** How long one run may take (the function timeout, or a fan-out run's execution timeout). */
  public readonly runTimeout: Duration;
  /** The overlap policy. */
  public readonly overlap: OverlapPolicy;
  /** The job's metrics. */
  public readonly metrics: JobMetrics;
  /** The job's alarm (undefined when disabled through `alarms.enabled`). */
  public readonly alarms?: JobAlarms;
  /** The platform the job belongs to. */
  public readonly platform: JobPlatform;
  /** Scheduler's delivery retries of the job's schedules. */
  public readonly deliveryRetryAttempts: number;
  /** How long Scheduler retries a delivery of the job's schedules. */
  public readonly deliveryMaxEventAge: Duration;
  public readonly grantPrincipal: iam.IPrincipal;
  /** What the job does (the function's description, after the kind). */
  protected readonly description: string;

  protected constructor(scope: Construct, id: string, props: JobBaseProps, kind: JobKind) {
    super(scope, id);
    const jobName = props.jobName ?? jobNameFromId(id);
    validateJobName(jobName);
    this.jobName = jobName;
    this.platform = props.platform;
    this.overlap = props.overlap ?? kind.defaultOverlap;
    const fail = (message: string, cause?: unknown): never => {
      throw new JobConfigurationError(`job '${jobName}': ${message}`, cause === undefined ? undefined : { cause });
    };
    validateJobFunctionProps(props, fail);
    checkInteger('deliveryRetryAttempts', props.deliveryRetryAttempts, 0, 185, fail);
    checkDuration('deliveryMaxEventAge', props.deliveryMaxEventAge, 60, 86_400, '1 minute to 24 hours', fail);
    kind.validate?.(props, fail);
    this.deliveryRetryAttempts = props.deliveryRetryAttempts ?? DEFAULT_DELIVERY_RETRY_ATTEMPTS;
    this.deliveryMaxEventAge = props.deliveryMaxEventAge ?? DEFAULT_DELIVERY_MAX_EVENT_AGE;
    this.description = kind.describe(jobName, props);

    const runTimeout = kind.runTimeout?.(props);
    const parts = buildJobFunction(this, jobName, props, { kind: kind.kind, description: this.description, overlap: this.overlap, runTimeout });
    this.function = parts.function;
    this.entry = parts.entry;
    this.timeout = parts.timeout;
    this.runTimeout = runTimeout ?? parts.timeout;
    this.metrics = parts.metrics;
    this.alarms = parts.alarms;
    this.grantPrincipal = this.function.grantPrincipal;
  }

  /**
   * Adds an environment variable to the job's function (for example the name of a bucket it
   * works on). Only for bundled jobs and passed `lambda.Function`s, never one of the job's own.
   */
  public addEnvironment(key: string, value: string): this {
    addJobEnvironment(this.jobName, this.function, key, value);
    return this;
  }

  /**
   * Lets the platform's scheduler role invoke the function and registers the job with the
   * platform (unique name, dashboard row). The subclass calls it once its trigger exists.
   */
  protected register(): void {
    this.platform.grantSchedulerInvoke(this.function);
    this.platform.registerJob(this);
  }
}
