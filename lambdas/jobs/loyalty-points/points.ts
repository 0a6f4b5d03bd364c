/**
 * The loyalty rule and the week it applies to. Pure: no SDK, tested without mocks.
 *
 * Rule: each order earns one point per whole `centsPerPoint` of its total (default 100 cents, i.e.
 * one point per whole currency unit; an order of 12.99 earns 12 points). A customer's points for a
 * week are the sum over their orders of that week.
 *
 * Week: Sunday 00:00 UTC to the next Sunday 00:00 UTC; a run reports the last complete week before
 * its slot's day. The scheduled Sunday 03:00 run therefore covers the 7 days before it, and a
 * manual run later that week covers the same week again (so it cannot award a different,
 * overlapping window). A week is named after its first day: `2026-11-22`.
 */
import { orderTotalCents, type Order } from '../sales-report/orders';
import { consecutiveDays, startOfUtcDay, utcDay } from '../sales-report/period';
import { ScheduledJobsError } from '../../runtime';

const DAY_MS = 86_400_000;

export interface LoyaltyWeek {
  /** The week's first day (a Sunday), `YYYY-MM-DD`: the id recorded on each customer. */
  readonly id: string;
  /** Its seven UTC days, Sunday to Saturday. */
  readonly days: readonly string[];
}

/** The last complete Sunday-to-Saturday UTC week before the day of `slot`. */
export function loyaltyWeek(slot: Date): LoyaltyWeek {
  const dayStart = startOfUtcDay(slot);
  const weekEnd = dayStart - new Date(dayStart).getUTCDay() * DAY_MS; // the Sunday on or before the slot
  const weekStart = weekEnd - 7 * DAY_MS;
  return { id: utcDay(weekStart), days: consecutiveDays(weekStart, 7) };
}

/** Points one order earns. */
export function orderPoints(order: Order, centsPerPoint: number): number {
  return Math.floor(orderTotalCents(order) / centsPerPoint);
}

/** Adds the points of `orders` to `points` (customer id -> points), skipping orders that earn none. */
export function addOrderPoints(points: Map<string, number>, orders: Iterable<Order>, centsPerPoint: number): void {
  for (const order of orders) {
    const earned = orderPoints(order, centsPerPoint);
    if (earned > 0) points.set(order.customerId, (points.get(order.customerId) ?? 0) + earned);
  }
}

/** The job's payload: `{}` for the default rule, or `{ "centsPerPoint": 50 }`. */
export interface LoyaltyPayload {
  /**
   * Cents of order total per point.
   * @default 100
   */
  readonly centsPerPoint: number;
}

export const DEFAULT_CENTS_PER_POINT = 100;

/** The payload is not a valid loyalty rule. */
export class LoyaltyPayloadError extends ScheduledJobsError {}

/** Validates the raw payload (absent or `{}` means the default rule). */
export function parseLoyaltyPayload(raw: unknown): LoyaltyPayload {
  if (raw === undefined || raw === null) return { centsPerPoint: DEFAULT_CENTS_PER_POINT };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LoyaltyPayloadError(`payload: expected an object like {"centsPerPoint":100}, got ${JSON.stringify(raw)}`);
  }
  const { centsPerPoint = DEFAULT_CENTS_PER_POINT, ...rest } = raw as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new LoyaltyPayloadError(`payload.${extra[0]}: not a loyalty-points field (expected only centsPerPoint)`);
  if (typeof centsPerPoint !== 'number' || !Number.isSafeInteger(centsPerPoint) || centsPerPoint < 1) {
    throw new LoyaltyPayloadError(`payload.centsPerPoint: expected a whole number of cents >= 1, got ${JSON.stringify(centsPerPoint)}`);
  }
  return { centsPerPoint };
}
