import { describe, expect, it } from 'vitest';
import { describeSchedule, ScheduleExpressionError } from '../../../lib/schedule';

describe('describeSchedule', () => {
  it.each([
    ['cron(0 2 ? * SUN *)', 'Europe/London', 'at 02:00 on Sunday (Europe/London)'],
    ['cron(0 9 ? * MON-FRI *)', 'America/New_York', 'at 09:00 on Monday to Friday (America/New_York)'],
    ['cron(30 1 * * ? *)', 'UTC', 'at 01:30 every day (UTC)'],
    ['cron(0 8,20 * * ? *)', 'UTC', 'at 08:00 and 20:00 every day (UTC)'],
    ['cron(*/5 * * * ? *)', 'UTC', 'every 5 minutes (UTC)'],
    ['cron(* * * * ? *)', 'Asia/Kolkata', 'every minute (Asia/Kolkata)'],
    ['cron(0/15 9-17 ? * MON-FRI *)', 'Europe/Paris', 'every 15 minutes from 09:00 to 17:45 on Monday to Friday (Europe/Paris)'],
    ['cron(15 * * * ? *)', 'UTC', 'at minute 15 of every hour (UTC)'],
    ['cron(0 */2 * * ? *)', 'UTC', 'every 2 hours at minute 0 (UTC)'],
    ['cron(0 0 ? * L *)', 'UTC', 'at 00:00 on Saturday (UTC)'],
    ['cron(0 0 ? JAN-MAR * *)', 'UTC', 'at 00:00 every day in January to March (UTC)'],
    ['cron(0,30 * * * ? *)', 'UTC', 'every 30 minutes (UTC)'],
    ['cron(0,20,45 * * * ? *)', 'UTC', 'at minutes 0, 20 and 45 of every hour (UTC)'],
    ['cron(5 8-18 * * ? *)', 'UTC', 'at minute 5 of hours 08-18 every day (UTC)'],
    ['cron(0 12 L * ? *)', 'UTC', 'at 12:00 on the last day of the month (UTC)'],
    ['cron(0 12 L-2 * ? *)', 'UTC', 'at 12:00 on the last day of the month minus 2 days (UTC)'],
    ['cron(0 18 LW * ? *)', 'UTC', 'at 18:00 on the last weekday of the month (UTC)'],
    ['cron(0 9 15W * ? *)', 'UTC', 'at 09:00 on the weekday nearest day 15 of the month (UTC)'],
    ['cron(0 10 ? * 3#2 *)', 'UTC', 'at 10:00 on the second Tuesday of the month (UTC)'],
    ['cron(0 10 ? * 5L *)', 'UTC', 'at 10:00 on the last Thursday of the month (UTC)'],
    ['cron(0 10 ? * MON,WED,FRI *)', 'UTC', 'at 10:00 on Monday, Wednesday and Friday (UTC)'],
    ['cron(0 8 1 1,7 ? 2027)', 'UTC', 'at 08:00 on day 1 of the month in January and July of 2027 (UTC)'],
    ['cron(0 0 1,15 * ? 2026-2028)', 'UTC', 'at 00:00 on days 1 and 15 of the month in 2026-2028 (UTC)'],
    ['rate(5 minutes)', 'UTC', 'every 5 minutes'],
    ['rate(1 hour)', 'UTC', 'every hour'],
    ['rate(2 days)', 'Europe/London', 'every 2 days'],
    ['at(2027-03-01T09:00:00)', 'Europe/Paris', 'once at 2027-03-01 09:00 (Europe/Paris)'],
    ['at(2027-03-01T09:00:30)', 'UTC', 'once at 2027-03-01 09:00:30 (UTC)'],
  ])('%s in %s', (expression, zone, text) => {
    expect(describeSchedule(expression, zone)).toBe(text);
  });

  it('defaults to UTC', () => {
    expect(describeSchedule('cron(0 6 * * ? *)')).toBe('at 06:00 every day (UTC)');
  });

  it('rejects what parseSchedule rejects', () => {
    expect(() => describeSchedule('cron(0 2 * * * *)')).toThrow(ScheduleExpressionError);
  });
});
