import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestContext } from '../../../../lambdas/runtime/testing';
import { OrderRecordError } from '../../../../lambdas/jobs/sales-report/orders';
import type { SalesReportPayload } from '../../../../lambdas/jobs/sales-report/payload';
import { runSalesReport, type SalesReportDeps } from '../../../../lambdas/jobs/sales-report/report';
import { FakeS3, fakeOrdersIndex, newMocks, testOrder, type TestOrder } from './fakes';

const HEADER = 'order_id,created_at,customer_id,product_id,product_name,quantity,unit_price,line_total,order_total\r\n';
const BUCKET = 'reports-bucket';
const { ddb, s3, ddbMock, s3Mock } = newMocks();

afterEach(() => {
  ddbMock.reset();
  s3Mock.reset();
});

function deps(extra: Partial<SalesReportDeps> = {}): SalesReportDeps {
  return { ddb, s3, orders: { tableName: 'orders' }, bucket: BUCKET, ...extra };
}

function dailyContext(extra: { remainingTimeMs?: number; checkpoint?: unknown } = {}) {
  // The 00:00 UTC slot of 2026-11-26 reports 2026-11-25.
  return createTestContext<SalesReportPayload>({ job: 'daily-sales-report', payload: { period: 'day' }, slot: '2026-11-26T00:00:00.000Z', ...extra });
}

/** `count` orders on 2026-11-25, one second apart, each one unit of product p-(i mod 13) at 1.99. */
function simpleDay(count: number): TestOrder[] {
  return Array.from({ length: count }, (_, i) =>
    testOrder(`o-${String(i).padStart(5, '0')}`, new Date(Date.UTC(2026, 10, 25) + i * 1000).toISOString(), `c-${i % 7}`, [
      { productId: `p-${String(i % 13).padStart(2, '0')}`, name: `Product ${i % 13}`, quantity: 1, unitPriceCents: 199 },
    ]),
  );
}

function simpleRow(o: TestOrder): string {
  const line = o.lines[0];
  return `${o.orderId},${o.createdAt},${o.customerId},${line.productId},${line.name},1,1.99,1.99,1.99\r\n`;
}

describe('runSalesReport (daily)', () => {
  it('reads every page of the day through the date index and writes the exact CSV and summary', async () => {
    // Prepare: 2,350 orders in pages of 100 -> 24 Query calls.
    const orders = simpleDay(2350);
    fakeOrdersIndex(ddbMock, orders, 100);
    const fake = new FakeS3(s3Mock);

    // Act
    const result = await runSalesReport(dailyContext(), deps());

    // Assess: the pages were chained through ExclusiveStartKey on the index, for that one day.
    const queries = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(24);
    for (const q of queries) {
      expect(q).toMatchObject({ TableName: 'orders', IndexName: 'byDay', KeyConditionExpression: 'orderDay = :day', ExpressionAttributeValues: { ':day': '2026-11-25' } });
    }
    expect(queries[0].ExclusiveStartKey).toBeUndefined();
    expect(queries[1].ExclusiveStartKey).toEqual({ orderId: 'o-00099', orderDay: '2026-11-25', createdAt: '2026-11-25T00:01:39.000Z' });
    expect(queries[23].ExclusiveStartKey).toMatchObject({ orderId: 'o-02299' });

    expect(fake.text('reports/daily/2026-11-25.csv')).toBe(HEADER + orders.map(simpleRow).join(''));
    // 2,350 = 13 x 180 + 10: products p-00..p-09 sold 181 units, p-10..p-12 sold 180.
    const top = Array.from({ length: 10 }, (_, k) => ({
      productId: `p-0${k}`,
      name: `Product ${k}`,
      quantity: 181,
      revenueCents: 181 * 199,
      revenue: '360.19',
    }));
    expect(fake.json('reports/daily/2026-11-25.summary.json')).toEqual({
      period: 'day',
      label: '2026-11-25',
      from: '2026-11-25T00:00:00.000Z',
      to: '2026-11-26T00:00:00.000Z',
      csvKey: 'reports/daily/2026-11-25.csv',
      orderCount: 2350,
      lineCount: 2350,
      unitCount: 2350,
      revenueCents: 467650,
      revenue: '4676.50',
      topProducts: top,
    });
    expect(result).toEqual({
      period: '2026-11-25',
      csvKey: 'reports/daily/2026-11-25.csv',
      summaryKey: 'reports/daily/2026-11-25.summary.json',
      orderCount: 2350,
      revenue: '4676.50',
      parts: 1,
    });
    expect(s3Mock).toReceiveCommandWith(CreateMultipartUploadCommand, { Bucket: BUCKET, Key: 'reports/daily/2026-11-25.csv', ContentType: 'text/csv; charset=utf-8' });
    expect(fake.uploads.size).toBe(0);
  });

  it('writes a header-only CSV and a zero summary for a day without orders', async () => {
    fakeOrdersIndex(ddbMock, [], 100);
    const fake = new FakeS3(s3Mock);

    await runSalesReport(dailyContext(), deps());

    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(1);
    expect(fake.text('reports/daily/2026-11-25.csv')).toBe(HEADER);
    expect(fake.json('reports/daily/2026-11-25.summary.json')).toMatchObject({ orderCount: 0, lineCount: 0, revenueCents: 0, revenue: '0.00', topProducts: [] });
  });

  it('escapes quotes, commas and newlines and keeps every amount exact', async () => {
    fakeOrdersIndex(
      ddbMock,
      [
        testOrder('o-1', '2026-11-25T09:00:00.000Z', 'c-"1"', [
          { productId: 'p-1', name: 'Mug "XL", blue', quantity: 3, unitPriceCents: 10 },
          { productId: 'p-2', name: 'Card\r\nwith lines', quantity: 1, unitPriceCents: 20 },
        ]),
        testOrder('o-2', '2026-11-25T10:00:00.000Z', 'c-2', [{ productId: 'p,3', name: 'Plain', quantity: 7, unitPriceCents: 1 }]),
      ],
      100,
    );
    const fake = new FakeS3(s3Mock);

    await runSalesReport(dailyContext(), deps());

    expect(fake.text('reports/daily/2026-11-25.csv')).toBe(
      HEADER +
        'o-1,2026-11-25T09:00:00.000Z,"c-""1""",p-1,"Mug ""XL"", blue",3,0.10,0.30,0.50\r\n' +
        'o-1,2026-11-25T09:00:00.000Z,"c-""1""",p-2,"Card\r\nwith lines",1,0.20,0.20,0.50\r\n' +
        'o-2,2026-11-25T10:00:00.000Z,c-2,"p,3",Plain,7,0.01,0.07,0.07\r\n',
    );
    expect(fake.json('reports/daily/2026-11-25.summary.json')).toMatchObject({
      orderCount: 2,
      lineCount: 3,
      unitCount: 11,
      revenueCents: 57,
      revenue: '0.57',
      topProducts: [
        { productId: 'p-1', quantity: 3, revenueCents: 30, revenue: '0.30' },
        { productId: 'p-2', quantity: 1, revenueCents: 20, revenue: '0.20' },
        { productId: 'p,3', quantity: 7, revenueCents: 7, revenue: '0.07' },
      ],
    });
  });

  it('replaces the same two objects on a rerun of the same day', async () => {
    const orders = simpleDay(3);
    fakeOrdersIndex(ddbMock, orders, 100);
    const fake = new FakeS3(s3Mock);
    await runSalesReport(dailyContext(), deps());

    // A late order arrives; the rerun (e.g. a manual run for the day) rewrites the same keys.
    ddbMock.reset();
    const more = [...orders, ...simpleDay(4).slice(3)];
    fakeOrdersIndex(ddbMock, more, 100);
    await runSalesReport(
      createTestContext<SalesReportPayload>({ payload: { period: 'day', day: '2026-11-25' }, slot: '2026-12-01T10:00:00.000Z', manual: true }),
      deps(),
    );

    expect([...fake.objects.keys()].sort()).toEqual(['reports/daily/2026-11-25.csv', 'reports/daily/2026-11-25.summary.json']);
    expect(fake.text('reports/daily/2026-11-25.csv')).toBe(HEADER + more.map(simpleRow).join(''));
    expect(fake.json('reports/daily/2026-11-25.summary.json')).toMatchObject({ orderCount: 4, revenue: '7.96' });
  });

  it('fails on a malformed order, aborts the upload and writes no summary', async () => {
    const bad = testOrder('o-bad', '2026-11-25T01:00:00.000Z', 'c-1', [{ productId: 'p-1', name: 'Half', quantity: 1, unitPriceCents: 0.5 }]);
    fakeOrdersIndex(ddbMock, [...simpleDay(2), bad], 100);
    const fake = new FakeS3(s3Mock);

    const run = runSalesReport(dailyContext(), deps());

    await expect(run).rejects.toThrow(OrderRecordError);
    await expect(run).rejects.toThrow("order 'o-bad': lines[0].unitPriceCents must be a whole number of cents, 0 or more (got 0.5)");
    expect(s3Mock).toReceiveCommandWith(AbortMultipartUploadCommand, { Bucket: BUCKET, Key: 'reports/daily/2026-11-25.csv', UploadId: 'upload-1' });
    expect(fake.objects.size).toBe(0);
    expect(fake.uploads.size).toBe(0);
  });

  it('aborts a fresh upload when S3 keeps failing a part, and passes the error on', async () => {
    fakeOrdersIndex(ddbMock, simpleDay(5), 100);
    const fake = new FakeS3(s3Mock);
    const failure = Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' });
    s3Mock.on(UploadPartCommand).rejects(failure);

    await expect(runSalesReport(dailyContext(), deps())).rejects.toBe(failure);

    expect(s3Mock).toReceiveCommandTimes(AbortMultipartUploadCommand, 1);
    expect(fake.objects.size).toBe(0);
  });

  it('refuses a part size below S3\'s minimum before any side effect', async () => {
    await expect(runSalesReport(dailyContext(), deps({ partSizeBytes: 1024 }))).rejects.toThrow(
      "job 'daily-sales-report': partSizeBytes must be a whole number >= 5242880 (S3's minimum part), got 1024",
    );
    expect(ddbMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('runSalesReport (monthly)', () => {
  it('queries each day of a leap February once and nothing outside it', async () => {
    const line = (name: string) => [{ productId: name, name, quantity: 1, unitPriceCents: 100 }];
    fakeOrdersIndex(
      ddbMock,
      [
        testOrder('o-jan31', '2028-01-31T23:59:59.999Z', 'c-1', line('jan')),
        testOrder('o-feb29', '2028-02-29T23:59:59.999Z', 'c-1', line('feb29')),
        testOrder('o-feb01', '2028-02-01T00:00:00.000Z', 'c-2', line('feb01')),
        testOrder('o-mar01', '2028-03-01T00:00:00.000Z', 'c-1', line('mar')),
      ],
      100,
    );
    const fake = new FakeS3(s3Mock);

    // The 01:00 UTC slot of 2028-03-01 reports February 2028.
    const result = await runSalesReport(
      createTestContext<SalesReportPayload>({ job: 'monthly-sales-report', payload: { period: 'month' }, slot: '2028-03-01T01:00:00.000Z' }),
      deps(),
    );

    const days = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input.ExpressionAttributeValues?.[':day']);
    expect(days).toEqual(Array.from({ length: 29 }, (_, i) => `2028-02-${String(i + 1).padStart(2, '0')}`));
    expect(fake.text('reports/monthly/2028-02.csv')).toBe(
      HEADER +
        'o-feb01,2028-02-01T00:00:00.000Z,c-2,feb01,feb01,1,1.00,1.00,1.00\r\n' +
        'o-feb29,2028-02-29T23:59:59.999Z,c-1,feb29,feb29,1,1.00,1.00,1.00\r\n',
    );
    expect(fake.json('reports/monthly/2028-02.summary.json')).toMatchObject({
      period: 'month',
      label: '2028-02',
      from: '2028-02-01T00:00:00.000Z',
      to: '2028-03-01T00:00:00.000Z',
      orderCount: 2,
      revenue: '2.00',
    });
    expect(result).toMatchObject({ csvKey: 'reports/monthly/2028-02.csv', summaryKey: 'reports/monthly/2028-02.summary.json' });
  });
});

describe('runSalesReport (large reports)', () => {
  // ~2.1 KB a row: 6,000 orders make a CSV of about 12.6 MB, three 5 MiB parts.
  const longName = 'n'.repeat(2000);
  const bigMonth = Array.from({ length: 6000 }, (_, i) =>
    testOrder(`o-${String(i).padStart(5, '0')}`, new Date(Date.UTC(2026, 9, 1 + (i % 31), 12) + i).toISOString(), 'c-1', [
      { productId: `p-${i % 3}`, name: longName, quantity: 2, unitPriceCents: 250 },
    ]),
  );
  const expectedCsv = () =>
    HEADER +
    [...bigMonth]
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))
      .map((o) => `${o.orderId},${o.createdAt},c-1,${o.lines[0].productId},${longName},2,2.50,5.00,5.00\r\n`)
      .join('');
  const monthly = (extra: { remainingTimeMs?: number; checkpoint?: unknown } = {}) =>
    createTestContext<SalesReportPayload>({ job: 'monthly-sales-report', payload: { period: 'month' }, slot: '2026-11-01T01:00:00.000Z', ...extra });
  const partSizeBytes = 5 * 1024 * 1024;

  it('uploads parts as the buffer fills, holding at most about one part', async () => {
    fakeOrdersIndex(ddbMock, bigMonth, 50);
    const fake = new FakeS3(s3Mock);

    const result = await runSalesReport(monthly(), deps({ partSizeBytes }));

    const parts = s3Mock.commandCalls(UploadPartCommand).map((c) => c.args[0].input);
    expect(parts.map((p) => p.PartNumber)).toEqual([1, 2, 3]);
    for (const p of parts.slice(0, -1)) {
      // A part closes on the first page boundary past 5 MiB: never more than one page (50 rows) over.
      expect((p.Body as Buffer).length).toBeGreaterThanOrEqual(partSizeBytes);
      expect((p.Body as Buffer).length).toBeLessThan(partSizeBytes + 50 * 2200);
    }
    expect(fake.text('reports/monthly/2026-10.csv')).toBe(expectedCsv());
    expect(result).toMatchObject({ orderCount: 6000, revenue: '30000.00', parts: 3 });
  });

  it('continues in new invocations when time runs short and produces the same CSV and summary', async () => {
    fakeOrdersIndex(ddbMock, bigMonth, 50);
    const fake = new FakeS3(s3Mock);

    // Act: every invocation is short of time, so each continues after its first part.
    const first = monthly({ remainingTimeMs: 10_000 });
    const out1 = await runSalesReport(first, deps({ partSizeBytes }));
    expect(out1).toEqual({ continuedLater: true, sequence: 1 });
    const checkpoint = first.continuations[0];
    expect(checkpoint).toEqual({ csvKey: 'reports/monthly/2026-10.csv', uploadId: 'upload-1', stateKey: 'report-state/monthly/2026-10.json' });
    expect(fake.json('report-state/monthly/2026-10.json')).toMatchObject({ uploadId: 'upload-1', parts: [{ PartNumber: 1 }] });
    expect(fake.objects.has('reports/monthly/2026-10.csv')).toBe(false);

    const second = monthly({ remainingTimeMs: 10_000, checkpoint });
    expect(await runSalesReport(second, deps({ partSizeBytes }))).toEqual({ continuedLater: true, sequence: 1 });
    expect(fake.json('report-state/monthly/2026-10.json')).toMatchObject({ parts: [{ PartNumber: 1 }, { PartNumber: 2 }] });

    const third = monthly({ remainingTimeMs: 10_000, checkpoint: second.continuations[0] });
    const out3 = await runSalesReport(third, deps({ partSizeBytes }));

    // Assess: one upload, three parts, no part uploaded twice, the resume state removed.
    expect(out3).toMatchObject({ orderCount: 6000, revenue: '30000.00', parts: 3 });
    expect(third.continuations).toEqual([]);
    expect(s3Mock).toReceiveCommandTimes(CreateMultipartUploadCommand, 1);
    expect(s3Mock.commandCalls(UploadPartCommand).map((c) => c.args[0].input.PartNumber)).toEqual([1, 2, 3]);
    expect(fake.text('reports/monthly/2026-10.csv')).toBe(expectedCsv());
    expect(fake.json('reports/monthly/2026-10.summary.json')).toMatchObject({
      orderCount: 6000,
      unitCount: 12000,
      revenueCents: 3_000_000,
      topProducts: [
        { productId: 'p-0', quantity: 4000, revenueCents: 1_000_000 },
        { productId: 'p-1', quantity: 4000, revenueCents: 1_000_000 },
        { productId: 'p-2', quantity: 4000, revenueCents: 1_000_000 },
      ],
    });
    expect(fake.objects.has('report-state/monthly/2026-10.json')).toBe(false);
    // Every day of October was read exactly once from its start, whatever the invocation.
    const starts = ddbMock.commandCalls(QueryCommand).filter((c) => c.args[0].input.ExclusiveStartKey === undefined);
    expect(starts.map((c) => c.args[0].input.ExpressionAttributeValues?.[':day'])).toEqual(
      Array.from({ length: 31 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`),
    );
  });

  it('starts again from the beginning when the resume state is missing, ignoring a checkpoint of another period', async () => {
    fakeOrdersIndex(ddbMock, bigMonth, 50);
    const fake = new FakeS3(s3Mock);

    // A checkpoint whose resume state was deleted, then one of another month.
    const stale = { csvKey: 'reports/monthly/2026-10.csv', uploadId: 'upload-x', stateKey: 'report-state/monthly/2026-10.json' };
    const out1 = await runSalesReport(monthly({ checkpoint: stale }), deps({ partSizeBytes }));
    const other = { csvKey: 'reports/monthly/2026-09.csv', uploadId: 'upload-1', stateKey: 'report-state/monthly/2026-09.json' };
    const out2 = await runSalesReport(monthly({ checkpoint: other }), deps({ partSizeBytes }));

    expect(out1).toMatchObject({ orderCount: 6000, revenue: '30000.00', parts: 3 });
    expect(out2).toMatchObject({ orderCount: 6000, revenue: '30000.00', parts: 3 });
    expect(s3Mock).toReceiveCommandTimes(CreateMultipartUploadCommand, 2);
    expect(fake.text('reports/monthly/2026-10.csv')).toBe(expectedCsv());
  });

  it('starts again from the beginning when the checkpoint\'s upload no longer exists', async () => {
    fakeOrdersIndex(ddbMock, bigMonth, 50);
    const fake = new FakeS3(s3Mock);
    const first = monthly({ remainingTimeMs: 10_000 });
    await runSalesReport(first, deps({ partSizeBytes }));
    fake.uploads.clear(); // e.g. aborted by the bucket's lifecycle rule

    const retry = monthly({ checkpoint: first.continuations[0] });
    const out = await runSalesReport(retry, deps({ partSizeBytes }));

    expect(out).toMatchObject({ orderCount: 6000, revenue: '30000.00' });
    expect(s3Mock).toReceiveCommandTimes(CreateMultipartUploadCommand, 2);
    expect(fake.text('reports/monthly/2026-10.csv')).toBe(expectedCsv());
  });
});
