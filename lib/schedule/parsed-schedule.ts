/**
 * The parsed form of a schedule expression: a discriminated union on `kind`.
 */
import type { WallClock } from './calendar';

/** The six cron fields as written (after splitting on whitespace). */
export interface CronFieldText {
  readonly minutes: string;
  readonly hours: string;
  readonly dayOfMonth: string;
  readonly month: string;
  readonly dayOfWeek: string;
  readonly year: string;
}

/** What the day-of-month field selects. */
export type DayOfMonthRule =
  /** `?`: the day-of-week field decides. */
  | { readonly type: 'unspecified' }
  /** Explicit days 1-31 (`*`, lists, ranges, steps); a day a month lacks never fires. */
  | { readonly type: 'days'; readonly days: readonly number[] }
  /** `L` (offset 0) or `L-n`: the last day of the month, or n days before it. */
  | { readonly type: 'last'; readonly offset: number }
  /** `LW`: the last weekday (Monday-Friday) of the month. */
  | { readonly type: 'lastWeekday' }
  /** `nW`: the weekday nearest day n, never crossing into another month. */
  | { readonly type: 'nearestWeekday'; readonly day: number };

/** What the day-of-week field selects; days are numbered 1 = Sunday ... 7 = Saturday. */
export type DayOfWeekRule =
  /** `?`: the day-of-month field decides. */
  | { readonly type: 'unspecified' }
  /** Explicit days of the week (`*`, lists, ranges, `L` alone = Saturday). */
  | { readonly type: 'days'; readonly days: readonly number[] }
  /** `nL`: the last such day of the month (`5L` = last Thursday). */
  | { readonly type: 'last'; readonly day: number }
  /** `d#n`: the n-th (1-5) such day of the month (`3#2` = second Tuesday). */
  | { readonly type: 'nth'; readonly day: number; readonly nth: number };

export interface ParsedCronSchedule {
  readonly kind: 'cron';
  /** The expression as given, e.g. `cron(0 9 ? * MON-FRI *)`. */
  readonly expression: string;
  /** IANA zone the wall-clock fields are read in. */
  readonly timeZone: string;
  readonly fields: CronFieldText;
  /** Sorted minutes 0-59. */
  readonly minutes: readonly number[];
  /** Sorted hours 0-23. */
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonthRule;
  /** Sorted months 1-12. */
  readonly months: readonly number[];
  readonly dayOfWeek: DayOfWeekRule;
  /** Sorted years 1970-2199. */
  readonly years: readonly number[];
}

export type RateUnit = 'minute' | 'hour' | 'day';

export interface ParsedRateSchedule {
  readonly kind: 'rate';
  readonly expression: string;
  /** Validated, but a rate is elapsed time and ignores it. */
  readonly timeZone: string;
  /** Positive integer. */
  readonly value: number;
  /** Unit, in the singular whatever was written. */
  readonly unit: RateUnit;
  /** `value` units in milliseconds (a day is 24 elapsed hours). */
  readonly periodMs: number;
}

/** An `at()` schedule: its wall clock (`year`..`second`), as written, in `timeZone`. */
export interface ParsedAtSchedule extends WallClock {
  readonly kind: 'at';
  readonly expression: string;
  readonly timeZone: string;
  /** The wall clock as written, `yyyy-mm-ddThh:mm:ss`. */
  readonly localDateTime: string;
  /** The instant it fires: the wall clock in `timeZone` (its first occurrence if the wall clock occurs twice). */
  readonly instant: Date;
}

export type ParsedSchedule = ParsedCronSchedule | ParsedRateSchedule | ParsedAtSchedule;
