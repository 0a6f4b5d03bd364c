/**
 * Item-to-item co-occurrence ("bought together"), the daily recommendations' model. Pure: no SDK,
 * no clock.
 *
 * - The model counts, for every ordered pair of distinct products (i, j), the orders that contain
 *   both. It is built once per run from the window's orders ({@link CooccurrenceBuilder}) and is
 *   bounded by the catalogue (products x products actually bought together), never by the number
 *   of orders, lines or customers.
 * - A customer's recommendations ({@link recommend}): every product j the customer did not buy in
 *   the window is scored `sum over the products i the customer bought of count(i, j)`; the top N by
 *   score, ties broken by product id (ascending, by UTF-16 code units, as `<` compares), products
 *   with score 0 never recommended.
 */

/** The serialised model, written to S3 by the plan step and read by every worker. */
export interface CooccurrenceModel {
  /** Every product seen in the window, sorted (so an index order is the product-id order). */
  readonly products: readonly string[];
  /**
   * `neighbours[i]` lists `[j, count]` for every product j bought together with `products[i]` in
   * `count` orders, sorted by j.
   */
  readonly neighbours: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  /** Orders counted. */
  readonly orders: number;
}

/** One recommended product. */
export interface Recommendation {
  readonly productId: string;
  /** Orders, summed over the customer's products, in which this product was bought with one of them. */
  readonly score: number;
}

/** The model's counts are inconsistent (a hand-written or truncated model file). */
export class CooccurrenceModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CooccurrenceModelError';
  }
}

/** Accumulates orders into a model; memory grows with distinct product pairs only. */
export class CooccurrenceBuilder {
  private readonly pairs = new Map<string, Map<string, number>>();
  private orderCount = 0;

  /** Counts one order: its distinct products (a product on two lines counts once). */
  addOrder(productIds: Iterable<string>): void {
    const distinct = [...new Set(productIds)];
    this.orderCount++;
    for (const i of distinct) {
      let row = this.pairs.get(i);
      if (!row) this.pairs.set(i, (row = new Map()));
      for (const j of distinct) if (j !== i) row.set(j, (row.get(j) ?? 0) + 1);
    }
  }

  /** The model of every order added so far. */
  toModel(): CooccurrenceModel {
    const products = [...this.pairs.keys()].sort(compareIds);
    const index = new Map(products.map((p, i) => [p, i]));
    const neighbours = products.map((p) =>
      [...(this.pairs.get(p) as Map<string, number>)]
        .map(([q, count]) => [index.get(q) as number, count] as const)
        .sort((a, b) => a[0] - b[0]),
    );
    return { products, neighbours, orders: this.orderCount };
  }
}

/** The plain `<` order of product ids (locale-independent, so every worker sorts alike). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Checks a model read back from storage: indexes in range, counts positive, rows sorted. */
export function validateModel(model: CooccurrenceModel): CooccurrenceModel {
  const n = model.products.length;
  if (model.neighbours.length !== n) {
    throw new CooccurrenceModelError(`model has ${n} products but ${model.neighbours.length} neighbour rows`);
  }
  for (let i = 1; i < n; i++) {
    if (compareIds(model.products[i - 1], model.products[i]) >= 0) {
      throw new CooccurrenceModelError(`model products must be sorted and distinct (at ${i}: '${model.products[i]}')`);
    }
  }
  model.neighbours.forEach((row, i) => {
    let last = -1;
    for (const [j, count] of row) {
      if (!Number.isInteger(j) || j <= last || j >= n || j === i || !Number.isInteger(count) || count < 1) {
        throw new CooccurrenceModelError(`model row of '${model.products[i]}' has an invalid entry [${j}, ${count}]`);
      }
      last = j;
    }
  });
  return model;
}

/** Looks products up by id in a model; built once per model and reused for every customer. */
export class Recommender {
  private readonly index: Map<string, number>;

  constructor(private readonly model: CooccurrenceModel) {
    this.index = new Map(model.products.map((p, i) => [p, i]));
  }

  /**
   * The top `limit` products for a customer who bought `history` (any order, repeats allowed)
   * in the window. Products absent from the model (bought after the model was built) add nothing.
   */
  recommend(history: Iterable<string>, limit = 10): Recommendation[] {
    const bought = new Set<number>();
    for (const p of history) {
      const i = this.index.get(p);
      if (i !== undefined) bought.add(i);
    }
    const scores = new Map<number, number>();
    for (const i of bought) {
      for (const [j, count] of this.model.neighbours[i]) {
        if (!bought.has(j)) scores.set(j, (scores.get(j) ?? 0) + count);
      }
    }
    // Product indexes are in product-id order, so the index breaks ties.
    return [...scores]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, limit)
      .map(([j, score]) => ({ productId: this.model.products[j], score }));
  }
}

/** {@link Recommender.recommend} for a single customer (builds the index each call). */
export function recommend(model: CooccurrenceModel, history: Iterable<string>, limit = 10): Recommendation[] {
  return new Recommender(model).recommend(history, limit);
}
