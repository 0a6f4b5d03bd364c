import { describe, expect, it } from 'vitest';
import {
  CooccurrenceBuilder,
  CooccurrenceModelError,
  recommend,
  Recommender,
  validateModel,
} from '../../../../lambdas/jobs/daily-recommendations/cooccurrence';
import { bruteForceRecommendations, type OracleOrder } from '../../../support/recommendations-oracle';

function modelOf(orders: readonly OracleOrder[]) {
  const builder = new CooccurrenceBuilder();
  for (const o of orders) builder.addOrder(o.productIds);
  return builder.toModel();
}

/** A seeded linear congruential generator: the same orders on every run. */
function randomOrders(seed: number, customers: number, products: number, count: number): OracleOrder[] {
  let state = seed >>> 0;
  const next = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  return Array.from({ length: count }, () => ({
    customerId: `c-${next(customers)}`,
    productIds: Array.from({ length: 1 + next(4) }, () => `p-${String(next(products)).padStart(3, '0')}`),
  }));
}

describe('CooccurrenceBuilder', () => {
  it('counts each order once per ordered pair of distinct products', () => {
    // Prepare: p-a with p-b twice (one order repeats p-a on two lines), p-b with p-c once
    const model = modelOf([
      { customerId: 'c1', productIds: ['p-b', 'p-a', 'p-a'] },
      { customerId: 'c2', productIds: ['p-a', 'p-b'] },
      { customerId: 'c2', productIds: ['p-c', 'p-b'] },
      { customerId: 'c3', productIds: ['p-d'] },
    ]);
    // Assess
    expect(model).toEqual({
      products: ['p-a', 'p-b', 'p-c', 'p-d'],
      neighbours: [[[1, 2]], [[0, 2], [2, 1]], [[1, 1]], []],
      orders: 4,
    });
    expect(validateModel(model)).toBe(model);
  });
});

describe('recommend', () => {
  it('scores by summed co-occurrence, excludes what was bought, breaks ties by product id', () => {
    const model = modelOf([
      { customerId: 'x', productIds: ['mug', 'beans', 'filter'] },
      { customerId: 'y', productIds: ['mug', 'tea'] },
      { customerId: 'y', productIds: ['beans', 'grinder'] },
      { customerId: 'z', productIds: ['beans', 'tea'] },
    ]);
    // mug+beans bought: filter 1+1, tea 1+1, grinder 0+1 -> filter and tea tie at 2, filter first
    expect(recommend(model, ['mug', 'beans', 'mug'])).toEqual([
      { productId: 'filter', score: 2 },
      { productId: 'tea', score: 2 },
      { productId: 'grinder', score: 1 },
    ]);
    expect(recommend(model, ['mug', 'beans'], 1)).toEqual([{ productId: 'filter', score: 2 }]);
    expect(recommend(model, ['unknown-product'])).toEqual([]);
    expect(recommend(model, [])).toEqual([]);
  });

  it('equals the brute-force computation on 3,000 random orders (top 10 of every customer)', () => {
    const orders = randomOrders(42, 200, 60, 3000);
    const model = modelOf(orders);
    const recommender = new Recommender(model);
    const expected = bruteForceRecommendations(orders, 10);
    const histories = new Map<string, string[]>();
    for (const o of orders) histories.set(o.customerId, [...(histories.get(o.customerId) ?? []), ...o.productIds]);
    expect(histories.size).toBe(expected.size);
    for (const [customer, history] of histories) {
      expect(recommender.recommend(history, 10), customer).toEqual(expected.get(customer));
    }
  });

  it('equals the brute force with few products, where ties are everywhere', () => {
    const orders = randomOrders(7, 50, 6, 120);
    const model = modelOf(orders);
    const expected = bruteForceRecommendations(orders, 3);
    const histories = new Map<string, string[]>();
    for (const o of orders) histories.set(o.customerId, [...(histories.get(o.customerId) ?? []), ...o.productIds]);
    for (const [customer, history] of histories) expect(recommend(model, history, 3), customer).toEqual(expected.get(customer));
  });
});

describe('validateModel', () => {
  it('rejects unsorted products, bad rows and out-of-range entries', () => {
    expect(() => validateModel({ products: ['b', 'a'], neighbours: [[], []], orders: 1 })).toThrow(
      new CooccurrenceModelError("model products must be sorted and distinct (at 1: 'a')"),
    );
    expect(() => validateModel({ products: ['a'], neighbours: [], orders: 1 })).toThrow('model has 1 products but 0 neighbour rows');
    expect(() => validateModel({ products: ['a', 'b'], neighbours: [[[1, 0]], []], orders: 1 })).toThrow(
      "model row of 'a' has an invalid entry [1, 0]",
    );
    expect(() => validateModel({ products: ['a', 'b'], neighbours: [[[0, 1]], []], orders: 1 })).toThrow(
      "model row of 'a' has an invalid entry [0, 1]",
    );
  });
});
