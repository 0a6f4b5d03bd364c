/**
 * `npm run bench -- schedule`: 10,000 consecutive runs of two crons in America/New_York from the
 * schedule engine (`nextRuns`) and from cron-parser (v5, expression translated to its dialect),
 * timed side by side in this process after a warm-up. Both must produce the same instants.
 *
 * Windows: `*\/5` from 2026-02-20 (crosses the 2026-03-08 spring-forward change) and weekdays at
 * 09:00 from 2026-01-01 (about 38 years, every change of those years). A window across a
 * fall-back change is left out: there cron-parser fires the repeated hour twice, EventBridge
 * Scheduler (and the engine) once, so the instants differ by design.
 *
 * Timing: after the equality pass and a warm-up, each case runs ROUNDS times per library,
 * alternating; the median per case is kept. Last line: `BENCH schedule ours_ms=... cron_parser_ms=...
 * ratio=...` (ratio = ours / cron-parser, sums of the per-case medians).
 */
import { CronExpressionParser } from 'cron-parser';
import { nextRuns } from '../lib/schedule';

const ZONE = 'America/New_York';
const COUNT = 10_000;
const ROUNDS = 3;

interface Case {
  readonly name: string;
  readonly ours: string;
  readonly cronParser: string;
  readonly after: Date;
}

const CASES: readonly Case[] = [
  { name: 'every-5-minutes', ours: 'cron(*/5 * * * ? *)', cronParser: '*/5 * * * *', after: new Date('2026-02-20T00:00:00Z') },
  { name: 'weekdays-09:00', ours: 'cron(0 9 ? * MON-FRI *)', cronParser: '0 9 * * MON-FRI', after: new Date('2026-01-01T00:00:00Z') },
];

function ours(c: Case, count: number): number[] {
  return nextRuns(c.ours, { timeZone: ZONE, after: c.after, count }).map((d) => d.getTime());
}

function cronParser(c: Case, count: number): number[] {
  const iterator = CronExpressionParser.parse(c.cronParser, { tz: ZONE, currentDate: c.after });
  const runs: number[] = [];
  for (let i = 0; i < count; i++) runs.push(iterator.next().getTime());
  return runs;
}

function timed(fn: () => number[]): number {
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = process.hrtime.bigint();
  const runs = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (runs.length !== COUNT) throw new Error(`expected ${COUNT} runs, got ${runs.length}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// The comparison is only honest if both produce the same instants.
for (const c of CASES) {
  const a = ours(c, COUNT);
  const b = cronParser(c, COUNT);
  const mismatch = a.findIndex((x, i) => x !== b[i]);
  if (a.length !== COUNT || b.length !== COUNT || mismatch >= 0) {
    throw new Error(`${c.name}: results differ at run ${mismatch}: ${new Date(a[mismatch]).toISOString()} vs ${new Date(b[mismatch]).toISOString()}`);
  }
  console.log(`${c.name}: ${COUNT} identical instants, ${new Date(a[0]).toISOString()} .. ${new Date(a[COUNT - 1]).toISOString()}`);
}

// Warm-up beyond the full equality pass above.
for (const c of CASES) {
  ours(c, 2_000);
  cronParser(c, 2_000);
}

let oursTotal = 0;
let cronParserTotal = 0;
for (const c of CASES) {
  const o: number[] = [];
  const p: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    o.push(timed(() => ours(c, COUNT)));
    p.push(timed(() => cronParser(c, COUNT)));
  }
  const om = median(o);
  const pm = median(p);
  oursTotal += om;
  cronParserTotal += pm;
  console.log(`${c.name}: ours ${om.toFixed(1)} ms, cron-parser ${pm.toFixed(1)} ms (median of ${ROUNDS})`);
}

console.log(
  `BENCH schedule ours_ms=${oursTotal.toFixed(1)} cron_parser_ms=${cronParserTotal.toFixed(1)} ratio=${(oursTotal / cronParserTotal).toFixed(4)}`,
);
