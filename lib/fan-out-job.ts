/**
 * A scheduled job whose runs fan out on a Step Functions Distributed Map: plan -> map of batches ->
 * finish, each a phase of the job's one function (`defineFanOutJob`).
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { FAN_OUT_PREFIX, FanOutEnv, FanOutLimits, OverlapPolicy, resultsPrefix, StateKeys } from './contract';
import type { JobKind } from './job-base';
import { checkDuration, checkInteger } from './job-function';
import { jobFunctionName } from './job-name';
import { JobAccess } from './access';
import { grantStateItems, StateTableActions } from './access-state';
import { acknowledgeWildcardResource } from './nag';
import { ScheduledJob, type ScheduledJobProps } from './scheduled-job';

/** How the map retries a failed batch. */
export interface FanOutRetry {
  /**
   * Retries of a batch after its first attempt (0-99).
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * Wait before the first retry.
   * @default Duration.seconds(2)
   */
  readonly interval?: Duration;
  /**
   * Multiplier of the wait after each retry (1-100).
   * @default 2
   */
  readonly backoffRate?: number;
  /**
   * Longest wait between two retries.
   * @default Duration.minutes(1)
   */
  readonly maxDelay?: Duration;
}

/** Props of {@link FanOutJob}. */
export interface FanOutJobProps extends ScheduledJobProps {
  /**
   * Child executions (batches) the Distributed Map runs at once (1-10,000). Size it to what the
   * work's target serves: for S3, about 3,500 writes or 5,500 reads a second per prefix.
   * @default 100
   */
  readonly maxConcurrency?: number;
  /**
   * Share of items that may fail (after their batch's retries) with the run still ending PARTIAL
   * rather than FAILED, in percent (0-100).
   * @default 0
   */
  readonly toleratedFailurePercentage?: number;
  /**
   * Most items in one batch, one invocation of `work` (1-100,000,000).
   * @default 10
   */
  readonly maxItemsPerBatch?: number;
  /**
   * Most bytes of items in one batch (1-262,144; Step Functions' 256 KiB).
   * @default 262144
   */
  readonly maxInputBytesPerBatch?: number;
  /**
   * How a failed or throttled batch is retried.
   * @default 3 retries, 2 s, x2, at most 1 minute apart, with full jitter
   */
  readonly retry?: FanOutRetry;
  /**
   * How long a run (one execution) may take, at most 1 year: the execution times out after it,
   * and the alarm's near-timeout threshold, the dashboard's timeout line and the run's lease are based on it.
   * @default Duration.hours(24)
   */
  readonly executionTimeout?: Duration;
}

const DEFAULT_MAX_CONCURRENCY = 100;
const DEFAULT_MAX_ITEMS_PER_BATCH = 10;
const DEFAULT_EXECUTION_TIMEOUT = Duration.hours(24);
const MAX_ITEMS_PER_BATCH = 100_000_000;

/**
 * A scheduled job whose runs fan out past one Lambda invocation: a Standard Step Functions state
 * machine runs the job's `plan` (which writes a manifest of items to S3), a Distributed Map of
 * batches of those items through `work` (bounded by `maxConcurrency`, retried with backoff, up to
 * `toleratedFailurePercentage` of the items may fail), and `finish`, which records the run:
 * SUCCEEDED, PARTIAL or FAILED. One function, written with `defineFanOutJob`, runs all three.
 *
 * It is a `ScheduledJob` (same props for the code, schedule, time zone, payload, overlap and
 * catch-up; same run records, alarm, dashboard row, watchdog check and CLI commands) because a
 * fan-out job is a scheduled job whose run is long, not a new kind of trigger. Scheduler invokes
 * the function with the job event, as for every job, and the function starts the execution named
 * `<job>-<slot>`: Step Functions starts a name once, and the templated Scheduler target cannot name
 * executions (`<aws.scheduler.scheduled-time>` holds `:`, which names may not). `cdk-jobs run`, the
 * watchdog's catch-up and a redrive start runs the same way. A failed, timed-out or aborted
 * execution lands in the platform's failure inbox.
 *
 * @example
 * const cleanup = new FanOutJob(stack, 'BucketCleanup', {
 *   platform,
 *   schedule: ScheduleExpression.cron({ hour: '2', minute: '0' }),
 *   entry: 'lambdas/jobs/bucket-cleanup/handler.ts',
 *   maxConcurrency: 50,
 *   toleratedFailurePercentage: 1,
 * });
 * bucket.grantRead(cleanup);   // list and read
 * bucket.grantDelete(cleanup); // delete; no write
 */
export class FanOutJob extends ScheduledJob {
  /** The state machine of the job's runs. */
  public readonly stateMachine: sfn.StateMachine;
  /** The platform's fan-out bucket (manifests under `fan-out/<job>/`). */
  public readonly bucket: s3.IBucket;
  /** Most batches in flight. */
  public readonly maxConcurrency: number;
  /** Share of items that may fail with the run still PARTIAL, in percent. */
  public readonly toleratedFailurePercentage: number;
  /** Fires when an execution of the job fails, times out or is aborted. */
  public readonly executionFailedRule: events.Rule;
  /**
   * Alarms when an execution failed, timed out or was aborted: the job's health alarm counts the
   * runs the function records, and an execution that times out or is aborted records nothing.
   * Undefined when the job's alarms are disabled.
   */
  public readonly executionsAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FanOutJobProps) {
    super(scope, id, props, FAN_OUT_JOB);
    const stack = Stack.of(this);
    this.maxConcurrency = props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    this.toleratedFailurePercentage = props.toleratedFailurePercentage ?? 0;
    this.bucket = props.platform.fanOutBucket;
    const fn = this.function;

    // Beside every job's item actions: the per-item done records, still in the job's own partition only.
    grantStateItems({ table: props.platform.table, grantee: fn, actions: StateTableActions.FAN_OUT_ITEMS, partitions: [StateKeys.partition(this.jobName)] });
    // The function writes and reads its own manifests, nothing else of the bucket.
    const manifests = this.bucket.arnForObjects(`${FAN_OUT_PREFIX}${this.jobName}/*`);
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['s3:PutObject', 's3:GetObject'], resourceArns: [manifests] });
    acknowledgeWildcardResource(this, manifests, `The job's own manifests: keys under ${FAN_OUT_PREFIX}${this.jobName}/ carry the slot and attempt of each run, known only at run time; only s3:PutObject and s3:GetObject are granted.`);
    // A fixed name: the function's environment and policy name the state machine without referring
    // to it, which would be a cycle (the state machine invokes the function).
    const stateMachineName = jobFunctionName(stack.stackName, this.jobName);
    const stateMachineArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['states:StartExecution'], resourceArns: [stateMachineArn] });
    // To close the record of a run whose execution ended without finishing (aborted), the function reads its status.
    const executions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['states:DescribeExecution'], resourceArns: [executions] });
    acknowledgeWildcardResource(this, executions, "states:DescribeExecution on the executions of the job's own state machine, whose names carry the slot of each run, known only at run time.");
    if (fn instanceof lambda.Function) {
      JobAccess.acknowledgeUnused(
        fn,
        ['states:DescribeExecution'],
        'read only when a run of the slot is left RUNNING by an execution that ended without finishing (aborted, timed out), to close its record; a run whose executions finish never reads it',
      );
    }
    if (fn instanceof lambda.Function) {
      fn.addEnvironment(FanOutEnv.BUCKET_NAME, this.bucket.bucketName);
      fn.addEnvironment(FanOutEnv.STATE_MACHINE_ARN, stateMachineArn);
    }

    // The states live in their own scope, where the Distributed Map writes its results with
    // ResultWriterV2 whatever the app's feature flags say (without the flag, aws-cdk-lib drops
    // `resultWriterV2`, and the map's output, every batch's result, would meet the 256 KiB state limit).
    const states = new Construct(this, 'States');
    states.node.setContext(cxapi.STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const retry = props.retry ?? {};
    const plan = new tasks.LambdaInvoke(states, 'Plan', {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject({ phase: 'plan', event: sfn.JsonPath.entirePayload, executionArn: sfn.JsonPath.stringAt('$$.Execution.Id') }),
      payloadResponseOnly: true,
      resultPath: '$.plan',
    });
    const work = new tasks.LambdaInvoke(states, 'Work', { lambdaFunction: fn, payloadResponseOnly: true });
    work.addRetry({
      errors: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'Lambda.SdkClientException', 'Lambda.AWSLambdaException', sfn.Errors.TASKS_FAILED],
      maxAttempts: retry.maxAttempts ?? 3,
      interval: retry.interval ?? Duration.seconds(2),
      backoffRate: retry.backoffRate ?? 2,
      maxDelay: retry.maxDelay ?? Duration.minutes(1),
      jitterStrategy: sfn.JitterType.FULL,
    });
    const map = new sfn.DistributedMap(states, 'Map', {
      maxConcurrency: this.maxConcurrency,
      toleratedFailurePercentage: this.toleratedFailurePercentage,
      itemReader: new sfn.S3JsonItemReader({ bucket: this.bucket, key: sfn.JsonPath.stringAt('$.plan.manifest.key') }),
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: props.maxItemsPerBatch ?? DEFAULT_MAX_ITEMS_PER_BATCH,
        maxInputBytesPerBatch: props.maxInputBytesPerBatch ?? FanOutLimits.MAX_INPUT_BYTES_PER_BATCH,
        batchInput: { phase: 'work', 'run.$': '$.plan.run' },
      }),
      resultWriterV2: new sfn.ResultWriterV2({ bucket: this.bucket, prefix: resultsPrefix(this.jobName) }),
      resultPath: '$.map',
      label: 'Batches',
    });
    map.itemProcessor(work);
    const finish = new tasks.LambdaInvoke(states, 'Finish', {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject({ phase: 'finish', plan: sfn.JsonPath.objectAt('$.plan'), 'mapError.$': '$.mapError' }),
      payloadResponseOnly: true,
      resultPath: '$.finish',
    });
    const done = new sfn.Choice(states, 'RunFailed?')
      .when(sfn.Condition.stringEquals('$.finish.status', 'FAILED'), new sfn.Fail(states, 'RunFailed', { error: 'FanOutRunFailed', cause: 'the run ended FAILED; see its run record' }))
      .otherwise(new sfn.Succeed(states, 'RunEnded'));
    const noMapError = new sfn.Pass(states, 'MapSucceeded', { result: sfn.Result.fromObject({}), resultPath: '$.mapError' });
    // The finish's input always has `mapError` ({} when the map succeeded).
    map.next(noMapError);
    noMapError.next(finish);
    // The map failed (more items failed than tolerated, or the map itself): finish records FAILED.
    map.addCatch(finish, { resultPath: '$.mapError' });
    finish.next(done);
    const definition = plan.next(
      new sfn.Choice(states, 'Planned?')
        .when(sfn.Condition.stringEquals('$.plan.next', 'RUN'), map)
        .otherwise(new sfn.Succeed(states, 'NothingToRun')),
    );

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      retention: props.logRetention ?? props.platform.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const timeout = props.executionTimeout ?? DEFAULT_EXECUTION_TIMEOUT;
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: `Fan-out job '${this.jobName}': plan, Distributed Map of batches, finish`,
    });

    acknowledgeStateMachineWildcards(this, this.stateMachine);

    // A failed, timed-out or aborted execution goes to the failure inbox (job and slot are in its input).
    this.executionFailedRule = new events.Rule(this, 'ExecutionFailed', {
      description: `Fan-out job '${this.jobName}': failed, timed-out or aborted executions to the failure inbox`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [new targets.SqsQueue(props.platform.failureInbox)],
    });

    if (props.alarms?.enabled !== false) {
      const period = props.alarms?.period ?? Duration.minutes(5);
      const machine = this.stateMachine;
      this.executionsAlarm = new cloudwatch.Alarm(this, 'ExecutionsAlarm', {
        alarmName: `${stack.stackName}-${this.jobName}-executions`,
        alarmDescription:
          `Fan-out job '${this.jobName}': an execution failed, timed out or was aborted within ${period.toMinutes()} minutes. ` +
          "Read the failure inbox (cdk-jobs failures) and the job's run history; the execution's log group has each state's events.",
        metric: new cloudwatch.MathExpression({
          expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
          usingMetrics: {
            failed: machine.metricFailed({ period }),
            timedOut: machine.metricTimedOut({ period }),
            aborted: machine.metricAborted({ period }),
          },
          label: 'ExecutionsFailed + ExecutionsTimedOut + ExecutionsAborted',
          period,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      props.platform.notify(this.executionsAlarm);
    }
  }
}

/** What a fan-out job adds to a scheduled job: its description, run timeout and checks. */
const FAN_OUT_JOB: JobKind<ScheduledJobProps> = {
  kind: 'fan-out job',
  defaultOverlap: OverlapPolicy.SKIP,
  describe: (job, props) => props.description ?? `Fan-out job '${job}'`,
  runTimeout: (props) => (props as FanOutJobProps).executionTimeout ?? DEFAULT_EXECUTION_TIMEOUT,
  validate: (raw, fail) => {
    const props = raw as FanOutJobProps;
    checkInteger('maxConcurrency', props.maxConcurrency, 1, FanOutLimits.MAX_CONCURRENCY, fail);
    const tolerance = props.toleratedFailurePercentage;
    if (tolerance !== undefined && !Token.isUnresolved(tolerance) && !(tolerance >= 0 && tolerance <= 100)) {
      fail(`toleratedFailurePercentage must be from 0 to 100; got ${tolerance}`);
    }
    checkInteger('maxItemsPerBatch', props.maxItemsPerBatch, 1, MAX_ITEMS_PER_BATCH, fail);
    checkInteger('maxInputBytesPerBatch', props.maxInputBytesPerBatch, 1, FanOutLimits.MAX_INPUT_BYTES_PER_BATCH, fail);
    checkInteger('retry.maxAttempts', props.retry?.maxAttempts, 0, 99, fail);
    const rate = props.retry?.backoffRate;
    if (rate !== undefined && !(rate >= 1 && rate <= 100)) fail(`retry.backoffRate must be from 1 to 100; got ${rate}`);
    checkDuration('executionTimeout', props.executionTimeout, 1, 365 * 86_400, '1 second to 1 year', fail);
  },
};

/** Why the state machine's role holds a wildcard resource, by the service of the statement's actions. */
const STATE_MACHINE_WILDCARDS: ReadonlyArray<{ readonly service: string; readonly reason: string }> = [
  { service: 'xray', reason: 'X-Ray tracing (PutTraceSegments, PutTelemetryRecords, GetSampling*) supports no resource-level permissions: "*" is its only resource.' },
  { service: 'logs', reason: 'CloudWatch Logs delivery for Step Functions (CreateLogDelivery, ..., DescribeLogGroups) supports no resource-level permissions: "*" is its only resource.' },
  { service: 'lambda', reason: "The LambdaInvoke task's grant: the job's own function and its versions, nothing else." },
  { service: 's3', reason: "The Distributed Map reads the run's manifest and writes its results at keys known only at run time, in the platform's fan-out bucket, which holds nothing else." },
  { service: 'states', reason: 'The Distributed Map describes and stops the child executions of this state machine, whose names Step Functions generates.' },
];

/** Acknowledges AwsSolutions-IAM5 for the wildcard resources aws-cdk-lib grants the state machine's role, each with its reason. */
function acknowledgeStateMachineWildcards(scope: Construct, machine: sfn.StateMachine): void {
  const policies = [machine.role.node.tryFindChild('DefaultPolicy'), machine.node.tryFindChild('DistributedMapPolicy')];
  for (const policy of policies) {
    if (!(policy instanceof iam.Policy)) continue;
    const document = policy.document.toJSON() as { Statement?: Array<{ Action?: string | string[]; Resource?: string | string[] }> } | undefined;
    for (const statement of document?.Statement ?? []) {
      const actions = [statement.Action ?? []].flat();
      const known = STATE_MACHINE_WILDCARDS.find(({ service }) => actions.length > 0 && actions.every((action) => action.startsWith(`${service}:`)));
      if (!known) continue;
      for (const resource of [statement.Resource ?? []].flat()) {
        if (resource.includes('*')) acknowledgeWildcardResource(scope, resource, known.reason);
      }
    }
  }
}
