/**
 * `describeSchedule`: a schedule in plain English for the CLI and the dashboard, e.g.
 * `at 02:00 on Sunday (Europe/London)`, `every 5 minutes`, `once at 2027-03-01 09:00 (Europe/Paris)`.
 */
import { pad2 } from './calendar';
import { MAX_YEAR, MIN_YEAR } from './cron-parser';
import { parseSchedule } from './parse-schedule';
import type { ParsedAtSchedule, ParsedCronSchedule, ParsedRateSchedule } from './parsed-schedule';

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

/** `a`, `a and b`, `a, b and c`. */
function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Groups sorted values into runs of consecutive values: [1,2,3,5] -> [[1,3],[5,5]]. */
function runsOf(values: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const v of values) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === v - 1) last[1] = v;
    else runs.push([v, v]);
  }
  return runs;
}

/** Runs of three or more become `a-b` (via `range`), shorter runs stay single values. */
function compress(values: readonly number[], single: (v: number) => string, range: (a: number, b: number) => string): string[] {
  const out: string[] = [];
  for (const [a, b] of runsOf(values)) {
    if (b - a >= 2) out.push(range(a, b));
    else for (let v = a; v <= b; v++) out.push(single(v));
  }
  return out;
}

function isAll(values: readonly number[], min: number, max: number): boolean {
  return values.length === max - min + 1;
}

/** The step s when the values are exactly min, min+s, min+2s, ... up to max (s >= 2). */
function stepFromStart(values: readonly number[], min: number, max: number): number | undefined {
  if (values.length < 2 || values[0] !== min) return undefined;
  const step = values[1] - values[0];
  for (let i = 1; i < values.length; i++) if (values[i] - values[i - 1] !== step) return undefined;
  return values[values.length - 1] + step > max ? step : undefined;
}

function describeTime(s: ParsedCronSchedule): string {
  const { minutes, hours } = s;
  const allHours = isAll(hours, 0, 23);
  const hourList = (): string => joinList(compress(hours, (h) => pad2(h), (a, b) => `${pad2(a)}-${pad2(b)}`));
  if (minutes.length === 1) {
    const m = minutes[0];
    if (allHours) return `at minute ${m} of every hour`;
    const hourStep = stepFromStart(hours, 0, 23);
    if (hourStep !== undefined) return `every ${hourStep} hours at minute ${m}`;
    if (hours.length <= 6) return `at ${joinList(hours.map((h) => `${pad2(h)}:${pad2(m)}`))}`;
    return `at minute ${m} of hours ${hourList()}`;
  }
  const step = stepFromStart(minutes, 0, 59);
  const every = isAll(minutes, 0, 59) ? 'every minute' : step !== undefined ? `every ${step} minutes` : undefined;
  if (every === undefined) {
    const list = joinList(compress(minutes, String, (a, b) => `${a}-${b}`));
    return allHours ? `at minutes ${list} of every hour` : `at minutes ${list} of hours ${hourList()}`;
  }
  if (allHours) return every;
  const first = pad2(minutes[0]);
  const last = pad2(minutes[minutes.length - 1]);
  const spans = runsOf(hours).map(([a, b]) => `from ${pad2(a)}:${first} to ${pad2(b)}:${last}`);
  return `${every} ${joinList(spans)}`;
}

/** The day qualifier, or '' when the schedule runs every day. */
function describeDays(s: ParsedCronSchedule): string {
  const dom = s.dayOfMonth;
  switch (dom.type) {
    case 'days': {
      if (isAll(dom.days, 1, 31)) return '';
      const list = joinList(compress(dom.days, String, (a, b) => `${a}-${b}`));
      return `on ${dom.days.length === 1 ? 'day' : 'days'} ${list} of the month`;
    }
    case 'last':
      return dom.offset === 0 ? 'on the last day of the month' : `on the last day of the month minus ${dom.offset} ${dom.offset === 1 ? 'day' : 'days'}`;
    case 'lastWeekday':
      return 'on the last weekday of the month';
    case 'nearestWeekday':
      return `on the weekday nearest day ${dom.day} of the month`;
    case 'unspecified':
      break;
  }
  const dow = s.dayOfWeek;
  switch (dow.type) {
    case 'days':
      if (isAll(dow.days, 1, 7)) return '';
      return `on ${joinList(compress(dow.days, (d) => DAY_NAMES[d - 1], (a, b) => `${DAY_NAMES[a - 1]} to ${DAY_NAMES[b - 1]}`))}`;
    case 'last':
      return `on the last ${DAY_NAMES[dow.day - 1]} of the month`;
    case 'nth':
      return `on the ${ORDINALS[dow.nth - 1]} ${DAY_NAMES[dow.day - 1]} of the month`;
    case 'unspecified':
      return '';
  }
}

function describeCron(s: ParsedCronSchedule): string {
  const parts = [describeTime(s)];
  const days = describeDays(s);
  if (days !== '') parts.push(days);
  else if (parts[0].startsWith('at ') && !parts[0].includes('every hour')) parts.push('every day');
  const monthsAll = isAll(s.months, 1, 12);
  const yearsAll = isAll(s.years, MIN_YEAR, MAX_YEAR);
  if (!monthsAll) {
    parts.push(`in ${joinList(compress(s.months, (m) => MONTH_NAMES[m - 1], (a, b) => `${MONTH_NAMES[a - 1]} to ${MONTH_NAMES[b - 1]}`))}`);
  }
  if (!yearsAll) {
    parts.push(`${monthsAll ? 'in' : 'of'} ${joinList(compress(s.years, String, (a, b) => `${a}-${b}`))}`);
  }
  return `${parts.join(' ')} (${s.timeZone})`;
}

function describeRate(s: ParsedRateSchedule): string {
  return s.value === 1 ? `every ${s.unit}` : `every ${s.value} ${s.unit}s`;
}

function describeAt(s: ParsedAtSchedule): string {
  const time = `${pad2(s.hour)}:${pad2(s.minute)}${s.second === 0 ? '' : `:${pad2(s.second)}`}`;
  return `once at ${s.localDateTime.slice(0, 10)} ${time} (${s.timeZone})`;
}

/**
 * The schedule in plain English. Cron and `at` name their zone; a rate is elapsed time and does not.
 *
 * @throws ScheduleExpressionError for an invalid expression or zone.
 */
export function describeSchedule(expression: string, timeZone = 'UTC'): string {
  const parsed = parseSchedule(expression, timeZone);
  switch (parsed.kind) {
    case 'cron':
      return describeCron(parsed);
    case 'rate':
      return describeRate(parsed);
    case 'at':
      return describeAt(parsed);
  }
}
