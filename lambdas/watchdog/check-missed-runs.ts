/**
 * The watchdog's work, reusable by the Lambda handler, local mode and the CLI: for each enabled job
 * schedule of the platform's group, find the slots that should have started (plus the flexible
 * window and the grace) but have no run record, record each once as `MISSED#<slot>`, publish the
 * per-job `MissedRuns` metric and move the job's cursor on. For a job with a catch-up policy, the
 * slots this run recorded first (never those recorded before) that the policy chooses are run by
 * invoking the job's function asynchronously, oldest first.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catchUpEvent, chooseCatchUpSlots, JOB_DIMENSION, MetricName } from '../../lib/contract';
import { runsBetween } from '../../lib/schedule';
import { LambdaContinuationInvoker, type ContinuationInvoker } from '../runtime/continuation';
import { JobStateStore } from '../runtime/state-store';
import { mapWithConcurrency } from '../shared/concurrency';
import { WatchdogConfigError } from './errors';
import { findMissedSlots, latestRun, runsRange } from './match';
import { expectedSlots, MINUTE_MS, planWindow, scheduleShape, type JobSchedule } from './plan';
import { listJobSchedules, type ScheduleFailure } from './schedules';

/** The logging the watchdog needs; Powertools `Logger` and `console` both fit. */
export interface WatchdogLogger {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export const WatchdogDefaults = {
  /** Allowed lateness after a slot's flexible window, in seconds. */
  graceSeconds: 600,
  /** How far back a job is ever checked, in seconds. */
  lookbackSeconds: 86_400,
  /** Slots checked per job per run; a longer backlog is worked off over the next runs. */
  maxSlotsPerJob: 500,
  /** How long MISSED records are kept, in days. */
  missedTtlDays: 90,
  /** How long a cursor outlives its last update, in days (a removed job's cursor goes away). */
  cursorTtlDays: 30,
  /** Jobs checked at once. */
  concurrency: 4,
  /** A run stops starting new jobs when less than this much time is left, in ms. */
  reserveMs: 10_000,
} as const;

export interface CheckMissedRunsOptions {
  /** Reads the schedules (ListSchedules, GetSchedule). */
  readonly scheduler: SchedulerClient;
  /**
   * Reads run records and cursors, writes MISSED records and cursors. Throttled calls of both
   * clients are retried by their own retry strategy (`sdkRetryConfig`).
   */
  readonly ddb: DynamoDBDocumentClient;
  /** The job-state table. */
  readonly tableName: string;
  /** The platform's schedule group. */
  readonly group: string;
  /**
   * The time the check is made at.
   * @default new Date()
   */
  readonly now?: Date;
  /**
   * Allowed lateness after a slot (on top of the schedule's flexible window), in seconds.
   * @default 600
   */
  readonly graceSeconds?: number;
  /**
   * Publishes `MissedRuns` per job (dimension `service` = job) through this Powertools instance.
   * @default no metrics
   */
  readonly metrics?: Metrics;
  /** @default no logging */
  readonly logger?: WatchdogLogger;
  /**
   * How far back a job is ever checked, in seconds.
   * @default 86400
   */
  readonly lookbackSeconds?: number;
  /**
   * Slots checked per job per run; a longer backlog is worked off over the next runs.
   * @default 500
   */
  readonly maxSlotsPerJob?: number;
  /**
   * How long MISSED records are kept (DynamoDB TTL), in days.
   * @default 90
   */
  readonly missedTtlDays?: number;
  /**
   * Jobs checked at once.
   * @default 4
   */
  readonly concurrency?: number;
  /**
   * Time left for this run, in ms (Lambda's `getRemainingTimeInMillis`). Jobs not started when
   * less than 10 s remain are deferred to the next run.
   * @default unlimited
   */
  readonly remainingTimeMs?: () => number;
  /**
   * The watchdog's own function name: its own schedule is left out without being read (the
   * platform grants the watchdog GetSchedule on job schedules only). The handler passes
   * `AWS_LAMBDA_FUNCTION_NAME`.
   * @default no schedule is left out by its target
   */
  readonly ownFunctionName?: string;
  /**
   * Starts the catch-up runs (asynchronous invocations of job functions).
   * @default Lambda Invoke with `InvocationType: 'Event'`, through a client created on first use
   */
  readonly invoker?: ContinuationInvoker;
}

/** What one job's check found. */
export interface JobCheckResult {
  readonly job: string;
  readonly scheduleName: string;
  /** The window checked (`from` exclusive, `to` inclusive), absent when nothing was due. */
  readonly window?: { readonly from: string; readonly to: string };
  /** Slots that should have started in the window (at most `maxSlotsPerJob`). */
  readonly expected: number;
  /** Slots with no run, oldest first. */
  readonly missed: readonly string[];
  /** Missed slots this run recorded first: the `MissedRuns` value published. */
  readonly recorded: number;
  /** Where the job's cursor stands after this run (absent for a job never checked). */
  readonly checkedUntil?: string;
  /** True when the window held more slots than `maxSlotsPerJob`; the rest come next run. */
  readonly truncated: boolean;
  /** Slots the job's catch-up policy ran (Lambda accepted the invocation), oldest first. */
  readonly caughtUp?: readonly string[];
  /** Slots whose catch-up invocation failed, with the error; they are not tried again. */
  readonly catchUpFailed?: readonly { readonly slot: string; readonly error: string }[];
}

/** A job (or schedule) that could not be checked; the others were. */
export interface JobCheckFailure {
  readonly scheduleName: string;
  readonly job?: string;
  readonly error: Error;
}

export interface CheckMissedRunsResult {
  readonly checkedAt: string;
  readonly group: string;
  readonly jobs: readonly JobCheckResult[];
  readonly failures: readonly JobCheckFailure[];
  /** Schedules of the group left out, with why (disabled, not a job, ...). */
  readonly ignored: readonly { readonly scheduleName: string; readonly reason: string }[];
  /** Jobs not checked because the run was out of time; the next run takes them. */
  readonly deferred: readonly string[];
}

function requireNonNegativeInteger(name: string, value: number | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new WatchdogConfigError(`checkMissedRuns: ${name} must be an integer >= ${min} (got ${value})`);
  }
  return value;
}

function requireName(name: string, value: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new WatchdogConfigError(`checkMissedRuns: ${name} must be a non-empty string (got ${JSON.stringify(value)})`);
  }
  return value;
}

function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * Checks every enabled job schedule of `group` for missed slots; see the module comment.
 *
 * @throws WatchdogConfigError for bad options (before any call)
 * @throws the listing error when the group's schedules or the cursors cannot be read at all
 */
export async function checkMissedRuns(options: CheckMissedRunsOptions): Promise<CheckMissedRunsResult> {
  const tableName = requireName('tableName', options.tableName);
  const group = requireName('group', options.group);
  const graceSeconds = requireNonNegativeInteger('graceSeconds', options.graceSeconds, WatchdogDefaults.graceSeconds);
  const lookbackSeconds = requireNonNegativeInteger('lookbackSeconds', options.lookbackSeconds, WatchdogDefaults.lookbackSeconds, 1);
  const maxSlots = requireNonNegativeInteger('maxSlotsPerJob', options.maxSlotsPerJob, WatchdogDefaults.maxSlotsPerJob, 1);
  const missedTtlDays = requireNonNegativeInteger('missedTtlDays', options.missedTtlDays, WatchdogDefaults.missedTtlDays, 1);
  const concurrency = requireNonNegativeInteger('concurrency', options.concurrency, WatchdogDefaults.concurrency, 1);
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new WatchdogConfigError('checkMissedRuns: now must be a valid Date (got Invalid Date)');
  const { logger, metrics } = options;
  const store = new JobStateStore({ client: options.ddb, tableName });
  const invoker = options.invoker ?? new LambdaContinuationInvoker();

  const listed = await listJobSchedules(options.scheduler, group, {
    ...(options.ownFunctionName ? { ownFunctionName: options.ownFunctionName } : {}),
  });
  const cursors = await store.readCursors();

  const failures: JobCheckFailure[] = [...listed.failures.map((f: ScheduleFailure) => ({ ...f }))];
  // Two schedules feeding one job would share a cursor and each other's runs: check neither.
  const byJob = new Map<string, JobSchedule[]>();
  for (const schedule of listed.schedules) byJob.set(schedule.job, [...(byJob.get(schedule.job) ?? []), schedule]);
  const schedules: JobSchedule[] = [];
  for (const [job, list] of byJob) {
    if (list.length === 1) {
      schedules.push(list[0]);
      continue;
    }
    const names = list.map((s) => `'${s.scheduleName}'`).join(', ');
    for (const s of list) {
      failures.push({
        scheduleName: s.scheduleName,
        job,
        error: new WatchdogConfigError(`job '${job}' is the target of ${list.length} schedules in group '${group}' (${names}); expected one`),
      });
    }
  }

  const deferred: string[] = [];
  const checked = await mapWithConcurrency(schedules, concurrency, async (schedule) => {
    if (options.remainingTimeMs && options.remainingTimeMs() < WatchdogDefaults.reserveMs) {
      deferred.push(schedule.job);
      return undefined;
    }
    try {
      return await checkJob(schedule, cursors.get(schedule.job), {
        store,
        now,
        graceMs: graceSeconds * 1000,
        lookbackMs: lookbackSeconds * 1000,
        maxSlots,
        missedTtlDays,
        invoker,
      });
    } catch (error) {
      failures.push({ scheduleName: schedule.scheduleName, job: schedule.job, error: error instanceof Error ? error : new Error(String(error)) });
      return undefined;
    }
  });
  const jobs = checked.filter((r): r is JobCheckResult => r !== undefined);

  for (const result of jobs) {
    if (metrics) {
      // The contract's single dimension: service = the job (not the watchdog's own service name).
      const single = metrics.singleMetric();
      single.clearDefaultDimensions();
      single.setDefaultDimensions({ [JOB_DIMENSION]: result.job });
      single.addMetric(MetricName.MISSED_RUNS, MetricUnit.Count, result.recorded);
    }
    const log = result.recorded > 0 ? logger?.warn.bind(logger) : logger?.debug.bind(logger);
    log?.(result.recorded > 0 ? 'missed runs recorded' : 'job checked', { ...result });
    if (result.caughtUp && result.caughtUp.length > 0) logger?.info('missed runs caught up', { job: result.job, slots: result.caughtUp });
    if (result.catchUpFailed && result.catchUpFailed.length > 0) {
      logger?.error('missed runs not caught up: the invocation failed', { job: result.job, failed: result.catchUpFailed });
    }
  }
  for (const failure of failures) {
    logger?.error('job not checked', { scheduleName: failure.scheduleName, job: failure.job, error: failure.error });
  }
  if (deferred.length > 0) logger?.warn('jobs deferred to the next run (out of time)', { deferred });

  return { checkedAt: now.toISOString(), group, jobs, failures, ignored: listed.ignored, deferred };
}

interface CheckJobContext {
  readonly store: JobStateStore;
  readonly now: Date;
  readonly graceMs: number;
  readonly lookbackMs: number;
  readonly maxSlots: number;
  readonly missedTtlDays: number;
  readonly invoker: ContinuationInvoker;
}

async function checkJob(schedule: JobSchedule, cursor: Date | undefined, ctx: CheckJobContext): Promise<JobCheckResult> {
  const base = { job: schedule.job, scheduleName: schedule.scheduleName };
  const window = planWindow(schedule, cursor, {
    now: ctx.now,
    graceMs: ctx.graceMs,
    lookbackMs: ctx.lookbackMs,
    activationMarginMs: MINUTE_MS,
  });
  if (!window) {
    return { ...base, expected: 0, missed: [], recorded: 0, truncated: false, ...(cursor ? { checkedUntil: cursor.toISOString() } : {}) };
  }
  const shape = scheduleShape(schedule);
  const range = runsRange(shape, window, ctx.now);
  const runs = await ctx.store.readRuns(schedule.job, range.from, range.to);
  const anchor = shape.kind === 'rate' ? latestRun(runs.scheduled) : undefined;
  const plan = expectedSlots(schedule, shape, window, { runsBetween, maxSlots: ctx.maxSlots, ...(anchor ? { anchor } : {}) });
  const missed = findMissedSlots(plan.slots, runs.scheduled, shape, schedule.flexibleWindowMs);

  const detectedAt = ctx.now.toISOString();
  const expiresAt = epochSeconds(ctx.now.getTime()) + ctx.missedTtlDays * 86_400;
  const written = await mapWithConcurrency(missed, 8, (slot) =>
    ctx.store.recordMissedSlot({
      job: schedule.job,
      slot: slot.toISOString(),
      scheduleName: schedule.scheduleName,
      expression: schedule.expression,
      timeZone: schedule.timeZone,
      detectedAt,
      expiresAt,
    }),
  );
  const recordedNow = missed.filter((_, i) => written[i]);
  const catchUp = await catchUpSlots(schedule, recordedNow, ctx);
  // Only once every missed slot is recorded may the cursor pass them.
  await ctx.store.advanceCursor({
    job: schedule.job,
    scheduleName: schedule.scheduleName,
    checkedUntil: plan.checkedUntil,
    updatedAt: ctx.now,
    expiresAt: epochSeconds(ctx.now.getTime()) + WatchdogDefaults.cursorTtlDays * 86_400,
  });
  return {
    ...base,
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    expected: plan.slots.length,
    missed: missed.map((d) => d.toISOString()),
    recorded: written.filter(Boolean).length,
    checkedUntil: plan.checkedUntil.toISOString(),
    truncated: plan.truncated,
    ...catchUp,
  };
}

/**
 * Runs the slots the job's catch-up policy chooses among those this run recorded first, oldest
 * first, one asynchronous invocation each. A slot recorded by an earlier (or overlapping) run is
 * never chosen, so no slot is caught up twice by the watchdog; a slot run meanwhile is a duplicate
 * for the runtime's claim.
 */
async function catchUpSlots(
  schedule: JobSchedule,
  recordedNow: readonly Date[],
  ctx: CheckJobContext,
): Promise<Pick<JobCheckResult, 'caughtUp' | 'catchUpFailed'>> {
  const target = schedule.catchUp;
  if (!target) return {};
  const chosen = chooseCatchUpSlots(target.policy, recordedNow, ctx.now);
  if (chosen.length === 0) return {};
  const caughtUp: string[] = [];
  const catchUpFailed: { slot: string; error: string }[] = [];
  for (const slot of chosen) {
    try {
      await ctx.invoker.invokeAsync(target.functionArn, catchUpEvent(schedule.job, target, slot));
      caughtUp.push(slot.toISOString());
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      catchUpFailed.push({ slot: slot.toISOString(), error: `${e.name}: ${e.message}` });
    }
  }
  return { caughtUp, ...(catchUpFailed.length > 0 ? { catchUpFailed } : {}) };
}
