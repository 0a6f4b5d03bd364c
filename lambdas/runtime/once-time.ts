/**
 * Wall-clock arithmetic in IANA time zones through `Intl` (no offset tables), for one-time
 * schedules: EventBridge Scheduler's `at(yyyy-mm-ddThh:mm:ss)` is a local wall clock labelled with
 * a zone, while callers think in instants (`Date`) or in "09:00 in the customer's zone".
 */

/** A local date and time, without zone. Months 1-12. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True if `Intl` knows the zone (an IANA name such as `Europe/Paris`, or `UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock an instant shows in `timeZone`. */
export function wallClockAt(instant: Date, timeZone: string): WallClock {
  const parts = formatter(timeZone).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

function wallClockAsUtcMs(w: WallClock): number {
  const ms = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  // Date.UTC maps years 0-99 to 1900-1999; set the year explicitly.
  const d = new Date(ms);
  d.setUTCFullYear(w.year);
  return d.getTime();
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive). */
function offsetMs(instantMs: number, timeZone: string): number {
  const instant = new Date(Math.floor(instantMs / 1000) * 1000);
  return wallClockAsUtcMs(wallClockAt(instant, timeZone)) - instant.getTime();
}

/**
 * The instant at which `timeZone` shows the wall clock `w`.
 * A wall clock that happens twice (the fall-back hour) resolves to its first occurrence, as
 * EventBridge Scheduler does; one that does not exist (the spring-forward gap) resolves to the
 * instant the same distance after the gap's start (02:30 in a 02:00→03:00 gap gives 03:30).
 */
export function instantOfWallClock(w: WallClock, timeZone: string): Date {
  const asUtc = wallClockAsUtcMs(w);
  // The offsets around the wall clock: at most two distinct ones near a transition.
  const before = offsetMs(asUtc - 36 * 3600_000, timeZone);
  const after = offsetMs(asUtc + 36 * 3600_000, timeZone);
  const candidates = [...new Set([before, after, offsetMs(asUtc, timeZone)])]
    .map((offset) => asUtc - offset)
    .filter((t) => wallClockAsUtcMs(wallClockAt(new Date(t), timeZone)) === asUtc)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return new Date(candidates[0]!);
  // In a gap: the wall clock read with the offset in force before the transition.
  return new Date(asUtc - before);
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
