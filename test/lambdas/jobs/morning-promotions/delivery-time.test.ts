import { describe, expect, it } from 'vitest';
import {
  addLocalDays,
  localDateOf,
  nextSendAfter,
  planDelivery,
  sendInstantOn,
} from '../../../../lambdas/jobs/morning-promotions/delivery-time';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);
const HOUR = 3_600_000;

describe('sendInstantOn: 08:00 on a local date, hand-worked', () => {
  it.each([
    // EU spring-forward, Sunday 28 March 2027 (01:00Z): Berlin CET +1 -> CEST +2, London GMT -> BST.
    ['2027-03-27', 'Europe/Berlin', '2027-03-27T07:00:00.000Z'],
    ['2027-03-28', 'Europe/Berlin', '2027-03-28T06:00:00.000Z'],
    ['2027-03-27', 'Europe/London', '2027-03-27T08:00:00.000Z'],
    ['2027-03-28', 'Europe/London', '2027-03-28T07:00:00.000Z'],
    // Sydney fall-back, Sunday 4 April 2027 03:00 AEDT (+11) -> 02:00 AEST (+10).
    ['2027-04-03', 'Australia/Sydney', '2027-04-02T21:00:00.000Z'],
    ['2027-04-04', 'Australia/Sydney', '2027-04-03T22:00:00.000Z'],
    // Chatham fall-back the same day, 03:45 +13:45 -> 02:45 +12:45.
    ['2027-04-03', 'Pacific/Chatham', '2027-04-02T18:15:00.000Z'],
    ['2027-04-04', 'Pacific/Chatham', '2027-04-03T19:15:00.000Z'],
    // US spring-forward, Sunday 14 March 2027: Los Angeles PST -8 -> PDT -7.
    ['2027-03-13', 'America/Los_Angeles', '2027-03-13T16:00:00.000Z'],
    ['2027-03-14', 'America/Los_Angeles', '2027-03-14T15:00:00.000Z'],
    // US fall-back, Sunday 7 November 2027: PDT -> PST.
    ['2027-11-06', 'America/Los_Angeles', '2027-11-06T15:00:00.000Z'],
    ['2027-11-07', 'America/Los_Angeles', '2027-11-07T16:00:00.000Z'],
    // Zones without daylight saving time, at quarter and half hours.
    ['2027-03-28', 'Asia/Kolkata', '2027-03-28T02:30:00.000Z'],
    ['2027-03-28', 'Asia/Kathmandu', '2027-03-28T02:15:00.000Z'],
    ['2027-03-28', 'America/Sao_Paulo', '2027-03-28T11:00:00.000Z'],
  ])('%s in %s is %s', (date, zone, expected) => {
    expect(iso(sendInstantOn(date, zone))).toBe(expected);
  });

  it('the days around a change are 23 or 25 hours apart, never 24 (adding 24 h would be wrong)', () => {
    const gap = (zone: string, from: string) => (sendInstantOn(addLocalDays(from, 1), zone) - sendInstantOn(from, zone)) / HOUR;
    expect(gap('Europe/Berlin', '2027-03-27')).toBe(23);
    expect(gap('America/Los_Angeles', '2027-03-13')).toBe(23);
    expect(gap('Australia/Sydney', '2027-04-03')).toBe(25);
    expect(gap('Pacific/Chatham', '2027-04-03')).toBe(25);
    expect(gap('America/Los_Angeles', '2027-11-06')).toBe(25);
    expect(gap('Asia/Kathmandu', '2027-03-27')).toBe(24);
  });
});

describe('local dates', () => {
  it('a UTC instant falls on the date of the recipient clock', () => {
    // 2027-04-03T19:15Z is 08:00 on 4 April in Chatham, 06:15 on 4 April in Sydney, 12:15 on 3 April in LA.
    expect(localDateOf(at('2027-04-03T19:15:00Z'), 'Pacific/Chatham')).toBe('2027-04-04');
    expect(localDateOf(at('2027-04-03T19:15:00Z'), 'Australia/Sydney')).toBe('2027-04-04');
    expect(localDateOf(at('2027-04-03T19:15:00Z'), 'America/Los_Angeles')).toBe('2027-04-03');
  });

  it('adds calendar days across month and year ends and 29 February', () => {
    expect(addLocalDays('2027-12-31', 1)).toBe('2028-01-01');
    expect(addLocalDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addLocalDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(() => addLocalDays('28/03/2027', 1)).toThrow('morning-promotions: a local date must be YYYY-MM-DD (got "28/03/2027")');
  });

  it('nextSendAfter is the first local 08:00 strictly after the instant', () => {
    // 07:59 Berlin on the spring-forward day -> 08:00 that day; exactly 08:00 -> the next day.
    expect(iso(nextSendAfter(at('2027-03-28T05:59:00Z'), 'Europe/Berlin'))).toBe('2027-03-28T06:00:00.000Z');
    expect(iso(nextSendAfter(at('2027-03-28T06:00:00Z'), 'Europe/Berlin'))).toBe('2027-03-29T06:00:00.000Z');
    // During Sydney's repeated hour (02:30 AEST, after the change) -> 08:00 AEST.
    expect(iso(nextSendAfter(at('2027-04-03T16:30:00Z'), 'Australia/Sydney'))).toBe('2027-04-03T22:00:00.000Z');
  });
});

describe('planDelivery', () => {
  const options = (slot: string, now = slot) => ({ slot: at(slot), now: at(now), maxLatenessMs: 4 * HOUR });

  it('due at its instant: sends the local date and rolls to the next local day 08:00', () => {
    expect(planDelivery(at('2027-03-27T07:00:00Z'), 'Europe/Berlin', options('2027-03-27T07:00:00Z'))).toEqual({
      action: 'send',
      localDate: '2027-03-27',
      next: at('2027-03-28T06:00:00Z'),
    });
    expect(planDelivery(at('2027-04-02T18:15:00Z'), 'Pacific/Chatham', options('2027-04-02T18:15:00Z'))).toEqual({
      action: 'send',
      localDate: '2027-04-03',
      next: at('2027-04-03T19:15:00Z'),
    });
  });

  it('not due before its instant (the run 15 minutes earlier leaves it)', () => {
    expect(planDelivery(at('2027-03-28T02:15:00Z'), 'Asia/Kathmandu', options('2027-03-28T02:00:00Z'))).toEqual({ action: 'not-due' });
  });

  it('a late run within the allowed lateness still sends that local date (a retry an hour later)', () => {
    const plan = planDelivery(at('2027-04-03T22:00:00Z'), 'Australia/Sydney', options('2027-04-03T22:00:00Z', '2027-04-03T23:10:00Z'));
    expect(plan).toEqual({ action: 'send', localDate: '2027-04-04', next: at('2027-04-04T22:00:00Z') });
  });

  it('past the lateness the day expires and the next send is the next 08:00 after now', () => {
    // Due 08:00 LA on 13 March; the job was off until 10:00Z on the 14th (03:00 PDT).
    const plan = planDelivery(at('2027-03-13T16:00:00Z'), 'America/Los_Angeles', options('2027-03-14T10:00:00Z'));
    expect(plan).toEqual({ action: 'expired', localDate: '2027-03-13', next: at('2027-03-14T15:00:00Z') });
  });

  it('one send per local day through every change: a simulated run every 15 minutes over two weeks', () => {
    for (const zone of ['Europe/Berlin', 'Europe/London', 'Australia/Sydney', 'Pacific/Chatham', 'America/Los_Angeles', 'Asia/Kathmandu']) {
      let next = nextSendAfter(at('2027-03-22T00:00:00Z'), zone);
      const sent: string[] = [];
      for (let slot = at('2027-03-22T00:00:00Z'); slot < at('2027-04-12T00:00:00Z'); slot += 15 * 60_000) {
        const plan = planDelivery(next, zone, { slot, now: slot, maxLatenessMs: 0 });
        if (plan.action === 'not-due') continue;
        expect(plan.action).toBe('send');
        if (plan.action !== 'send') break;
        // Sent exactly at 08:00 local.
        expect(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(slot)).toBe('08:00');
        sent.push(plan.localDate);
        next = plan.next;
      }
      const dates = new Set(sent);
      expect(dates.size).toBe(sent.length);
      expect(sent.length).toBeGreaterThanOrEqual(20);
      for (let i = 1; i < sent.length; i++) expect(sent[i]).toBe(addLocalDays(sent[i - 1]!, 1));
    }
  });
});
