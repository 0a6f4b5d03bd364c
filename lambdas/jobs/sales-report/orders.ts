/**
 * The orders table as the jobs read it: the item shape, its validation, and a paginated Query of
 * one day's orders on the date index. Shared by the sales reports and the loyalty-points job.
 *
 * Item (table key `orderId`; index `byDay`: partition `orderDay`, sort `createdAt`):
 * ```
 * { orderId: 'o-1001', orderDay: '2026-11-25', createdAt: '2026-11-25T13:05:09.120Z',
 *   customerId: 'c-42',
 *   lines: [{ productId: 'p-7', name: 'Espresso, double', quantity: 2, unitPriceCents: 350 }] }
 * ```
 * Amounts are integers in the currency's minor unit (cents), so sums are exact; an order's total
 * is the sum of its lines (quantity x unit price), never stored twice.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JobConfigurationError } from '../../runtime';
import { ScheduledJobsError } from '../../runtime';

/** Name of the date index on the orders table. */
export const ORDERS_BY_DAY_INDEX = 'byDay';

export interface OrderLine {
  readonly productId: string;
  readonly name: string;
  /** Units bought: a positive whole number. */
  readonly quantity: number;
  /** Price of one unit in cents: a whole number, zero or more. */
  readonly unitPriceCents: number;
}

export interface Order {
  readonly orderId: string;
  /** The UTC day of `createdAt`, `YYYY-MM-DD`: the index's partition key. */
  readonly orderDay: string;
  /** ISO-8601 instant in UTC: the index's sort key. */
  readonly createdAt: string;
  readonly customerId: string;
  readonly lines: readonly OrderLine[];
}

/** An item of the orders table does not have the shape the jobs rely on. */
export class OrderRecordError extends ScheduledJobsError {
  constructor(
    message: string,
    /** The order's id, when the item has one. */
    readonly orderId: string | undefined,
    /** The offending attribute, e.g. `lines[2].quantity`. */
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Set) return 'a set';
  return `a ${typeof value}`;
}

function fail(orderId: string | undefined, field: string, expected: string, got: unknown): never {
  const which = orderId === undefined ? 'an order item' : `order '${orderId}'`;
  throw new OrderRecordError(`${which}: ${field} must be ${expected} (got ${describe(got)})`, orderId, field);
}

function text(item: Record<string, unknown>, orderId: string | undefined, field: string): string {
  const value = item[field];
  if (typeof value !== 'string' || value.length === 0) fail(orderId, field, 'a non-empty string', value);
  return value;
}

/**
 * Checks one item read from the orders table (as the document client returns it) and returns it as
 * an `Order`. Throws `OrderRecordError` naming the order, the attribute, what was expected and what
 * came: a report built on a malformed order would be silently wrong.
 */
export function parseOrder(item: Record<string, unknown>): Order {
  const rawId = item.orderId;
  const orderId = typeof rawId === 'string' && rawId.length > 0 ? rawId : undefined;
  if (orderId === undefined) fail(undefined, 'orderId', 'a non-empty string', rawId);
  const orderDay = text(item, orderId, 'orderDay');
  const createdAt = text(item, orderId, 'createdAt');
  const customerId = text(item, orderId, 'customerId');
  const rawLines = item.lines;
  if (!Array.isArray(rawLines)) fail(orderId, 'lines', 'a list of order lines', rawLines);
  const lines: OrderLine[] = new Array(rawLines.length);
  for (let i = 0; i < rawLines.length; i++) {
    const raw = rawLines[i] as Record<string, unknown> | null;
    const at = `lines[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(orderId, at, 'a map', raw);
    const { productId, name, quantity, unitPriceCents } = raw;
    if (typeof productId !== 'string' || productId.length === 0) fail(orderId, `${at}.productId`, 'a non-empty string', productId);
    if (typeof name !== 'string') fail(orderId, `${at}.name`, 'a string', name);
    if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity <= 0) {
      fail(orderId, `${at}.quantity`, 'a whole number above 0', quantity);
    }
    if (typeof unitPriceCents !== 'number' || !Number.isSafeInteger(unitPriceCents) || unitPriceCents < 0) {
      fail(orderId, `${at}.unitPriceCents`, 'a whole number of cents, 0 or more', unitPriceCents);
    }
    lines[i] = { productId, name, quantity, unitPriceCents };
  }
  return { orderId, orderDay, createdAt, customerId, lines };
}

/** An order's total in cents: the sum of its lines. Throws if it leaves the exact integer range. */
export function orderTotalCents(order: Order): number {
  let total = 0;
  for (const line of order.lines) total += line.quantity * line.unitPriceCents;
  if (!Number.isSafeInteger(total)) {
    fail(order.orderId, 'lines', `a total below ${Number.MAX_SAFE_INTEGER} cents`, total);
  }
  return total;
}

/** Where the orders are: table and date-index names. */
export interface OrdersSource {
  readonly tableName: string;
  /** @default ORDERS_BY_DAY_INDEX */
  readonly indexName?: string;
}

/** The key a Query page stopped at; JSON-serialisable, so it can go into a checkpoint. */
export type PageKey = Record<string, unknown>;

/** One page of a day's orders, and the key to resume after it (absent on the last page). */
export interface OrdersPage {
  readonly orders: readonly Order[];
  readonly nextKey?: PageKey;
}

/**
 * Reads the orders of one UTC day (`YYYY-MM-DD`) page by page through a Query on the date index
 * (never a Scan), oldest first, starting after `startKey` when given. Each page is at most 1 MB
 * (DynamoDB's limit), so memory stays bounded whatever the day's volume. Throttling is retried
 * by the client's retry strategy.
 */
export async function* ordersOfDay(
  ddb: DynamoDBDocumentClient,
  source: OrdersSource,
  day: string,
  startKey?: PageKey,
): AsyncGenerator<OrdersPage> {
  let exclusiveStartKey = startKey;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: source.tableName,
        IndexName: source.indexName ?? ORDERS_BY_DAY_INDEX,
        KeyConditionExpression: 'orderDay = :day',
        ExpressionAttributeValues: { ':day': day },
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    const items = page.Items ?? [];
    const orders: Order[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) orders[i] = parseOrder(items[i]);
    exclusiveStartKey = page.LastEvaluatedKey;
    yield { orders, nextKey: exclusiveStartKey };
  } while (exclusiveStartKey !== undefined);
}

/** Environment variables through which the `ReportJobs` construct tells the jobs where the data is. */
export const BusinessEnv = {
  ORDERS_TABLE_NAME: 'ORDERS_TABLE_NAME',
  ORDERS_INDEX_NAME: 'ORDERS_INDEX_NAME',
  CUSTOMERS_TABLE_NAME: 'CUSTOMERS_TABLE_NAME',
  REPORTS_BUCKET_NAME: 'REPORTS_BUCKET_NAME',
} as const;

/** A required environment variable, or a `JobConfigurationError` naming it. */
export function requireEnv(name: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const value = env[name];
  if (!value) {
    throw new JobConfigurationError(`environment variable ${name}: expected a resource name, got nothing (the ReportJobs construct sets it)`);
  }
  return value;
}

/** The orders table and index named by the environment. */
export function ordersSourceFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): OrdersSource {
  return {
    tableName: requireEnv(BusinessEnv.ORDERS_TABLE_NAME, env),
    indexName: env[BusinessEnv.ORDERS_INDEX_NAME] || ORDERS_BY_DAY_INDEX,
  };
}
