/**
 * Local-mode demo data (`cdk-jobs dev`) for `daily-recommendations`: older orders with a wider
 * catalogue, so the recommendations have something to recommend. The sales-report seed's orders
 * (the 40 days before local time starts, 5 products) leave every customer having bought nearly all
 * that was bought with their products. These orders are from 82 to 41 days back: inside the 90-day
 * window all week long, outside the days the reports and the loyalty points read in a simulated
 * week; 24 products, the same customers and 12 more, each order with its customer-shard index
 * attributes. Runs only when the stack has the job. Not part of any bundle.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SeedContext } from '../../runtime/testing';
import { customerIndexAttributes } from '../sales-report/customer-shard';
import type { Order } from '../sales-report/orders';
import { consecutiveDays, startOfUtcDay } from '../sales-report/period';

const FIRST_DAY_BACK = 82;
const DAYS = 42; // 82 .. 41 days back: inside the window for a simulated week
const ORDERS_PER_DAY = 6;
const PRODUCTS = Array.from({ length: 24 }, (_, i) => ({
  productId: `p-catalogue-${String(i).padStart(2, '0')}`,
  name: `Catalogue item ${i}`,
  unitPriceCents: 199 + i * 50,
}));

/** The demo orders: deterministic for a given start instant. */
export function demoRecommendationOrders(now: Date): Order[] {
  const days = consecutiveDays(startOfUtcDay(now) - FIRST_DAY_BACK * 86_400_000, DAYS);
  const orders: Order[] = [];
  days.forEach((day, d) => {
    for (let i = 0; i < ORDERS_PER_DAY; i++) {
      const n = d * ORDERS_PER_DAY + i;
      // Products come in loose groups of four, so some are bought together more often than others.
      const group = (n * 5) % 6;
      const count = 1 + (n % 3);
      const lines = Array.from({ length: count }, (_, l) => PRODUCTS[(group * 4 + ((n + l * 3) % 4) + (l === 2 ? n % 24 : 0)) % 24]);
      const distinct = [...new Map(lines.map((p) => [p.productId, p])).values()];
      orders.push({
        orderId: `demo-reco-${day}-${String(i).padStart(2, '0')}`,
        orderDay: day,
        createdAt: new Date(Date.parse(`${day}T00:00:00.000Z`) + i * 13_000_000).toISOString(),
        customerId: `customer-${(n * 11) % 24}`,
        lines: distinct.map((p) => ({ ...p, quantity: 1 })),
      });
    }
  });
  return orders;
}

export async function seed(ctx: SeedContext): Promise<string | void> {
  const table = ctx.jobs.find((j) => j.name === 'daily-recommendations')?.environment.ORDERS_TABLE_NAME;
  if (!table) return;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(ctx.clientConfig));
  const orders = demoRecommendationOrders(ctx.now);
  for (let i = 0; i < orders.length; i += 25) {
    let requests = orders.slice(i, i + 25).map((order) => ({ PutRequest: { Item: { ...order, ...customerIndexAttributes(order) } } }));
    while (requests.length > 0) {
      const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
  return `${orders.length} orders of ${PRODUCTS.length} catalogue products, ${FIRST_DAY_BACK} to ${FIRST_DAY_BACK - DAYS + 1} days before ${ctx.now.toISOString().slice(0, 10)}`;
}
