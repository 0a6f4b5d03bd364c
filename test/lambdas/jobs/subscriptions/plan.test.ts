import { describe, expect, it } from 'vitest';
import { parseSubscription, reminderInstant, SubscriptionDataError } from '../../../../lambdas/jobs/subscriptions/model';
import { planReminder } from '../../../../lambdas/jobs/subscriptions/plan';

const NOW = new Date('2027-01-15T12:00:00Z');
const sub = (over: Record<string, unknown> = {}) => ({
  subscriptionId: 'sub-1',
  email: 'ada@example.com',
  status: 'active',
  expiresOn: '2027-03-01',
  timeZone: 'Europe/Paris',
  ...over,
});

describe('reminderInstant: 09:00 in the customer zone, 3 days before expiry', () => {
  it.each([
    // 26 Feb 2027 09:00 CET (UTC+1)
    ['2027-03-01', 'Europe/Paris', '2027-02-26T08:00:00.000Z'],
    // 2028 is a leap year: 1 March minus 3 days is 27 February
    ['2028-03-01', 'Europe/Paris', '2028-02-27T08:00:00.000Z'],
    // New York switched to EDT (UTC-4) on 14 March 2027
    ['2027-03-31', 'America/New_York', '2027-03-28T13:00:00.000Z'],
    // London switches to BST (UTC+1) at 01:00 UTC on 28 March 2027, before 09:00
    ['2027-03-31', 'Europe/London', '2027-03-28T08:00:00.000Z'],
    // across a year end, in a zone ahead of UTC (Tokyo, UTC+9)
    ['2027-01-02', 'Asia/Tokyo', '2026-12-30T00:00:00.000Z'],
  ])('%s in %s -> %s', (expiresOn, zone, expected) => {
    expect(reminderInstant(expiresOn, zone).toISOString()).toBe(expected);
  });
});

describe('planReminder', () => {
  it('INSERT of an active subscription schedules its reminder', () => {
    expect(planReminder('INSERT', undefined, sub(), NOW)).toEqual({
      kind: 'schedule',
      key: 'sub-1',
      at: new Date('2027-02-26T08:00:00Z'),
      timeZone: 'Europe/Paris',
      payload: { subscriptionId: 'sub-1', expiresOn: '2027-03-01' },
      reason: 'new subscription',
    });
  });

  it('a renewal (new expiry) reschedules it', () => {
    expect(planReminder('MODIFY', sub(), sub({ expiresOn: '2028-03-01' }), NOW)).toEqual({
      kind: 'reschedule',
      key: 'sub-1',
      at: new Date('2028-02-27T08:00:00Z'),
      timeZone: 'Europe/Paris',
      payload: { subscriptionId: 'sub-1', expiresOn: '2028-03-01' },
      reason: 'expiry 2027-03-01 -> 2028-03-01',
    });
  });

  it('a move to another zone reschedules it', () => {
    const action = planReminder('MODIFY', sub(), sub({ timeZone: 'America/New_York' }), NOW);
    expect(action.kind).toBe('reschedule');
    // 26 Feb 2027 09:00 EST (UTC-5)
    expect('at' in action && action.at.toISOString()).toBe('2027-02-26T14:00:00.000Z');
  });

  it('a change to other attributes (the reminder claim itself) does nothing', () => {
    expect(planReminder('MODIFY', sub(), sub({ reminderSentFor: '2027-03-01', reminderStatus: 'SENT' }), NOW)).toEqual({
      kind: 'none',
      reason: 'expiry, zone and status unchanged',
    });
  });

  it('cancellation and deletion cancel it', () => {
    expect(planReminder('MODIFY', sub(), sub({ status: 'cancelled' }), NOW)).toEqual({ kind: 'cancel', key: 'sub-1', reason: 'subscription cancelled' });
    expect(planReminder('REMOVE', sub(), undefined, NOW)).toEqual({ kind: 'cancel', key: 'sub-1', reason: 'subscription deleted' });
    expect(planReminder('MODIFY', sub({ status: 'cancelled' }), sub({ status: 'cancelled', plan: 'pro' }), NOW)).toEqual({
      kind: 'none',
      reason: 'still cancelled',
    });
  });

  it('a reactivated subscription gets its reminder back', () => {
    const action = planReminder('MODIFY', sub({ status: 'cancelled' }), sub(), NOW);
    expect(action).toMatchObject({ kind: 'reschedule', reason: 'subscription reactivated' });
  });

  it('no reminder when its time has passed; a pending one is cancelled', () => {
    const late = new Date('2027-02-26T07:59:30Z'); // 30 s before the reminder time
    expect(planReminder('INSERT', undefined, sub(), late)).toEqual({ kind: 'none', reason: 'reminder time 2027-02-26T08:00:00.000Z has passed' });
    expect(planReminder('MODIFY', sub({ expiresOn: '2027-06-01' }), sub(), late)).toEqual({
      kind: 'cancel',
      key: 'sub-1',
      reason: 'reminder time 2027-02-26T08:00:00.000Z has passed',
    });
  });

  it('unusable data is reported, not retried', () => {
    expect(planReminder('INSERT', undefined, sub({ timeZone: 'Europe/Pariss' }), NOW)).toEqual({
      kind: 'invalid',
      reason: 'subscription \'sub-1\': timeZone must be an IANA time zone such as \'Europe/Paris\' (got "Europe/Pariss")',
    });
    expect(planReminder('INSERT', undefined, sub({ expiresOn: '2027-02-30' }), NOW)).toEqual({
      kind: 'invalid',
      reason: 'subscription \'sub-1\': expiresOn must be a date YYYY-MM-DD (got "2027-02-30")',
    });
    expect(planReminder('REMOVE', {}, undefined, NOW)).toEqual({ kind: 'invalid', reason: 'removed item has no subscriptionId' });
  });
});

describe('parseSubscription', () => {
  it('names the missing field', () => {
    expect(() => parseSubscription({ subscriptionId: 'sub-9', status: 'active' })).toThrow(
      new SubscriptionDataError("subscription 'sub-9': email must be an email address (got nothing)"),
    );
  });
});
