/**
 * Wall-clock arithmetic in IANA time zones for one-time schedules: EventBridge Scheduler's
 * `at(yyyy-mm-ddThh:mm:ss)` is a local wall clock labelled with a zone, while callers think in
 * instants (`Date`) or in "09:00 in the customer's zone". The zone math is the schedule engine's
 * (`lib/schedule`, through `Intl`), so one-time and recurring schedules agree on every offset.
 */
import { firstInstantOfLocal, localMsOf, validateTimeZone, wallClockOf, zoneOffsetMs, type WallClock } from '../../lib/schedule';

export type { WallClock };

const HOUR_MS = 3_600_000;

/** True if `Intl` knows the zone (an IANA name such as `Europe/Paris`, or `UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    validateTimeZone(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock an instant shows in `timeZone` (to the second). */
export function wallClockAt(instant: Date, timeZone: string): WallClock {
  const utcMs = Math.floor(instant.getTime() / 1000) * 1000;
  return wallClockOf(utcMs + zoneOffsetMs(timeZone, utcMs));
}

/**
 * The instant at which `timeZone` shows the wall clock `w`.
 * A wall clock that happens twice (the fall-back hour) resolves to its first occurrence, as
 * EventBridge Scheduler does; one that does not exist (the spring-forward gap) resolves to the
 * instant the same distance after the gap's start (02:30 in a 02:00→03:00 gap gives 03:30).
 */
export function instantOfWallClock(w: WallClock, timeZone: string): Date {
  const local = localMsOf(w.year, w.month, w.day, w.hour, w.minute, w.second);
  const first = firstInstantOfLocal(timeZone, local);
  if (first !== undefined) return new Date(first);
  // In a gap: the wall clock read with the offset in force before the transition.
  return new Date(local - zoneOffsetMs(timeZone, local - 36 * HOUR_MS));
}

/** `yyyy-mm-ddThh:mm:ss`, the form `at()` expressions take. */
export function formatWallClock(w: WallClock): string {
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}`;
}

/** Adds whole days to a calendar date (wall clock), keeping the time of day. */
export function addDays(w: WallClock, days: number): WallClock {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return { ...w, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
