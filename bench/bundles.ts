/**
 * `npm run bench -- bundles`: every Lambda handler (`lambdas/**\/handler.ts`) bundled with the
 * esbuild settings the constructs deploy (`lib/bundling.ts`), then, side by side in one run:
 *
 * - the bundle's size (`index.js`, source map not counted: Lambda does not load it at init);
 * - its module init time, `require()` of the bundle in a fresh Node process started the way Lambda
 *   starts it (`--enable-source-maps`), against `require()` of the same handler unbundled, from
 *   TypeScript through tsx (warm transpile cache), with node_modules as installed.
 *
 * Processes alternate bundled / unbundled so machine load hits both alike; each side's median is
 * reported. Goals: every bundle <= 500 KB, init <= 0.5x unbundled.
 * Last line: `BENCH bundles max_kb=<largest bundle> init_ratio=<worst bundled/unbundled ratio> ...`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../lib/bundling';

const ROOT = join(__dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const GOAL_KB = 500;
const GOAL_RATIO = 0.5;
const TSX_CJS = require.resolve('tsx/cjs');

/** What a handler finds in its environment in Lambda; none of it is contacted at init. */
const LAMBDA_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  JOBS_TABLE_NAME: 'bench-table',
  JOB_NAME: 'bench-job',
  JOB_OVERLAP_POLICY: 'skip',
  JOB_LEASE_SECONDS: '960',
  JOB_RUN_TTL_DAYS: '90',
  SCHEDULE_GROUP_NAME: 'bench-jobs',
  POWERTOOLS_METRICS_NAMESPACE: 'ScheduledJobs',
  POWERTOOLS_SERVICE_NAME: 'bench-job',
  LOGS_BUCKET_NAME: 'bench-bucket',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Run in the child: time `require()` of the module given as argument, print milliseconds. */
const MEASURE = 'const t=performance.now();require(process.argv[1]);process.stdout.write(String(performance.now()-t))';

function findHandlers(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') {
      found.push(...findHandlers(path));
    } else if (entry.isFile() && entry.name === 'handler.ts') {
      found.push(path);
    }
  }
  return found.sort();
}

function timeRequire(args: string[], target: string): number {
  const result = spawnSync(process.execPath, [...args, '-e', MEASURE, target], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENV },
    encoding: 'utf8',
  });
  const ms = Number(result.stdout);
  if (result.status !== 0 || !Number.isFinite(ms)) {
    throw new Error(`loading ${relative(ROOT, target)} failed (exit ${result.status}): ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
  }
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const handlers = findHandlers(join(ROOT, 'lambdas'));
  if (handlers.length === 0) {
    throw new Error('no lambdas/**/handler.ts found');
  }
  const out = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  const rows: { name: string; kb: number; bundledMs: number; unbundledMs: number; ratio: number }[] = [];
  try {
    for (const handler of handlers) {
      const name = relative(join(ROOT, 'lambdas'), handler).replace(/\/handler\.ts$/, '');
      const outfile = join(out, name.replace(/\//g, '_'), 'index.js');
      await build({ ...esbuildOptions(handler, outfile), logLevel: 'silent' });
      const kb = statSync(outfile).size / 1024;

      // Warm-up (tsx fills its transpile cache, the OS its file cache), not counted.
      timeRequire(['--enable-source-maps'], outfile);
      timeRequire(['--require', TSX_CJS], handler);
      const bundled: number[] = [];
      const unbundled: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        bundled.push(timeRequire(['--enable-source-maps'], outfile));
        unbundled.push(timeRequire(['--require', TSX_CJS], handler));
      }
      const bundledMs = median(bundled);
      const unbundledMs = median(unbundled);
      rows.push({ name, kb, bundledMs, unbundledMs, ratio: bundledMs / unbundledMs });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }

  console.log(`bundles: ${rows.length} handlers, ${ROUNDS} rounds each, medians (goal: <= ${GOAL_KB} KB, init <= ${GOAL_RATIO}x unbundled)`);
  console.log(`${'handler'.padEnd(28)} ${'size KB'.padStart(8)} ${'bundled ms'.padStart(11)} ${'unbundled ms'.padStart(13)} ${'ratio'.padStart(6)}`);
  for (const row of rows) {
    const flag = row.kb > GOAL_KB || row.ratio > GOAL_RATIO ? '  over goal' : '';
    console.log(
      `${row.name.padEnd(28)} ${row.kb.toFixed(1).padStart(8)} ${row.bundledMs.toFixed(1).padStart(11)} ${row.unbundledMs.toFixed(1).padStart(13)} ${row.ratio.toFixed(2).padStart(6)}${flag}`,
    );
  }
  const maxKb = Math.max(...rows.map((r) => r.kb));
  const worstRatio = Math.max(...rows.map((r) => r.ratio));
  const within = rows.every((r) => r.kb <= GOAL_KB && r.ratio <= GOAL_RATIO);
  console.log(`BENCH bundles max_kb=${maxKb.toFixed(1)} init_ratio=${worstRatio.toFixed(2)} handlers=${rows.length} goal_met=${within}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
