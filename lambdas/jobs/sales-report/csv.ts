/**
 * CSV for the sales reports (RFC 4180): comma-separated, CRLF line ends, a field that holds a
 * comma, a double quote, CR or LF is wrapped in double quotes with its quotes doubled. Money is
 * written as an exact decimal string built from integer cents (`1234` -> `12.34`). Text cells are
 * neutralised against spreadsheet formula injection (see {@link csvField}). Pure.
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

/** The first characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One text CSV field: a value that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
 * prefixed with a single quote so a spreadsheet shows it as text instead of running it as a formula
 * (OWASP "CSV Injection"); then it is quoted only when it must be. For text columns only: the numeric
 * columns (quantity and the money columns, written by {@link formatCents}) never go through it, so a
 * legitimately negative amount such as `-0.05` stays a number.
 */
export function csvField(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
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
