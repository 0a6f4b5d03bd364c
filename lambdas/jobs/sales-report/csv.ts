/**
 * CSV for the sales reports (RFC 4180): comma-separated, CRLF line ends, a field that holds a
 * comma, a double quote, CR or LF is wrapped in double quotes with its quotes doubled. Money is
 * written as an exact decimal string built from integer cents (`1234` -> `12.34`). Pure.
 */
import { orderTotalCents, type Order } from './orders';

/** Columns of the report, one row per order line. */
export const CSV_COLUMNS = [
  'order_id',
  'created_at',
  'customer_id',
  'product_id',
  'product_name',
  'quantity',
  'unit_price',
  'line_total',
  'order_total',
] as const;

export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field, quoted only when it must be. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Integer cents as an exact decimal string with two places: `-5` -> `-0.05`, `123456` -> `1234.56`. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`formatCents: expected a whole number of cents, got ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100);
  const rest = abs - units * 100;
  return `${sign}${units}.${rest < 10 ? '0' : ''}${rest}`;
}

/** The CSV rows of one order (one per line), each ending in CRLF. An order without lines has none. */
export function orderCsvRows(order: Order): string {
  const id = csvField(order.orderId);
  const created = csvField(order.createdAt);
  const customer = csvField(order.customerId);
  const total = formatCents(orderTotalCents(order));
  let out = '';
  for (const line of order.lines) {
    out +=
      `${id},${created},${customer},${csvField(line.productId)},${csvField(line.name)},` +
      `${line.quantity},${formatCents(line.unitPriceCents)},${formatCents(line.quantity * line.unitPriceCents)},${total}\r\n`;
  }
  return out;
}
