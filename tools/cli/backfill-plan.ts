/**
 * Past slots for `cdk-jobs run --slot` and `cdk-jobs backfill`: reading the instants given on the
 * command line, checking that an instant is a slot of the job's schedule (through the schedule
 * engine), listing the slots of a window, and planning a backfill (the window's slots minus those
 * that already SUCCEEDED). Pure: the clock and the recorded statuses are arguments; every error is a
 * {@link CliUsageError} naming the job, the flag, what was expected and what came.
 */
import type { JobEvent } from '../../lib/contract';
import { parseSchedule, runsBetween } from '../../lib/schedule';
import { parseInstant } from '../../lambdas/runtime/event';
import { CliUsageError } from './errors';
import { scheduleStart, type JobInfo, type JobSchedule } from './job-catalog';

/** The longest backfill window, in days. */
export const MAX_BACKFILL_DAYS = 366;
/** The most slots one backfill runs through. */
export const MAX_BACKFILL_SLOTS = 10_000;

const DAY_MS = 86_400_000;
/** How far back the previous slot is looked for, widening until one is found. */
const LOOKBACK_MS = [3_600_000, DAY_MS, 32 * DAY_MS, MAX_BACKFILL_DAYS * DAY_MS];
const ISO_EXAMPLE = "'2026-11-03T01:30:00Z'";

function shown(text: string): string {
  return `'${text.length > 60 ? `${text.slice(0, 57)}...` : text}'`;
}

/** An instant flag (`--slot`, `--from`, `--to`): an ISO-8601 instant with an offset, not after `now`. */
export function parsePastInstant(job: string, flag: string, text: string, now: Date): Date {
  const instant = parseInstant(text.trim());
  if (!instant) throw new CliUsageError(`job '${job}': ${flag}: expected an ISO-8601 instant such as ${ISO_EXAMPLE}, got ${shown(text)}`);
  if (instant.getTime() > now.getTime()) {
    throw new CliUsageError(`job '${job}': ${flag}: expected an instant that is not in the future (now is ${now.toISOString()}), got ${instant.toISOString()}`);
  }
  return instant;
}

/** The job's recurring schedule (`cron()` or `rate()`), or undefined when it has none (a one-time job, an `at()` schedule). */
export function recurringSchedule(job: JobInfo): JobSchedule | undefined {
  const s = job.schedule;
  if (!s) return undefined;
  return parseSchedule(s.expression, s.timeZone).kind === 'at' ? undefined : s;
}

/** The schedule's slots in `[from, to)`, oldest first, bounded by its start and end dates. */
export function slotsOf(schedule: JobSchedule, from: Date, to: Date): Date[] {
  const start = scheduleStart(schedule);
  const slots = runsBetween(schedule.expression, {
    timeZone: schedule.timeZone,
    from: new Date(from.getTime() - 1),
    to: new Date(to.getTime() - 1),
    ...(start ? { start } : {}),
  });
  return schedule.endDate ? slots.filter((s) => s.getTime() <= schedule.endDate!.getTime()) : slots;
}

/** The schedule's nearest slots strictly before and strictly after `instant` (either may be absent). */
export function nearestSlots(schedule: JobSchedule, instant: Date): { readonly before?: Date; readonly after?: Date } {
  let before: Date | undefined;
  for (const lookback of LOOKBACK_MS) {
    const earlier = slotsOf(schedule, new Date(instant.getTime() - lookback), instant);
    if (earlier.length > 0) {
      before = earlier[earlier.length - 1];
      break;
    }
  }
  let after: Date | undefined;
  for (const lookahead of LOOKBACK_MS) {
    const later = slotsOf(schedule, new Date(instant.getTime() + 1), new Date(instant.getTime() + 1 + lookahead));
    if (later.length > 0) {
      after = later[0];
      break;
    }
  }
  return { ...(before ? { before } : {}), ...(after ? { after } : {}) };
}

/**
 * Checks that `slot` is one of the instants the job's recurring schedule fires at; a job without one
 * (a one-time job) takes any instant.
 */
export function checkSlot(job: JobInfo, slot: Date): void {
  const schedule = recurringSchedule(job);
  if (!schedule) return;
  if (slotsOf(schedule, slot, new Date(slot.getTime() + 1)).length === 1) return;
  const { before, after } = nearestSlots(schedule, slot);
  const nearest = [before ? `${before.toISOString()} (before)` : undefined, after ? `${after.toISOString()} (after)` : undefined]
    .filter((n): n is string => n !== undefined)
    .join(' and ');
  throw new CliUsageError(
    `job '${job.name}': --slot: expected an instant at which ${schedule.expression} in ${schedule.timeZone} fires, got ${slot.toISOString()}` +
      (nearest ? `; the nearest slots are ${nearest}` : '; the schedule has no slot within a year of it'),
  );
}

/**
 * The event that runs `slot` of `job` by hand: a manual run (it runs even when the job is paused)
 * whose slot is the given scheduled time, not the moment it is received.
 */
export function slotEvent(job: string, slot: Date, payload: unknown): JobEvent {
  return { job, manual: true, scheduledTime: slot.toISOString(), payload };
}

/** The window of a backfill, checked: `from < to`, at most {@link MAX_BACKFILL_DAYS} days and {@link MAX_BACKFILL_SLOTS} slots. */
export function backfillSlots(job: JobInfo, from: Date, to: Date): Date[] {
  const schedule = recurringSchedule(job);
  if (!schedule) {
    throw new CliUsageError(
      `job '${job.name}': backfill: expected a job with a cron() or rate() schedule, got ${job.schedule ? job.schedule.expression : 'a one-time job (no recurring schedule)'}; ` +
        `run one instant with 'cdk-jobs run ${job.name} --slot <instant>'`,
    );
  }
  if (from.getTime() >= to.getTime()) {
    throw new CliUsageError(`job '${job.name}': --to: expected an instant after --from (${from.toISOString()}), got ${to.toISOString()}`);
  }
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days > MAX_BACKFILL_DAYS) {
    throw new CliUsageError(
      `job '${job.name}': --from/--to: expected a window of at most ${MAX_BACKFILL_DAYS} days, got ${Math.ceil(days)} days (${from.toISOString()} to ${to.toISOString()})`,
    );
  }
  const slots = slotsOf(schedule, from, to);
  if (slots.length > MAX_BACKFILL_SLOTS) {
    throw new CliUsageError(
      `job '${job.name}': --from/--to: expected a window of at most ${MAX_BACKFILL_SLOTS} slots, got ${slots.length} slots of ${schedule.expression} (${from.toISOString()} to ${to.toISOString()}); split it into smaller windows`,
    );
  }
  return slots;
}

/** A slot to run, with the status its run record had (none: never recorded, or missed). */
export interface PlannedSlot {
  readonly slot: Date;
  readonly previous?: string;
}

/** What a backfill runs: the slots not yet SUCCEEDED, oldest first, and those already done. */
export interface BackfillPlan {
  readonly toRun: readonly PlannedSlot[];
  readonly alreadySucceeded: readonly Date[];
}

/** The slots minus those whose run record SUCCEEDED (`statuses`: status by slot ISO string). Pure. */
export function planBackfill(slots: readonly Date[], statuses: ReadonlyMap<string, string>): BackfillPlan {
  const toRun: PlannedSlot[] = [];
  const alreadySucceeded: Date[] = [];
  for (const slot of [...slots].sort((a, b) => a.getTime() - b.getTime())) {
    const previous = statuses.get(slot.toISOString());
    if (previous === 'SUCCEEDED') alreadySucceeded.push(slot);
    else toRun.push({ slot, ...(previous !== undefined ? { previous } : {}) });
  }
  return { toRun, alreadySucceeded };
}
