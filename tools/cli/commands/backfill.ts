/**
 * `cdk-jobs backfill <job> --from <instant> --to <instant>`: runs every slot of the job's schedule in
 * `[from, to)` whose run did not SUCCEED (missed, failed, skipped, never recorded), oldest first,
 * each with its own scheduled time, and waits for each outcome. The runtime's claim keeps it
 * idempotent: a slot that succeeded meanwhile is a duplicate and does nothing, and a second backfill
 * over the same window runs nothing.
 */
import type { Command } from 'commander';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JobStateStore } from '../../../lambdas/runtime/state-store';
import { mapWithConcurrency } from '../../../lambdas/shared/concurrency';
import { parseCount } from '../args';
import { backfillSlots, parsePastInstant, planBackfill, slotEvent, type PlannedSlot } from '../backfill-plan';
import { ExitCode } from '../errors';
import { formatInZone, renderTable, truncate } from '../format';
import { fixedByReinvoke, runOutcomeOf, type InvocationReport } from '../invoker';
import { progressBar } from '../progress';
import { describeReinvoke } from './redrive';
import { platformCommand, withSession, type CommandEnv } from './common';

/** How many run records are read at once while planning. */
const STATUS_READ_CONCURRENCY = 16;

/** The run-record status of each slot that has one, by slot ISO string. */
export async function readSlotStatuses(doc: DynamoDBDocumentClient, tableName: string, job: string, slots: readonly Date[]): Promise<Map<string, string>> {
  const store = new JobStateStore({ client: doc, tableName });
  const items = await mapWithConcurrency(slots, STATUS_READ_CONCURRENCY, (slot) => store.getRun(job, slot.toISOString()));
  const statuses = new Map<string, string>();
  items.forEach((item, i) => {
    if (typeof item?.status === 'string') statuses.set(slots[i].toISOString(), item.status);
  });
  return statuses;
}

/** How one slot of a backfill went. */
export interface BackfillResult {
  readonly slot: Date;
  readonly previous?: string;
  /** `succeeded`: ran and SUCCEEDED (or continued); `already`: it had succeeded meanwhile; `failed`: anything else; `planned`: dry run. */
  readonly outcome: 'succeeded' | 'already' | 'failed' | 'planned';
  readonly detail: string;
}

/** The result of one re-run slot, from its invocation report. Pure. */
export function backfillResult(item: PlannedSlot, report: InvocationReport): BackfillResult {
  const outcome = runOutcomeOf(report.result);
  const already = report.ok && outcome?.status === 'DUPLICATE' && fixedByReinvoke(report);
  return {
    ...item,
    outcome: already ? 'already' : fixedByReinvoke(report) ? 'succeeded' : 'failed',
    detail: describeReinvoke(report),
  };
}

/** The counts of a backfill's summary. */
export interface BackfillSummary {
  readonly slots: number;
  readonly alreadySucceeded: number;
  readonly ran: number;
  readonly succeeded: number;
  readonly failed: number;
}

/** Counts the results. Pure. */
export function summarise(results: readonly BackfillResult[], alreadySucceeded: number): BackfillSummary {
  const count = (o: BackfillResult['outcome']) => results.filter((r) => r.outcome === o).length;
  return {
    slots: results.length + alreadySucceeded,
    alreadySucceeded: alreadySucceeded + count('already'),
    ran: count('succeeded') + count('failed'),
    succeeded: count('succeeded'),
    failed: count('failed'),
  };
}

/** The human output of `cdk-jobs backfill`. Pure. */
export function renderBackfill(job: string, timeZone: string, results: readonly BackfillResult[], summary: BackfillSummary, dryRun: boolean): string {
  const lines: string[] = [];
  const cells = (r: BackfillResult) => [r.slot.toISOString(), formatInZone(r.slot, timeZone), r.previous ?? 'not recorded'];
  if (results.length > 0) {
    lines.push(
      dryRun
        ? renderTable(['SLOT', timeZone, 'WAS'], results.map(cells))
        : renderTable(['SLOT', timeZone, 'WAS', 'RESULT'], results.map((r) => [...cells(r), truncate(r.detail, 80)])),
    );
  }
  if (dryRun) {
    lines.push(`dry run: ${results.length} of ${summary.slots} slots would run (${summary.alreadySucceeded} already succeeded); nothing was run`);
  } else {
    lines.push(
      `${job}: ${summary.slots} slots, ${summary.alreadySucceeded} already succeeded, ${summary.ran} ran: ${summary.succeeded} succeeded, ${summary.failed} failed`,
    );
  }
  return lines.join('\n');
}

export function backfillCommand(env: CommandEnv): Command {
  return platformCommand('backfill', "Run every slot of a job's schedule in [--from, --to) that did not succeed, oldest first, each with its own scheduled time")
    .argument('<job>', 'the job (with a cron() or rate() schedule)')
    .requiredOption('--from <instant>', "the first instant of the window, included (ISO-8601, e.g. '2026-11-01T00:00:00Z')")
    .requiredOption('--to <instant>', 'the end of the window, excluded (ISO-8601, not in the future)')
    .option('--concurrency <n>', 'how many slots run at once (1-16); with 1 they run strictly oldest first (on a local stack always 1: handlers run in this process, one at a time)', '1')
    .option('--dry-run', 'list the slots that would run, run nothing')
    .option('--verbose', 'on a local stack, also print what the handlers log (on stderr)')
    .addHelpText(
      'after',
      '\nA slot runs as a manual run with its scheduled time (so it runs even when the job is paused) and is waited for;\n' +
        'a slot that already SUCCEEDED is left alone, so running the same backfill again runs nothing.\n' +
        'The window holds at most 366 days and 10000 slots.\n\n' +
        'Examples:\n  npx cdk-jobs backfill weekly-log-cleanup --from 2026-11-01T00:00:00Z --to 2026-11-08T00:00:00Z --dry-run\n' +
        '  npx cdk-jobs backfill weekly-log-cleanup --from 2026-11-01T00:00:00Z --to 2026-11-08T00:00:00Z --concurrency 4\n\n' +
        'Exit codes: 0 every slot succeeded (or had already), 1 a slot failed or was not run, 2 bad usage, unknown job or a job without a recurring schedule, 3 platform not found.',
    )
    .action(async (name: string, options: Record<string, unknown>) => {
      const concurrency = parseCount('--concurrency', String(options.concurrency), 1, 16);
      const now = env.io.now();
      const from = parsePastInstant(name, '--from', String(options.from), now);
      const to = parsePastInstant(name, '--to', String(options.to), now);
      const dryRun = options.dryRun === true;
      await withSession(env, options, async (session) => {
        const job = await session.job(name);
        const slots = backfillSlots(job, from, to);
        const timeZone = job.schedule?.timeZone ?? 'UTC';
        const platform = await session.platform();
        const { dynamodb } = await session.clients();
        const plan = planBackfill(slots, await readSlotStatuses(dynamodb, platform.tableName, job.name, slots));
        let results: BackfillResult[];
        if (dryRun) {
          results = plan.toRun.map((item) => ({ ...item, outcome: 'planned', detail: 'would run' }));
        } else {
          const invoker = await session.invoker({ verbose: options.verbose === true });
          const bar = progressBar(env.io.stderr, `backfilling ${job.name}`, plan.toRun.length);
          try {
            // In-process handlers run one at a time (each invocation owns the continuation hook while it runs).
            const limit = invoker.where === 'local' ? 1 : concurrency;
            results = await mapWithConcurrency(plan.toRun, limit, async (item) => {
              let report: InvocationReport;
              try {
                report = await invoker.invoke(job.functionArn, slotEvent(job.name, item.slot, job.payload), 'sync');
              } catch (error) {
                const e = error as Error;
                report = { mode: 'sync', ok: false, error: { type: e.name, message: e.message } };
              }
              bar.increment();
              return backfillResult(item, report);
            });
          } finally {
            bar.stop();
          }
        }
        const summary = summarise(results, plan.alreadySucceeded.length);
        if (session.flags.json) {
          session.json({
            job: job.name,
            from: from.toISOString(),
            to: to.toISOString(),
            dryRun,
            ...summary,
            runs: results.map((r) => ({ slot: r.slot.toISOString(), previous: r.previous ?? null, outcome: r.outcome, detail: r.detail })),
          });
        } else {
          session.out(renderBackfill(job.name, timeZone, results, summary, dryRun));
        }
        return summary.failed === 0 ? ExitCode.OK : ExitCode.FAILED;
      });
    });
}
