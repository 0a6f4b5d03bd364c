/**
 * `cdk-jobs history <job> [--limit 20]`: the job's newest run records (`RUN#<slot>`, newest first):
 * status (PARTIAL for a fan-out run with failed items), attempt, trigger, duration, a fan-out run's
 * items (done, failed and which), and the error or the reason it was skipped.
 */
import type { Command } from 'commander';
import { parseCount } from '../args';
import { formatDuration, renderTable, truncate } from '../format';
import { readHistory, type RunRow } from '../job-state';
import { platformCommand, withSession, type CommandEnv } from './common';

/** The human table of `cdk-jobs history`. Pure. */
export function renderHistory(job: string, rows: readonly RunRow[]): string {
  if (rows.length === 0) return `no runs recorded for ${job}`;
  return renderTable(
    ['SLOT', 'STATUS', 'ATTEMPT', 'TRIGGER', 'DURATION', 'ERROR / REASON'],
    rows.map((r) => [
      r.slot,
      r.status,
      r.attempt !== undefined ? String(r.attempt) : '-',
      r.trigger,
      formatDuration(r.durationMs),
      truncate([itemsText(r), r.error ? `${r.error.name}: ${r.error.message}` : r.reason].filter(Boolean).join('; '), r.counts ? 120 : 80),
    ]),
  );
}

/** A fan-out run's items: `items 32/40 done, 8 failed: p04, p05, p06 +5`. */
function itemsText(r: RunRow): string | undefined {
  if (!r.counts || r.counts.planned === undefined) return undefined;
  const done = `items ${r.counts.succeeded ?? 0}/${r.counts.planned} done`;
  if (!r.counts.failed) return done;
  const keys = r.failedItems ?? [];
  const shown = keys.slice(0, 3).join(', ');
  const more = r.counts.failed - Math.min(3, keys.length);
  return `${done}, ${r.counts.failed} failed${shown ? `: ${shown}${more > 0 ? ` +${more}` : ''}` : ''}`;
}

export function historyCommand(env: CommandEnv): Command {
  return platformCommand('history', "Show a job's latest runs: status, attempt, duration, error")
    .argument('<job>', 'the job')
    .option('--limit <n>', 'how many runs, newest first (1-1000)', '20')
    .addHelpText('after', '\nExamples:\n  npx cdk-jobs history weekly-log-cleanup\n  npx cdk-jobs history weekly-log-cleanup --limit 5 --json\n\nExit codes: 0 shown, 1 an AWS call failed, 2 unknown job or bad --limit, 3 platform not found.')
    .action(async (name: string, options: Record<string, unknown>) => {
      const limit = parseCount('--limit', String(options.limit), 1, 1000);
      await withSession(env, options, async (session) => {
        const platform = await session.platform();
        const job = await session.job(name);
        const rows = await readHistory((await session.clients()).dynamodb, platform.tableName, job.name, limit);
        if (session.flags.json) session.json(rows);
        else session.out(renderHistory(job.name, rows));
      });
    });
}
