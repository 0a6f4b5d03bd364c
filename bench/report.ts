/**
 * `npm run bench -- report`: the sales report's memory and speed at volume, and a run on moto.
 *
 * 1. Mocked pages: a day of 100,000 and of 1,000,000 orders served to the real SDK clients by an
 *    in-process HTTP handler (DynamoDB Query pages of 2,500 items, about 1 MB each, like DynamoDB's
 *    1 MB pages; S3 answers the multipart upload and discards the bytes). Each measurement runs in
 *    its own child process so each starts clean:
 *    - `report`: the real `runSalesReport` (query, validate, CSV, totals, 8 MiB parts uploaded);
 *    - `iterate`: only paginating the same Query pages through the same document client.
 *    `mem_ratio` = peak RSS of the 1M report / peak RSS of the 100k report (goal <= 1.5: constant
 *    memory); `overhead` = time of the 1M report / time to iterate the 1M pages (goal <= 1.5).
 * 2. moto: 20,000 orders seeded into a real table with the date index on `moto_server`, then one
 *    daily report, timed (`moto_ms`; moto serialises Query results slowly, so this is mostly moto).
 *
 * Last line: `BENCH report mem_ratio=… overhead=… moto_rows=20000 moto_ms=…`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { runSalesReport } from '../lambdas/jobs/sales-report/report';
import { createTestContext } from '../lambdas/runtime/testing';
import type { SalesReportPayload } from '../lambdas/jobs/sales-report/payload';
import { localClientConfig, startEmulator } from '../tools/local/moto-server';
import { createBusinessData, seedOrders } from '../test/lambdas/jobs/sales-report/moto-data';
import { testOrder } from '../test/lambdas/jobs/sales-report/fakes';

const DAY = '2026-11-25';
const DAY_START = Date.UTC(2026, 10, 25);
const SLOT = '2026-11-26T00:00:00.000Z';
const PAGE_ITEMS = 2500;
const PRODUCTS = 500;
const MOTO_ROWS = 20_000;

interface ChildResult {
  readonly mode: 'report' | 'iterate';
  readonly rows: number;
  /** Wall-clock time of the measured part. */
  readonly ms: number;
  /** CPU time (user + system) of the measured part: what the ratio uses, robust to a busy machine. */
  readonly cpuMs: number;
  readonly maxRssMb: number;
  readonly uploadedBytes: number;
}

// --- the mocked services -------------------------------------------------------------------

interface FakeRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  body?: unknown;
}

function response(statusCode: number, headers: Record<string, string>, body = '') {
  return { response: { statusCode, reason: undefined, headers, body: Readable.from([Buffer.from(body)]) } };
}

/** Order i of the day: one to three lines, 500 products, amounts in cents. */
function itemJson(i: number, rows: number): string {
  const createdAt = new Date(DAY_START + Math.floor((i * 86_400_000) / rows)).toISOString();
  const lineCount = 1 + (i % 3);
  const lines: string[] = [];
  for (let l = 0; l < lineCount; l++) {
    const product = (i * 7 + l * 13) % PRODUCTS;
    lines.push(
      `{"M":{"productId":{"S":"p-${product}"},"name":{"S":"Product ${product}, \\"deluxe\\""},` +
        `"quantity":{"N":"${1 + (i % 4)}"},"unitPriceCents":{"N":"${99 + product * 10}"}}}`,
    );
  }
  return (
    `{"orderId":{"S":"o-${i}"},"orderDay":{"S":"${DAY}"},"createdAt":{"S":"${createdAt}"},` +
    `"customerId":{"S":"c-${i % 100_000}"},"lines":{"L":[${lines.join(',')}]}}`
  );
}

/** DynamoDB Query on the date index: `rows` orders of DAY in pages of PAGE_ITEMS. */
function fakeDynamo(rows: number) {
  return {
    handle: async (request: FakeRequest) => {
      const body = request.body instanceof Uint8Array ? Buffer.from(request.body).toString('utf8') : String(request.body);
      const input = JSON.parse(body) as { ExclusiveStartKey?: { orderId: { S: string } } };
      const start = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey.orderId.S.slice(2)) + 1 : 0;
      const end = Math.min(rows, start + PAGE_ITEMS);
      const items: string[] = [];
      for (let i = start; i < end; i++) items.push(itemJson(i, rows));
      let last = '';
      if (end < rows) {
        const createdAt = new Date(DAY_START + Math.floor(((end - 1) * 86_400_000) / rows)).toISOString();
        last = `,"LastEvaluatedKey":{"orderId":{"S":"o-${end - 1}"},"orderDay":{"S":"${DAY}"},"createdAt":{"S":"${createdAt}"}}`;
      }
      return response(200, { 'content-type': 'application/x-amz-json-1.0' }, `{"Count":${items.length},"ScannedCount":${items.length},"Items":[${items.join(',')}]${last}}`);
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}

async function drain(body: unknown): Promise<number> {
  if (body === undefined || body === null) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  let n = 0;
  for await (const chunk of body as AsyncIterable<Buffer | string>) n += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  return n;
}

/** S3: answers the multipart upload and PutObject, counting and discarding the bytes. */
function fakeS3(counter: { bytes: number }) {
  return {
    handle: async (request: FakeRequest) => {
      const query = request.query ?? {};
      counter.bytes += await drain(request.body);
      if (request.method === 'POST' && 'uploads' in query) {
        return response(200, { 'content-type': 'application/xml' },
          '<InitiateMultipartUploadResult><Bucket>reports</Bucket><Key>k</Key><UploadId>bench-upload</UploadId></InitiateMultipartUploadResult>');
      }
      if (request.method === 'POST' && 'uploadId' in query) {
        return response(200, { 'content-type': 'application/xml' },
          '<CompleteMultipartUploadResult><Bucket>reports</Bucket><Key>k</Key><ETag>"done"</ETag></CompleteMultipartUploadResult>');
      }
      if (request.method === 'PUT') return response(200, { etag: `"part-${String(query.partNumber ?? 'put')}"` });
      return response(204, {});
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}

const FAKE_CONFIG = { region: 'us-east-1', endpoint: 'http://bench.invalid', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };

async function child(mode: 'report' | 'iterate', rows: number): Promise<ChildResult> {
  const counter = { bytes: 0 };
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ ...FAKE_CONFIG, requestHandler: fakeDynamo(rows) }));
  const s3 = new S3Client({ ...FAKE_CONFIG, forcePathStyle: true, requestHandler: fakeS3(counter) });
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  if (mode === 'report') {
    const ctx = createTestContext<SalesReportPayload>({ job: 'daily-sales-report', payload: { period: 'day' }, slot: SLOT });
    const result = await runSalesReport(ctx, { ddb, s3, orders: { tableName: 'orders' }, bucket: 'reports' });
    if (!('orderCount' in result) || result.orderCount !== rows) throw new Error(`report saw ${JSON.stringify(result)}, expected ${rows} orders`);
  } else {
    let seen = 0;
    const pages = paginateQuery(
      { client: ddb },
      { TableName: 'orders', IndexName: 'byDay', KeyConditionExpression: 'orderDay = :day', ExpressionAttributeValues: { ':day': DAY } },
    );
    for await (const page of pages) seen += page.Items?.length ?? 0;
    if (seen !== rows) throw new Error(`iterated ${seen} items, expected ${rows}`);
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  return { mode, rows, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, uploadedBytes: counter.bytes };
}

function runChild(mode: 'report' | 'iterate', rows: number): ChildResult {
  const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  const out = spawnSync(tsx, [__filename, '--child', mode, String(rows)], { encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1' } });
  const line = out.stdout.trim().split('\n').at(-1) ?? '';
  if (out.status !== 0 || !line.startsWith('{')) throw new Error(`child ${mode} ${rows} failed (${out.status}):\n${out.stdout}\n${out.stderr}`);
  const result = JSON.parse(line) as ChildResult;
  console.log(`${mode.padEnd(7)} ${String(rows).padStart(9)} rows: ${result.cpuMs.toFixed(0).padStart(7)} ms CPU (${result.ms.toFixed(0)} ms wall), peak RSS ${result.maxRssMb.toFixed(0)} MB` +
    (mode === 'report' ? `, ${(result.uploadedBytes / 1e6).toFixed(1)} MB uploaded` : ''));
  return result;
}

// --- moto ----------------------------------------------------------------------------------

async function motoRun(): Promise<number> {
  const endpoint = await startEmulator({ forceLocal: true });
  try {
    const config = localClientConfig(endpoint);
    const raw = new DynamoDBClient(config);
    const s3 = new S3Client(config);
    const names = await createBusinessData(raw, s3, `bench-${Date.now()}`);
    const orders = Array.from({ length: MOTO_ROWS }, (_, i) =>
      testOrder(`o-${i}`, new Date(DAY_START + Math.floor((i * 86_400_000) / MOTO_ROWS)).toISOString(), `c-${i % 1000}`, [
        { productId: `p-${i % PRODUCTS}`, name: `Product ${i % PRODUCTS}`, quantity: 1 + (i % 4), unitPriceCents: 99 + (i % PRODUCTS) * 10 },
      ]),
    );
    let t = performance.now();
    await seedOrders(raw, names.ordersTable, orders);
    console.log(`moto: seeded ${MOTO_ROWS} orders in ${(performance.now() - t).toFixed(0)} ms`);
    t = performance.now();
    const ctx = createTestContext<SalesReportPayload>({ job: 'daily-sales-report', payload: { period: 'day' }, slot: SLOT });
    const result = await runSalesReport(ctx, { ddb: DynamoDBDocumentClient.from(raw), s3, orders: { tableName: names.ordersTable }, bucket: names.bucket });
    const ms = performance.now() - t;
    if (!('orderCount' in result) || result.orderCount !== MOTO_ROWS) throw new Error(`moto report saw ${JSON.stringify(result)}`);
    console.log(`moto: report of ${MOTO_ROWS} orders in ${ms.toFixed(0)} ms (revenue ${result.revenue}, ${result.parts} part)`);
    return ms;
  } finally {
    await endpoint.stop();
  }
}

async function main(): Promise<void> {
  const report100k = runChild('report', 100_000);
  const report1m = runChild('report', 1_000_000);
  const iterate1m = runChild('iterate', 1_000_000);
  const memRatio = report1m.maxRssMb / report100k.maxRssMb;
  const overhead = report1m.cpuMs / iterate1m.cpuMs;
  console.log(`mem_ratio = ${report1m.maxRssMb.toFixed(0)} MB / ${report100k.maxRssMb.toFixed(0)} MB; overhead = ${report1m.cpuMs.toFixed(0)} ms / ${iterate1m.cpuMs.toFixed(0)} ms of CPU`);
  const motoMs = await motoRun();
  console.log(`BENCH report mem_ratio=${memRatio.toFixed(2)} overhead=${overhead.toFixed(2)} moto_rows=${MOTO_ROWS} moto_ms=${motoMs.toFixed(0)}`);
}

if (process.argv[2] === '--child') {
  child(process.argv[3] as 'report' | 'iterate', Number(process.argv[4])).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
