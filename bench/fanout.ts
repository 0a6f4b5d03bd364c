/**
 * `npm run bench -- fanout`: the same cleanup over 200,000 objects in 100 date partitions, run as
 * the single continuing Lambda (`runCleanup`) and as the fan-out (plan -> 100 partitions worked 50
 * at a time -> finish, with the functions the fan-out handler wraps), both against an in-process S3
 * model (`bench/_s3-model.ts`: the real SDK client and code path, 20 ms a request and no CPU, S3's
 * per-prefix rates of 3,500 deletes and 5,500 LIST/GET a second enforced, state in memory).
 *
 * BENCH_FANOUT_DAYS (default 100) date partitions `logs/app/yyyy/mm/dd/` of BENCH_FANOUT_PER_DAY
 * (default 2,000) objects; the older half of the days is past the cutoff (key-date mode).
 * request_ratio = the fan-out's HTTP requests / the API minimum (one ListObjectsV2 per 1,000 keys
 * of each partition + one DeleteObjects per 1,000 expired keys); both final buckets are checked.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runCleanup, type CleanupResult } from '../lambdas/jobs/cleanup/cleanup';
import {
  cleanPartitions,
  parseFanOutCleanupPayload,
  planCleanupPartitions,
  summariseCleanup,
  type CleanupPartition,
  type PartitionCleanupResult,
} from '../lambdas/jobs/cleanup/fan-out';
import { parseCleanupPayload } from '../lambdas/jobs/cleanup/payload';
import { computeCutoff } from '../lambdas/jobs/cleanup/rules';
import { createTestContext } from '../lambdas/runtime/testing';
import { mapWithConcurrency } from '../lambdas/shared/concurrency';
import { sdkRetryConfig } from '../lambdas/shared/retry';
import { S3Model } from './_s3-model';

const DAYS = Number(process.env.BENCH_FANOUT_DAYS ?? 100);
const PER_DAY = Number(process.env.BENCH_FANOUT_PER_DAY ?? 2000);
const CONCURRENCY = 50;
const PARTITIONS_PER_BATCH = 1;
const DAY = 86_400_000;
const FIRST_DAY = Date.UTC(2026, 5, 1);
const PATTERN = '^logs/[^/]+/(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/';
const EXPIRED_DAYS = Math.floor(DAYS / 2);
// The cutoff is the first instant of day EXPIRED_DAYS: the days before it are wholly older.
const SLOT = new Date(FIRST_DAY + EXPIRED_DAYS * DAY + 30 * DAY);
const FAKE = { region: 'us-east-1', endpoint: 'http://s3-model.invalid', forcePathStyle: true, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };

function dayPrefix(d: number): string {
  return `logs/app/${new Date(FIRST_DAY + d * DAY).toISOString().slice(0, 10).replace(/-/g, '/')}/`;
}

function dataSet(): { keys: string[]; expired: Set<string> } {
  const keys: string[] = [];
  const expired = new Set<string>();
  for (let d = 0; d < DAYS; d++) {
    for (let i = 0; i < PER_DAY; i++) {
      const key = `${dayPrefix(d)}part-${String(i).padStart(6, '0')}.log`;
      keys.push(key);
      if (d < EXPIRED_DAYS) expired.add(key);
    }
  }
  return { keys, expired };
}

function check(label: string, model: S3Model, keys: string[], expired: Set<string>): { wrong: number; left: number } {
  const remaining = new Set(model.remaining());
  const wrong = keys.filter((k) => !expired.has(k) && !remaining.has(k)).length;
  const left = keys.filter((k) => expired.has(k) && remaining.has(k)).length;
  console.log(`${label}: ${model.deleted.length} deleted, ${remaining.size} remain; wrongly deleted ${wrong}, left behind ${left}`);
  return { wrong, left };
}

async function single(keys: string[], expired: Set<string>) {
  const model = new S3Model({ prefixDepth: 5 });
  model.seed(keys);
  const s3 = new S3Client({ ...FAKE, ...sdkRetryConfig() });
  model.attach(s3);
  const started = performance.now();
  // One invocation's real budget: 15 minutes from now (it continues in a new one if that runs short).
  const ctx = createTestContext({
    job: 'weekly-log-cleanup',
    slot: SLOT.toISOString(),
    remainingTimeMs: () => 900_000 - (performance.now() - started),
    payload: parseCleanupPayload({ olderThanDays: 30, prefixes: ['logs/'], keyDatePattern: PATTERN, bucket: 'bench' }, 'weekly-log-cleanup', {}),
  });
  const result = await runCleanup(ctx, { s3, ddb: new DynamoDBClient(FAKE) });
  const ms = performance.now() - started;
  if (!('deleted' in result)) throw new Error('the single Lambda continued: the bench expects one invocation to suffice');
  console.log(`single: ${(result as CleanupResult).deleted} deleted of ${result.listed} listed in ${ms.toFixed(0)} ms with ${JSON.stringify(model.requests)}`);
  return { ms, requests: model.requests.ListObjectsV2 + model.requests.DeleteObjects, ...check('single', model, keys, expired) };
}

/** The fan-out run's functions, each Lambda (plan, every child execution, finish) with its own client. */
function fanOutRun(model: S3Model) {
  const client = () => {
    const s3 = new S3Client({ ...FAKE, ...sdkRetryConfig() });
    model.attach(s3);
    return s3;
  };
  const payload = parseFanOutCleanupPayload(
    { olderThanDays: 30, prefixes: ['logs/'], keyDatePattern: PATTERN, partitionDepth: 4, bucket: 'bench' },
    'weekly-log-cleanup-fan-out',
    {},
  );
  const cutoff = computeCutoff(SLOT, payload.olderThanDays);
  return {
    plan: async () => {
      const partitions: CleanupPartition[] = [];
      for await (const p of planCleanupPartitions(client(), payload, payload.partitionDepth)) partitions.push(p);
      const batches: CleanupPartition[][] = [];
      for (let i = 0; i < partitions.length; i += PARTITIONS_PER_BATCH) batches.push(partitions.slice(i, i + PARTITIONS_PER_BATCH));
      return batches;
    },
    work: (batch: CleanupPartition[]) => cleanPartitions({ s3: client(), payload, cutoff }, batch),
    finish: (results: PartitionCleanupResult[]) => summariseCleanup(payload, cutoff, results.map((result) => ({ key: result.key, result }))),
  };
}

/** The fan-out in this process: plan, the batches 50 at a time (mapWithConcurrency), finish. */
async function fanOutInProcess(keys: string[], expired: Set<string>) {
  const model = new S3Model({ prefixDepth: 5 });
  model.seed(keys);
  const run = fanOutRun(model);
  const started = performance.now();
  const batches = await run.plan();
  const results = (await mapWithConcurrency(batches, CONCURRENCY, run.work)).flat();
  const summary = await run.finish(results);
  const ms = performance.now() - started;
  console.log(
    `fan-out in one process: ${batches.length} batches, ${summary.deleted} deleted of ${summary.listed} listed in ${ms.toFixed(0)} ms ` +
      `(concurrency ${CONCURRENCY}; every child's CPU on this one thread) with ${JSON.stringify(model.requests)}`,
  );
  return { ms, partitions: summary.partitions, requests: model.requests.ListObjectsV2 + model.requests.DeleteObjects, ...check('fan-out in one process', model, keys, expired) };
}

/**
 * The fan-out as the map runs it, each child execution in a Lambda of its own: the plan, each batch
 * and the finish are timed alone (their own CPU, S3's waits), then the map's schedule is computed
 * from those durations: concurrency 50, each batch started in manifest order on the first free slot.
 * The partitions are disjoint prefixes, so S3's per-prefix queues do not couple the children.
 */
async function fanOutScheduled(keys: string[], expired: Set<string>) {
  const model = new S3Model({ prefixDepth: 5 });
  model.seed(keys);
  const run = fanOutRun(model);
  let t = performance.now();
  const batches = await run.plan();
  const planMs = performance.now() - t;
  const durations: number[] = [];
  const results: PartitionCleanupResult[] = [];
  for (const batch of batches) {
    t = performance.now();
    results.push(...(await run.work(batch)));
    durations.push(performance.now() - t);
  }
  t = performance.now();
  const summary = await run.finish(results);
  const finishMs = performance.now() - t;
  const slots = new Array<number>(Math.min(CONCURRENCY, durations.length)).fill(0);
  for (const d of durations) {
    const first = slots.indexOf(Math.min(...slots));
    slots[first] += d;
  }
  const mapMs = Math.max(...slots);
  const ms = planMs + mapMs + finishMs;
  const sorted = [...durations].sort((a, b) => a - b);
  console.log(
    `fan-out, children timed alone: plan ${planMs.toFixed(0)} ms; ${durations.length} children, median ${sorted[sorted.length >> 1].toFixed(0)} ms, ` +
      `longest ${sorted[sorted.length - 1].toFixed(0)} ms; map at concurrency ${CONCURRENCY} ${mapMs.toFixed(0)} ms; finish ${finishMs.toFixed(0)} ms; ` +
      `${summary.deleted} deleted with ${JSON.stringify(model.requests)}`,
  );
  return { ms, requests: model.requests.ListObjectsV2 + model.requests.DeleteObjects, ...check('fan-out, children alone', model, keys, expired) };
}

async function main(): Promise<void> {
  const { keys, expired } = dataSet();
  const minimum = DAYS * Math.ceil(PER_DAY / 1000) + EXPIRED_DAYS * Math.ceil(PER_DAY / 1000);
  console.log(`${keys.length} objects in ${DAYS} day partitions, ${expired.size} past the cutoff; API minimum ${minimum} requests`);
  const s = await single(keys, expired);
  const p = await fanOutInProcess(keys, expired);
  const f = await fanOutScheduled(keys, expired);
  if (p.requests !== f.requests) console.log(`note: the two fan-out runs sent ${p.requests} and ${f.requests} requests`);
  const speedup = s.ms / f.ms;
  const ratio = Math.max(p.requests, f.requests) / minimum;
  console.log(
    `single request_ratio ${(s.requests / minimum).toFixed(3)}; in one process the fan-out took ${p.ms.toFixed(0)} ms ` +
      `(speedup ${(s.ms / p.ms).toFixed(1)} with every child's CPU on one thread)`,
  );
  const wrong = s.wrong + p.wrong + f.wrong;
  const left = s.left + p.left + f.left;
  console.log(
    `BENCH fanout objects=${keys.length} partitions=${p.partitions} single_ms=${s.ms.toFixed(0)} fanout_ms=${f.ms.toFixed(0)} ` +
      `speedup=${speedup.toFixed(1)} request_ratio=${ratio.toFixed(3)} wrongly_deleted=${wrong} left=${left}`,
  );
  if (wrong + left > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
