import { describe, expect, it } from 'vitest';
import { parseSubscription, reminderInstant } from '../../../../lambdas/jobs/subscriptions/model';
import { planReminder } from '../../../../lambdas/jobs/subscriptions/plan';
import { demoChanges, demoSubscriptions } from '../../../../lambdas/jobs/subscriptions/seed';

describe('demoSubscriptions (local-mode seed)', () => {
  const now = new Date('2026-06-10T22:30:00.000Z');
  const subscriptions = demoSubscriptions(now);

  it('counts each expiry from the customer\'s local date at the start', () => {
    expect(subscriptions.map((s) => [s.timeZone, s.expiresOn, s.status])).toEqual([
      ['Asia/Tokyo', '2026-06-15', 'active'], // 07:30 on 11 June + 4 days
      ['Europe/Paris', '2026-06-16', 'active'], // 00:30 on 11 June + 5
      ['America/New_York', '2026-06-16', 'active'], // 18:30 on 10 June + 6
      ['Asia/Kolkata', '2026-06-18', 'active'], // 04:00 on 11 June + 7
      ['Australia/Sydney', '2026-06-19', 'active'], // 08:30 on 11 June + 8
      ['America/Los_Angeles', '2026-06-19', 'active'], // 15:30 on 10 June + 9
      ['Europe/Berlin', '2026-07-21', 'active'], // 00:30 on 11 June + 40
      ['Europe/London', '2026-06-15', 'cancelled'], // 23:30 on 10 June + 5
      ['Europe/Madrid', '2026-06-17', 'active'], // 00:30 on 11 June + 6
    ]);
    for (const s of subscriptions) expect(parseSubscription({ ...s })).toEqual(s);
    expect(new Set(subscriptions.map((s) => s.subscriptionId)).size).toBe(subscriptions.length);
  });

  it('changes two afterwards: Greta renews for 30 days, Ines cancels', () => {
    expect(demoChanges(now).map((s) => [s.name, s.expiresOn, s.status])).toEqual([
      ['Greta', '2026-08-20', 'active'],
      ['Ines', '2026-06-17', 'cancelled'],
    ]);
  });

  it('after the changes, puts six reminders (09:00 local, three days before expiry) inside the week after the start', () => {
    const weekEnd = now.getTime() + 7 * 86_400_000;
    const changes = demoChanges(now);
    const inWeek = subscriptions
      .map((s) => changes.find((c) => c.subscriptionId === s.subscriptionId) ?? s)
      .filter((s) => s.status === 'active')
      .map((s) => reminderInstant(s.expiresOn, s.timeZone))
      .filter((at) => at.getTime() > now.getTime() && at.getTime() <= weekEnd)
      .map((at) => at.toISOString());
    expect(inWeek).toEqual([
      '2026-06-12T00:00:00.000Z', // Tokyo, UTC+9
      '2026-06-13T07:00:00.000Z', // Paris, UTC+2
      '2026-06-13T13:00:00.000Z', // New York, UTC-4
      '2026-06-15T03:30:00.000Z', // Kolkata, UTC+5:30
      '2026-06-15T23:00:00.000Z', // Sydney, UTC+10
      '2026-06-16T16:00:00.000Z', // Los Angeles, UTC-7
    ]);
  });

  it('leads the subscriptions function to schedule every active one and skip the cancelled one', () => {
    const kinds = subscriptions.map((s) => planReminder('INSERT', undefined, { ...s }, now).kind);
    expect(kinds).toEqual(['schedule', 'schedule', 'schedule', 'schedule', 'schedule', 'schedule', 'schedule', 'none', 'schedule']);
  });

  it('leads it to move the renewed reminder and cancel the cancelled one', () => {
    const before = new Map(subscriptions.map((s) => [s.subscriptionId, s]));
    const kinds = demoChanges(now).map((s) => planReminder('MODIFY', { ...before.get(s.subscriptionId)! }, { ...s }, now).kind);
    expect(kinds).toEqual(['reschedule', 'cancel']);
  });

  it('is deterministic', () => {
    expect(demoSubscriptions(now)).toEqual(subscriptions);
  });
});
