/**
 * Hand-worked vectors: every expected instant below was derived from the calendar and the zone's
 * published rules (noted beside each case), not from the engine.
 *
 * Calendar facts used (2026): Jan 1 Thu, Feb 1 Sun, Mar 1 Sun, Apr 1 Wed, May 1 Fri, Jun 1 Mon,
 * Jul 1 Wed, Aug 1 Sat, Sep 1 Tue, Oct 1 Thu, Nov 1 Sun, Dec 1 Tue.
 * - America/Los_Angeles: PST -8, PDT -7; 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00.
 * - America/New_York: EST -5 in January.
 * - Europe/London: GMT 0, BST +1; 2026-03-29 01:00 -> 02:00, 2026-10-25 02:00 -> 01:00.
 * - Australia/Sydney: AEDT +11, AEST +10; 2026-04-05 03:00 -> 02:00, 2026-10-04 02:00 -> 03:00.
 * - Asia/Kolkata: +05:30, no daylight saving.
 */
import { describe, expect, it } from 'vitest';
import { nextRuns, runsBetween } from '../../../lib/schedule';

interface Vector {
  readonly why: string;
  readonly expression: string;
  readonly timeZone: string;
  readonly after: string;
  readonly count: number;
  readonly start?: string;
  readonly expected: readonly string[];
}

function iso(dates: readonly Date[]): string[] {
  return dates.map((d) => d.toISOString().replace('.000Z', 'Z'));
}

function check(vectors: readonly Vector[]): void {
  it.each(vectors)('$why: $expression in $timeZone', (v) => {
    const runs = nextRuns(v.expression, {
      timeZone: v.timeZone,
      after: new Date(v.after),
      count: v.count,
      start: v.start === undefined ? undefined : new Date(v.start),
    });
    expect(iso(runs)).toEqual(v.expected);
  });
}

describe('nextRuns: daylight saving in America/Los_Angeles', () => {
  check([
    {
      why: 'spring forward skips the nonexistent 02:30 (AWS example)',
      expression: 'cron(30 2 * * ? *)', timeZone: 'America/Los_Angeles', after: '2026-03-06T00:00:00Z', count: 4,
      expected: ['2026-03-06T10:30:00Z', '2026-03-07T10:30:00Z', '2026-03-09T09:30:00Z', '2026-03-10T09:30:00Z'],
    },
    {
      why: 'fall back: 02:30 exists once (PST) and fires once',
      expression: 'cron(30 2 * * ? *)', timeZone: 'America/Los_Angeles', after: '2026-10-31T12:00:00Z', count: 2,
      expected: ['2026-11-01T10:30:00Z', '2026-11-02T10:30:00Z'],
    },
    {
      why: 'fall back: the twice-occurring 01:30 fires at its first (PDT) occurrence only',
      expression: 'cron(30 1 * * ? *)', timeZone: 'America/Los_Angeles', after: '2026-10-31T00:00:00Z', count: 3,
      expected: ['2026-10-31T08:30:00Z', '2026-11-01T08:30:00Z', '2026-11-02T09:30:00Z'],
    },
    {
      why: 'fall back: every 30 minutes fires 01:00 and 01:30 once, then 02:00 PST',
      expression: 'cron(0/30 * * * ? *)', timeZone: 'America/Los_Angeles', after: '2026-11-01T07:45:00Z', count: 4,
      expected: ['2026-11-01T08:00:00Z', '2026-11-01T08:30:00Z', '2026-11-01T10:00:00Z', '2026-11-01T10:30:00Z'],
    },
    {
      why: 'fall back, starting inside the repeated hour: its wall clocks already fired',
      expression: 'cron(*/20 * * * ? *)', timeZone: 'America/Los_Angeles', after: '2026-11-01T09:10:00Z', count: 2,
      expected: ['2026-11-01T10:00:00Z', '2026-11-01T10:20:00Z'],
    },
    {
      why: 'fall back: hourly skips the second 01:00',
      expression: 'cron(0 * * * ? *)', timeZone: 'America/Los_Angeles', after: '2026-11-01T06:30:00Z', count: 4,
      expected: ['2026-11-01T07:00:00Z', '2026-11-01T08:00:00Z', '2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z'],
    },
    {
      why: 'spring forward: hourly has no 02:00',
      expression: 'cron(0 * * * ? *)', timeZone: 'America/Los_Angeles', after: '2026-03-08T07:30:00Z', count: 4,
      expected: ['2026-03-08T08:00:00Z', '2026-03-08T09:00:00Z', '2026-03-08T10:00:00Z', '2026-03-08T11:00:00Z'],
    },
    {
      why: 'spring forward: every 20 minutes jumps from 01:40 PST to 03:00 PDT',
      expression: 'cron(*/20 * * * ? *)', timeZone: 'America/Los_Angeles', after: '2026-03-08T09:30:00Z', count: 3,
      expected: ['2026-03-08T09:40:00Z', '2026-03-08T10:00:00Z', '2026-03-08T10:20:00Z'],
    },
  ]);
});

describe('nextRuns: daylight saving in Europe/London', () => {
  check([
    {
      why: 'spring forward skips 01:30',
      expression: 'cron(30 1 * * ? *)', timeZone: 'Europe/London', after: '2026-03-27T12:00:00Z', count: 3,
      expected: ['2026-03-28T01:30:00Z', '2026-03-30T00:30:00Z', '2026-03-31T00:30:00Z'],
    },
    {
      why: 'fall back fires 01:30 once, at the BST occurrence',
      expression: 'cron(30 1 * * ? *)', timeZone: 'Europe/London', after: '2026-10-24T12:00:00Z', count: 2,
      expected: ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'],
    },
    {
      why: 'Sunday 02:00 exists on the spring-forward Sunday (as 02:00 BST)',
      expression: 'cron(0 2 ? * SUN *)', timeZone: 'Europe/London', after: '2026-03-22T00:00:00Z', count: 3,
      expected: ['2026-03-22T02:00:00Z', '2026-03-29T01:00:00Z', '2026-04-05T01:00:00Z'],
    },
    {
      why: 'Sunday 02:00 across the fall-back Sunday',
      expression: 'cron(0 2 ? * SUN *)', timeZone: 'Europe/London', after: '2026-10-17T00:00:00Z', count: 3,
      expected: ['2026-10-18T01:00:00Z', '2026-10-25T02:00:00Z', '2026-11-01T02:00:00Z'],
    },
  ]);
});

describe('nextRuns: southern hemisphere (Australia/Sydney) and a half-hour zone (Asia/Kolkata)', () => {
  check([
    {
      why: 'April fall back: 02:30 fires at its first (AEDT) occurrence',
      expression: 'cron(30 2 * * ? *)', timeZone: 'Australia/Sydney', after: '2026-04-03T00:00:00Z', count: 3,
      expected: ['2026-04-03T15:30:00Z', '2026-04-04T15:30:00Z', '2026-04-05T16:30:00Z'],
    },
    {
      why: 'October spring forward skips 02:30',
      expression: 'cron(30 2 * * ? *)', timeZone: 'Australia/Sydney', after: '2026-10-02T00:00:00Z', count: 3,
      expected: ['2026-10-02T16:30:00Z', '2026-10-04T15:30:00Z', '2026-10-05T15:30:00Z'],
    },
    {
      why: 'first of the month at 09:00, summer then winter offset',
      expression: 'cron(0 9 1 * ? *)', timeZone: 'Australia/Sydney', after: '2026-01-15T00:00:00Z', count: 4,
      expected: ['2026-01-31T22:00:00Z', '2026-02-28T22:00:00Z', '2026-03-31T22:00:00Z', '2026-04-30T23:00:00Z'],
    },
    {
      why: '09:00 IST is 03:30 UTC',
      expression: 'cron(0 9 * * ? *)', timeZone: 'Asia/Kolkata', after: '2026-01-01T00:00:00Z', count: 2,
      expected: ['2026-01-01T03:30:00Z', '2026-01-02T03:30:00Z'],
    },
    {
      why: 'minute 15 of each IST hour is minute 45 of a UTC hour',
      expression: 'cron(15 * * * ? *)', timeZone: 'Asia/Kolkata', after: '2026-06-01T00:00:00Z', count: 3,
      expected: ['2026-06-01T00:45:00Z', '2026-06-01T01:45:00Z', '2026-06-01T02:45:00Z'],
    },
    {
      why: 'local midnight on the 1st is 18:30 UTC the day before',
      expression: 'cron(0 0 1 * ? *)', timeZone: 'Asia/Kolkata', after: '2026-01-01T00:00:00Z', count: 2,
      expected: ['2026-01-31T18:30:00Z', '2026-02-28T18:30:00Z'],
    },
  ]);
});

describe('nextRuns: leap years and year bounds', () => {
  check([
    {
      why: '29 February only in leap years',
      expression: 'cron(0 12 29 2 ? *)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 3,
      expected: ['2028-02-29T12:00:00Z', '2032-02-29T12:00:00Z', '2036-02-29T12:00:00Z'],
    },
    {
      why: 'year-bounded 29 February yields fewer than count',
      expression: 'cron(0 12 29 2 ? 2026-2030)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 3,
      expected: ['2028-02-29T12:00:00Z'],
    },
    {
      why: '2100 is not a leap year',
      expression: 'cron(0 0 29 2 ? 2096-2104)', timeZone: 'UTC', after: '2096-01-01T00:00:00Z', count: 5,
      expected: ['2096-02-29T00:00:00Z', '2104-02-29T00:00:00Z'],
    },
    {
      why: 'L in February: 28th, then 29th in a leap year',
      expression: 'cron(0 0 L 2 ? *)', timeZone: 'UTC', after: '2027-01-01T00:00:00Z', count: 3,
      expected: ['2027-02-28T00:00:00Z', '2028-02-29T00:00:00Z', '2029-02-28T00:00:00Z'],
    },
    {
      why: 'L-1 in February',
      expression: 'cron(0 0 L-1 2 ? *)', timeZone: 'UTC', after: '2027-01-01T00:00:00Z', count: 2,
      expected: ['2027-02-27T00:00:00Z', '2028-02-28T00:00:00Z'],
    },
    {
      why: 'day 30 skips February',
      expression: 'cron(0 0 30 * ? 2027)', timeZone: 'UTC', after: '2027-01-01T00:00:00Z', count: 12,
      expected: [
        '2027-01-30T00:00:00Z', '2027-03-30T00:00:00Z', '2027-04-30T00:00:00Z', '2027-05-30T00:00:00Z',
        '2027-06-30T00:00:00Z', '2027-07-30T00:00:00Z', '2027-08-30T00:00:00Z', '2027-09-30T00:00:00Z',
        '2027-10-30T00:00:00Z', '2027-11-30T00:00:00Z', '2027-12-30T00:00:00Z',
      ],
    },
    {
      why: 'a year range yields only its years',
      expression: 'cron(0 0 1 1 ? 2027-2028)', timeZone: 'UTC', after: '2026-06-01T00:00:00Z', count: 5,
      expected: ['2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z'],
    },
    {
      why: 'a past year yields nothing',
      expression: 'cron(0 0 1 1 ? 2020)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 3,
      expected: [],
    },
    {
      why: 'the last minute AWS can schedule',
      expression: 'cron(59 23 31 12 ? *)', timeZone: 'UTC', after: '2199-06-01T00:00:00Z', count: 3,
      expected: ['2199-12-31T23:59:00Z'],
    },
  ]);
});

describe('nextRuns: L, W and # at month edges (UTC, 2026)', () => {
  check([
    {
      why: '1W: Sunday 1st moves to Monday 2nd, Saturday 1 Aug moves forward to Monday 3rd',
      expression: 'cron(0 9 1W * ? 2026)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 8,
      expected: [
        '2026-01-01T09:00:00Z', '2026-02-02T09:00:00Z', '2026-03-02T09:00:00Z', '2026-04-01T09:00:00Z',
        '2026-05-01T09:00:00Z', '2026-06-01T09:00:00Z', '2026-07-01T09:00:00Z', '2026-08-03T09:00:00Z',
      ],
    },
    {
      why: '31W: only 31-day months; Saturday/Sunday 31st moves back to Friday',
      expression: 'cron(0 9 31W * ? 2026)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 10,
      expected: [
        '2026-01-30T09:00:00Z', '2026-03-31T09:00:00Z', '2026-05-29T09:00:00Z', '2026-07-31T09:00:00Z',
        '2026-08-31T09:00:00Z', '2026-10-30T09:00:00Z', '2026-12-31T09:00:00Z',
      ],
    },
    {
      why: '15W: Saturday 15 Aug -> Friday 14th, Sunday 15 Nov -> Monday 16th',
      expression: 'cron(0 9 15W * ? 2026)', timeZone: 'UTC', after: '2026-08-01T00:00:00Z', count: 4,
      expected: ['2026-08-14T09:00:00Z', '2026-09-15T09:00:00Z', '2026-10-15T09:00:00Z', '2026-11-16T09:00:00Z'],
    },
    {
      why: 'LW: the last weekday of each month',
      expression: 'cron(0 18 LW * ? 2026)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 6,
      expected: [
        '2026-01-30T18:00:00Z', '2026-02-27T18:00:00Z', '2026-03-31T18:00:00Z',
        '2026-04-30T18:00:00Z', '2026-05-29T18:00:00Z', '2026-06-30T18:00:00Z',
      ],
    },
    {
      why: 'L: the last day of each month',
      expression: 'cron(0 0 L * ? 2026)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 3,
      expected: ['2026-01-31T00:00:00Z', '2026-02-28T00:00:00Z', '2026-03-31T00:00:00Z'],
    },
    {
      why: '6#5: fifth Friday, only in months that have one',
      expression: 'cron(0 0 ? * 6#5 2026)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 10,
      expected: ['2026-01-30T00:00:00Z', '2026-05-29T00:00:00Z', '2026-07-31T00:00:00Z', '2026-10-30T00:00:00Z'],
    },
    {
      why: '3#2: second Tuesday',
      expression: 'cron(0 10 ? * 3#2 2026)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 3,
      expected: ['2026-01-13T10:00:00Z', '2026-02-10T10:00:00Z', '2026-03-10T10:00:00Z'],
    },
    {
      why: '1#1: first Sunday is the 1st; a run exactly at `after` is excluded',
      expression: 'cron(0 0 ? * 1#1 2026)', timeZone: 'UTC', after: '2026-02-01T00:00:00Z', count: 2,
      expected: ['2026-03-01T00:00:00Z', '2026-04-05T00:00:00Z'],
    },
    {
      why: '5L: last Thursday',
      expression: 'cron(0 0 ? * 5L 2026)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 3,
      expected: ['2026-01-29T00:00:00Z', '2026-02-26T00:00:00Z', '2026-03-26T00:00:00Z'],
    },
    {
      why: 'SATL: last Saturday falls on the last day of February',
      expression: 'cron(0 0 ? * SATL 2026)', timeZone: 'UTC', after: '2026-02-01T00:00:00Z', count: 1,
      expected: ['2026-02-28T00:00:00Z'],
    },
    {
      why: 'L alone in day-of-week is Saturday',
      expression: 'cron(0 0 ? * L 2026)', timeZone: 'UTC', after: '2026-02-01T00:00:00Z', count: 2,
      expected: ['2026-02-07T00:00:00Z', '2026-02-14T00:00:00Z'],
    },
  ]);
});

describe('nextRuns: fields, steps and names', () => {
  check([
    {
      why: 'a range with a step',
      expression: 'cron(10-40/10 8 * * ? *)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 5,
      expected: ['2026-01-01T08:10:00Z', '2026-01-01T08:20:00Z', '2026-01-01T08:30:00Z', '2026-01-01T08:40:00Z', '2026-01-02T08:10:00Z'],
    },
    {
      why: 'weekdays at 09:00 from a Friday morning',
      expression: 'cron(0 9 ? * MON-FRI *)', timeZone: 'America/New_York', after: '2026-01-02T15:00:00Z', count: 3,
      expected: ['2026-01-05T14:00:00Z', '2026-01-06T14:00:00Z', '2026-01-07T14:00:00Z'],
    },
    {
      why: 'month name with a step',
      expression: 'cron(0 0 1 JAN/3 ? *)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 4,
      expected: ['2026-04-01T00:00:00Z', '2026-07-01T00:00:00Z', '2026-10-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    },
    {
      why: 'lower-case names',
      expression: 'cron(0 12 ? dec sat,sun 2026)', timeZone: 'UTC', after: '2026-12-01T00:00:00Z', count: 3,
      expected: ['2026-12-05T12:00:00Z', '2026-12-06T12:00:00Z', '2026-12-12T12:00:00Z'],
    },
    {
      why: 'start date holds cron runs back',
      expression: 'cron(0 * * * ? *)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', start: '2026-01-01T03:00:00Z', count: 2,
      expected: ['2026-01-01T03:00:00Z', '2026-01-01T04:00:00Z'],
    },
    {
      why: 'an `after` long before 1970 starts at the first possible year',
      expression: 'cron(0 0 1 1 ? *)', timeZone: 'America/Los_Angeles', after: '-271821-04-20T00:00:00Z', count: 2,
      expected: ['1970-01-01T08:00:00Z', '1971-01-01T08:00:00Z'],
    },
    {
      why: 'local 1970-01-01 in Tokyo (+9) is still 1969 in UTC',
      expression: 'cron(0 0 1 1 ? *)', timeZone: 'Asia/Tokyo', after: '1969-12-31T00:00:00Z', count: 1,
      expected: ['1969-12-31T15:00:00Z'],
    },
    {
      why: 'an `after` beyond 2199 yields nothing',
      expression: 'cron(* * * * ? *)', timeZone: 'UTC', after: '+275760-09-13T00:00:00Z', count: 2,
      expected: [],
    },
    {
      why: 'a day no month has never fires',
      expression: 'cron(0 0 30 2 ? *)', timeZone: 'UTC', after: '1970-01-01T00:00:00Z', count: 2,
      expected: [],
    },
    {
      why: 'count 0',
      expression: 'cron(* * * * ? *)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 0,
      expected: [],
    },
  ]);
});

describe('nextRuns: at()', () => {
  check([
    {
      why: 'future at() in Paris (CET, +1) fires once',
      expression: 'at(2027-03-01T09:00:00)', timeZone: 'Europe/Paris', after: '2026-01-01T00:00:00Z', count: 5,
      expected: ['2027-03-01T08:00:00Z'],
    },
    {
      why: 'an at() exactly at `after` is not after it',
      expression: 'at(2027-03-01T09:00:00)', timeZone: 'Europe/Paris', after: '2027-03-01T08:00:00Z', count: 5,
      expected: [],
    },
    {
      why: 'past at() yields nothing',
      expression: 'at(2027-03-01T09:00:00)', timeZone: 'Europe/Paris', after: '2028-01-01T00:00:00Z', count: 5,
      expected: [],
    },
    {
      why: 'ambiguous at() fires at its first occurrence (PDT)',
      expression: 'at(2026-11-01T01:30:00)', timeZone: 'America/Los_Angeles', after: '2026-01-01T00:00:00Z', count: 1,
      expected: ['2026-11-01T08:30:00Z'],
    },
    {
      why: 'at() ignores the start date',
      expression: 'at(2026-06-01T12:00:00)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', start: '2026-07-01T00:00:00Z', count: 1,
      expected: ['2026-06-01T12:00:00Z'],
    },
  ]);
});

describe('nextRuns: rate()', () => {
  check([
    {
      why: 'counts from `after` when no start is given',
      expression: 'rate(5 minutes)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', count: 3,
      expected: ['2026-01-01T00:05:00Z', '2026-01-01T00:10:00Z', '2026-01-01T00:15:00Z'],
    },
    {
      why: 'a future start is the first run; a day is 24 elapsed hours across spring forward',
      expression: 'rate(1 day)', timeZone: 'America/Los_Angeles', after: '2026-03-07T00:00:00Z', start: '2026-03-07T10:00:00Z', count: 3,
      expected: ['2026-03-07T10:00:00Z', '2026-03-08T10:00:00Z', '2026-03-09T10:00:00Z'],
    },
    {
      why: 'a past start keeps the phase',
      expression: 'rate(2 hours)', timeZone: 'UTC', after: '2026-01-01T05:00:00Z', start: '2026-01-01T00:00:00Z', count: 2,
      expected: ['2026-01-01T06:00:00Z', '2026-01-01T08:00:00Z'],
    },
    {
      why: 'start is floored to the second',
      expression: 'rate(10 minutes)', timeZone: 'UTC', after: '2026-01-01T00:00:00Z', start: '2026-01-01T00:00:30.750Z', count: 2,
      expected: ['2026-01-01T00:00:30Z', '2026-01-01T00:10:30Z'],
    },
  ]);
});

describe('runsBetween', () => {
  const between = (expression: string, timeZone: string, from: string, to: string, start?: string): string[] =>
    iso(runsBetween(expression, {
      timeZone, from: new Date(from), to: new Date(to), start: start === undefined ? undefined : new Date(start),
    }));

  it('returns runs in (from, to], across a fall-back hour', () => {
    expect(between('cron(0 * * * ? *)', 'America/Los_Angeles', '2026-11-01T07:00:00Z', '2026-11-01T11:00:00Z'))
      .toEqual(['2026-11-01T08:00:00Z', '2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z']);
  });

  it('returns nothing for an empty or reversed window', () => {
    expect(between('cron(* * * * ? *)', 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')).toEqual([]);
    expect(between('cron(* * * * ? *)', 'UTC', '2026-01-01T01:00:00Z', '2026-01-01T00:00:00Z')).toEqual([]);
  });

  it('includes a cron run exactly at the start date', () => {
    expect(between('cron(0 * * * ? *)', 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T03:00:00Z', '2026-01-01T01:00:00Z'))
      .toEqual(['2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z', '2026-01-01T03:00:00Z']);
  });

  it('keeps a rate in phase with its start date', () => {
    expect(between('rate(15 minutes)', 'UTC', '2026-01-01T10:00:00Z', '2026-01-01T10:40:00Z', '2026-01-01T09:05:00Z'))
      .toEqual(['2026-01-01T10:05:00Z', '2026-01-01T10:20:00Z', '2026-01-01T10:35:00Z']);
  });

  it('yields a whole day of minutes', () => {
    const runs = runsBetween('cron(* * * * ? *)', { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z') });
    expect(runs).toHaveLength(24 * 60);
    expect(runs[0].toISOString()).toBe('2026-01-01T00:01:00.000Z');
  });
});

describe('option validation', () => {
  it('rejects an invalid after date', () => {
    expect(() => nextRuns('rate(1 hour)', { after: new Date('nope'), count: 1 }))
      .toThrow(new TypeError("nextRuns: 'after' must be a valid Date, got Invalid Date"));
  });

  it('rejects a negative or fractional count', () => {
    expect(() => nextRuns('rate(1 hour)', { after: new Date(0), count: -1 }))
      .toThrow(new RangeError("nextRuns: 'count' must be a non-negative integer, got -1"));
    expect(() => nextRuns('rate(1 hour)', { after: new Date(0), count: 1.5 }))
      .toThrow(new RangeError("nextRuns: 'count' must be a non-negative integer, got 1.5"));
  });

  it('rejects an invalid window bound', () => {
    expect(() => runsBetween('rate(1 hour)', { from: new Date(0), to: new Date(Number.NaN) }))
      .toThrow(new TypeError("runsBetween: 'to' must be a valid Date, got Invalid Date"));
  });
});
