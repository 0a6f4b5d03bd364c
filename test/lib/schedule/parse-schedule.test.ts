import { describe, expect, it } from 'vitest';
import { parseSchedule, ScheduleExpressionError } from '../../../lib/schedule';

describe('parseSchedule: valid expressions', () => {
  it('parses a cron into its fields', () => {
    expect(parseSchedule('cron(0/15 9-17 ? * MON-FRI 2026-2027)', 'Europe/London')).toEqual({
      kind: 'cron',
      expression: 'cron(0/15 9-17 ? * MON-FRI 2026-2027)',
      timeZone: 'Europe/London',
      fields: { minutes: '0/15', hours: '9-17', dayOfMonth: '?', month: '*', dayOfWeek: 'MON-FRI', year: '2026-2027' },
      minutes: [0, 15, 30, 45],
      hours: [9, 10, 11, 12, 13, 14, 15, 16, 17],
      dayOfMonth: { type: 'unspecified' },
      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      dayOfWeek: { type: 'days', days: [2, 3, 4, 5, 6] },
      years: [2026, 2027],
    });
  });

  it.each([
    ['L', { type: 'last', offset: 0 }],
    ['L-3', { type: 'last', offset: 3 }],
    ['LW', { type: 'lastWeekday' }],
    ['15W', { type: 'nearestWeekday', day: 15 }],
    ['1,15', { type: 'days', days: [1, 15] }],
    ['*/10', { type: 'days', days: [1, 11, 21, 31] }],
  ])('parses day-of-month %s', (field, rule) => {
    const parsed = parseSchedule(`cron(0 0 ${field} * ? *)`);
    expect(parsed.kind === 'cron' && parsed.dayOfMonth).toEqual(rule);
  });

  it.each([
    ['5L', { type: 'last', day: 5 }],
    ['FRIL', { type: 'last', day: 6 }],
    ['3#2', { type: 'nth', day: 3, nth: 2 }],
    ['MON#1', { type: 'nth', day: 2, nth: 1 }],
    ['L', { type: 'days', days: [7] }],
    ['SUN,SAT', { type: 'days', days: [1, 7] }],
    ['*', { type: 'days', days: [1, 2, 3, 4, 5, 6, 7] }],
  ])('parses day-of-week %s', (field, rule) => {
    const parsed = parseSchedule(`cron(0 0 ? * ${field} *)`);
    expect(parsed.kind === 'cron' && parsed.dayOfWeek).toEqual(rule);
  });

  it('parses list items that overlap once each, sorted', () => {
    const parsed = parseSchedule('cron(50,0-10/5,5 * * * ? *)');
    expect(parsed.kind === 'cron' && parsed.minutes).toEqual([0, 5, 10, 50]);
  });

  it('parses a rate in singular and plural', () => {
    expect(parseSchedule('rate(1 hour)')).toEqual({
      kind: 'rate', expression: 'rate(1 hour)', timeZone: 'UTC', value: 1, unit: 'hour', periodMs: 3_600_000,
    });
    expect(parseSchedule('rate(36500 days)')).toMatchObject({ value: 36500, unit: 'day', periodMs: 36500 * 86_400_000 });
  });

  it('parses an at() as the wall clock in its zone', () => {
    expect(parseSchedule('at(2026-07-04T12:30:15)', 'America/New_York')).toEqual({
      kind: 'at',
      expression: 'at(2026-07-04T12:30:15)',
      timeZone: 'America/New_York',
      localDateTime: '2026-07-04T12:30:15',
      year: 2026, month: 7, day: 4, hour: 12, minute: 30, second: 15,
      // EDT is UTC-4.
      instant: new Date('2026-07-04T16:30:15Z'),
    });
  });

  it('accepts a 256-character expression', () => {
    // 16 + 47 * 5 + 5 = 256 characters.
    const expression = `cron(00 0 1 1 ? ${'2026,'.repeat(47)}2027)`;
    expect(expression).toHaveLength(256);
    expect(parseSchedule(expression).kind).toBe('cron');
  });
});

// 16 + 48 * 5 + 5 = 261 characters.
const TOO_LONG = `cron(00 0 1 1 ? ${'2026,'.repeat(48)}2027)`;

describe('parseSchedule: invalid expressions', () => {
  it.each<[string, string, string]>([
    ['', 'UTC', 'schedule expression is empty: expected cron(...), rate(...) or at(...)'],
    ['every 5 minutes', 'UTC', 'every 5 minutes: expected cron(...), rate(...) or at(...)'],
    ['CRON(0 2 ? * SUN *)', 'UTC', 'CRON(0 2 ? * SUN *): expected cron(...), rate(...) or at(...)'],
    [' cron(0 2 ? * SUN *)', 'UTC', ' cron(0 2 ? * SUN *): expected cron(...), rate(...) or at(...) without leading or trailing spaces'],
    [TOO_LONG, 'UTC', `${TOO_LONG}: expected at most 256 characters, got 261`],
    ['cron(0 2 * * ?)', 'UTC', 'cron(0 2 * * ?): expected 6 fields (minutes hours day-of-month month day-of-week year), got 5'],
    ['cron(0 2 * * * *)', 'UTC', "cron(0 2 * * * *): day-of-month and day-of-week are both set ('*' and '*'); one of them must be '?'"],
    ['cron(0 2 1 * MON *)', 'UTC', "cron(0 2 1 * MON *): day-of-month and day-of-week are both set ('1' and 'MON'); one of them must be '?'"],
    ['cron(0 2 ? * ? *)', 'UTC', "cron(0 2 ? * ? *): day-of-month and day-of-week are both '?'; exactly one of them must be '?'"],
    ['cron(60 * * * ? *)', 'UTC', "cron(60 * * * ? *): minutes: expected a value 0-59, got '60'"],
    ['cron(0,60 * * * ? *)', 'UTC', "cron(0,60 * * * ? *): minutes: expected a value 0-59, got '60' in '0,60'"],
    ['cron(0 24 * * ? *)', 'UTC', "cron(0 24 * * ? *): hours: expected a value 0-23, got '24'"],
    ['cron(0 0 32 * ? *)', 'UTC', "cron(0 0 32 * ? *): day-of-month: expected a value 1-31, got '32'"],
    ['cron(0 0 ? 13 * *)', 'UTC', "cron(0 0 ? 13 * *): month: expected a value 1-12 or JAN-DEC, got '13'"],
    ['cron(0 0 ? * 0 *)', 'UTC', "cron(0 0 ? * 0 *): day-of-week: expected a value 1-7 or SUN-SAT (1 = SUN), got '0'"],
    ['cron(0 0 ? * FOO *)', 'UTC', "cron(0 0 ? * FOO *): day-of-week: expected a value 1-7 or SUN-SAT (1 = SUN), got 'FOO'"],
    ['cron(0 0 * * ? 1969)', 'UTC', "cron(0 0 * * ? 1969): year: expected a value 1970-2199, got '1969'"],
    ['cron(0 0 * * ? 2026-2200)', 'UTC', "cron(0 0 * * ? 2026-2200): year: expected a value 1970-2199, got '2200' in '2026-2200'"],
    ['cron(0 0 ? * 3#1,6#3 *)', 'UTC', "cron(0 0 ? * 3#1,6#3 *): day-of-week: only one '#' is allowed per expression, got '3#1,6#3'"],
    ['cron(0 0 ? * 3#6 *)', 'UTC', "cron(0 0 ? * 3#6 *): day-of-week: expected '#' followed by 1-5, got '3#6'"],
    ['cron(0 0 ? * 2-4#2 *)', 'UTC', "cron(0 0 ? * 2-4#2 *): day-of-week: '#' must be the only value in the field, got '2-4#2'"],
    ['cron(0 0 1-5W * ? *)', 'UTC', "cron(0 0 1-5W * ? *): day-of-month: 'W' needs a single day 1-31 before it (e.g. '15W') or 'LW', got '1-5W'"],
    ['cron(0 0 32W * ? *)', 'UTC', "cron(0 0 32W * ? *): day-of-month: 'W' needs a single day 1-31 before it (e.g. '15W') or 'LW', got '32W'"],
    ['cron(0 0 L-31 * ? *)', 'UTC', "cron(0 0 L-31 * ? *): day-of-month: expected 'L', 'L-n' with n 1-30 or 'LW', got 'L-31'"],
    ['cron(0 0 1,L * ? *)', 'UTC', "cron(0 0 1,L * ? *): day-of-month: 'L' and 'W' must be the only value in the field, got '1,L'"],
    ['cron(0 0 ? * MON,5L *)', 'UTC', "cron(0 0 ? * MON,5L *): day-of-week: 'L' must be the only value in the field, got 'MON,5L'"],
    ['cron(0 0 ? * 2/2 *)', 'UTC', "cron(0 0 ? * 2/2 *): day-of-week: '/' is not supported in day-of-week (use a list such as 'MON,WED,FRI'), got '2/2'"],
    ['cron(*/0 * * * ? *)', 'UTC', "cron(*/0 * * * ? *): minutes: expected a step 1-60 after '/', got '*/0'"],
    ['cron(0 0/25 * * ? *)', 'UTC', "cron(0 0/25 * * ? *): hours: expected a step 1-24 after '/', got '0/25'"],
    ['cron(0 22-2 * * ? *)', 'UTC', "cron(0 22-2 * * ? *): hours: range runs backwards; expected start <= end, got '22-2'"],
    ['cron(? * * * ? *)', 'UTC', "cron(? * * * ? *): minutes: '?' is only allowed in day-of-month or day-of-week, got '?'"],
    ['cron(0 *,5 * * ? *)', 'UTC', "cron(0 *,5 * * ? *): hours: '*' cannot be combined with other values, got '*,5'"],
    ['cron(0,,5 * * * ? *)', 'UTC', "cron(0,,5 * * * ? *): minutes: empty value in list, got '0,,5'"],
    ['cron(0 0 ?,1 * MON *)', 'UTC', "cron(0 0 ?,1 * MON *): day-of-month: '?' cannot be combined with other values, got '?,1'"],
    ['rate(0 minutes)', 'UTC', "rate(0 minutes): value: expected a positive integer, got '0'"],
    ['rate(1.5 hours)', 'UTC', "rate(1.5 hours): value: expected a positive integer, got '1.5'"],
    ['rate(-5 minutes)', 'UTC', "rate(-5 minutes): value: expected a positive integer, got '-5'"],
    ['rate(5 weeks)', 'UTC', "rate(5 weeks): unit: expected minute, minutes, hour, hours, day or days, got 'weeks'"],
    ['rate(1 minutes)', 'UTC', "rate(1 minutes): unit: a value of 1 takes the singular 'minute', got 'minutes'"],
    ['rate(5 hour)', 'UTC', "rate(5 hour): unit: a value above 1 takes the plural 'hours', got 'hour'"],
    ['rate(5)', 'UTC', "rate(5): expected rate(value unit) such as 'rate(5 minutes)', got '5'"],
    ['rate(36501 days)', 'UTC', "rate(36501 days): value: expected at most 36500 days (100 years), got '36501'"],
    ['at(2023-02-29T09:00:00)', 'UTC', "at(2023-02-29T09:00:00): day: expected 01-28 for February 2023, got '29'"],
    ['at(2024-04-31T09:00:00)', 'UTC', "at(2024-04-31T09:00:00): day: expected 01-30 for April 2024, got '31'"],
    ['at(2027-03-01 09:00)', 'UTC', "at(2027-03-01 09:00): expected at(yyyy-mm-ddThh:mm:ss) such as 'at(2027-03-01T09:00:00)', got '2027-03-01 09:00'"],
    ['at(2027-13-01T09:00:00)', 'UTC', "at(2027-13-01T09:00:00): month: expected 01-12, got '13'"],
    ['at(2027-03-01T24:00:00)', 'UTC', "at(2027-03-01T24:00:00): hour: expected 00-23, got '24'"],
    ['at(2027-03-01T09:60:00)', 'UTC', "at(2027-03-01T09:60:00): minute: expected 00-59, got '60'"],
    ['at(2200-01-01T00:00:00)', 'UTC', "at(2200-01-01T00:00:00): year: expected 1970-2199, got '2200'"],
    [
      'at(2026-03-08T02:30:00)', 'America/Los_Angeles',
      'at(2026-03-08T02:30:00): 2026-03-08T02:30:00 does not exist in America/Los_Angeles (the clocks jump over it, as when daylight saving time starts); expected a wall-clock time that exists there',
    ],
    [
      'cron(0 2 ? * SUN *)', 'Mars/Olympus',
      "cron(0 2 ? * SUN *): unknown time zone 'Mars/Olympus': expected an IANA zone name such as 'UTC' or 'Europe/London'",
    ],
    [
      'rate(5 minutes)', '+05:30',
      "rate(5 minutes): unknown time zone '+05:30': expected an IANA zone name such as 'UTC' or 'Europe/London'",
    ],
    [
      'cron(0 2 ? * SUN *)', 'europe/london',
      "cron(0 2 ? * SUN *): unknown time zone 'europe/london': IANA zone names are case-sensitive; expected 'Europe/London'",
    ],
  ])('rejects %j in %s', (expression, timeZone, message) => {
    let caught: unknown;
    try {
      parseSchedule(expression, timeZone);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScheduleExpressionError);
    expect((caught as ScheduleExpressionError).message).toBe(message);
    expect((caught as ScheduleExpressionError).name).toBe('ScheduleExpressionError');
  });

  it('names the field and keeps the expression on the error', () => {
    const error = (() => {
      try {
        parseSchedule('cron(0 24 * * ? *)');
      } catch (e) {
        return e as ScheduleExpressionError;
      }
      throw new Error('expected a ScheduleExpressionError');
    })();
    expect(error.field).toBe('hours');
    expect(error.expression).toBe('cron(0 24 * * ? *)');
  });

  it('passes the zone error on as the cause', () => {
    const error = (() => {
      try {
        parseSchedule('rate(1 day)', 'Mars/Olympus');
      } catch (e) {
        return e as ScheduleExpressionError;
      }
      throw new Error('expected a ScheduleExpressionError');
    })();
    expect(error.field).toBe('time zone');
    expect(error.cause).toBeInstanceOf(ScheduleExpressionError);
    expect((error.cause as Error).cause).toBeInstanceOf(RangeError);
  });
});
