/**
 * Brute-force "bought together" recommendations, written without the co-occurrence model so the
 * model can be checked against it: for a customer who bought the set H in the window, a product
 * j outside H scores, over every order o containing j, the number of H's products in o (which is
 * the sum over i in H of the orders containing both i and j). Top `limit` by score, then by id.
 */
export interface OracleOrder {
  readonly customerId: string;
  readonly productIds: readonly string[];
}

export function bruteForceRecommendations(
  orders: readonly OracleOrder[],
  limit = 10,
): Map<string, Array<{ productId: string; score: number }>> {
  const histories = new Map<string, Set<string>>();
  for (const o of orders) {
    const h = histories.get(o.customerId) ?? new Set<string>();
    for (const p of o.productIds) h.add(p);
    histories.set(o.customerId, h);
  }
  const ordersOf = new Map<string, number[]>();
  const productSets = orders.map((o) => [...new Set(o.productIds)]);
  productSets.forEach((products, index) => {
    for (const p of products) {
      const list = ordersOf.get(p) ?? [];
      list.push(index);
      ordersOf.set(p, list);
    }
  });
  const result = new Map<string, Array<{ productId: string; score: number }>>();
  for (const [customer, bought] of histories) {
    // Only orders that contain one of the customer's products can score anything.
    const touching = new Set<number>();
    for (const p of bought) for (const index of ordersOf.get(p) ?? []) touching.add(index);
    const scores = new Map<string, number>();
    for (const index of touching) {
      const products = productSets[index];
      let overlap = 0;
      for (const p of products) if (bought.has(p)) overlap++;
      for (const j of products) if (!bought.has(j)) scores.set(j, (scores.get(j) ?? 0) + overlap);
    }
    const ranked = [...scores]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, limit)
      .map(([productId, score]) => ({ productId, score }));
    result.set(customer, ranked);
  }
  return result;
}
