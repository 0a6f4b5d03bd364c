/**
 * `cdk-jobs list`: every job with its schedule, zone, next run, last run and status, paused flag,
 * pending one-time schedules and description.
 */
import type { Command } from 'commander';
import { nextRuns } from '../../../lib/schedule';
import { formatInZone, renderTable, truncate } from '../format';
import { type JobCatalog, type JobInfo, scheduleStart } from '../job-catalog';
import { readStates, type JobStateSummary } from '../job-state';
import { pendingOneTimeCounts } from '../one-time';
import { platformCommand, withSession, type CommandEnv } from './common';

/** One row of `cdk-jobs list --json`. */
export interface ListEntry {
  readonly job: string;
  readonly kind: JobInfo['kind'];
  readonly expression: string | null;
  readonly timeZone: string;
  /** ENABLED / DISABLED for scheduled jobs, null for one-time jobs. */
  readonly state: 'ENABLED' | 'DISABLED' | null;
  readonly description: string | null;
  /** The next instant the recurring schedule fires (UTC ISO), null when none. */
  readonly nextRun: string | null;
  readonly lastRun: { readonly at: string; readonly status: string | null; readonly slot: string | null } | null;
  readonly paused: boolean;
  readonly pausedBy: string | null;
  readonly pausedAt: string | null;
  readonly pendingOneTime: number;
  readonly functionArn: string;
}

/** The next run of a job's recurring schedule after `now`, or undefined (disabled, ended, one-time). */
export function nextRunOf(job: JobInfo, now: Date): Date | undefined {
  const s = job.schedule;
  if (!s || s.state !== 'ENABLED') return undefined;
  const [next] = nextRuns(s.expression, { timeZone: s.timeZone, after: now, count: 1, start: scheduleStart(s) });
  if (!next || (s.endDate && next.getTime() > s.endDate.getTime())) return undefined;
  return next;
}

/** The rows of `cdk-jobs list`. Pure. */
export function listEntries(
  catalog: JobCatalog,
  states: ReadonlyMap<string, JobStateSummary>,
  pending: ReadonlyMap<string, number>,
  now: Date,
): ListEntry[] {
  return catalog.jobs.map((job) => {
    const state = states.get(job.name);
    const next = nextRunOf(job, now);
    return {
      job: job.name,
      kind: job.kind,
      expression: job.schedule?.expression ?? null,
      timeZone: job.schedule?.timeZone ?? 'UTC',
      state: job.schedule?.state ?? null,
      description: job.schedule?.description ?? null,
      nextRun: next ? next.toISOString() : null,
      lastRun: state?.lastRunAt ? { at: state.lastRunAt, status: state.lastStatus ?? null, slot: state.lastSlot ?? null } : null,
      paused: state?.paused ?? false,
      pausedBy: state?.pausedBy ?? null,
      pausedAt: state?.pausedAt ?? null,
      pendingOneTime: pending.get(job.name) ?? 0,
      functionArn: job.functionArn,
    };
  });
}

/** The human table of `cdk-jobs list`. Pure. */
export function renderList(entries: readonly ListEntry[]): string {
  if (entries.length === 0) return 'no jobs';
  const rows = entries.map((e) => [
    e.job,
    e.expression === null ? 'one-time only' : `${e.expression}${e.state === 'DISABLED' ? ' (disabled)' : ''}`,
    e.timeZone,
    e.nextRun ? formatInZone(new Date(e.nextRun), e.timeZone) : '-',
    e.lastRun ? formatInZone(new Date(e.lastRun.at), e.timeZone) : '-',
    e.lastRun?.status ?? '-',
    e.paused ? `yes${e.pausedBy ? ` (${e.pausedBy})` : ''}` : 'no',
    String(e.pendingOneTime),
    e.description ? truncate(e.description, 60) : '',
  ]);
  return renderTable(['JOB', 'SCHEDULE', 'ZONE', 'NEXT RUN', 'LAST RUN', 'STATUS', 'PAUSED', 'ONCE', 'DESCRIPTION'], rows);
}

export function listCommand(env: CommandEnv): Command {
  return platformCommand('list', 'List every job: schedule, zone, next run, last run and its status, paused, pending one-time runs')
    .addHelpText(
      'after',
      '\nExamples:\n  npx cdk-jobs list\n  npx cdk-jobs list --local\n  npx cdk-jobs list --stack ScheduledJobs-dev --json\n\n' +
        'Exit codes: 0 listed, 1 an AWS call failed, 3 platform not found.',
    )
    .action(async (options: Record<string, unknown>) =>
      withSession(env, options, async (session) => {
        const platform = await session.platform();
        const catalog = await session.catalog();
        const clients = await session.clients();
        const [states, pending] = await Promise.all([
          readStates(clients.dynamodb, platform.tableName, catalog.jobs.map((j) => j.name)),
          platform.oneTimeScheduleGroupName
            ? pendingOneTimeCounts(clients.scheduler, platform.oneTimeScheduleGroupName)
            : Promise.resolve(new Map<string, number>()),
        ]);
        const entries = listEntries(catalog, states, pending, env.io.now());
        if (session.flags.json) session.json(entries);
        else session.out(renderList(entries));
      }),
    );
}
