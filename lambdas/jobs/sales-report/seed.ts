/**
 * Local-mode demo data (`cdk-jobs dev`): orders for the 40 UTC days before local time starts, so the
 * daily and monthly reports, the weekly loyalty points and the daily recommendations have something
 * to work on (each order with its customer-shard index attributes). Runs only
 * when the stack has the orders table (found through `ORDERS_TABLE_NAME`). Not part of any bundle.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SeedContext } from '../../runtime/testing';
import { customerIndexAttributes } from './customer-shard';
import { BusinessEnv, type Order } from './orders';
import { consecutiveDays, startOfUtcDay } from './period';

const DAYS = 40;
const ORDERS_PER_DAY = 20;
const PRODUCTS = [
  { productId: 'p-espresso', name: 'Espresso beans, 1 kg', unitPriceCents: 2490 },
  { productId: 'p-mug', name: 'Mug "Morning"', unitPriceCents: 1299 },
  { productId: 'p-filter', name: 'Paper filters\n(100 pcs)', unitPriceCents: 349 },
  { productId: 'p-grinder', name: 'Hand grinder', unitPriceCents: 5900 },
  { productId: 'p-tea', name: 'Green tea', unitPriceCents: 799 },
];

/** The demo orders: deterministic, so reports of the same day always match. */
export function demoOrders(now: Date): Order[] {
  const days = consecutiveDays(startOfUtcDay(now) - DAYS * 86_400_000, DAYS);
  const orders: Order[] = [];
  days.forEach((day, d) => {
    for (let i = 0; i < ORDERS_PER_DAY; i++) {
      const n = d * ORDERS_PER_DAY + i;
      const product = PRODUCTS[n % PRODUCTS.length];
      const extra = PRODUCTS[(n * 3 + 1) % PRODUCTS.length];
      orders.push({
        orderId: `demo-${day}-${String(i).padStart(3, '0')}`,
        orderDay: day,
        createdAt: new Date(Date.parse(`${day}T00:00:00.000Z`) + i * 4_300_000).toISOString(),
        customerId: `customer-${(n * 7) % 12}`,
        lines: [
          { ...product, quantity: 1 + (n % 3) },
          ...(n % 4 === 0 ? [{ ...extra, quantity: 1 }] : []),
        ],
      });
    }
  });
  return orders;
}

export async function seed(ctx: SeedContext): Promise<string | void> {
  const table = ctx.env(BusinessEnv.ORDERS_TABLE_NAME);
  if (!table) return;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(ctx.clientConfig));
  const orders = demoOrders(ctx.now);
  for (let i = 0; i < orders.length; i += 25) {
    // With the attributes of the customer-shard index, as the application's order writer adds them.
    let requests = orders.slice(i, i + 25).map((order) => ({ PutRequest: { Item: { ...order, ...customerIndexAttributes(order) } } }));
    while (requests.length > 0) {
      const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
  return `${orders.length} orders over the ${DAYS} days before ${ctx.now.toISOString().slice(0, 10)}`;
}
