/**
 * `cdk-jobs history <job> [--limit 20]`: the job's newest run records (`RUN#<slot>`, newest first):
 * status, attempt, trigger, duration, and the error or the reason it was skipped.
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
      r.error ? truncate(`${r.error.name}: ${r.error.message}`, 80) : (r.reason ?? ''),
    ]),
  );
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
