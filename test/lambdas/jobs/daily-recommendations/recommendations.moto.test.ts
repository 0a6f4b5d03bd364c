/**
 * The daily recommendations' plan and work against moto_server: orders in a table with both
 * indexes, the model through S3, every customer-hash range worked, and the table compared with the
 * brute-force oracle; a re-run of the same day writes the same table.
 */
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { Recommender } from '../../../../lambdas/jobs/daily-recommendations/cooccurrence';
import {
  buildModel,
  modelKey,
  readModel,
  recommendRange,
  windowOf,
  writeModel,
  type RecommendationsItem,
} from '../../../../lambdas/jobs/daily-recommendations/recommendations';
import { customerIndexAttributes, shardRanges } from '../../../../lambdas/jobs/daily-recommendations/shards';
import { mapWithConcurrency } from '../../../../lambdas/shared/concurrency';
import { sdkRetryConfig } from '../../../../lambdas/shared/retry';
import { bruteForceRecommendations } from '../../../support/recommendations-oracle';
import { useMoto } from '../../../support/moto';

const moto = useMoto();
const SLOT = new Date('2026-11-20T03:00:00.000Z');
const DAY = 86_400_000;

function orders() {
  // 40 customers, 30 products, one order a day for 100 days (10 of them outside a 90-day window),
  // plus one order later on the slot's own day (outside the window too).
  const list = [];
  for (let n = 0; n < 100; n++) {
    const day = new Date(Date.UTC(2026, 10, 20) - (n + 1) * DAY).toISOString().slice(0, 10);
    for (let k = 0; k < 3; k++) {
      const i = n * 3 + k;
      list.push({
        orderId: `o-${i}`,
        orderDay: day,
        createdAt: `${day}T${String(k * 7).padStart(2, '0')}:00:00.000Z`,
        customerId: `c-${(i * 7) % 40}`,
        lines: [0, 1, 2].slice(0, 1 + (i % 3)).map((l) => ({ productId: `p-${(i * (l + 3) + l) % 30}`, name: 'x', quantity: 1, unitPriceCents: 100 })),
      });
    }
  }
  list.push({ orderId: 'o-today', orderDay: '2026-11-20', createdAt: '2026-11-20T01:00:00.000Z', customerId: 'c-new', lines: [{ productId: 'p-0', name: 'x', quantity: 1, unitPriceCents: 1 }] });
  return list;
}

describe('daily-recommendations (moto)', () => {
  it('writes each customer of the window the brute-force top 10, and the same again on a re-run', async () => {
    const config = { ...moto.config(), ...sdkRetryConfig(10) };
    const rawDdb = new DynamoDBClient(config);
    const ddb = DynamoDBDocumentClient.from(rawDdb);
    const s3 = new S3Client(config);
    const suffix = Date.now();
    const ordersTable = `orders-${suffix}`;
    const recommendationsTable = `recommendations-${suffix}`;
    const bucket = `fan-out-${suffix}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const S = 'S' as const;
    await rawDdb.send(
      new CreateTableCommand({
        TableName: ordersTable,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['orderId', 'orderDay', 'createdAt', 'customerShard', 'customerOrder'].map((AttributeName) => ({ AttributeName, AttributeType: S })),
        KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          { IndexName: 'byDay', KeySchema: [{ AttributeName: 'orderDay', KeyType: 'HASH' }, { AttributeName: 'createdAt', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
          {
            IndexName: 'byCustomerShard',
            KeySchema: [{ AttributeName: 'customerShard', KeyType: 'HASH' }, { AttributeName: 'customerOrder', KeyType: 'RANGE' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    await rawDdb.send(
      new CreateTableCommand({
        TableName: recommendationsTable,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'customerId', AttributeType: S }],
        KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
      }),
    );
    const all = orders();
    for (let i = 0; i < all.length; i += 25) {
      await ddb.send(new BatchWriteCommand({ RequestItems: { [ordersTable]: all.slice(i, i + 25).map((o) => ({ PutRequest: { Item: { ...o, ...customerIndexAttributes(o) } } })) } }));
    }

    const window = windowOf(SLOT, 90);
    const run = async () => {
      const model = await buildModel(ddb, { tableName: ordersTable }, window);
      const key = modelKey('daily-recommendations', SLOT.toISOString());
      await writeModel(s3, bucket, key, model);
      const recommender = new Recommender(await readModel(s3, bucket, key));
      return mapWithConcurrency(shardRanges(4), 4, (range) => recommendRange({ ddb, rawDdb, ordersTable, recommendationsTable }, recommender, range, window, 10));
    };
    const results = await run();
    const inWindow = all.filter((o) => o.createdAt >= window.since && o.createdAt < window.until);
    const expected = bruteForceRecommendations(inWindow.map((o) => ({ customerId: o.customerId, productIds: o.lines.map((l) => l.productId) })), 10);
    const table = async () => {
      const items = ((await rawDdb.send(new ScanCommand({ TableName: recommendationsTable }))).Items ?? []).map((i) => unmarshall(i) as RecommendationsItem);
      return new Map(items.map((i) => [i.customerId, i]));
    };
    const first = await table();

    expect(results.reduce((n, r) => n + r.customers, 0)).toBe(expected.size);
    expect([...first.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(first.has('c-new')).toBe(false); // its only order is on the slot's own day
    for (const [customer, recommendations] of expected) {
      expect(first.get(customer)).toEqual({
        customerId: customer,
        recommendations,
        day: '2026-11-20',
        windowStart: '2026-08-22T00:00:00.000Z',
        windowEnd: '2026-11-20T00:00:00.000Z',
        expiresAt: Date.UTC(2026, 10, 23) / 1000,
      });
    }
    expect(Math.max(...[...first.values()].map((i) => i.recommendations.length))).toBeGreaterThan(3);

    // A re-run of the same day gives the same table.
    await run();
    expect(await table()).toEqual(first);
  });
});
