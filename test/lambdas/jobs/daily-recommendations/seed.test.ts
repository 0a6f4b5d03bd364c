import { describe, expect, it } from 'vitest';
import { CooccurrenceBuilder, Recommender } from '../../../../lambdas/jobs/daily-recommendations/cooccurrence';
import { windowOf } from '../../../../lambdas/jobs/daily-recommendations/recommendations';
import { demoRecommendationOrders } from '../../../../lambdas/jobs/daily-recommendations/seed';
import { demoOrders } from '../../../../lambdas/jobs/sales-report/seed';

describe('demoRecommendationOrders (local-mode seed)', () => {
  const now = new Date('2026-12-02T08:00:00.000Z');

  it('is deterministic and stays inside the 90-day window, before the days the reports read', () => {
    const orders = demoRecommendationOrders(now);
    expect(demoRecommendationOrders(now)).toEqual(orders);
    expect(orders).toHaveLength(42 * 6);
    const window = windowOf(now, 90);
    const week = windowOf(new Date(now.getTime() + 7 * 86_400_000), 90);
    for (const o of orders) {
      expect(o.createdAt >= week.since && o.createdAt < window.until).toBe(true);
      expect(o.orderDay < demoOrders(now)[0].orderDay).toBe(true);
    }
  });

  it('gives the demo customers recommendations to make, together with the sales seed', () => {
    const orders = [...demoOrders(now), ...demoRecommendationOrders(now)];
    const builder = new CooccurrenceBuilder();
    const histories = new Map<string, string[]>();
    for (const o of orders) {
      builder.addOrder(o.lines.map((l) => l.productId));
      histories.set(o.customerId, [...(histories.get(o.customerId) ?? []), ...o.lines.map((l) => l.productId)]);
    }
    const recommender = new Recommender(builder.toModel());
    const lengths = [...histories.values()].map((h) => recommender.recommend(h, 10).length);
    expect(lengths.filter((n) => n > 0).length).toBeGreaterThanOrEqual(histories.size / 2);
  });
});
