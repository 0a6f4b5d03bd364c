/**
 * Whether a wall-clock time matches a parsed cron: the day rules (`L`, `L-n`, `LW`, `nW`, `nL`,
 * `d#n`) and the plain fields.
 */
import { daysInMonth, dayOfWeek, wallClockOf } from './calendar';
import type { ParsedCronSchedule } from './parsed-schedule';
import { utcToLocalMs } from './time-zone';

const SATURDAY = 7;
const SUNDAY = 1;

/**
 * Whether `day` of a month with `dim` days, whose 1st falls on `firstDow` (1 = SUN), is selected by
 * the day-of-month and day-of-week fields.
 */
export function dayMatchesInMonth(schedule: ParsedCronSchedule, dim: number, firstDow: number, day: number): boolean {
  const dowOf = (d: number): number => ((firstDow - 1 + d - 1) % 7) + 1;
  const dom = schedule.dayOfMonth;
  switch (dom.type) {
    case 'days':
      return dom.days.includes(day);
    case 'last':
      return day === dim - dom.offset;
    case 'lastWeekday': {
      const lastDow = dowOf(dim);
      const target = lastDow === SATURDAY ? dim - 1 : lastDow === SUNDAY ? dim - 2 : dim;
      return day === target;
    }
    case 'nearestWeekday': {
      const n = dom.day;
      if (n > dim) return false;
      const nDow = dowOf(n);
      let target = n;
      if (nDow === SATURDAY) target = n === 1 ? 3 : n - 1;
      else if (nDow === SUNDAY) target = n === dim ? n - 2 : n + 1;
      return day === target;
    }
    case 'unspecified':
      break;
  }
  const dow = schedule.dayOfWeek;
  switch (dow.type) {
    case 'days':
      return dow.days.includes(dowOf(day));
    case 'last':
      return dowOf(day) === dow.day && day + 7 > dim;
    case 'nth':
      return dowOf(day) === dow.day && Math.floor((day - 1) / 7) + 1 === dow.nth;
    case 'unspecified':
      return false;
  }
}

/** Bit d (1-31) is set when day d of `month`/`year` matches the day fields. */
export function monthDayMask(schedule: ParsedCronSchedule, year: number, month: number): number {
  const dim = daysInMonth(year, month);
  const firstDow = dayOfWeek(year, month, 1);
  let mask = 0;
  for (let day = 1; day <= dim; day++) {
    if (dayMatchesInMonth(schedule, dim, firstDow, day)) mask |= 1 << day;
  }
  return mask;
}

/** Whether the wall-clock date (year, month 1-12, day) matches the day fields. */
export function dayMatches(schedule: ParsedCronSchedule, year: number, month: number, day: number): boolean {
  return dayMatchesInMonth(schedule, daysInMonth(year, month), dayOfWeek(year, month, 1), day);
}

/**
 * Whether the wall clock of `date` in the schedule's zone matches every cron field, at minute
 * precision (seconds are ignored). It does not apply the daylight-saving rules: during a
 * fall-back hour both instants showing a matching wall clock match, although the schedule fires
 * only at the first (see `nextRuns`).
 */
export function matchesCron(schedule: ParsedCronSchedule, date: Date): boolean {
  const local = wallClockOf(utcToLocalMs(schedule.timeZone, date.getTime()));
  return (
    schedule.years.includes(local.year) &&
    schedule.months.includes(local.month) &&
    schedule.hours.includes(local.hour) &&
    schedule.minutes.includes(local.minute) &&
    dayMatches(schedule, local.year, local.month, local.day)
  );
}
