import { describe, expect, it } from 'vitest';
import { addOrderPoints, loyaltyWeek, orderPoints, parseLoyaltyPayload } from '../../../../lambdas/jobs/loyalty-points/points';
import type { Order } from '../../../../lambdas/jobs/sales-report/orders';

function order(customerId: string, cents: number): Order {
  return {
    orderId: `o-${customerId}-${cents}`,
    orderDay: '2026-11-25',
    createdAt: '2026-11-25T12:00:00.000Z',
    customerId,
    lines: [{ productId: 'p', name: 'P', quantity: 1, unitPriceCents: cents }],
  };
}

describe('loyaltyWeek', () => {
  it('is the Sunday-to-Saturday week before the scheduled Sunday 03:00 run', () => {
    // 2026-11-29 is a Sunday.
    expect(loyaltyWeek(new Date('2026-11-29T03:00:00.000Z'))).toEqual({
      id: '2026-11-22',
      days: ['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'],
    });
  });

  it('gives a manual run later in the week the same week, never an overlapping one', () => {
    for (const slot of ['2026-11-29T00:00:00.000Z', '2026-12-02T15:30:00.000Z', '2026-12-05T23:59:59.000Z']) {
      expect(loyaltyWeek(new Date(slot)).id).toBe('2026-11-22');
    }
    expect(loyaltyWeek(new Date('2026-12-06T00:00:00.000Z')).id).toBe('2026-11-29');
  });

  it('crosses month and year ends', () => {
    // 2027-01-03 is a Sunday; the week before runs from 2026-12-27 to 2027-01-02.
    const week = loyaltyWeek(new Date('2027-01-03T03:00:00.000Z'));
    expect(week.id).toBe('2026-12-27');
    expect(week.days.at(-1)).toBe('2027-01-02');
  });
});

describe('points', () => {
  it('earns one point per whole currency unit of each order', () => {
    expect(orderPoints(order('c', 1299), 100)).toBe(12);
    expect(orderPoints(order('c', 99), 100)).toBe(0);
    expect(orderPoints(order('c', 100), 100)).toBe(1);
    expect(orderPoints(order('c', 1299), 50)).toBe(25);
  });

  it('sums per customer, per order (two orders of 0.99 earn nothing)', () => {
    const points = new Map<string, number>();
    addOrderPoints(points, [order('a', 1299), order('a', 250), order('b', 99), order('b', 99), order('c', 10_000)], 100);
    expect([...points]).toEqual([['a', 14], ['c', 100]]);
  });
});

describe('parseLoyaltyPayload', () => {
  it('defaults to 100 cents per point', () => {
    expect(parseLoyaltyPayload(undefined)).toEqual({ centsPerPoint: 100 });
    expect(parseLoyaltyPayload({})).toEqual({ centsPerPoint: 100 });
    expect(parseLoyaltyPayload({ centsPerPoint: 50 })).toEqual({ centsPerPoint: 50 });
  });

  it('rejects a bad rule, naming the field', () => {
    expect(() => parseLoyaltyPayload({ centsPerPoint: 0 })).toThrow('payload.centsPerPoint: expected a whole number of cents >= 1, got 0');
    expect(() => parseLoyaltyPayload({ centsPerPoint: '100' })).toThrow('payload.centsPerPoint: expected a whole number of cents >= 1, got "100"');
    expect(() => parseLoyaltyPayload({ points: 1 })).toThrow('payload.points: not a loyalty-points field (expected only centsPerPoint)');
    expect(() => parseLoyaltyPayload('x')).toThrow('payload: expected an object like {"centsPerPoint":100}, got "x"');
  });
});
