import { describe, expect, it } from 'vitest';
import { planDelivery } from '../../../../lambdas/jobs/morning-promotions/delivery-time';
import { DUE_BUCKETS } from '../../../../lambdas/jobs/morning-promotions/promotions';
import { DEMO_ZONES, demoRecipients } from '../../../../lambdas/jobs/morning-promotions/seed';

const localTime = (instant: string, zone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(new Date(instant));

describe('demoRecipients (local-mode seed)', () => {
  const now = new Date('2027-03-25T12:00:00.000Z');
  const recipients = demoRecipients(now);

  it('two recipients in each of the eight zones, three opted out, unique ids and addresses', () => {
    expect(recipients).toHaveLength(16);
    expect(new Set(recipients.map((r) => r.timeZone))).toEqual(new Set(DEMO_ZONES));
    expect(DEMO_ZONES).toEqual(expect.arrayContaining(['America/Los_Angeles', 'America/Sao_Paulo', 'Asia/Kathmandu', 'Pacific/Chatham']));
    expect(recipients.filter((r) => r.optedOut).map((r) => r.timeZone)).toEqual(['Europe/Berlin', 'Asia/Kathmandu', 'Pacific/Chatham']);
    expect(new Set(recipients.map((r) => r.recipientId)).size).toBe(16);
    expect(new Set(recipients.map((r) => r.email)).size).toBe(16);
  });

  it('each is due at its next local 08:00 after the start, in a due bucket', () => {
    for (const r of recipients) {
      expect(localTime(r.nextSendAt, r.timeZone)).toBe('08:00');
      expect(Date.parse(r.nextSendAt)).toBeGreaterThan(now.getTime());
      expect(Date.parse(r.nextSendAt) - now.getTime()).toBeLessThanOrEqual(86_400_000);
      expect(DUE_BUCKETS).toContain(r.dueBucket);
    }
  });

  it('a simulated week of 15-minute runs sends 7 promotions to each recipient still opted in, across the EU change', () => {
    const next = new Map(recipients.filter((r) => !r.optedOut).map((r) => [r.recipientId, Date.parse(r.nextSendAt)]));
    const sent = new Map<string, number>();
    const start = now.getTime() - (now.getTime() % 900_000);
    for (let slot = start; slot <= start + 7 * 86_400_000; slot += 900_000) {
      for (const r of recipients) {
        const due = next.get(r.recipientId);
        if (due === undefined) continue;
        const plan = planDelivery(due, r.timeZone, { slot, now: slot, maxLatenessMs: 0 });
        if (plan.action !== 'send') continue;
        sent.set(r.recipientId, (sent.get(r.recipientId) ?? 0) + 1);
        next.set(r.recipientId, plan.next);
      }
    }
    expect([...sent.values()]).toEqual(Array(13).fill(7));
  });

  it('is deterministic', () => {
    expect(demoRecipients(now)).toEqual(recipients);
  });
});
