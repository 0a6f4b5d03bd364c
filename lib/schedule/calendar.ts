/**
 * Proleptic Gregorian calendar arithmetic on wall-clock fields. A "local ms" value is a wall-clock
 * time encoded as if it were UTC (`Date.UTC(y, m - 1, d, h, mi)`), which makes field arithmetic
 * exact and cheap; time zones are applied separately (see time-zone.ts).
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in `month` (1-12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month];
}

/** Day of week in EventBridge numbering: 1 = Sunday ... 7 = Saturday. */
export function dayOfWeek(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

/** Wall-clock fields of a local ms value. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export function wallClockOf(localMs: number): WallClock {
  const d = new Date(localMs);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

export function localMsOf(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Floor a millisecond value to a multiple of `unit` (correct for negative values too). */
export function floorTo(ms: number, unit: number): number {
  return ms - (((ms % unit) + unit) % unit);
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
