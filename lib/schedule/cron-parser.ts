/**
 * Parses the six fields of an EventBridge Scheduler `cron(...)` expression:
 * `minutes hours day-of-month month day-of-week year`.
 *
 * Accepted syntax (anything else is rejected with a message naming the field):
 * - minutes 0-59, hours 0-23, month 1-12 or JAN-DEC, year 1970-2199: `*`, `n`, `a-b`, lists,
 *   steps `*\/s`, `n/s`, `a-b/s`;
 * - day-of-month 1-31: the same, or alone `?`, `L`, `L-n` (n 1-30), `LW`, `nW`;
 * - day-of-week 1-7 or SUN-SAT (1 = SUN): `*`, `n`, `a-b`, lists (no steps), or alone `?`, `L`
 *   (Saturday), `nL` (last such day of the month), `n#k` (k-th such day, k 1-5);
 * - exactly one of day-of-month and day-of-week is `?`.
 */
import { ScheduleExpressionError } from './errors';
import type { CronFieldText, DayOfMonthRule, DayOfWeekRule, ParsedCronSchedule } from './parsed-schedule';

export const MIN_YEAR = 1970;
export const MAX_YEAR = 2199;

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  /** Name used in messages. */
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names for values min, min+1, ... (month and day-of-week). */
  readonly names?: readonly string[];
  readonly steps: boolean;
  readonly expected: string;
}

const MINUTES: FieldSpec = { label: 'minutes', min: 0, max: 59, steps: true, expected: 'a value 0-59' };
const HOURS: FieldSpec = { label: 'hours', min: 0, max: 23, steps: true, expected: 'a value 0-23' };
const DAY_OF_MONTH: FieldSpec = { label: 'day-of-month', min: 1, max: 31, steps: true, expected: 'a value 1-31' };
const MONTH: FieldSpec = {
  label: 'month', min: 1, max: 12, names: MONTH_NAMES, steps: true, expected: 'a value 1-12 or JAN-DEC',
};
const DAY_OF_WEEK: FieldSpec = {
  label: 'day-of-week', min: 1, max: 7, names: DAY_NAMES, steps: false, expected: 'a value 1-7 or SUN-SAT (1 = SUN)',
};
const YEAR: FieldSpec = { label: 'year', min: MIN_YEAR, max: MAX_YEAR, steps: true, expected: `a value ${MIN_YEAR}-${MAX_YEAR}` };

const FIELD_LIST = 'minutes hours day-of-month month day-of-week year';

class FieldParser {
  constructor(
    private readonly expression: string,
    private readonly spec: FieldSpec,
    private readonly text: string,
  ) {}

  fail(message: string): never {
    throw new ScheduleExpressionError(`${this.expression}: ${this.spec.label}: ${message}`, {
      expression: this.expression,
      field: this.spec.label,
    });
  }

  /** `got 'x'`, or `got 'x' in 'whole,field'` when x is part of a larger field. */
  got(token: string): string {
    return token === this.text ? `got '${token}'` : `got '${token}' in '${this.text}'`;
  }

  value(token: string): number {
    const { min, max, names, expected } = this.spec;
    if (/^\d{1,4}$/.test(token)) {
      const n = Number(token);
      if (n >= min && n <= max) return n;
    } else if (names !== undefined) {
      const index = names.indexOf(token.toUpperCase());
      if (index >= 0) return min + index;
    }
    return this.fail(`expected ${expected}, ${this.got(token)}`);
  }

  /** Parses `*`, values, ranges, steps and lists into sorted distinct values. */
  list(): number[] {
    const { min, max } = this.spec;
    const items = this.text.split(',');
    const selected = new Set<number>();
    for (const item of items) {
      if (item === '') this.fail(`empty value in list, got '${this.text}'`);
      if (item === '?') {
        if (this.spec !== DAY_OF_MONTH && this.spec !== DAY_OF_WEEK) {
          this.fail(`'?' is only allowed in day-of-month or day-of-week, ${this.got(item)}`);
        }
        this.fail(`'?' cannot be combined with other values, got '${this.text}'`);
      }
      if (items.length > 1 && (item === '*' || item.startsWith('*/'))) {
        this.fail(`'*' cannot be combined with other values, got '${this.text}'`);
      }
      const slash = item.split('/');
      if (slash.length > 2) this.fail(`expected at most one '/', ${this.got(item)}`);
      const [range, stepText] = slash;
      let step = 1;
      if (stepText !== undefined) {
        if (!this.spec.steps) {
          this.fail(`'/' is not supported in ${this.spec.label} (use a list such as 'MON,WED,FRI'), ${this.got(item)}`);
        }
        const span = max - min + 1;
        step = /^\d{1,4}$/.test(stepText) ? Number(stepText) : 0;
        if (step < 1 || step > span) this.fail(`expected a step 1-${span} after '/', ${this.got(item)}`);
      }
      let start: number;
      let end: number;
      if (range === '*') {
        start = min;
        end = max;
      } else {
        const dash = range.split('-');
        if (dash.length > 2) this.fail(`expected a value or a range 'a-b', ${this.got(item)}`);
        start = this.value(dash[0]);
        if (dash.length === 2) {
          end = this.value(dash[1]);
          if (end < start) this.fail(`range runs backwards; expected start <= end, ${this.got(range)}`);
        } else {
          end = stepText === undefined ? start : max;
        }
      }
      for (let v = start; v <= end; v += step) selected.add(v);
    }
    return [...selected].sort((a, b) => a - b);
  }
}

function dayOfMonthRule(expression: string, text: string): DayOfMonthRule {
  const p = new FieldParser(expression, DAY_OF_MONTH, text);
  if (text === '?') return { type: 'unspecified' };
  if (/[LW]/i.test(text)) {
    if (text.includes(',')) p.fail(`'L' and 'W' must be the only value in the field, got '${text}'`);
    const upper = text.toUpperCase();
    if (upper === 'L') return { type: 'last', offset: 0 };
    if (upper === 'LW') return { type: 'lastWeekday' };
    const lastMinus = /^L-(\d{1,2})$/.exec(upper);
    if (lastMinus !== null && Number(lastMinus[1]) >= 1 && Number(lastMinus[1]) <= 30) {
      return { type: 'last', offset: Number(lastMinus[1]) };
    }
    if (upper.startsWith('L')) p.fail(`expected 'L', 'L-n' with n 1-30 or 'LW', got '${text}'`);
    const weekday = /^(\d{1,2})W$/.exec(upper);
    if (weekday !== null && Number(weekday[1]) >= 1 && Number(weekday[1]) <= 31) {
      return { type: 'nearestWeekday', day: Number(weekday[1]) };
    }
    p.fail(`'W' needs a single day 1-31 before it (e.g. '15W') or 'LW', got '${text}'`);
  }
  return { type: 'days', days: p.list() };
}

function dayOfWeekRule(expression: string, text: string): DayOfWeekRule {
  const p = new FieldParser(expression, DAY_OF_WEEK, text);
  if (text === '?') return { type: 'unspecified' };
  const hashes = text.split('#').length - 1;
  if (hashes > 1) p.fail(`only one '#' is allowed per expression, got '${text}'`);
  if (hashes === 1) {
    if (text.includes(',') || text.includes('-')) p.fail(`'#' must be the only value in the field, got '${text}'`);
    const [day, nth] = text.split('#');
    const n = /^\d$/.test(nth) ? Number(nth) : 0;
    if (n < 1 || n > 5) p.fail(`expected '#' followed by 1-5, got '${text}'`);
    return { type: 'nth', day: p.value(day), nth: n };
  }
  // No day name contains an L, so any L is the 'last' marker.
  if (/L/i.test(text)) {
    if (text.includes(',') || text.includes('-')) p.fail(`'L' must be the only value in the field, got '${text}'`);
    if (text.toUpperCase() === 'L') return { type: 'days', days: [7] };
    return { type: 'last', day: p.value(text.slice(0, -1)) };
  }
  return { type: 'days', days: p.list() };
}

/**
 * Parses the inside of `cron(...)`. `expression` is the full expression, used in messages;
 * `timeZone` is stored as given (validated by the caller).
 */
export function parseCronFields(expression: string, inner: string, timeZone: string): ParsedCronSchedule {
  const parts = inner.trim() === '' ? [] : inner.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new ScheduleExpressionError(
      `${expression}: expected 6 fields (${FIELD_LIST}), got ${parts.length}`,
      { expression },
    );
  }
  const fields: CronFieldText = {
    minutes: parts[0],
    hours: parts[1],
    dayOfMonth: parts[2],
    month: parts[3],
    dayOfWeek: parts[4],
    year: parts[5],
  };
  const minutes = new FieldParser(expression, MINUTES, fields.minutes).list();
  const hours = new FieldParser(expression, HOURS, fields.hours).list();
  const dayOfMonth = dayOfMonthRule(expression, fields.dayOfMonth);
  const months = new FieldParser(expression, MONTH, fields.month).list();
  const dayOfWeek = dayOfWeekRule(expression, fields.dayOfWeek);
  const years = new FieldParser(expression, YEAR, fields.year).list();
  const domSet = dayOfMonth.type !== 'unspecified';
  const dowSet = dayOfWeek.type !== 'unspecified';
  if (domSet && dowSet) {
    throw new ScheduleExpressionError(
      `${expression}: day-of-month and day-of-week are both set ('${fields.dayOfMonth}' and '${fields.dayOfWeek}'); one of them must be '?'`,
      { expression, field: 'day-of-month' },
    );
  }
  if (!domSet && !dowSet) {
    throw new ScheduleExpressionError(
      `${expression}: day-of-month and day-of-week are both '?'; exactly one of them must be '?'`,
      { expression, field: 'day-of-month' },
    );
  }
  return { kind: 'cron', expression, timeZone, fields, minutes, hours, dayOfMonth, months, dayOfWeek, years };
}
