import { describe, expect, it } from 'vitest';
import { addDays, formatWallClock, instantOfWallClock, isKnownTimeZone, wallClockAt } from '../../../lambdas/runtime/once-time';

const wc = (s: string) => {
  const [, y, mo, d, h, mi, se] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(s)!.map(Number) as number[];
  return { year: y!, month: mo!, day: d!, hour: h!, minute: mi!, second: se! };
};

describe('wall clocks in time zones', () => {
  it('reads the wall clock of an instant (winter and summer offsets)', () => {
    // Paris is UTC+1 in February (CET) and UTC+2 in July (CEST).
    expect(formatWallClock(wallClockAt(new Date('2027-02-26T08:00:00Z'), 'Europe/Paris'))).toBe('2027-02-26T09:00:00');
    expect(formatWallClock(wallClockAt(new Date('2027-07-01T07:00:00Z'), 'Europe/Paris'))).toBe('2027-07-01T09:00:00');
    // Kolkata is UTC+5:30 all year.
    expect(formatWallClock(wallClockAt(new Date('2027-01-01T03:30:15Z'), 'Asia/Kolkata'))).toBe('2027-01-01T09:00:15');
  });

  it('finds the instant of a wall clock', () => {
    expect(instantOfWallClock(wc('2027-02-26T09:00:00'), 'Europe/Paris').toISOString()).toBe('2027-02-26T08:00:00.000Z');
    expect(instantOfWallClock(wc('2027-07-01T09:00:00'), 'Europe/Paris').toISOString()).toBe('2027-07-01T07:00:00.000Z');
    expect(instantOfWallClock(wc('2027-01-01T09:00:00'), 'Australia/Sydney').toISOString()).toBe('2026-12-31T22:00:00.000Z');
    expect(instantOfWallClock(wc('2027-01-01T09:00:00'), 'UTC').toISOString()).toBe('2027-01-01T09:00:00.000Z');
  });

  it('takes the first of a wall clock that happens twice (New York, 1 November 2026, 01:30 EDT then EST)', () => {
    expect(instantOfWallClock(wc('2026-11-01T01:30:00'), 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('moves a wall clock in the spring-forward gap past it (New York, 8 March 2026, 02:30 does not exist)', () => {
    // 02:30 EST would be 07:30Z, which New York shows as 03:30 EDT.
    expect(instantOfWallClock(wc('2026-03-08T02:30:00'), 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('adds calendar days across month and year ends and leap days', () => {
    expect(formatWallClock(addDays(wc('2027-03-01T09:00:00'), -3))).toBe('2027-02-26T09:00:00');
    expect(formatWallClock(addDays(wc('2028-03-01T09:00:00'), -3))).toBe('2028-02-27T09:00:00');
    expect(formatWallClock(addDays(wc('2027-01-02T09:00:00'), -3))).toBe('2026-12-30T09:00:00');
  });

  it('knows IANA zones and rejects others', () => {
    expect(isKnownTimeZone('Europe/Paris')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
