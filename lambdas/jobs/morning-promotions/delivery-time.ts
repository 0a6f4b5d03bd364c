/**
 * When each recipient's morning promotion is due, in the recipient's own zone. Pure.
 *
 * A recipient item carries `nextSendAt`, the UTC instant of its next local send time (08:00 by
 * default). It is always computed from a local *date*: the send time on that date, converted with
 * the schedule engine's zone math. Never by adding 24 hours, which is wrong twice a year in every
 * zone with daylight saving time (Berlin, 27 March 2027 08:00 CET = 07:00Z; plus 24 h is 07:00Z on
 * the 28th, 09:00 CEST; the right instant is 06:00Z).
 *
 * Dates are `YYYY-MM-DD` strings: they compare as strings in calendar order, which the claim's
 * condition (`lastSentLocalDate < :localDate`) relies on.
 */
import { addDays, instantOfWallClock, wallClockAt } from '../../runtime/once-time';
import { ScheduledJobsError } from '../../runtime';

/** A time of day on the recipient's clock. */
export interface LocalTime {
  readonly hour: number;
  readonly minute: number;
}

/** 08:00, the promotion's local send time. */
export const MORNING: LocalTime = { hour: 8, minute: 0 };

/** A date or a local time is not what the job expects. */
export class PromotionTimeError extends ScheduledJobsError {}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The calendar date `instant` (epoch ms) falls on in `timeZone`, as `YYYY-MM-DD`. */
export function localDateOf(instant: number, timeZone: string): string {
  const w = wallClockAt(new Date(instant), timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

function parseDate(date: string): { year: number; month: number; day: number } {
  const m = DATE.exec(date);
  if (!m) throw new PromotionTimeError(`morning-promotions: a local date must be YYYY-MM-DD (got ${JSON.stringify(date)})`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** `date` plus `days` calendar days. */
export function addLocalDays(date: string, days: number): string {
  const next = addDays({ ...parseDate(date), hour: 0, minute: 0, second: 0 }, days);
  return `${pad(next.year, 4)}-${pad(next.month)}-${pad(next.day)}`;
}

/**
 * The UTC instant (epoch ms) at which `timeZone` shows `time` on `date`. A time repeated by a
 * fall-back change resolves to its first occurrence, a time skipped by a spring-forward change to
 * the instant as far after the gap's start (as EventBridge Scheduler's `at()` does); 08:00 is
 * neither in any zone today, since every change happens between 00:00 and 04:00 local.
 */
export function sendInstantOn(date: string, timeZone: string, time: LocalTime = MORNING): number {
  return instantOfWallClock({ ...parseDate(date), hour: time.hour, minute: time.minute, second: 0 }, timeZone).getTime();
}

/** The first local send time strictly after `instant`. */
export function nextSendAfter(instant: number, timeZone: string, time: LocalTime = MORNING): number {
  const today = localDateOf(instant, timeZone);
  const candidate = sendInstantOn(today, timeZone, time);
  return candidate > instant ? candidate : sendInstantOn(addLocalDays(today, 1), timeZone, time);
}

/** What a run does with one recipient found due. */
export type DeliveryPlan =
  /** Not due at this slot (the index read was stale, or another run moved it on). */
  | { readonly action: 'not-due' }
  /** Send the promotion of `localDate`, and move `nextSendAt` to `next` (the next local day's send time). */
  | { readonly action: 'send'; readonly localDate: string; readonly next: number }
  /**
   * Due so long ago that the morning is over (the job was off, or runs failed for hours): send
   * nothing for `localDate` and move `nextSendAt` to the next send time after now.
   */
  | { readonly action: 'expired'; readonly localDate: string; readonly next: number };

export interface PlanOptions {
  /** The run's slot (epoch ms): recipients with `nextSendAt <= slot` are due. */
  readonly slot: number;
  /** The clock now (epoch ms); differs from the slot on a retry or a redrive. */
  readonly now: number;
  /** How late a promotion may still go out. */
  readonly maxLatenessMs: number;
  /** @default MORNING */
  readonly time?: LocalTime;
}

/**
 * The plan for a recipient whose next send instant is `nextSendAt` (epoch ms) in `timeZone`. The
 * promotion's local date is the date of `nextSendAt` on the recipient's clock, so a retry, a redrive
 * or an overlapping run computes the same date and the claim (one per local date) decides.
 */
export function planDelivery(nextSendAt: number, timeZone: string, options: PlanOptions): DeliveryPlan {
  if (nextSendAt > options.slot) return { action: 'not-due' };
  const time = options.time ?? MORNING;
  const localDate = localDateOf(nextSendAt, timeZone);
  if (options.now - nextSendAt > options.maxLatenessMs) {
    return { action: 'expired', localDate, next: nextSendAfter(Math.max(options.now, nextSendAt), timeZone, time) };
  }
  return { action: 'send', localDate, next: sendInstantOn(addLocalDays(localDate, 1), timeZone, time) };
}
