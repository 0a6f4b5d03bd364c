import { describe, expect, it } from 'vitest';
import type { Order } from '../../../../lambdas/jobs/sales-report/orders';
import { dayPeriod } from '../../../../lambdas/jobs/sales-report/period';
import { SalesTotals } from '../../../../lambdas/jobs/sales-report/totals';

function order(orderId: string, lines: [string, string, number, number][]): Order {
  return {
    orderId,
    orderDay: '2026-11-25',
    createdAt: '2026-11-25T12:00:00.000Z',
    customerId: 'c-1',
    lines: lines.map(([productId, name, quantity, unitPriceCents]) => ({ productId, name, quantity, unitPriceCents })),
  };
}

describe('SalesTotals', () => {
  it('sums revenue exactly where floating point would not (0.10 + 0.20)', () => {
    const totals = new SalesTotals();
    totals.add(order('o-1', [['p-a', 'A', 1, 10]]));
    totals.add(order('o-2', [['p-b', 'B', 1, 20]]));
    const summary = totals.summary(dayPeriod('2026-11-25'));
    expect(summary.revenueCents).toBe(30);
    expect(summary.revenue).toBe('0.30');
    expect(0.1 + 0.2).not.toBe(0.3); // what decimal money in floats would have produced
  });

  it('counts orders, lines and units, and ranks the top 10 products by revenue, then units, then id', () => {
    const totals = new SalesTotals();
    // 12 products p-01..p-12; p-k sells k units at 100 cents, so revenue rises with k.
    for (let k = 1; k <= 12; k++) {
      const id = `p-${String(k).padStart(2, '0')}`;
      totals.add(order(`o-${k}`, [[id, `Product ${k}`, k, 100]]));
    }
    // ties: p-x and p-y both 1,200 cents like p-12; p-x has more units, p-y the same units as p-12 (12).
    totals.add(order('o-x', [['p-x', 'X', 24, 50]]));
    totals.add(order('o-y', [['p-y', 'Y', 12, 100]]));
    const s = totals.summary(dayPeriod('2026-11-25'));
    expect(s.orderCount).toBe(14);
    expect(s.lineCount).toBe(14);
    expect(s.unitCount).toBe(78 + 24 + 12); // 1+..+12 = 78
    expect(s.revenueCents).toBe(7800 + 1200 + 1200);
    expect(s.revenue).toBe('102.00');
    expect(s.topProducts.map((p) => p.productId)).toEqual([
      'p-x', 'p-12', 'p-y', 'p-11', 'p-10', 'p-09', 'p-08', 'p-07', 'p-06', 'p-05',
    ]);
    expect(s.topProducts[1]).toEqual({ productId: 'p-12', name: 'Product 12', quantity: 12, revenueCents: 1200, revenue: '12.00' });
  });

  it('keeps the latest name of a product and merges its lines across orders', () => {
    const totals = new SalesTotals();
    totals.add(order('o-1', [['p-1', 'Old name', 2, 150], ['p-1', 'Old name', 1, 150]]));
    totals.add(order('o-2', [['p-1', 'New name', 3, 200]]));
    expect(totals.topProducts()).toEqual([{ productId: 'p-1', name: 'New name', quantity: 6, revenueCents: 1050, revenue: '10.50' }]);
  });

  it('round-trips through its JSON state', () => {
    const totals = new SalesTotals();
    totals.add(order('o-1', [['p-1', 'One', 2, 150], ['p-2', 'Two', 1, 999]]));
    const restored = SalesTotals.fromState(JSON.parse(JSON.stringify(totals.toState())));
    restored.add(order('o-2', [['p-2', 'Two', 1, 1]]));
    const s = restored.summary(dayPeriod('2026-11-25'));
    expect(s.orderCount).toBe(2);
    expect(s.revenueCents).toBe(300 + 999 + 1);
    expect(s.topProducts.map((p) => [p.productId, p.revenueCents])).toEqual([['p-2', 1000], ['p-1', 300]]);
  });

  it('throws instead of rounding when revenue leaves the exact integer range', () => {
    const totals = new SalesTotals();
    totals.add(order('o-1', [['p-1', 'Big', 1, Number.MAX_SAFE_INTEGER - 1]]));
    expect(() => totals.add(order('o-2', [['p-2', 'More', 1, 5]]))).toThrow(
      'sales totals: revenue left the exact integer range (9007199254740991)',
    );
  });

  it('summarises an empty period', () => {
    expect(new SalesTotals().summary(dayPeriod('2026-11-25'))).toEqual({
      period: 'day',
      label: '2026-11-25',
      from: '2026-11-25T00:00:00.000Z',
      to: '2026-11-26T00:00:00.000Z',
      csvKey: 'reports/daily/2026-11-25.csv',
      orderCount: 0,
      lineCount: 0,
      unitCount: 0,
      revenueCents: 0,
      revenue: '0.00',
      topProducts: [],
    });
  });
});
