/**
 * The parts every kind of job shares, whatever triggers it: the function (bundled or passed), its
 * asynchronous invoke configuration with the failure inbox as on-failure destination, the job's
 * environment, its access to the state table, the right to invoke itself (`continueLater`), its
 * alarm, metrics and dashboard row; and the checks of the props that build them. `JobBase` builds
 * a job from them; `ScheduledJob` adds a recurring schedule, `OneTimeJob` a group of one-time
 * schedules created at runtime.
 */
import { isAbsolute, resolve } from 'node:path';
import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct, Node } from 'constructs';
import { JOB_BUNDLING, JOB_RUNTIME } from './bundling';
import { JobEnv, METRICS_NAMESPACE } from './contract';
import { JobConfigurationError } from './contract';
import { createJobAlarms, JobMetrics, type JobAlarmOptions, type JobAlarms } from './job-monitoring';
import { jobFunctionName } from './job-name';
import type { JobPlatform } from './job-platform';
import type { OverlapPolicy } from './contract';

/** Props every kind of job takes. */
export interface JobFunctionProps {
  /** The platform the job belongs to (state table, inbox, alarm topic, schedule groups). */
  readonly platform: JobPlatform;
  /**
   * The handler module to bundle (a file exporting `handler`, usually built with `defineJob`);
   * relative paths are resolved against the working directory. Give exactly one of `entry` and
   * `function`.
   * @default - none; `function` must be given
   */
  readonly entry?: string;
  /**
   * A function to run instead of bundling `entry`. When it is a `lambda.Function`, the
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
   * The job's name: the `service` of its metrics, its key in the state table (and, for a
   * scheduled job, its schedule's name). Kebab-case, at most 48 characters, unique in the platform.
   * @default - the construct id in kebab-case (`WeeklyLogCleanup` -> `weekly-log-cleanup`)
   */
  readonly jobName?: string;
  /**
   * The function timeout (1 second to 15 minutes). For a `function` you pass, it only informs the
   * alarm's near-timeout threshold and the overlap lease.
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
   * Alarm settings.
   * @default - the alarm on, near-timeout threshold 80% of the timeout, 5-minute period
   */
  readonly alarms?: JobAlarmOptions;
  /**
   * Retention of the bundled function's log group.
   * @default - the platform's `logRetention` (three months)
   */
  readonly logRetention?: logs.RetentionDays;
}

/** What the platform keeps of each job it registers (dashboard row, name uniqueness). */
export interface PlatformJob {
  readonly jobName: string;
  readonly timeout: Duration;
  /** How long one run may take, when longer than the function timeout (a fan-out run). */
  readonly runTimeout?: Duration;
  readonly function: lambda.IFunction;
  readonly node: Node;
}

/** Default function timeout of a bundled job. */
export const DEFAULT_JOB_TIMEOUT = Duration.minutes(5);
/** Default memory of a bundled job, in MB. */
export const DEFAULT_JOB_MEMORY_MB = 256;
/** Extra time a run's lease holds beyond the function timeout, so a killed run's lease expires soon after. */
export const LEASE_MARGIN = Duration.minutes(1);

const DEFAULT_RETRY_ATTEMPTS = 2;
const DEFAULT_MAX_EVENT_AGE = Duration.hours(6);
const MAX_FUNCTION_DESCRIPTION = 256;

/** Environment variables the construct sets, which `environment` / `addEnvironment` cannot set. */
export const RESERVED_ENVIRONMENT: readonly string[] = [
  ...Object.values(JobEnv),
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'NODE_OPTIONS',
];

/** The parts of a job {@link buildJobFunction} creates. */
export interface JobFunctionParts {
  readonly function: lambda.IFunction;
  /** The bundled handler file (absolute), when the job was declared with `entry`. */
  readonly entry?: string;
  readonly timeout: Duration;
  readonly metrics: JobMetrics;
  readonly alarms?: JobAlarms;
}

/**
 * Checks the props every job shares; `fail` throws with the job's name in front. Called by each
 * kind of job before it checks its own props.
 */
export function validateJobFunctionProps(props: JobFunctionProps, fail: (message: string) => never): void {
  if (props.entry !== undefined && props.function !== undefined) {
    fail("give exactly one of 'entry' and 'function'; got both");
  }
  if (props.entry === undefined && props.function === undefined) {
    fail("give exactly one of 'entry' and 'function'; got neither");
  }
  checkInteger('retryAttempts', props.retryAttempts, 0, 2, fail);
  checkInteger('memorySize', props.memorySize, 128, 10_240, fail);
  checkDuration('timeout', props.timeout, 1, 900, '1 second to 15 minutes', fail);
  checkDuration('maxEventAge', props.maxEventAge, 60, 21_600, '1 minute to 6 hours', fail);
  const percent = props.alarms?.durationThresholdPercent;
  if (percent !== undefined && !(percent >= 1 && percent <= 100)) {
    fail(`alarms.durationThresholdPercent must be from 1 to 100; got ${percent}`);
  }
  for (const key of Object.keys(props.environment ?? {})) {
    if (RESERVED_ENVIRONMENT.includes(key)) {
      fail(`environment variable '${key}' is set by the job itself and cannot be overridden`);
    }
  }
}

/** Checks that `key` is not one of the job's own variables. */
export function checkEnvironmentKey(job: string, key: string): void {
  if (RESERVED_ENVIRONMENT.includes(key)) {
    throw new JobConfigurationError(`job '${job}': environment variable '${key}' is set by the job itself and cannot be overridden`);
  }
}

/** `value` must be an integer in [min, max] (tokens pass). */
export function checkInteger(name: string, value: number | undefined, min: number, max: number, fail: (m: string) => never): void {
  if (value !== undefined && !Token.isUnresolved(value) && !(Number.isInteger(value) && value >= min && value <= max)) {
    fail(`${name} must be an integer from ${min} to ${max}; got ${value}`);
  }
}

/** `value` must be whole seconds in [minSeconds, maxSeconds] (tokens pass). */
export function checkDuration(
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

/**
 * Builds a job's function and everything around it in `scope` (children `Role`, `LogGroup`,
 * `Function`, `HealthAlarm`): the bundled function or the passed one with its
 * async invoke config (retries, max event age, on-failure = the failure inbox), the job's
 * environment, read/write on the state table, the right to invoke itself, metrics and the alarm.
 * The caller registers the job with the platform once its own fields are set.
 */
export function buildJobFunction(
  scope: Construct,
  jobName: string,
  props: JobFunctionProps,
  options: {
    /** `scheduled job`, `one-time job`: how the role and function describe the job. */
    readonly kind: string;
    /** What the job does, for the function's description. */
    readonly description: string;
    readonly overlap: OverlapPolicy;
    /** How long one run may take when it spans several invocations (alarm threshold, lease). @default the function timeout */
    readonly runTimeout?: Duration;
  },
): JobFunctionParts {
  const stack = Stack.of(scope);
  const retryAttempts = props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
  const maxEventAge = props.maxEventAge ?? DEFAULT_MAX_EVENT_AGE;
  const onFailure = new destinations.SqsDestination(props.platform.failureInbox);
  const kindTitle = options.kind.charAt(0).toUpperCase() + options.kind.slice(1);

  let fn: lambda.IFunction;
  let entry: string | undefined;
  let timeout: Duration;
  let selfArn: string | undefined;
  if (props.entry !== undefined) {
    const functionName = jobFunctionName(stack.stackName, jobName);
    entry = isAbsolute(props.entry) ? props.entry : resolve(props.entry);
    timeout = props.timeout ?? DEFAULT_JOB_TIMEOUT;
    const role = new iam.Role(scope, 'Role', {
      description: `Role of the ${options.kind} '${jobName}'`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const logGroup = new logs.LogGroup(scope, 'LogGroup', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: props.logRetention ?? props.platform.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    fn = new nodejs.NodejsFunction(scope, 'Function', {
      functionName,
      description: truncate(`${kindTitle} '${jobName}': ${options.description}`, MAX_FUNCTION_DESCRIPTION),
      entry,
      handler: props.handler ?? 'handler',
      runtime: JOB_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? DEFAULT_JOB_MEMORY_MB,
      timeout,
      role,
      logGroup,
      bundling: JOB_BUNDLING,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      retryAttempts,
      maxEventAge,
      onFailure,
    });
    selfArn = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: functionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  } else {
    fn = props.function as lambda.IFunction;
    timeout = props.timeout ?? (fn instanceof lambda.Function ? (fn.timeout ?? Duration.seconds(3)) : DEFAULT_JOB_TIMEOUT);
    fn.configureAsyncInvoke({ retryAttempts, maxEventAge, onFailure });
    if (fn instanceof lambda.Function) {
      for (const [key, value] of Object.entries(props.environment ?? {})) {
        fn.addEnvironment(key, value);
      }
    }
    selfArn = fixedFunctionArn(fn);
    if (selfArn === undefined) {
      Annotations.of(scope).addWarningV2(
        'cdk-scheduled-jobs:continueLaterPermission',
        `job '${jobName}': the function has no fixed functionName, so it is not allowed to invoke itself and continueLater() will be denied; give it a functionName or grant lambda:InvokeFunction yourself`,
      );
    }
  }

  setJobEnvironment(scope, jobName, fn, props.platform, options.overlap, options.runTimeout ?? timeout);
  props.platform.table.grantReadWriteData(fn);
  if (selfArn !== undefined) {
    // continueLater() re-invokes the function for the same slot.
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['lambda:InvokeFunction'], resourceArns: [selfArn] });
  }

  const metrics = new JobMetrics(jobName);
  const alarms = createJobAlarms(scope, {
    jobName,
    timeout: options.runTimeout ?? timeout,
    topic: props.platform.alarmTopic,
    options: props.alarms,
  });
  return { function: fn, entry, timeout, metrics, alarms };
}

/**
 * Adds an environment variable to a job's function: only for bundled jobs and passed
 * `lambda.Function`s, never one of the job's own variables.
 */
export function addJobEnvironment(jobName: string, fn: lambda.IFunction, key: string, value: string): void {
  checkEnvironmentKey(jobName, key);
  if (!(fn instanceof lambda.Function)) {
    throw new JobConfigurationError(
      `job '${jobName}': addEnvironment('${key}') needs a lambda.Function; the job's function is imported, set the variable on it directly`,
    );
  }
  fn.addEnvironment(key, value);
}

function setJobEnvironment(
  scope: Construct,
  jobName: string,
  fn: lambda.IFunction,
  platform: JobPlatform,
  overlap: OverlapPolicy,
  timeout: Duration,
): void {
  const env: Record<string, string> = {
    [JobEnv.TABLE_NAME]: platform.table.tableName,
    [JobEnv.JOB_NAME]: jobName,
    [JobEnv.OVERLAP_POLICY]: overlap.value,
    [JobEnv.LEASE_SECONDS]: String(timeout.toSeconds() + LEASE_MARGIN.toSeconds()),
    [JobEnv.RUN_TTL_DAYS]: String(platform.runRetention.toDays()),
    POWERTOOLS_SERVICE_NAME: jobName,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  };
  if (fn instanceof lambda.Function) {
    for (const [key, value] of Object.entries(env)) {
      fn.addEnvironment(key, value);
    }
  } else {
    Annotations.of(scope).addWarningV2(
      'cdk-scheduled-jobs:importedFunctionEnvironment',
      `job '${jobName}': the function is imported, so its environment cannot be set; it must define ${Object.keys(env).join(', ')} itself`,
    );
  }
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

/** Cuts `text` to `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
