/**
 * `at(yyyy-mm-ddThh:mm:ss)`: one run at a wall-clock time in the schedule's zone.
 *
 * The wall clock must be a real calendar date and time that exists in the zone: a time skipped by
 * a spring-forward change is rejected (AWS documents nothing for it, and skipping would mean the
 * job never runs). A time that occurs twice fires at its first occurrence, as cron does.
 */
import { daysInMonth, localMsOf } from './calendar';
import { MAX_YEAR, MIN_YEAR } from './cron-parser';
import { ScheduleExpressionError } from './errors';
import type { ParsedAtSchedule } from './parsed-schedule';
import { localToUtcCandidates } from './time-zone';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Parses the inside of `at(...)`; `expression` is the full expression, used in messages. */
export function parseAt(expression: string, inner: string, timeZone: string): ParsedAtSchedule {
  const fail = (field: string | undefined, message: string): never => {
    throw new ScheduleExpressionError(`${expression}: ${field === undefined ? '' : `${field}: `}${message}`, { expression, field });
  };
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(inner);
  if (match === null) {
    return fail(undefined, `expected at(yyyy-mm-ddThh:mm:ss) such as 'at(2027-03-01T09:00:00)', got '${inner}'`);
  }
  const [, y, mo, d, h, mi, s] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < MIN_YEAR || year > MAX_YEAR) fail('year', `expected ${MIN_YEAR}-${MAX_YEAR}, got '${y}'`);
  if (month < 1 || month > 12) fail('month', `expected 01-12, got '${mo}'`);
  const dim = daysInMonth(year, month);
  if (day < 1 || day > dim) fail('day', `expected 01-${dim} for ${MONTHS[month - 1]} ${year}, got '${d}'`);
  if (hour > 23) fail('hour', `expected 00-23, got '${h}'`);
  if (minute > 59) fail('minute', `expected 00-59, got '${mi}'`);
  if (second > 59) fail('second', `expected 00-59, got '${s}'`);
  const candidates = localToUtcCandidates(timeZone, localMsOf(year, month, day, hour, minute, second));
  if (candidates.length === 0) {
    fail(undefined, `${inner} does not exist in ${timeZone} (the clocks jump over it, as when daylight saving time starts); expected a wall-clock time that exists there`);
  }
  return {
    kind: 'at',
    expression,
    timeZone,
    localDateTime: inner,
    year,
    month,
    day,
    hour,
    minute,
    second,
    instant: new Date(candidates[0]),
  };
}
