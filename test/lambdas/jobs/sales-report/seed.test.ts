import { describe, expect, it } from 'vitest';
import { parseOrder } from '../../../../lambdas/jobs/sales-report/orders';
import { demoOrders } from '../../../../lambdas/jobs/sales-report/seed';

describe('demoOrders (local-mode seed)', () => {
  const now = new Date('2026-11-26T09:30:00.000Z');
  const orders = demoOrders(now);

  it('writes 20 valid orders a day for the 40 days before local time starts', () => {
    expect(orders).toHaveLength(800);
    for (const order of orders) expect(parseOrder(order as unknown as Record<string, unknown>)).toEqual(order);
    const days = [...new Set(orders.map((o) => o.orderDay))];
    expect(days).toHaveLength(40);
    expect(days[0]).toBe('2026-10-17');
    expect(days.at(-1)).toBe('2026-11-25');
    for (const order of orders) expect(order.createdAt.slice(0, 10)).toBe(order.orderDay);
  });

  it('is deterministic and has unique order ids', () => {
    expect(demoOrders(now)).toEqual(orders);
    expect(new Set(orders.map((o) => o.orderId)).size).toBe(orders.length);
  });
});
