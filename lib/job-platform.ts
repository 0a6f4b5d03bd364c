/**
 * The shared half of every scheduled job: state table, failure inbox, alarm topic, schedule group,
 * the role Scheduler assumes, the dashboard and the watchdog that notices runs that never started.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ArnFormat, CfnOutput, Duration, Lazy, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_HANDLER_ASSETS_DIR, PLATFORM_HANDLERS, PREBUILT_HANDLER_FILE, prebuiltHandlerDir, type PlatformHandlerName } from './platform-assets';
import { createPlatformFunction } from './platform-function';
import {
  METRICS_NAMESPACE,
  PARTITION_KEY,
  PlatformOutput,
  SORT_KEY,
  TTL_ATTRIBUTE,
  WATCHDOG_INPUT,
  WATCHDOG_RATE_MINUTES,
  WATCHDOG_SCHEDULE_NAME,
  WatchdogEnv,
} from './contract';
import { JobConfigurationError } from './contract';
import { jobDashboardRow } from './job-monitoring';
import { jobFunctionNamePrefix, stackScopedName } from './job-name';
import type { PlatformJob } from './job-function';
import { acknowledgeWildcardResource } from './nag';
import { SharedRoleLambdaInvoke } from './shared-role-lambda-invoke';

/** Props of {@link JobPlatform}. */
export interface JobPlatformProps {
  /**
   * An email address subscribed to the alarm topic (it must confirm the subscription).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Whether the schedules of this platform (its jobs' and the watchdog's) are enabled. A job's own
   * `enabled: false` still disables that job.
   * @default - false when the CDK context `schedules` is `disabled` (`cdk deploy -c schedules=disabled`), else true
   */
  readonly schedulesEnabled?: boolean;
  /**
   * How late a run may start before the watchdog counts its slot as missed, on top of the job's
   * flexible time window.
   * @default Duration.minutes(10)
   */
  readonly missedRunGrace?: Duration;
  /**
   * How long run records are kept in the state table (DynamoDB TTL), in whole days.
   * @default Duration.days(90)
   */
  readonly runRetention?: Duration;
  /**
   * Retention of the watchdog's log group and the default for every job's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The folder of the platform's prebuilt handlers (`<folder>/watchdog/index.js` and its source
   * map, as `tools/build/bundle-handlers.ts` writes them when the package is built). The function
   * is the same either way; only where its code comes from differs.
   * @default - `assets/` beside the compiled library (`dist/assets/`) when it holds the watchdog; else the watchdog is bundled from its TypeScript source with esbuild at synth
   */
  readonly handlerAssetsDir?: string;
}

/** The CDK context key of the platform-wide switch. */
export const SCHEDULES_CONTEXT_KEY = 'schedules';


const DEFAULT_MISSED_RUN_GRACE = Duration.minutes(10);
const DEFAULT_RUN_RETENTION = Duration.days(90);
const DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
const WATCHDOG_RATE = Duration.minutes(WATCHDOG_RATE_MINUTES);
const ONE_TIME_GROUP_ID = 'OneTimeScheduleGroup';
/** Construct id of the fan-out bucket, created by the first `FanOutJob`. */
const FAN_OUT_BUCKET_ID = 'FanOutBucket';
/** Construct id of the permission {@link JobPlatform.grantSchedulerInvoke} adds to a job's own function. */
const SCHEDULER_INVOKE_PERMISSION_ID = 'SchedulerInvoke';
const SECONDS_PER_DAY = 86_400;

const platforms = new WeakMap<Stack, JobPlatform>();

/**
 * The resources every job of a stack shares. One per stack.
 *
 * @example
 * const platform = new JobPlatform(stack, 'Platform', { alarmEmail: 'ops@example.com' });
 */
export class JobPlatform extends Construct {
  /** The platform of the stack that holds `scope`, if there is one. */
  public static of(scope: Construct): JobPlatform | undefined {
    return platforms.get(Stack.of(scope));
  }

  /** The job-state table: `pk`/`sk` strings, TTL attribute `expiresAt`. */
  public readonly table: dynamodb.ITable;
  /** The failure inbox: Scheduler's dead-letter queue and Lambda's on-failure destination. */
  public readonly failureInbox: sqs.IQueue;
  /** The topic every alarm notifies, encrypted with {@link key}. */
  public readonly alarmTopic: sns.ITopic;
  /** The schedule group holding every job's schedule and the watchdog's. */
  public readonly scheduleGroup: scheduler.IScheduleGroup;
  /** The role EventBridge Scheduler assumes to invoke jobs, shared by every schedule. */
  public readonly schedulerRole: iam.IRole;
  /**
   * The prefix of every bundled job's function name (`<stack name, cut>-<hash>-`). The scheduler
   * role may invoke the functions whose names start with it, in one statement for all jobs.
   */
  public readonly jobFunctionNamePrefix: string;
  /** The customer-managed key of the alarm topic. */
  public readonly key: kms.IKey;
  /** The dashboard: failure inbox and watchdog, then one row per job. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** Whether schedules are enabled (the platform switch). */
  public readonly schedulesEnabled: boolean;
  /** Grace added to each job's flexible window before a slot counts as missed. */
  public readonly missedRunGrace: Duration;
  /** How long run records are kept. */
  public readonly runRetention: Duration;
  /** Default log retention of the platform's functions. */
  public readonly logRetention: logs.RetentionDays;
  /** The watchdog function (missed-run detection). */
  public readonly watchdog: lambda.IFunction;
  /** The watchdog's schedule (`rate(5 minutes)`). */
  public readonly watchdogSchedule: scheduler.ISchedule;
  /** Fires while the failure inbox holds a message. */
  public readonly inboxAlarm: cloudwatch.Alarm;
  /** Fires when the watchdog has not run for 15 minutes (only while schedules are enabled). */
  public readonly watchdogAlarm?: cloudwatch.Alarm;

  private readonly registered: PlatformJob[] = [];
  private readonly trustedGroupArns: string[] = [];

  constructor(scope: Construct, id: string, props: JobPlatformProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const existing = platforms.get(stack);
    if (existing) {
      throw new JobConfigurationError(
        `JobPlatform '${this.node.path}': stack '${stack.stackName}' already has a JobPlatform ('${existing.node.path}'); a stack holds at most one`,
      );
    }
    this.schedulesEnabled = props.schedulesEnabled ?? this.schedulesSwitch();
    this.missedRunGrace = props.missedRunGrace ?? DEFAULT_MISSED_RUN_GRACE;
    this.runRetention = props.runRetention ?? DEFAULT_RUN_RETENTION;
    this.logRetention = props.logRetention ?? DEFAULT_LOG_RETENTION;
    this.validate(props);
    platforms.set(stack, this);

    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the alarm topic of the scheduled jobs in ${stack.stackName}`,
      enableKeyRotation: true,
    });
    // CloudWatch alarms publish to the encrypted topic: the key must let the service use it.
    key.grant(this.cloudWatchPrincipal(), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.key = key;

    // AWS-owned encryption: run records hold job names, times and error messages, no more
    // sensitive than the functions' logs, and a customer key would add KMS statements (with the
    // wildcard actions kms:GenerateDataKey* and kms:ReEncrypt*) and KMS calls to every job.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: dynamodb.TableEncryption.DEFAULT,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // SQS-managed encryption: Scheduler (dead-letter delivery) and Lambda (on-failure destination)
    // write with nothing but sqs:SendMessage; a KMS key would need grants for both.
    this.failureInbox = new sqs.Queue(this, 'FailureInbox', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    Validations.of(this.failureInbox).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "The failure inbox is itself a dead-letter queue: Scheduler's DeadLetterConfig and Lambda's on-failure destination, " +
        'which the rule cannot see (it recognises only SQS redrive policies). A queue behind it would only hold the same messages again.',
    });

    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Scheduled jobs alarms (${stack.stackName})`,
      masterKey: key,
      enforceSSL: true,
    });
    topic.grantPublish(this.cloudWatchPrincipal());
    if (props.alarmEmail !== undefined) {
      topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    this.alarmTopic = topic;

    const group = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: stackScopedName(stack.stackName, 'jobs'),
    });
    this.scheduleGroup = group;
    this.trustedGroupArns.push(group.scheduleGroupArn);

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: `Assumed by EventBridge Scheduler to invoke the scheduled jobs of ${stack.stackName}`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': Lazy.list({ produce: () => this.trustedGroupArns }) },
        },
      }),
    });
    // One statement for every bundled job, so the shared policy keeps its size as jobs are added.
    this.jobFunctionNamePrefix = jobFunctionNamePrefix(stack.stackName);
    const jobFunctions = this.jobFunctionsArn(stack);
    iam.Grant.addToPrincipal({ grantee: this.schedulerRole, actions: ['lambda:InvokeFunction'], resourceArns: [jobFunctions] });
    acknowledgeWildcardResource(
      this.schedulerRole,
      jobFunctions,
      `lambda:InvokeFunction (unqualified) on the functions named '${this.jobFunctionNamePrefix}<job name>': the platform names every bundled job ` +
        'function so, and the prefix carries a hash of the stack name, so it matches no function of another stack and no name CloudFormation generates. ' +
        'One statement instead of one ARN per job keeps this shared policy the same size whatever the number of jobs.',
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: stackScopedName(stack.stackName, 'jobs', 255),
      defaultInterval: Duration.days(1),
    });

    this.inboxAlarm = new cloudwatch.Alarm(this, 'InboxAlarm', {
      alarmName: `${stack.stackName}-failure-inbox`,
      alarmDescription:
        'The failure inbox holds at least one message: a job failed after all its retries, or Scheduler could not deliver a run. ' +
        'Each message names the job and the error.',
      metric: this.failureInbox.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.notify(this.inboxAlarm);

    const watchdog = this.createWatchdog(stack, props.handlerAssetsDir);
    this.watchdog = watchdog;
    this.watchdogSchedule = new scheduler.Schedule(this, 'WatchdogSchedule', {
      scheduleName: WATCHDOG_SCHEDULE_NAME,
      scheduleGroup: group,
      schedule: scheduler.ScheduleExpression.rate(WATCHDOG_RATE),
      description: 'Every 5 minutes: finds job runs that should have started and did not',
      enabled: this.schedulesEnabled,
      target: new SharedRoleLambdaInvoke(watchdog, {
        role: this.schedulerRole,
        deadLetterQueue: this.failureInbox,
        retryAttempts: 2,
        maxEventAge: WATCHDOG_RATE,
        input: scheduler.ScheduleTargetInput.fromObject(WATCHDOG_INPUT),
      }),
    });
    if (this.schedulesEnabled) {
      this.watchdogAlarm = new cloudwatch.Alarm(this, 'WatchdogAlarm', {
        alarmName: `${stack.stackName}-watchdog-stopped`,
        alarmDescription:
          'The watchdog has not run for 15 minutes, so missed runs are not being detected. Check its schedule and function.',
        metric: watchdog.metricInvocations({ period: Duration.minutes(15), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      this.notify(this.watchdogAlarm);
    }

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Failure inbox',
        left: [
          this.failureInbox.metricApproximateNumberOfMessagesVisible({ label: 'messages visible', statistic: cloudwatch.Stats.MAXIMUM }),
        ],
        right: [
          this.failureInbox.metricApproximateAgeOfOldestMessage({ label: 'oldest (s)', statistic: cloudwatch.Stats.MAXIMUM }),
        ],
        width: 12,
        height: 5,
      }),
      new cloudwatch.GraphWidget({
        title: 'Watchdog',
        left: [watchdog.metricInvocations(), watchdog.metricErrors()],
        width: 12,
        height: 5,
      }),
    );

    this.output(PlatformOutput.TABLE_NAME, this.table.tableName, 'The job-state table');
    this.output(PlatformOutput.FAILURE_INBOX_URL, this.failureInbox.queueUrl, 'The failure inbox (SQS URL)');
    this.output(PlatformOutput.FAILURE_INBOX_ARN, this.failureInbox.queueArn, 'The failure inbox (SQS ARN)');
    this.output(PlatformOutput.SCHEDULE_GROUP_NAME, group.scheduleGroupName, "The jobs' schedule group");
    this.output(PlatformOutput.ALARM_TOPIC_ARN, topic.topicArn, 'The alarm topic');
    this.output(PlatformOutput.DASHBOARD_NAME, this.dashboard.dashboardName, 'The jobs dashboard');
  }

  /** The jobs registered with this platform, in declaration order. */
  public get jobs(): readonly PlatformJob[] {
    return [...this.registered];
  }

  /**
   * Registers a job: rejects a duplicate name and adds the job's dashboard row. `ScheduledJob`
   * and `OneTimeJob` call this themselves.
   */
  public registerJob(job: PlatformJob): void {
    const clash = this.registered.find((other) => other.jobName === job.jobName);
    if (clash) {
      throw new JobConfigurationError(
        `job '${job.jobName}': another job of this platform has the same name ('${clash.node.path}'); job names are unique per platform`,
      );
    }
    this.registered.push(job);
    this.dashboard.addWidgets(...jobDashboardRow(job.jobName, job.runTimeout ?? job.timeout));
  }

  /**
   * The function name a job's function gets under this platform: {@link jobFunctionNamePrefix}
   * followed by the job name. Bundled jobs are named so; give it as `functionName` to a function
   * you pass to a job, and Scheduler's role may invoke it without a permission of its own.
   */
  public jobFunctionName(jobName: string): string {
    return `${this.jobFunctionNamePrefix}${jobName}`;
  }

  /**
   * Lets the scheduler role invoke `fn`, the function of one of this platform's jobs, without
   * growing the role's shared policy:
   * - a function named with {@link jobFunctionNamePrefix} (every bundled job): nothing to add, the
   *   platform's prefix statement covers it;
   * - a `lambda.Function` of this stack: a resource-based permission on the function naming the role;
   * - any other function: a statement for its ARN in the role's policy.
   */
  public grantSchedulerInvoke(fn: lambda.IFunction): void {
    const name = fn instanceof lambda.Function ? (fn.node.defaultChild as lambda.CfnFunction).functionName : undefined;
    if (name !== undefined && !Token.isUnresolved(name) && name.startsWith(this.jobFunctionNamePrefix)) {
      return;
    }
    if (fn instanceof lambda.Function && Stack.of(fn) === Stack.of(this)) {
      if (fn.node.tryFindChild(SCHEDULER_INVOKE_PERMISSION_ID) === undefined) {
        fn.addPermission(SCHEDULER_INVOKE_PERMISSION_ID, {
          principal: new iam.ArnPrincipal(this.schedulerRole.roleArn),
          action: 'lambda:InvokeFunction',
        });
      }
      return;
    }
    iam.Grant.addToPrincipal({ grantee: this.schedulerRole, actions: ['lambda:InvokeFunction'], resourceArns: [fn.functionArn] });
  }

  /**
   * The schedule group of one-time schedules (`OneTimeJob`), separate from the recurring jobs'
   * group so the watchdog never mistakes them for jobs. Created on first use, with the output
   * `OneTimeScheduleGroupName`: a stack without one-time jobs does not get it.
   */
  public get oneTimeScheduleGroup(): scheduler.IScheduleGroup {
    const existing = this.node.tryFindChild(ONE_TIME_GROUP_ID) as scheduler.ScheduleGroup | undefined;
    if (existing) {
      return existing;
    }
    const group = new scheduler.ScheduleGroup(this, ONE_TIME_GROUP_ID, {
      scheduleGroupName: stackScopedName(Stack.of(this).stackName, 'jobs-once'),
    });
    this.trustScheduleGroup(group);
    this.output(PlatformOutput.ONE_TIME_SCHEDULE_GROUP_NAME, group.scheduleGroupName, 'The schedule group of one-time jobs');
    return group;
  }

  /**
   * The bucket of fan-out manifests and map results (`FanOutJob`), created on first use: encrypted
   * (S3-managed keys), public access blocked, TLS enforced, objects expiring after the run retention.
   */
  public get fanOutBucket(): s3.IBucket {
    const existing = this.node.tryFindChild(FAN_OUT_BUCKET_ID) as s3.Bucket | undefined;
    if (existing) {
      return existing;
    }
    const bucket = new s3.Bucket(this, FAN_OUT_BUCKET_ID, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: this.runRetention, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the manifests the fan-out plan writes and the map results Step Functions writes, read by the same run ' +
        "and expired after the run retention; every run is recorded in the job-state table and the state machine's execution log.",
    });
    return bucket;
  }

  /**
   * Lets Scheduler assume {@link schedulerRole} for schedules of another group (for example a
   * group of one-time schedules).
   */
  public trustScheduleGroup(group: scheduler.IScheduleGroup): void {
    if (!this.trustedGroupArns.includes(group.scheduleGroupArn)) {
      this.trustedGroupArns.push(group.scheduleGroupArn);
    }
  }

  /** Sends an alarm's ALARM and OK transitions to the alarm topic. */
  public notify(alarm: cloudwatch.IAlarm & { addAlarmAction: cloudwatch.Alarm['addAlarmAction']; addOkAction: cloudwatch.Alarm['addOkAction'] }): void {
    const action = new actions.SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }

  private createWatchdog(stack: Stack, handlerAssetsDir: string | undefined): lambda.Function {
    const prebuiltDir = this.prebuiltHandler('watchdog', handlerAssetsDir);
    const fn = createPlatformFunction(this, { role: 'WatchdogRole', logGroup: 'WatchdogLogGroup', function: 'Watchdog' }, {
      roleDescription: `Role of the scheduled-jobs watchdog of ${stack.stackName}`,
      logRetention: this.logRetention,
      description: 'Finds scheduled-job runs that should have started and did not; publishes MissedRuns',
      ...(prebuiltDir !== undefined ? { prebuiltDir } : { entry: handlerSource('watchdog') }),
      environment: {
        [WatchdogEnv.TABLE_NAME]: this.table.tableName,
        [WatchdogEnv.SCHEDULE_GROUP_NAME]: this.scheduleGroup.scheduleGroupName,
        [WatchdogEnv.MISSED_RUN_GRACE_SECONDS]: String(this.missedRunGrace.toSeconds()),
        [WatchdogEnv.RUN_TTL_DAYS]: String(this.runRetention.toDays()),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_SERVICE_NAME: 'watchdog',
      },
      // The next run is at most 5 minutes away: no retries; a failure goes to the inbox.
      retryAttempts: 0,
      maxEventAge: WATCHDOG_RATE,
      onFailure: new destinations.SqsDestination(this.failureInbox),
    });
    // ListSchedules has no resource-level permissions: the only possible resource is "*".
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['scheduler:ListSchedules'], resourceArns: ['*'] });
    Validations.of(fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'scheduler:ListSchedules supports no resource-level permissions, so its only possible resource is "*"; ' +
        "it is the only action granted on \"*\" (GetSchedule is granted on the platform's schedule group only).",
    });
    // The watchdog reads each job's schedule (its expression, zone and flexible window): one
    // statement for the platform's group, whatever the number of jobs.
    const groupSchedules = this.scheduleArn('*');
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['scheduler:GetSchedule'], resourceArns: [groupSchedules] });
    acknowledgeWildcardResource(
      fn.role!,
      groupSchedules,
      "scheduler:GetSchedule (read only) on the schedules of the platform's own schedule group, which holds exactly its jobs' schedules and the " +
        "watchdog's; one statement instead of one ARN per job keeps the watchdog's policy the same size whatever the number of jobs.",
    );
    // Catch-up: the watchdog runs missed slots of jobs with a catch-up policy by invoking their
    // functions. One statement on the platform's job-function prefix, whatever the number of jobs.
    const jobFunctions = this.jobFunctionsArn(stack);
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['lambda:InvokeFunction'], resourceArns: [jobFunctions] });
    acknowledgeWildcardResource(
      fn.role!,
      jobFunctions,
      `lambda:InvokeFunction (unqualified) on the functions named '${this.jobFunctionNamePrefix}<job name>', to run the missed slots of jobs ` +
        'with a catch-up policy: the platform names every bundled job function so, and the prefix carries a hash of the stack name, so it matches ' +
        "no function of another stack and no name CloudFormation generates. One statement instead of one ARN per job keeps the watchdog's policy " +
        'the same size whatever the number of jobs.',
    );
    this.table.grantReadWriteData(fn);
    return fn;
  }

  /** The ARN pattern of every function named with {@link jobFunctionNamePrefix}. */
  private jobFunctionsArn(stack: Stack): string {
    return stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: `${this.jobFunctionNamePrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * The prebuilt folder of a platform handler: from `handlerAssetsDir` when given (it must hold the
   * handler), else from the package's assets when they were built, else undefined (bundle from source).
   */
  private prebuiltHandler(name: PlatformHandlerName, handlerAssetsDir: string | undefined): string | undefined {
    if (handlerAssetsDir === undefined) {
      return prebuiltHandlerDir(DEFAULT_HANDLER_ASSETS_DIR, name);
    }
    const dir = prebuiltHandlerDir(handlerAssetsDir, name);
    if (dir === undefined) {
      throw new JobConfigurationError(
        `JobPlatform '${this.node.path}': handlerAssetsDir must hold the prebuilt ${name} (${name}/${PREBUILT_HANDLER_FILE}); ` +
          `got '${handlerAssetsDir}', which has none (build it with tools/build/bundle-handlers.ts)`,
      );
    }
    return dir;
  }

  /** The ARN of the schedule named `scheduleName` in the platform's group, known at synth time. */
  public scheduleArn(scheduleName: string): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroup.scheduleGroupName}/${scheduleName}`,
    });
  }

  private schedulesSwitch(): boolean {
    const value: unknown = this.node.tryGetContext(SCHEDULES_CONTEXT_KEY);
    if (value === undefined || value === 'enabled') {
      return true;
    }
    if (value === 'disabled') {
      return false;
    }
    throw new JobConfigurationError(
      `JobPlatform '${this.node.path}': context '${SCHEDULES_CONTEXT_KEY}' must be 'enabled' or 'disabled'; got ${JSON.stringify(value)}`,
    );
  }

  private validate(props: JobPlatformProps): void {
    const where = `JobPlatform '${this.node.path}'`;
    const email = props.alarmEmail;
    if (email !== undefined && !Token.isUnresolved(email) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      throw new JobConfigurationError(`${where}: alarmEmail must be an email address; got '${email}'`);
    }
    const grace = this.missedRunGrace.toSeconds({ integral: false });
    if (grace < 0 || grace > SECONDS_PER_DAY) {
      throw new JobConfigurationError(`${where}: missedRunGrace must be from 0 to 1 day; got ${grace} seconds`);
    }
    const retention = this.runRetention.toSeconds({ integral: false });
    if (retention < SECONDS_PER_DAY || retention % SECONDS_PER_DAY !== 0) {
      throw new JobConfigurationError(`${where}: runRetention must be a whole number of days, at least 1; got ${retention} seconds`);
    }
  }

  private cloudWatchPrincipal(): iam.IPrincipal {
    return new iam.ServicePrincipal('cloudwatch.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    });
  }

  private output(id: string, value: string, description: string): void {
    const out = new CfnOutput(this, id, { value, description });
    out.overrideLogicalId(id);
  }
}

/** The TypeScript source of a platform handler in this package, from source (`lib/`) or compiled (`dist/lib/`). */
function handlerSource(name: PlatformHandlerName): string {
  return join(packageRoot(), PLATFORM_HANDLERS[name]);
}

function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'cdk-scheduled-jobs') {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new JobConfigurationError(`cannot find the cdk-scheduled-jobs package root above '${__dirname}'`);
    }
    dir = parent;
  }
}
