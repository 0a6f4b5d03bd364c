/**
 * The sales report against moto_server: real tables with the date index, a real multipart upload,
 * the exact CSV and summary read back from the bucket.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { SalesReportPayload } from '../../../../lambdas/jobs/sales-report/payload';
import { runSalesReport } from '../../../../lambdas/jobs/sales-report/report';
import { sdkRetryConfig } from '../../../../lambdas/shared/retry';
import { createTestContext } from '../../../../lambdas/runtime/testing';
import { injectFaults } from '../../../support/fault-injection';
import { useMoto } from '../../../support/moto';
import { testOrder, type TestOrder } from './fakes';
import { createBusinessData, seedOrders } from './moto-data';

const moto = useMoto();
const HEADER = 'order_id,created_at,customer_id,product_id,product_name,quantity,unit_price,line_total,order_total\r\n';
let seq = 0;

async function setup(orders: TestOrder[], faults?: { rate: number; seed: number }) {
  const config = { ...moto.config(), ...sdkRetryConfig(10) };
  const raw = new DynamoDBClient(config);
  const s3 = new S3Client(config);
  const names = await createBusinessData(raw, s3, `${++seq}-${Date.now()}`);
  await seedOrders(raw, names.ordersTable, orders);
  // Faults go on only after the data is in place: the job's own calls fail, not the test's set-up.
  const injected = faults ? [injectFaults(raw, faults), injectFaults(s3, { ...faults, seed: faults.seed + 1 })] : [];
  const deps = { ddb: DynamoDBDocumentClient.from(raw), s3, orders: { tableName: names.ordersTable }, bucket: names.bucket };
  const read = async (key: string) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: names.bucket, Key: key }));
    return out.Body!.transformToString();
  };
  const keys = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: names.bucket }))).Contents ?? []).map((o) => o.Key).sort();
  const stopFaults = () => injected.forEach((f) => f.remove());
  const injectedTotal = () => injected.reduce((n, f) => n + f.injectedTotal(), 0);
  return { s3, names, deps, read, keys, stopFaults, injectedTotal };
}

describe('sales report on moto', () => {
  it('writes the exact daily CSV and summary from the date index, and a rerun replaces them', async () => {
    // 300 orders on 2026-11-25 (plus one each side of the day): order i at 12:00 + i seconds, customer
    // c-(i mod 4), product p-(i mod 3) "Tea, \"Earl Grey\"" etc., i+1 units at 2.05.
    const names = ['Tea, "Earl Grey"', 'Cake\nslice', 'Coffee'];
    const inDay = Array.from({ length: 300 }, (_, i) =>
      testOrder(`o-${String(i).padStart(3, '0')}`, new Date(Date.UTC(2026, 10, 25, 12) + i * 1000).toISOString(), `c-${i % 4}`, [
        { productId: `p-${i % 3}`, name: names[i % 3], quantity: i + 1, unitPriceCents: 205 },
      ]),
    );
    const outside = [
      testOrder('o-before', '2026-11-24T23:59:59.999Z', 'c-0', [{ productId: 'p-0', name: 'x', quantity: 1, unitPriceCents: 1 }]),
      testOrder('o-after', '2026-11-26T00:00:00.000Z', 'c-0', [{ productId: 'p-0', name: 'x', quantity: 1, unitPriceCents: 1 }]),
    ];
    const env = await setup([...outside, ...inDay]);
    const ctx = createTestContext<SalesReportPayload>({ job: 'daily-sales-report', payload: { period: 'day' }, slot: '2026-11-26T00:00:00.000Z' });

    const result = await runSalesReport(ctx, env.deps);

    const quoted = ['"Tea, ""Earl Grey"""', '"Cake\nslice"', 'Coffee'];
    const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const rows = inDay.map((o, i) => {
      const total = money((i + 1) * 205);
      return `${o.orderId},${o.createdAt},c-${i % 4},p-${i % 3},${quoted[i % 3]},${i + 1},2.05,${total},${total}\r\n`;
    });
    expect(await env.read('reports/daily/2026-11-25.csv')).toBe(HEADER + rows.join(''));
    // Units: 1 + 2 + ... + 300 = 45,150; revenue 45,150 x 205 = 9,255,750 cents.
    // p-0 gets i = 0,3,...,297 -> units 1,4,...,298: 100 orders, 14,950 units; p-1: 2,5,...,299 -> 15,050; p-2: 3,...,300 -> 15,150.
    expect(JSON.parse(await env.read('reports/daily/2026-11-25.summary.json'))).toEqual({
      period: 'day',
      label: '2026-11-25',
      from: '2026-11-25T00:00:00.000Z',
      to: '2026-11-26T00:00:00.000Z',
      csvKey: 'reports/daily/2026-11-25.csv',
      orderCount: 300,
      lineCount: 300,
      unitCount: 45150,
      revenueCents: 9255750,
      revenue: '92557.50',
      topProducts: [
        { productId: 'p-2', name: 'Coffee', quantity: 15150, revenueCents: 3105750, revenue: '31057.50' },
        { productId: 'p-1', name: 'Cake\nslice', quantity: 15050, revenueCents: 3085250, revenue: '30852.50' },
        { productId: 'p-0', name: 'Tea, "Earl Grey"', quantity: 14950, revenueCents: 3064750, revenue: '30647.50' },
      ],
    });
    expect(result).toMatchObject({ orderCount: 300, revenue: '92557.50', parts: 1 });

    await runSalesReport(createTestContext<SalesReportPayload>({ payload: { period: 'day', day: '2026-11-25' }, manual: true }), env.deps);
    expect(await env.keys()).toEqual(['reports/daily/2026-11-25.csv', 'reports/daily/2026-11-25.summary.json']);
    expect(await env.read('reports/daily/2026-11-25.csv')).toBe(HEADER + rows.join(''));
  });

  it.each([
    ['without faults', undefined],
    ['with 30% of requests failing (throttling, 500s), retried by the SDK', { rate: 0.3, seed: 42 }],
  ])('reports every day of a leap February and nothing of the days around it, %s', async (_, faults) => {
    const one = (id: string, at: string, cents: number) =>
      testOrder(id, at, 'c-1', [{ productId: 'p-1', name: 'Thing', quantity: 1, unitPriceCents: cents }]);
    const env = await setup([
      one('o-jan31', '2028-01-31T23:59:59.999Z', 100),
      one('o-feb01', '2028-02-01T00:00:00.000Z', 1),
      one('o-feb15', '2028-02-15T12:00:00.000Z', 10),
      one('o-feb29', '2028-02-29T23:59:59.999Z', 1000),
      one('o-mar01', '2028-03-01T00:00:00.000Z', 10000),
    ], faults);

    await runSalesReport(
      createTestContext<SalesReportPayload>({ job: 'monthly-sales-report', payload: { period: 'month' }, slot: '2028-03-01T01:00:00.000Z' }),
      env.deps,
    );
    env.stopFaults();

    if (faults) expect(env.injectedTotal()).toBeGreaterThan(5);
    expect(await env.read('reports/monthly/2028-02.csv')).toBe(
      HEADER +
        'o-feb01,2028-02-01T00:00:00.000Z,c-1,p-1,Thing,1,0.01,0.01,0.01\r\n' +
        'o-feb15,2028-02-15T12:00:00.000Z,c-1,p-1,Thing,1,0.10,0.10,0.10\r\n' +
        'o-feb29,2028-02-29T23:59:59.999Z,c-1,p-1,Thing,1,10.00,10.00,10.00\r\n',
    );
    expect(JSON.parse(await env.read('reports/monthly/2028-02.summary.json'))).toMatchObject({
      period: 'month',
      label: '2028-02',
      orderCount: 3,
      revenueCents: 1011,
      revenue: '10.11',
    });
  });

  it('writes a multi-part CSV across two invocations with real 5 MiB parts', async () => {
    // 550 orders of one day, each name 5,500 double quotes, which the CSV doubles: about 6.1 MB of
    // CSV (two parts) from half as much data in the table, in few items (moto serialises slowly).
    const longName = '"'.repeat(5500);
    const quotedName = `"${'""'.repeat(5500)}"`;
    const orders = Array.from({ length: 550 }, (_, i) =>
      testOrder(`o-${String(i).padStart(4, '0')}`, new Date(Date.UTC(2026, 10, 25) + i * 1000).toISOString(), 'c-1', [
        { productId: 'p-1', name: longName, quantity: 1, unitPriceCents: 1000 },
      ]),
    );
    const env = await setup(orders);
    const daily = (extra: { remainingTimeMs?: number; checkpoint?: unknown }) =>
      createTestContext<SalesReportPayload>({ job: 'daily-sales-report', payload: { period: 'day' }, slot: '2026-11-26T00:00:00.000Z', ...extra });
    const partSizeBytes = 5 * 1024 * 1024;

    const first = daily({ remainingTimeMs: 1000 });
    expect(await runSalesReport(first, { ...env.deps, partSizeBytes })).toEqual({ continuedLater: true, sequence: 1 });
    expect(await env.keys()).toEqual(['report-state/daily/2026-11-25.json']);
    const second = daily({ checkpoint: first.continuations[0] });
    const result = await runSalesReport(second, { ...env.deps, partSizeBytes });

    const expected = HEADER + orders.map((o) => `${o.orderId},${o.createdAt},c-1,p-1,${quotedName},1,10.00,10.00,10.00\r\n`).join('');
    expect(await env.read('reports/daily/2026-11-25.csv')).toBe(expected);
    expect(result).toMatchObject({ orderCount: 550, revenue: '5500.00', parts: 2 });
    expect(await env.keys()).toEqual(['reports/daily/2026-11-25.csv', 'reports/daily/2026-11-25.summary.json']);
    const pending = await env.s3.send(new ListMultipartUploadsCommand({ Bucket: env.names.bucket }));
    expect(pending.Uploads ?? []).toEqual([]);
  });
});
