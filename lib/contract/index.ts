/**
 * The contract between the CDK constructs (which deploy jobs) and the code that runs in Lambda
 * (which executes them): event shape, environment variable names, state-table keys and metric
 * names. Pure TypeScript: imported by both sides, never by anything that needs the AWS SDK or CDK.
 */
import type { CatchUpSpec } from './catch-up';

/** The CloudWatch namespace every job metric is published in. */
export const METRICS_NAMESPACE = 'ScheduledJobs';

/**
 * Metric names, all in {@link METRICS_NAMESPACE} with the single dimension
 * `{ service: <job name> }` (the Powertools default dimension; the job name is the service name).
 */
export const MetricName = {
  /** A run that started executing the job's code (not skipped, not a duplicate). Count. */
  RUNS: 'Runs',
  /** A run that threw. Count. */
  FAILURES: 'Failures',
  /** How long the job's code ran. Milliseconds. */
  DURATION: 'Duration',
  /** A slot that did not run because of the overlap policy or because the job is paused. Count. */
  SKIPPED: 'Skipped',
  /** A second delivery of a slot that already ran or is running. Count. */
  DUPLICATES: 'Duplicates',
  /** A slot that should have started (plus grace) and did not; published by the watchdog. Count. */
  MISSED_RUNS: 'MissedRuns',
  /** Items of a fan-out run left undone (its run ends PARTIAL or FAILED); published by the finish step. Count. */
  FAILED_ITEMS: 'FailedItems',
} as const;

/** The dimension name that carries the job name. */
export const JOB_DIMENSION = 'service';

/** The longest job name. */
export const MAX_JOB_NAME_LENGTH = 48;

/** Job names: kebab-case, start with a letter, at most {@link MAX_JOB_NAME_LENGTH} characters. */
export const JOB_NAME_PATTERN = /^[a-z][a-z0-9-]{0,47}$/;

/** Environment variables the constructs set on a job's function. */
export const JobEnv = {
  /** Name of the platform's job-state table. */
  TABLE_NAME: 'JOBS_TABLE_NAME',
  /** The job's name (kebab-case, unique in the platform). */
  JOB_NAME: 'JOB_NAME',
  /** `skip` (default) or `allow`. */
  OVERLAP_POLICY: 'JOB_OVERLAP_POLICY',
  /** How long a run's lease holds before another run may take it over, in seconds. */
  LEASE_SECONDS: 'JOB_LEASE_SECONDS',
  /** How long run records are kept (DynamoDB TTL), in days. */
  RUN_TTL_DAYS: 'JOB_RUN_TTL_DAYS',
} as const;

/** The event a schedule (or a manual run, or a continuation) delivers to a job's function. */
export interface JobEvent {
  /** The job's name. */
  readonly job: string;
  /** The slot: `<aws.scheduler.scheduled-time>`, e.g. `2026-03-22T18:59:00Z`. Absent on manual runs. */
  readonly scheduledTime?: string;
  /** `<aws.scheduler.execution-id>`: differs on every delivery attempt; never a de-duplication key. */
  readonly executionId?: string;
  /** `<aws.scheduler.attempt-number>`, a string after substitution (`"1"`). */
  readonly attempt?: string | number;
  /** `<aws.scheduler.schedule-arn>`. */
  readonly scheduleArn?: string;
  /** The job's payload as declared on the construct (or given to a manual run). */
  readonly payload?: unknown;
  /** True for a run started by hand (`jobs run`); its slot is the time it was received. */
  readonly manual?: boolean;
  /** Set by `continueLater`: the same slot continued by a new invocation. */
  readonly continuation?: { readonly sequence: number };
  /**
   * Set by one-time schedules (`OneTimeScheduler`): the schedule's key. Two one-time runs of a job
   * due at the same instant are different runs, so the slot is `<scheduledTime ISO>#<key>`.
   */
  readonly key?: string;
  /**
   * The job's catch-up policy, carried in its schedule's input for the watchdog and
   * `cdk-jobs resume` (absent: off). The runtime accepts it and does nothing with it.
   */
  readonly catchUp?: CatchUpSpec;
  /** `'catch-up'` on a run the watchdog or `cdk-jobs resume` started for a missed or skipped slot. */
  readonly trigger?: 'catch-up';
}


/** Status of a run record. */
/**
 * Status of a run record. `PARTIAL`: a fan-out run whose failed items stayed within its tolerated
 * failure percentage (the failed items are listed on the record; a re-run of the slot does only them).
 */
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'PARTIAL' | 'SKIPPED' | 'DUPLICATE';

/**
 * Keys of the single-table job-state store. Partition key `pk`, sort key `sk` (both strings);
 * TTL attribute {@link TTL_ATTRIBUTE} (epoch seconds).
 */
export const StateKeys = {
  partition: (job: string) => `JOB#${job}`,
  /** One item per slot; the slot is an ISO instant, so items sort by time. */
  run: (slot: string) => `RUN#${slot}`,
  runPrefix: 'RUN#',
  /** The job's summary: last run, last success, paused flag. */
  state: 'STATE',
  /** The overlap lease. */
  lease: 'LEASE',
  /** A checkpoint saved for a slot by `checkpoint.save()` / `continueLater()`. */
  checkpoint: (slot: string) => `CHECKPOINT#${slot}`,
  /** A slot the watchdog found missed. */
  missed: (slot: string) => `MISSED#${slot}`,
  missedPrefix: 'MISSED#',
  /** A fan-out item done in a slot (written after the job's `work` returned for it). */
  part: (slot: string, key: string) => `PART#${slot}#${key}`,
  /** The prefix of a slot's done items. */
  partPrefix: (slot: string) => `PART#${slot}#`,
} as const;

/** Keys of the watchdog's own items in the job-state table: one partition, one cursor per job. */
export const WatchdogKeys = {
  partition: 'WATCHDOG',
  cursorPrefix: 'CURSOR#',
  cursor: (job: string) => `CURSOR#${job}`,
} as const;

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
export const TTL_ATTRIBUTE = 'expiresAt';


/** Logical ids of the stack outputs `JobPlatform` writes and the `cdk-jobs` CLI reads. */
export const PlatformOutput = {
  TABLE_NAME: 'JobsTableName',
  FAILURE_INBOX_URL: 'FailureInboxUrl',
  FAILURE_INBOX_ARN: 'FailureInboxArn',
  SCHEDULE_GROUP_NAME: 'ScheduleGroupName',
  ALARM_TOPIC_ARN: 'AlarmTopicArn',
  DASHBOARD_NAME: 'DashboardName',
  /** Only in stacks with a `OneTimeJob`. */
  ONE_TIME_SCHEDULE_GROUP_NAME: 'OneTimeScheduleGroupName',
} as const;

/** The name of the watchdog's schedule, in the platform's schedule group. */
export const WATCHDOG_SCHEDULE_NAME = 'watchdog';

/** The Scheduler input of the watchdog's schedule. */
export const WATCHDOG_INPUT = { watchdog: true } as const;

/** How often the watchdog runs (`rate(5 minutes)`), in minutes. */
export const WATCHDOG_RATE_MINUTES = 5;

/** Environment variables the platform sets on the watchdog function. */
export const WatchdogEnv = {
  /** Name of the platform's job-state table. */
  TABLE_NAME: JobEnv.TABLE_NAME,
  /** The platform's schedule group (the job schedules to check). */
  SCHEDULE_GROUP_NAME: 'SCHEDULE_GROUP_NAME',
  /** Allowed lateness after a slot's flexible window, in seconds (default 600). */
  MISSED_RUN_GRACE_SECONDS: 'MISSED_RUN_GRACE_SECONDS',
  /** How long MISSED records are kept, in days (default 90; the platform's run retention). */
  RUN_TTL_DAYS: JobEnv.RUN_TTL_DAYS,
} as const;

export * from './catch-up';
export * from './errors';
export * from './fan-out';
export * from './one-time-names';
export * from './overlap-policy';
