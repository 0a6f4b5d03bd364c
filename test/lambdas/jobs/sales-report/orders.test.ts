import { describe, expect, it } from 'vitest';
import { OrderRecordError, ordersSourceFromEnv, orderTotalCents, parseOrder, requireEnv } from '../../../../lambdas/jobs/sales-report/orders';
import { JobConfigurationError } from '../../../../lambdas/runtime';

const good = {
  orderId: 'o-1',
  orderDay: '2026-11-25',
  createdAt: '2026-11-25T08:00:00.000Z',
  customerId: 'c-1',
  lines: [
    { productId: 'p-1', name: 'Tea', quantity: 3, unitPriceCents: 333 },
    { productId: 'p-2', name: '', quantity: 1, unitPriceCents: 0 },
  ],
};

describe('parseOrder', () => {
  it('returns the order with its lines', () => {
    expect(parseOrder(good)).toEqual(good);
    expect(orderTotalCents(parseOrder(good))).toBe(999);
  });

  it.each([
    [{ ...good, orderId: '' }, 'orderId', 'an order item: orderId must be a non-empty string (got "")'],
    [{ ...good, customerId: 7 }, 'customerId', "order 'o-1': customerId must be a non-empty string (got 7)"],
    [{ ...good, lines: 'x' }, 'lines', `order 'o-1': lines must be a list of order lines (got "x")`],
    [{ ...good, lines: [null] }, 'lines[0]', "order 'o-1': lines[0] must be a map (got null)"],
    [
      { ...good, lines: [{ ...good.lines[0] }, { ...good.lines[0], quantity: 1.5 }] },
      'lines[1].quantity',
      "order 'o-1': lines[1].quantity must be a whole number above 0 (got 1.5)",
    ],
    [
      { ...good, lines: [{ ...good.lines[0], unitPriceCents: 12.5 }] },
      'lines[0].unitPriceCents',
      "order 'o-1': lines[0].unitPriceCents must be a whole number of cents, 0 or more (got 12.5)",
    ],
    [
      { ...good, lines: [{ ...good.lines[0], productId: undefined }] },
      'lines[0].productId',
      "order 'o-1': lines[0].productId must be a non-empty string (got nothing)",
    ],
  ])('rejects a malformed item (%#) naming order and attribute', (item, field, message) => {
    let caught: unknown;
    try {
      parseOrder(item as Record<string, unknown>);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OrderRecordError);
    expect((caught as OrderRecordError).field).toBe(field);
    expect((caught as Error).message).toBe(message);
  });
});

describe('configuration from the environment', () => {
  it('reads the orders table and index the construct sets, defaulting the index to byDay', () => {
    expect(ordersSourceFromEnv({ ORDERS_TABLE_NAME: 'orders-1', ORDERS_INDEX_NAME: 'byDayV2' })).toEqual({ tableName: 'orders-1', indexName: 'byDayV2' });
    expect(ordersSourceFromEnv({ ORDERS_TABLE_NAME: 'orders-1' })).toEqual({ tableName: 'orders-1', indexName: 'byDay' });
  });

  it('names a missing variable', () => {
    expect(() => requireEnv('REPORTS_BUCKET_NAME', {})).toThrow(JobConfigurationError);
    expect(() => ordersSourceFromEnv({})).toThrow(
      'environment variable ORDERS_TABLE_NAME: expected a resource name, got nothing (the ReportJobs construct sets it)',
    );
  });
});
