/**
 * Next fire times of a cron schedule, found by jumping field by field (year, month, day, hour,
 * minute) through lookup tables in local wall-clock time, then mapping each matching wall clock to
 * the instant EventBridge Scheduler fires it:
 * - a wall clock that does not exist (spring-forward gap) is skipped;
 * - a wall clock that occurs twice (fall-back overlap) fires once, at its first occurrence.
 * Because the first occurrence of a later wall clock is always later, walking wall clocks in order
 * yields instants in order.
 */
import { daysInMonth, floorTo, localMsOf, MINUTE_MS, wallClockOf } from './calendar';
import { MAX_YEAR, MIN_YEAR } from './cron-parser';
import { monthDayMask } from './cron-match';
import type { ParsedCronSchedule } from './parsed-schedule';
import { firstInstantOfLocal, utcToLocalMs } from './time-zone';

const EARLIEST_PROBE = Date.UTC(MIN_YEAR - 1, 11, 31);
const LATEST_PROBE = Date.UTC(MAX_YEAR + 1, 0, 2);

/** `table[v]` = the smallest selected value >= v, or -1. */
function nextTable(values: readonly number[], min: number, max: number): Int16Array {
  const table = new Int16Array(max - min + 2).fill(-1);
  let next = -1;
  const selected = new Set(values);
  for (let v = max; v >= min; v--) {
    if (selected.has(v)) next = v;
    table[v - min] = next;
  }
  return table;
}

/** Lookup tables for one parsed cron; built once and cached by the caller. */
export interface CompiledCron {
  readonly schedule: ParsedCronSchedule;
  readonly minute: Int16Array;
  readonly hour: Int16Array;
  readonly month: Int16Array;
  readonly year: Int16Array;
}

export function compileCron(schedule: ParsedCronSchedule): CompiledCron {
  return {
    schedule,
    minute: nextTable(schedule.minutes, 0, 59),
    hour: nextTable(schedule.hours, 0, 23),
    month: nextTable(schedule.months, 1, 12),
    year: nextTable(schedule.years, MIN_YEAR, MAX_YEAR),
  };
}

/** Index of the lowest set bit of a non-zero 32-bit value. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Iterates the fire instants of a cron strictly after `afterMs` (epoch ms), in order.
 * Each call to `next()` returns the next instant or `undefined` when the year field is exhausted.
 */
export class CronCursor {
  private y: number;
  private mo: number;
  private d: number;
  private h: number;
  private mi: number;
  private threshold: number;
  private maskKey = -1;
  private mask = 0;
  private done = false;

  constructor(
    private readonly compiled: CompiledCron,
    afterMs: number,
  ) {
    const tz = compiled.schedule.timeZone;
    // Cron years are 1970-2199: read the zone only within a day of that range (Intl years far
    // outside it are not worth formatting), the threshold keeps the real `afterMs`.
    const probe = Math.min(Math.max(afterMs, EARLIEST_PROBE), LATEST_PROBE);
    // Every wall clock earlier than the wall clock of `probe` occurred before it (or never).
    const local = wallClockOf(floorTo(utcToLocalMs(tz, probe), MINUTE_MS));
    this.y = local.year;
    this.mo = local.month;
    this.d = local.day;
    this.h = local.hour;
    this.mi = local.minute;
    this.threshold = afterMs;
    if (this.y < MIN_YEAR) {
      this.y = MIN_YEAR;
      this.mo = 1;
      this.d = 1;
      this.h = 0;
      this.mi = 0;
    }
  }

  next(): number | undefined {
    const tz = this.compiled.schedule.timeZone;
    while (!this.done) {
      if (!this.advanceToMatch()) {
        this.done = true;
        break;
      }
      const instant = firstInstantOfLocal(tz, localMsOf(this.y, this.mo, this.d, this.h, this.mi));
      this.mi++;
      if (instant !== undefined && instant > this.threshold) {
        this.threshold = instant;
        return instant;
      }
    }
    return undefined;
  }

  /** Moves the wall-clock fields to the smallest matching wall clock >= them; false when none is left. */
  private advanceToMatch(): boolean {
    const { minute, hour, month, year, schedule } = this.compiled;
    for (;;) {
      if (this.y > MAX_YEAR) return false;
      const ny = year[this.y - MIN_YEAR];
      if (ny < 0) return false;
      if (ny !== this.y) {
        this.y = ny;
        this.resetFrom('month');
      }
      if (this.mo > 12) {
        this.y++;
        this.resetFrom('month');
        continue;
      }
      const nmo = month[this.mo - 1];
      if (nmo < 0) {
        this.y++;
        this.resetFrom('month');
        continue;
      }
      if (nmo !== this.mo) {
        this.mo = nmo;
        this.resetFrom('day');
      }
      const key = this.y * 16 + this.mo;
      if (key !== this.maskKey) {
        this.maskKey = key;
        this.mask = monthDayMask(schedule, this.y, this.mo);
      }
      const rest = this.d > daysInMonth(this.y, this.mo) ? 0 : this.mask >>> this.d;
      if (rest === 0) {
        this.mo++;
        this.resetFrom('day');
        continue;
      }
      const nd = this.d + lowestBit(rest);
      if (nd !== this.d) {
        this.d = nd;
        this.resetFrom('hour');
      }
      const nh = this.h > 23 ? -1 : hour[this.h];
      if (nh < 0) {
        this.d++;
        this.resetFrom('hour');
        continue;
      }
      if (nh !== this.h) {
        this.h = nh;
        this.mi = 0;
      }
      const nmi = this.mi > 59 ? -1 : minute[this.mi];
      if (nmi < 0) {
        this.h++;
        this.mi = 0;
        continue;
      }
      this.mi = nmi;
      return true;
    }
  }

  private resetFrom(field: 'month' | 'day' | 'hour'): void {
    if (field === 'month') this.mo = 1;
    if (field !== 'hour') this.d = 1;
    this.h = 0;
    this.mi = 0;
  }
}
