/**
 * Pure planning for the watchdog: which time window of a job's schedule is due for checking, and
 * which slots the schedule should have fired in it. No SDK, no clock: every input is a value.
 */
import { parseSchedule, ScheduleExpressionError, type ParsedSchedule } from '../../lib/schedule';
import type { CatchUpTarget } from '../../lib/contract';
import { WatchdogScheduleError } from './errors';

/** What the watchdog knows about one job's schedule, read from EventBridge Scheduler. */
export interface JobSchedule {
  /** The job's name (the `job` field of the schedule's target input). */
  readonly job: string;
  /** The Scheduler schedule's name. */
  readonly scheduleName: string;
  /** `cron(...)`, `rate(...)` or `at(...)`. */
  readonly expression: string;
  /** IANA zone the expression is evaluated in. */
  readonly timeZone: string;
  /** Length of the flexible time window in milliseconds; 0 when the window is `OFF`. */
  readonly flexibleWindowMs: number;
  /** The schedule's `StartDate`: slots before it are not expected. */
  readonly startDate?: Date;
  /** The schedule's `EndDate`: slots at or after it are not expected. */
  readonly endDate?: Date;
  /**
   * When the schedule took its current form (`LastModificationDate`, else `CreationDate`). Slots
   * before it followed another definition (or none) and are not expected.
   */
  readonly activeSince: Date;
  /** The job's catch-up policy and what running a missed slot needs; absent when the policy is off. */
  readonly catchUp?: CatchUpTarget;
}

/** The shape of an expression the planner needs: rate schedules are matched by period. */
export type ScheduleShape =
  | { readonly kind: 'cron' | 'at' }
  | { readonly kind: 'rate'; readonly periodMs: number };

/**
 * Whether the job's expression is cron, rate (with its period) or at, read by the schedule
 * engine, which also validates the expression and the zone.
 *
 * @throws WatchdogScheduleError naming the schedule and the job, the engine's error as `cause`
 */
export function scheduleShape(schedule: Pick<JobSchedule, 'job' | 'scheduleName' | 'expression' | 'timeZone'>): ScheduleShape {
  let parsed: ParsedSchedule;
  try {
    parsed = parseSchedule(schedule.expression, schedule.timeZone);
  } catch (error) {
    const reason = error instanceof ScheduleExpressionError ? error.message : String(error);
    throw new WatchdogScheduleError(`schedule '${schedule.scheduleName}' (job '${schedule.job}'): ${reason}`, { cause: error });
  }
  return parsed.kind === 'rate' ? { kind: 'rate', periodMs: parsed.periodMs } : { kind: parsed.kind };
}

/** `runsBetween` of `lib/schedule`, injected so the planner stays pure and testable. */
export type RunsBetween = (
  expression: string,
  options: { timeZone?: string; from: Date; to: Date; start?: Date },
) => Date[];

/** A time window of a schedule: slots `t` with `from < t <= to`. */
export interface CheckWindow {
  /** Exclusive lower bound. */
  readonly from: Date;
  /** Inclusive upper bound. */
  readonly to: Date;
}

export interface WindowOptions {
  /** The current time. */
  readonly now: Date;
  /** Allowed lateness after a slot (on top of the schedule's flexible window), in ms. */
  readonly graceMs: number;
  /** How far back a job is ever checked, in ms (bounds the work after a long outage). */
  readonly lookbackMs: number;
  /**
   * How long after `activeSince` a slot must lie to be expected, in ms: Scheduler fires with
   * one-minute precision, so a slot in the minute a schedule was created or changed may not fire.
   */
  readonly activationMarginMs: number;
}

/** One minute in milliseconds. */
export const MINUTE_MS = 60_000;

/**
 * The window of `schedule` that is due for checking now: after the cursor (what earlier runs
 * checked), after the schedule took its current form and after its start date, within the
 * look-back; and ending where a slot's flexible window plus the grace has passed (and before the
 * end date). `undefined` when nothing new is due.
 */
export function planWindow(schedule: JobSchedule, cursor: Date | undefined, options: WindowOptions): CheckWindow | undefined {
  const now = options.now.getTime();
  const lowers = [now - options.lookbackMs, schedule.activeSince.getTime() + options.activationMarginMs];
  if (cursor) lowers.push(cursor.getTime());
  // StartDate is inclusive ("invocations might occur on, or after"), the window's lower bound is not.
  if (schedule.startDate) lowers.push(schedule.startDate.getTime() - 1);
  const uppers = [now - options.graceMs - schedule.flexibleWindowMs];
  // EndDate is exclusive ("before which the schedule can invoke its target").
  if (schedule.endDate) uppers.push(schedule.endDate.getTime() - 1);
  const from = Math.max(...lowers);
  const to = Math.min(...uppers);
  if (to <= from) return undefined;
  return { from: new Date(from), to: new Date(to) };
}

/**
 * Moves a rate schedule's phase anchor by whole periods to the latest instant at or before `from`,
 * so that the rate grid `anchor + k * period` is generated from the window's start.
 */
export function alignAnchor(anchor: Date, from: Date, periodMs: number): Date {
  const periods = Math.ceil((anchor.getTime() - from.getTime()) / periodMs);
  return new Date(anchor.getTime() - periods * periodMs);
}

export interface ExpectedSlotsOptions {
  readonly runsBetween: RunsBetween;
  /**
   * For rate schedules: an instant on the schedule's grid (its phase), e.g. a recent run. Scheduler
   * anchors a rate schedule when it is created or started; a run observed later gives the phase
   * as actually fired.
   */
  readonly anchor?: Date;
  /** At most this many slots are returned; the rest are left for the next run. */
  readonly maxSlots: number;
}

export interface ExpectedSlots {
  /** The slots in the window, oldest first, at most `maxSlots`. */
  readonly slots: readonly Date[];
  /** True when the window held more than `maxSlots` slots. */
  readonly truncated: boolean;
  /** What the cursor may advance to once these slots are settled. */
  readonly checkedUntil: Date;
}

/** The slots `schedule` should have fired in `window`, oldest first. */
export function expectedSlots(
  schedule: JobSchedule,
  shape: ScheduleShape,
  window: CheckWindow,
  options: ExpectedSlotsOptions,
): ExpectedSlots {
  if (!Number.isInteger(options.maxSlots) || options.maxSlots < 1) {
    throw new RangeError(`maxSlots must be a positive integer (got ${options.maxSlots})`);
  }
  const from = window.from.getTime();
  const to = window.to.getTime();
  let start: Date | undefined;
  if (shape.kind === 'rate') {
    start = alignAnchor(options.anchor ?? schedule.startDate ?? schedule.activeSince, window.from, shape.periodMs);
  }
  // Ask for a little more than the window on both sides and cut exactly here, so the result does
  // not depend on whether the engine treats its bounds as inclusive.
  const runs = options.runsBetween(schedule.expression, {
    timeZone: schedule.timeZone,
    from: new Date(from),
    to: new Date(to + 1),
    ...(start ? { start } : {}),
  });
  const inWindow = runs
    .map((d) => d.getTime())
    .filter((t) => t > from && t <= to)
    .sort((a, b) => a - b)
    .filter((t, i, all) => i === 0 || all[i - 1] !== t);
  if (inWindow.length > options.maxSlots) {
    const kept = inWindow.slice(0, options.maxSlots);
    return { slots: kept.map((t) => new Date(t)), truncated: true, checkedUntil: new Date(kept[kept.length - 1]) };
  }
  return { slots: inWindow.map((t) => new Date(t)), truncated: false, checkedUntil: new Date(to) };
}
