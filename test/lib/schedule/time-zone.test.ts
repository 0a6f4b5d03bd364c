import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScheduleExpressionError, validateTimeZone, zoneOffsetMs } from '../../../lib/schedule';
import { firstInstantOfLocal, localToUtcCandidates } from '../../../lib/schedule/time-zone';

const H = 3_600_000;
const M = 60_000;

describe('validateTimeZone', () => {
  it.each(['UTC', 'Etc/UTC', 'Europe/London', 'America/Argentina/Buenos_Aires', 'America/Port-au-Prince', 'Etc/GMT+5', 'Asia/Kolkata', 'Asia/Calcutta'])(
    'accepts %s',
    (zone) => {
      expect(validateTimeZone(zone)).toBe(zone);
    },
  );

  it.each([
    ['Mars/Olympus', "unknown time zone 'Mars/Olympus': expected an IANA zone name such as 'UTC' or 'Europe/London'"],
    ['', "unknown time zone '': expected an IANA zone name such as 'UTC' or 'Europe/London'"],
    ['+01:00', "unknown time zone '+01:00': expected an IANA zone name such as 'UTC' or 'Europe/London'"],
    ['Europe/London ', "unknown time zone 'Europe/London ': expected an IANA zone name such as 'UTC' or 'Europe/London'"],
    ['utc', "unknown time zone 'utc': IANA zone names are case-sensitive; expected 'UTC'"],
  ])('rejects %j', (zone, message) => {
    let caught: unknown;
    try {
      validateTimeZone(zone);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScheduleExpressionError);
    expect((caught as Error).message).toBe(message);
  });
});

describe('zoneOffsetMs', () => {
  it.each([
    ['UTC', '2026-01-15T12:00:00Z', 0],
    ['Asia/Kolkata', '2026-01-15T12:00:00Z', 5.5 * H],
    ['America/Los_Angeles', '2026-01-15T12:00:00Z', -8 * H],
    ['America/Los_Angeles', '2026-07-15T12:00:00Z', -7 * H],
    ['Australia/Sydney', '2026-01-15T12:00:00Z', 11 * H],
    ['Australia/Sydney', '2026-07-15T12:00:00Z', 10 * H],
    ['Asia/Kathmandu', '2026-01-15T12:00:00Z', 5 * H + 45 * M],
    ['Pacific/Chatham', '2026-01-15T12:00:00Z', 13 * H + 45 * M],
    ['Australia/Lord_Howe', '2026-07-15T12:00:00Z', 10.5 * H],
    // Los Angeles falls back at 2026-11-01T09:00Z: one millisecond either side.
    ['America/Los_Angeles', '2026-11-01T08:59:59.999Z', -7 * H],
    ['America/Los_Angeles', '2026-11-01T09:00:00.000Z', -8 * H],
  ])('%s at %s', (zone, instant, offset) => {
    expect(zoneOffsetMs(zone, Date.parse(instant))).toBe(offset);
  });
});

describe('local wall clock to instants', () => {
  const local = (iso: string): number => Date.parse(`${iso}Z`);

  it('finds one instant for an ordinary wall clock', () => {
    expect(localToUtcCandidates('Europe/London', local('2026-06-01T12:00:00'))).toEqual([Date.parse('2026-06-01T11:00:00Z')]);
  });

  it('finds none in the spring-forward gap', () => {
    expect(localToUtcCandidates('Europe/London', local('2026-03-29T01:30:00'))).toEqual([]);
    expect(firstInstantOfLocal('Europe/London', local('2026-03-29T01:30:00'))).toBeUndefined();
  });

  it('finds both occurrences in the fall-back overlap, earliest first', () => {
    expect(localToUtcCandidates('Europe/London', local('2026-10-25T01:30:00'))).toEqual([
      Date.parse('2026-10-25T00:30:00Z'),
      Date.parse('2026-10-25T01:30:00Z'),
    ]);
    expect(firstInstantOfLocal('Europe/London', local('2026-10-25T01:30:00'))).toBe(Date.parse('2026-10-25T00:30:00Z'));
  });

  it('handles a 30-minute daylight-saving shift (Lord Howe, 2026-04-05 02:00 -> 01:30)', () => {
    expect(localToUtcCandidates('Australia/Lord_Howe', local('2026-04-05T01:45:00'))).toEqual([
      Date.parse('2026-04-04T14:45:00Z'),
      Date.parse('2026-04-04T15:15:00Z'),
    ]);
  });

  it('handles a whole skipped day (Pacific/Apia, 2011-12-30 does not exist)', () => {
    expect(localToUtcCandidates('Pacific/Apia', local('2011-12-30T12:00:00'))).toEqual([]);
    // 2011-12-31 12:00 at +14 (daylight time).
    expect(localToUtcCandidates('Pacific/Apia', local('2011-12-31T12:00:00'))).toEqual([Date.parse('2011-12-30T22:00:00Z')]);
  });
});

describe('zoneOffsetMs caching', () => {
  /** An uncached reading through formatToParts. */
  function freshOffset(zone: string, utcMs: number): number {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    }).formatToParts(utcMs);
    const get = (type: string): number => Number(parts.find((p) => p.type === type)!.value);
    const whole = Math.floor(utcMs / 1000) * 1000;
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - whole;
  }

  // Offset changes: London 2026-03-29T01:00Z and 2026-10-25T01:00Z, Sydney 2026-04-04T16:00Z, Lord Howe 2026-04-04T15:00Z.
  const anchors: Array<[string, number]> = [
    ['Europe/London', Date.parse('2026-03-29T01:00:00Z')],
    ['Europe/London', Date.parse('2026-10-25T01:00:00Z')],
    ['Australia/Sydney', Date.parse('2026-04-04T16:00:00Z')],
    ['Australia/Lord_Howe', Date.parse('2026-04-04T15:00:00Z')],
  ];

  it('matches a fresh Intl reading for any order of queries around offset changes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...anchors),
        fc.array(fc.integer({ min: -5 * 86_400_000, max: 5 * 86_400_000 }), { minLength: 1, maxLength: 40 }),
        ([zone, anchor], deltas) => {
          for (const delta of deltas) {
            expect(zoneOffsetMs(zone, anchor + delta)).toBe(freshOffset(zone, anchor + delta));
          }
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });

  it('reports the change to the millisecond whichever side was cached first', () => {
    const change = Date.parse('2026-10-25T01:00:00Z');
    zoneOffsetMs('Europe/London', change - 3_600_000);
    expect(zoneOffsetMs('Europe/London', change - 1)).toBe(H);
    expect(zoneOffsetMs('Europe/London', change)).toBe(0);
    zoneOffsetMs('Europe/London', change + 3_600_000);
    expect(zoneOffsetMs('Europe/London', change)).toBe(0);
    expect(zoneOffsetMs('Europe/London', change - 1)).toBe(H);
  });
});
