/**
 * Running totals of a sales report and the JSON summary built from them. Exact: every amount is a
 * whole number of cents, and a sum that would leave JavaScript's exact integer range throws instead
 * of rounding. Memory grows with the number of distinct products, not with the number of orders.
 * Pure.
 */
import { formatCents } from './csv';
import type { Order } from './orders';
import type { ReportPeriod } from './period';

/** How many products the summary ranks. */
export const TOP_PRODUCTS = 10;

export interface ProductTotal {
  readonly productId: string;
  /** The name on the latest order line of the period. */
  readonly name: string;
  readonly quantity: number;
  readonly revenueCents: number;
  /** `revenueCents` as an exact decimal string. */
  readonly revenue: string;
}

/** The JSON summary written next to the CSV. */
export interface SalesSummary {
  readonly period: ReportPeriod['kind'];
  readonly label: string;
  readonly from: string;
  readonly to: string;
  readonly csvKey: string;
  readonly orderCount: number;
  readonly lineCount: number;
  readonly unitCount: number;
  readonly revenueCents: number;
  readonly revenue: string;
  /** Up to 10 products by revenue (then units, then product id), highest first. */
  readonly topProducts: readonly ProductTotal[];
}

/** The totals as JSON, to carry them across invocations: `[productId, name, quantity, cents]`. */
export interface SalesTotalsState {
  readonly orders: number;
  readonly lines: number;
  readonly units: number;
  readonly revenueCents: number;
  readonly products: readonly (readonly [string, string, number, number])[];
}

interface ProductAccumulator {
  name: string;
  quantity: number;
  revenueCents: number;
}

function exact(what: string, value: number): number {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`sales totals: ${what} left the exact integer range (${Number.MAX_SAFE_INTEGER})`);
  }
  return value;
}

export class SalesTotals {
  private orders = 0;
  private lines = 0;
  private units = 0;
  private revenueCents = 0;
  private readonly products = new Map<string, ProductAccumulator>();

  /** Rebuilds totals saved with `toState()`. */
  static fromState(state: SalesTotalsState): SalesTotals {
    const totals = new SalesTotals();
    totals.orders = state.orders;
    totals.lines = state.lines;
    totals.units = state.units;
    totals.revenueCents = state.revenueCents;
    for (const [productId, name, quantity, revenueCents] of state.products) {
      totals.products.set(productId, { name, quantity, revenueCents });
    }
    return totals;
  }

  add(order: Order): void {
    this.orders++;
    for (const line of order.lines) {
      const cents = line.quantity * line.unitPriceCents;
      this.lines++;
      this.units = exact('the unit count', this.units + line.quantity);
      this.revenueCents = exact('revenue', this.revenueCents + cents);
      const product = this.products.get(line.productId);
      if (product === undefined) {
        this.products.set(line.productId, { name: line.name, quantity: line.quantity, revenueCents: exact('revenue', cents) });
      } else {
        product.name = line.name;
        product.quantity += line.quantity;
        product.revenueCents += cents;
      }
    }
  }

  toState(): SalesTotalsState {
    return {
      orders: this.orders,
      lines: this.lines,
      units: this.units,
      revenueCents: this.revenueCents,
      products: [...this.products].map(([id, p]) => [id, p.name, p.quantity, p.revenueCents] as const),
    };
  }

  /** The `count` best-selling products by revenue, then units, then product id. */
  topProducts(count = TOP_PRODUCTS): ProductTotal[] {
    return [...this.products]
      .sort(([idA, a], [idB, b]) => b.revenueCents - a.revenueCents || b.quantity - a.quantity || (idA < idB ? -1 : idA > idB ? 1 : 0))
      .slice(0, count)
      .map(([productId, p]) => ({
        productId,
        name: p.name,
        quantity: p.quantity,
        revenueCents: p.revenueCents,
        revenue: formatCents(p.revenueCents),
      }));
  }

  summary(period: ReportPeriod): SalesSummary {
    return {
      period: period.kind,
      label: period.label,
      from: period.from,
      to: period.to,
      csvKey: period.csvKey,
      orderCount: this.orders,
      lineCount: this.lines,
      unitCount: this.units,
      revenueCents: this.revenueCents,
      revenue: formatCents(this.revenueCents),
      topProducts: this.topProducts(),
    };
  }
}
