import { describe, expect, it } from 'vitest';
import { birthdayDay } from '../../../../lambdas/jobs/birthday-emails/birthdays';
import { demoUsers } from '../../../../lambdas/jobs/birthday-emails/seed';

/** The users the daily 09:00 runs of the `days` days after `first` (a 09:00 UTC slot) would email. */
function celebrated(users: ReturnType<typeof demoUsers>, first: number, days: number, timeZone: string): string[] {
  const out: string[] = [];
  for (let d = 0; d < days; d++) {
    const { monthDays } = birthdayDay(new Date(first + d * 86_400_000), timeZone);
    out.push(...users.filter((u) => monthDays.includes(u.birthMonthDay)).map((u) => u.userId));
  }
  return out;
}

describe('demoUsers (local-mode seed)', () => {
  it('spreads birthdays over the week from the start day in the job zone, plus far ones and 29 February', () => {
    // 23:30 on 10 June in London (BST).
    const users = demoUsers(new Date('2026-06-10T22:30:00.000Z'), 'Europe/London');
    expect(users.map((u) => u.birthMonthDay)).toEqual([
      '06-10', '06-11', '06-12', '06-13', '06-14', '06-15', '06-16', '06-17',
      '06-11',
      '07-10', '09-18', '12-27',
      '02-29',
    ]);
    expect(new Set(users.map((u) => u.userId)).size).toBe(users.length);
    for (const u of users) expect(u.email).toMatch(/^[a-z]+\.\d{2}@example\.com$/);
  });

  it('reads the start day in the job zone', () => {
    const now = new Date('2026-06-10T23:30:00.000Z'); // already 11 June in London, still 10 June in UTC
    expect(demoUsers(now, 'Europe/London')[0]!.birthMonthDay).toBe('06-11');
    expect(demoUsers(now, 'UTC')[0]!.birthMonthDay).toBe('06-10');
  });

  it('is deterministic', () => {
    const now = new Date('2026-11-26T22:59:03.672Z');
    expect(demoUsers(now, 'Europe/London')).toEqual(demoUsers(now, 'Europe/London'));
  });

  it('in a common-year week over February the 29 February user is emailed on the 28th', () => {
    const users = demoUsers(new Date('2027-02-25T10:00:00.000Z'), 'Europe/London');
    const leap = users.find((u) => u.birthMonthDay === '02-29')!;
    // Runs at 09:00 London (GMT) on 26 February to 4 March 2027.
    const emailed = celebrated(users, Date.UTC(2027, 1, 26, 9), 7, 'Europe/London');
    // 02-26 (two users), 02-27, 02-28, 03-01, 03-02, 03-03, 03-04, and 02-29 with the 28th.
    expect(emailed).toHaveLength(9);
    expect(emailed).toContain(leap.userId);
    expect(new Set(emailed).size).toBe(9);
  });

  it('in a leap-year week the 29 February users are emailed on the 29th', () => {
    const users = demoUsers(new Date('2028-02-25T10:00:00.000Z'), 'Europe/London');
    expect(users.filter((u) => u.birthMonthDay === '02-29')).toHaveLength(2); // day 4 of the week, and the leap-day user
    const { monthDays } = birthdayDay(new Date(Date.UTC(2028, 1, 29, 9)), 'Europe/London');
    expect(monthDays).toEqual(['02-29']);
    expect(celebrated(users, Date.UTC(2028, 1, 28, 9), 1, 'Europe/London')).toHaveLength(1); // the 28th: only its own user
  });
});
