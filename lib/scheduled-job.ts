/**
 * One scheduled job: its function, the EventBridge Scheduler schedule that invokes it, both
 * failure layers wired to the platform's inbox, its alarms and its dashboard row.
 */
import { isAbsolute, resolve } from 'node:path';
import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { acknowledgeRuntime, JOB_BUNDLING, JOB_RUNTIME } from './bundling';
import { JobEnv, METRICS_NAMESPACE } from './contract';
import { JobConfigurationError } from './job-configuration-error';
import { createJobAlarms, JobMetrics, type JobAlarmOptions, type JobAlarms } from './job-monitoring';
import { jobFunctionName, jobNameFromId, validateJobName } from './job-name';
import type { JobPlatform } from './job-platform';
import { OverlapPolicy } from './overlap-policy';
import { describeSchedule, parseSchedule } from './schedule';
import { SharedRoleLambdaInvoke } from './shared-role-lambda-invoke';

/** Props of {@link ScheduledJob}. */
export interface ScheduledJobProps {
  /** The platform the job belongs to (state table, inbox, alarm topic, schedule group). */
  readonly platform: JobPlatform;
  /**
   * When the job runs: `ScheduleExpression.cron({...})`, `.rate(Duration)` or
   * `.expression('cron(0 2 ? * SUN *)', TimeZone.EUROPE_BERLIN)`. Validated at synth time.
   */
  readonly schedule: scheduler.ScheduleExpression;
  /**
   * The handler module to bundle (a file exporting `handler`, usually built with `defineJob`);
   * relative paths are resolved against the working directory. Give exactly one of `entry` and
   * `function`.
   * @default - none; `function` must be given
   */
  readonly entry?: string;
  /**
   * A function to schedule instead of bundling `entry`. When it is a `lambda.Function`, the
   * job's environment variables are added to it; an imported function must set them itself.
   * @default - none; `entry` must be given
   */
  readonly function?: lambda.IFunction;
  /**
   * The exported handler of `entry`.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * The job's name: the schedule's name, the `service` of its metrics, its key in the state
   * table. Kebab-case, at most 48 characters, unique in the platform.
   * @default - the construct id in kebab-case (`WeeklyLogCleanup` -> `weekly-log-cleanup`)
   */
  readonly jobName?: string;
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
   * The function timeout (1 second to 15 minutes). For a `function` you pass, it only informs the
   * duration alarm and the overlap lease.
   * @default Duration.minutes(5); for a passed `lambda.Function`, its own timeout
   */
  readonly timeout?: Duration;
  /**
   * Memory of the bundled function, in MB (128-10240).
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Extra environment variables of the function. The job's own (`JOB_NAME`, `JOBS_TABLE_NAME`, ...)
   * cannot be overridden.
   * @default - none
   */
  readonly environment?: { readonly [key: string]: string };
  /**
   * Lambda's asynchronous retries of a run that threw (0-2); after the last, the event goes to
   * the failure inbox.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long Lambda keeps a run's event queued or retrying (1 minute to 6 hours) before it goes to
   * the failure inbox.
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
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
  /**
   * Alarm settings.
   * @default - both alarms, duration threshold 80% of the timeout, 5-minute period
   */
  readonly alarms?: JobAlarmOptions;
  /**
   * Retention of the bundled function's log group.
   * @default - the platform's `logRetention` (three months)
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Default function timeout of a bundled job. */
export const DEFAULT_JOB_TIMEOUT = Duration.minutes(5);
/** Default memory of a bundled job, in MB. */
export const DEFAULT_JOB_MEMORY_MB = 256;
/** Extra time a run's lease holds beyond the function timeout, so a killed run's lease expires soon after. */
export const LEASE_MARGIN = Duration.minutes(1);

const DEFAULT_RETRY_ATTEMPTS = 2;
const DEFAULT_MAX_EVENT_AGE = Duration.hours(6);
const DEFAULT_DELIVERY_RETRY_ATTEMPTS = 185;
const DEFAULT_DELIVERY_MAX_EVENT_AGE = Duration.hours(1);
const MAX_SCHEDULE_DESCRIPTION = 512;
const MAX_FUNCTION_DESCRIPTION = 256;

/** Environment variables the construct sets, which `environment` / `addEnvironment` cannot set. */
export const RESERVED_ENVIRONMENT: readonly string[] = [
  ...Object.values(JobEnv),
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'NODE_OPTIONS',
];

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

    const stack = Stack.of(this);
    const retryAttempts = props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    const maxEventAge = props.maxEventAge ?? DEFAULT_MAX_EVENT_AGE;
    const onFailure = new destinations.SqsDestination(props.platform.failureInbox);

    let selfArn: string | undefined;
    if (props.entry !== undefined) {
      const functionName = jobFunctionName(stack.stackName, jobName);
      this.entry = isAbsolute(props.entry) ? props.entry : resolve(props.entry);
      this.timeout = props.timeout ?? DEFAULT_JOB_TIMEOUT;
      const role = new iam.Role(this, 'Role', {
        description: `Role of the scheduled job '${jobName}'`,
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      });
      const logGroup = new logs.LogGroup(this, 'LogGroup', {
        logGroupName: `/aws/lambda/${functionName}`,
        retention: props.logRetention ?? props.platform.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      logGroup.grantWrite(role);
      this.function = new nodejs.NodejsFunction(this, 'Function', {
        functionName,
        description: truncate(`Scheduled job '${jobName}': ${description}`, MAX_FUNCTION_DESCRIPTION),
        entry: this.entry,
        handler: props.handler ?? 'handler',
        runtime: JOB_RUNTIME,
        architecture: lambda.Architecture.ARM_64,
        memorySize: props.memorySize ?? DEFAULT_JOB_MEMORY_MB,
        timeout: this.timeout,
        role,
        logGroup,
        bundling: JOB_BUNDLING,
        environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
        retryAttempts,
        maxEventAge,
        onFailure,
      });
      acknowledgeRuntime(this.function);
      selfArn = stack.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: functionName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    } else {
      const fn = props.function as lambda.IFunction;
      this.timeout = props.timeout ?? (fn instanceof lambda.Function ? (fn.timeout ?? Duration.seconds(3)) : DEFAULT_JOB_TIMEOUT);
      this.function = fn;
      fn.configureAsyncInvoke({ retryAttempts, maxEventAge, onFailure });
      if (fn instanceof lambda.Function) {
        for (const [key, value] of Object.entries(props.environment ?? {})) {
          fn.addEnvironment(key, value);
        }
      }
      selfArn = fixedFunctionArn(fn);
      if (selfArn === undefined) {
        Annotations.of(this).addWarningV2(
          'cdk-scheduled-jobs:continueLaterPermission',
          `job '${jobName}': the function has no fixed functionName, so it is not allowed to invoke itself and continueLater() will be denied; give it a functionName or grant lambda:InvokeFunction yourself`,
        );
      }
    }
    this.grantPrincipal = this.function.grantPrincipal;

    this.setJobEnvironment(jobName);
    props.platform.table.grantReadWriteData(this.function);
    if (selfArn !== undefined) {
      // continueLater() re-invokes the function for the same slot.
      iam.Grant.addToPrincipal({ grantee: this.function, actions: ['lambda:InvokeFunction'], resourceArns: [selfArn] });
    }

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: jobName,
      scheduleGroup: props.platform.scheduleGroup,
      schedule: props.schedule,
      description: truncate(description, MAX_SCHEDULE_DESCRIPTION),
      enabled: this.enabled,
      timeWindow: props.timeWindow,
      target: new SharedRoleLambdaInvoke(this.function, {
        role: props.platform.schedulerRole,
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

    this.metrics = new JobMetrics(jobName);
    this.alarms = createJobAlarms(this, {
      jobName,
      timeout: this.timeout,
      topic: props.platform.alarmTopic,
      options: props.alarms,
    });
    props.platform.registerJob(this);
  }

  /**
   * Adds an environment variable to the job's function (for example the name of a bucket it
   * works on). Only for bundled jobs and passed `lambda.Function`s.
   */
  public addEnvironment(key: string, value: string): this {
    checkEnvironmentKey(this.jobName, key);
    if (!(this.function instanceof lambda.Function)) {
      throw new JobConfigurationError(
        `job '${this.jobName}': addEnvironment('${key}') needs a lambda.Function; the job's function is imported, set the variable on it directly`,
      );
    }
    this.function.addEnvironment(key, value);
    return this;
  }

  private setJobEnvironment(jobName: string): void {
    const env: Record<string, string> = {
      [JobEnv.TABLE_NAME]: this.platform.table.tableName,
      [JobEnv.JOB_NAME]: jobName,
      [JobEnv.OVERLAP_POLICY]: this.overlap.value,
      [JobEnv.LEASE_SECONDS]: String(this.timeout.toSeconds() + LEASE_MARGIN.toSeconds()),
      [JobEnv.RUN_TTL_DAYS]: String(this.platform.runRetention.toDays()),
      POWERTOOLS_SERVICE_NAME: jobName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };
    if (this.function instanceof lambda.Function) {
      for (const [key, value] of Object.entries(env)) {
        this.function.addEnvironment(key, value);
      }
    } else {
      Annotations.of(this).addWarningV2(
        'cdk-scheduled-jobs:importedFunctionEnvironment',
        `job '${jobName}': the function is imported, so its environment cannot be set; it must define ${Object.keys(env).join(', ')} itself`,
      );
    }
  }
}

function validateProps(job: string, props: ScheduledJobProps): void {
  const fail = (message: string): never => {
    throw new JobConfigurationError(`job '${job}': ${message}`);
  };
  if (props.entry !== undefined && props.function !== undefined) {
    fail("give exactly one of 'entry' and 'function'; got both");
  }
  if (props.entry === undefined && props.function === undefined) {
    fail("give exactly one of 'entry' and 'function'; got neither");
  }
  const payload: unknown = props.payload;
  if (payload !== undefined && (payload === null || typeof payload !== 'object' || Array.isArray(payload))) {
    fail(`payload must be a JSON object; got ${Array.isArray(payload) ? 'an array' : JSON.stringify(payload)}`);
  }
  checkInteger('retryAttempts', props.retryAttempts, 0, 2, fail);
  checkInteger('deliveryRetryAttempts', props.deliveryRetryAttempts, 0, 185, fail);
  checkInteger('memorySize', props.memorySize, 128, 10_240, fail);
  checkDuration('timeout', props.timeout, 1, 900, '1 second to 15 minutes', fail);
  checkDuration('maxEventAge', props.maxEventAge, 60, 21_600, '1 minute to 6 hours', fail);
  checkDuration('deliveryMaxEventAge', props.deliveryMaxEventAge, 60, 86_400, '1 minute to 24 hours', fail);
  const percent = props.alarms?.durationThresholdPercent;
  if (percent !== undefined && !(percent >= 1 && percent <= 100)) {
    fail(`alarms.durationThresholdPercent must be from 1 to 100; got ${percent}`);
  }
  for (const key of Object.keys(props.environment ?? {})) {
    checkEnvironmentKey(job, key);
  }
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

function checkInteger(name: string, value: number | undefined, min: number, max: number, fail: (m: string) => never): void {
  if (value !== undefined && !Token.isUnresolved(value) && !(Number.isInteger(value) && value >= min && value <= max)) {
    fail(`${name} must be an integer from ${min} to ${max}; got ${value}`);
  }
}

function checkDuration(
  name: string,
  value: Duration | undefined,
  minSeconds: number,
  maxSeconds: number,
  range: string,
  fail: (m: string) => never,
): void {
  if (value === undefined || Token.isUnresolved(value.toSeconds({ integral: false }))) {
    return;
  }
  const seconds = value.toSeconds({ integral: false });
  if (!(Number.isInteger(seconds) && seconds >= minSeconds && seconds <= maxSeconds)) {
    fail(`${name} must be whole seconds from ${range}; got ${seconds} seconds`);
  }
}

function checkEnvironmentKey(job: string, key: string): void {
  if (RESERVED_ENVIRONMENT.includes(key)) {
    throw new JobConfigurationError(`job '${job}': environment variable '${key}' is set by the job itself and cannot be overridden`);
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

/**
 * The ARN of a passed function when it is known without referring to the function resource (which
 * would make the function's own policy depend on the function: a cycle): an imported function's
 * ARN, or the ARN built from a `lambda.Function`'s fixed `functionName`.
 */
function fixedFunctionArn(fn: lambda.IFunction): string | undefined {
  if (!Token.isUnresolved(fn.functionArn)) {
    return fn.functionArn;
  }
  const name = fn instanceof lambda.Function ? (fn.node.defaultChild as lambda.CfnFunction).functionName : undefined;
  if (name === undefined || Token.isUnresolved(name)) {
    return undefined;
  }
  return Stack.of(fn).formatArn({ service: 'lambda', resource: 'function', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
