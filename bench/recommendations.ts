/**
 * `npm run bench -- recommendations`: `daily-recommendations` on 10,000 customers and 1,000,000 order
 * lines (90 days, 500 products), through the job's real plan and work functions and SDK clients,
 * with DynamoDB and S3 answered in-process by an in-memory model (a middleware at the end of each
 * client's stack, as in `bench/_s3-model.ts`; no emulator, no network).
 *
 * - matches = 1 when every customer's item equals a brute-force computation (a dense product x
 *   product matrix counted straight from the generated orders, then every product scored per
 *   customer), and the customers with items are exactly those with orders in the window.
 * - mem_ratio = peak RSS of one worker (one child process working customer-hash range 0 of 16:
 *   reads the model, Queries its shards, writes its items) on the 1,000,000-line data set / the
 *   same on a 100,000-line data set. The child keeps only its own range's orders in its in-memory
 *   table (a sixteenth of the orders), so its RSS is the worker's, plus that small share.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Recommender } from '../lambdas/jobs/daily-recommendations/cooccurrence';
import { buildModel, readModel, recommendRange, windowOf, writeModel, type RangeResult } from '../lambdas/jobs/daily-recommendations/recommendations';
import { shardOf, shardRanges, type ShardRange } from '../lambdas/jobs/daily-recommendations/shards';

const CUSTOMERS = Number(process.env.BENCH_RECOMMENDATIONS_CUSTOMERS ?? 10_000);
const LINES = Number(process.env.BENCH_RECOMMENDATIONS_LINES ?? 1_000_000);
const PRODUCTS = 500;
const DAYS = 90;
const PARTITIONS = 16;
const TOP = 10;
const PAGE = 2500; // orders per Query page: about DynamoDB's 1 MB
const SLOT = new Date('2026-11-20T03:00:00.000Z');
const WINDOW = windowOf(SLOT, DAYS);
const FAKE = { region: 'us-east-1', endpoint: 'http://model.invalid', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };

/** The generated orders as typed arrays (no per-order objects). */
interface Orders {
  readonly count: number;
  readonly customer: Uint16Array;
  readonly day: Uint8Array;
  readonly second: Uint32Array;
  readonly lineStart: Uint32Array;
  readonly product: Uint16Array;
  readonly lines: number;
}

const customerId = (c: number) => `c-${String(c).padStart(5, '0')}`;
const productId = (p: number) => `p-${String(p).padStart(3, '0')}`;
const createdAt = (o: Orders, i: number) => new Date(Date.parse(WINDOW.since) + o.day[i] * 86_400_000 + o.second[i] * 1000).toISOString();

/**
 * Deterministic orders up to `lines` lines: a random customer and day, 1-5 lines, products skewed
 * towards the popular ones. `keep(customer)` chooses which orders are kept (all, or one range's).
 */
function generate(lines: number, keep: (customer: number) => boolean = () => true): Orders {
  let state = 20261120;
  const next = () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 4294967296;
  };
  const maxOrders = lines; // at least one line each
  const customer = new Uint16Array(maxOrders);
  const day = new Uint8Array(maxOrders);
  const second = new Uint32Array(maxOrders);
  const lineStart = new Uint32Array(maxOrders + 1);
  const product = new Uint16Array(lines);
  let count = 0;
  let written = 0;
  for (let total = 0; total < lines; ) {
    const c = Math.floor(next() * CUSTOMERS);
    const d = Math.floor(next() * DAYS);
    const s = Math.floor(next() * 86_400);
    const n = Math.min(1 + Math.floor(next() * 5), lines - total);
    const products: number[] = [];
    for (let l = 0; l < n; l++) products.push(Math.floor(PRODUCTS * next() ** 1.5));
    total += n;
    if (!keep(c)) continue;
    customer[count] = c;
    day[count] = d;
    second[count] = s;
    lineStart[count] = written;
    for (const p of products) product[written++] = p;
    count++;
    lineStart[count] = written;
  }
  return { count, customer, day, second, lineStart, product, lines: written };
}

function orderItem(o: Orders, i: number) {
  const lines = [];
  for (let l = o.lineStart[i]; l < o.lineStart[i + 1]; l++) lines.push({ productId: productId(o.product[l]), name: `Product ${o.product[l]}`, quantity: 1, unitPriceCents: 100 + o.product[l] });
  return { orderId: `o-${i}`, orderDay: WINDOW.days[o.day[i]], createdAt: createdAt(o, i), customerId: customerId(o.customer[i]), lines };
}

/** DynamoDB (the two order indexes, BatchWriteItem) and S3 (Put/GetObject) answered from memory. */
class DataModel {
  private readonly byDay: number[][] = Array.from({ length: DAYS }, () => []);
  private readonly byShard = new Map<number, number[]>();
  readonly written = new Map<string, Record<string, unknown>>();
  readonly objects = new Map<string, string>();

  constructor(private readonly orders: Orders) {
    for (let i = 0; i < orders.count; i++) {
      this.byDay[orders.day[i]].push(i);
      const shard = shardOf(customerId(orders.customer[i]));
      const list = this.byShard.get(shard) ?? [];
      list.push(i);
      this.byShard.set(shard, list);
    }
    const at = (i: number) => orders.day[i] * 86_400 + orders.second[i];
    for (const list of this.byDay) list.sort((a, b) => at(a) - at(b));
    for (const list of this.byShard.values()) list.sort((a, b) => orders.customer[a] - orders.customer[b] || at(a) - at(b));
  }

  attach(client: DynamoDBClient | S3Client): void {
    const answer = (command: string, input: Record<string, unknown>) => this.answer(command, input);
    const middleware = (_next: unknown, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => ({
      output: { $metadata: { httpStatusCode: 200 }, ...answer(context.commandName ?? '', args.input) },
      response: { statusCode: 200, headers: {} },
    });
    // A raw middleware at the end of the stack: the stack's generic types do not fit it.
    (client.middlewareStack as { add: (m: unknown, o: unknown) => void }).add(middleware, { step: 'deserialize', priority: 'high', name: 'benchDataModel' });
  }

  private answer(command: string, input: Record<string, unknown>): Record<string, unknown> {
    if (command === 'QueryCommand') {
      const values = input.ExpressionAttributeValues as Record<string, { S: string }>;
      const list = input.IndexName === 'byDay' ? this.byDay[WINDOW.days.indexOf(values[':day'].S)] ?? [] : this.byShard.get(Number(values[':shard'].S)) ?? [];
      const start = input.ExclusiveStartKey ? Number((input.ExclusiveStartKey as { pos: { N: string } }).pos.N) : 0;
      const end = Math.min(list.length, start + PAGE);
      const items = [];
      // Plain items and key: this middleware answers before the document client's unmarshalling
      // would run (the key comes back marshalled, as the job passes it on through the client).
      for (let k = start; k < end; k++) items.push(orderItem(this.orders, list[k]));
      return { Items: items, Count: items.length, ScannedCount: items.length, ...(end < list.length ? { LastEvaluatedKey: { pos: end } } : {}) };
    }
    if (command === 'BatchWriteItemCommand') {
      for (const requests of Object.values(input.RequestItems as Record<string, { PutRequest: { Item: Record<string, never> } }[]>)) {
        for (const r of requests) {
          const item = unmarshall(r.PutRequest.Item);
          this.written.set(item.customerId as string, item);
        }
      }
      return { UnprocessedItems: {} };
    }
    if (command === 'PutObjectCommand') {
      this.objects.set(input.Key as string, input.Body as string);
      return { ETag: '"model"' };
    }
    if (command === 'GetObjectCommand') {
      const text = this.objects.get(input.Key as string) ?? '';
      return { Body: { transformToString: async () => text } };
    }
    throw new Error(`the data model does not answer ${command}`);
  }
}

function clients(model: DataModel) {
  const rawDdb = new DynamoDBClient(FAKE);
  model.attach(rawDdb);
  const s3 = new S3Client({ ...FAKE, forcePathStyle: true });
  model.attach(s3);
  return { rawDdb, ddb: DynamoDBDocumentClient.from(rawDdb), s3 };
}

const deps = (c: ReturnType<typeof clients>) => ({ ddb: c.ddb, rawDdb: c.rawDdb, ordersTable: 'orders', recommendationsTable: 'recommendations' });

/** Brute force: a dense co-occurrence matrix counted from the orders, every product scored per customer. */
function bruteForce(o: Orders): Map<string, { productId: string; score: number }[]> {
  const matrix = new Int32Array(PRODUCTS * PRODUCTS);
  const bought: Set<number>[] = Array.from({ length: CUSTOMERS }, () => new Set<number>());
  for (let i = 0; i < o.count; i++) {
    const distinct = [...new Set(o.product.subarray(o.lineStart[i], o.lineStart[i + 1]))];
    for (const a of distinct) {
      bought[o.customer[i]].add(a);
      for (const b of distinct) if (a !== b) matrix[a * PRODUCTS + b]++;
    }
  }
  const result = new Map<string, { productId: string; score: number }[]>();
  const score = new Int32Array(PRODUCTS);
  bought.forEach((products, c) => {
    if (products.size === 0) return;
    score.fill(0);
    for (const a of products) for (let b = 0; b < PRODUCTS; b++) score[b] += matrix[a * PRODUCTS + b];
    const ranked: { productId: string; score: number }[] = [];
    for (let b = 0; b < PRODUCTS; b++) if (score[b] > 0 && !products.has(b)) ranked.push({ productId: productId(b), score: score[b] });
    ranked.sort((x, y) => y.score - x.score || (x.productId < y.productId ? -1 : 1));
    result.set(customerId(c), ranked.slice(0, TOP));
  });
  return result;
}

/** Child: one worker on range 0, with only that range's orders in its table. Prints its peak RSS. */
async function child(lines: number, modelFile: string): Promise<void> {
  const range: ShardRange = shardRanges(PARTITIONS)[0];
  const inRange = new Set<number>();
  for (let c = 0; c < CUSTOMERS; c++) {
    const shard = shardOf(customerId(c));
    if (shard >= range.from && shard <= range.to) inRange.add(c);
  }
  const model = new DataModel(generate(lines, (c) => inRange.has(c)));
  model.objects.set('model.json', readFileSync(modelFile, 'utf8'));
  const c = clients(model);
  const recommender = new Recommender(await readModel(c.s3, 'bench', 'model.json'));
  const result = await recommendRange(deps(c), recommender, range, WINDOW, TOP);
  console.log(JSON.stringify({ ...result, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

function runChild(lines: number, modelFile: string): RangeResult & { maxRssMb: number } {
  const tsx = join(__dirname, '..', 'node_modules', '.bin', 'tsx');
  const out = spawnSync(tsx, [__filename, '--child', String(lines), modelFile], { encoding: 'utf8', env: process.env });
  const line = out.stdout.trim().split('\n').at(-1) ?? '';
  if (out.status !== 0 || !line.startsWith('{')) throw new Error(`child ${lines} failed (${out.status}):\n${out.stdout}\n${out.stderr}`);
  return JSON.parse(line) as RangeResult & { maxRssMb: number };
}

/** Plans on a data set and writes the model to a file for the children. */
async function plan(orders: Orders, file: string) {
  const model = new DataModel(orders);
  const c = clients(model);
  const started = performance.now();
  const built = await buildModel(c.ddb, { tableName: 'orders' }, WINDOW);
  await writeModel(c.s3, 'bench', 'model.json', built);
  writeFileSync(file, model.objects.get('model.json') as string);
  return { model, c, built, ms: performance.now() - started };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-recommendations-'));
  try {
    const small = generate(LINES / 10);
    const smallPlan = await plan(small, join(dir, 'small.json'));
    const large = generate(LINES);
    const largePlan = await plan(large, join(dir, 'large.json'));
    console.log(
      `data: ${CUSTOMERS} customers, ${PRODUCTS} products, ${DAYS} days; ${small.lines} lines in ${small.count} orders and ${large.lines} lines in ${large.count} orders`,
    );
    console.log(`plan (${large.lines} lines): model of ${largePlan.built.products.length} products, ${largePlan.built.neighbours.reduce((n, r) => n + r.length, 0)} pairs, ${(largePlan.model.objects.get('model.json') as string).length} bytes, ${largePlan.ms.toFixed(0)} ms`);

    // Every range, as the map's workers would, then the table against the brute force.
    const recommender = new Recommender(await readModel(largePlan.c.s3, 'bench', 'model.json'));
    const started = performance.now();
    let customers = 0;
    for (const range of shardRanges(PARTITIONS)) customers += (await recommendRange(deps(largePlan.c), recommender, range, WINDOW, TOP)).customers;
    console.log(`work: ${PARTITIONS} ranges, ${customers} customers, ${largePlan.model.written.size} items in ${(performance.now() - started).toFixed(0)} ms`);
    const expected = bruteForce(large);
    let mismatches = 0;
    for (const [customer, recommendations] of expected) {
      const item = largePlan.model.written.get(customer);
      if (!item || JSON.stringify(item.recommendations) !== JSON.stringify(recommendations)) {
        if (mismatches === 0) console.log(`first difference: ${customer}: job ${JSON.stringify(item?.recommendations)}, brute force ${JSON.stringify(recommendations)}`);
        mismatches++;
      }
    }
    const matches = mismatches === 0 && expected.size === largePlan.model.written.size ? 1 : 0;
    console.log(`brute force: ${expected.size} customers, ${mismatches} differ, ${largePlan.model.written.size} items written`);

    const smallRun = runChild(small.lines, join(dir, 'small.json'));
    const largeRun = runChild(large.lines, join(dir, 'large.json'));
    console.log(`one worker (range 0 of ${PARTITIONS}): ${small.lines} lines: ${smallRun.customers} customers, peak RSS ${smallRun.maxRssMb.toFixed(0)} MB; ${large.lines} lines: ${largeRun.customers} customers, peak RSS ${largeRun.maxRssMb.toFixed(0)} MB`);
    const ratio = largeRun.maxRssMb / smallRun.maxRssMb;
    console.log(`BENCH recommendations customers=${CUSTOMERS} lines=${large.lines} matches=${matches} mem_ratio=${ratio.toFixed(2)}`);
    if (!matches) process.exitCode = 1;
    void smallPlan;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(Number(process.argv[3]), process.argv[4]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
