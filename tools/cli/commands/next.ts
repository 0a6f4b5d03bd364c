/**
 * `cdk-jobs next <job> [-n 10]`: the next instants the job runs, in its zone and in UTC: its recurring
 * schedule's (through the schedule engine, exactly as Scheduler fires) merged with its pending
 * one-time schedules.
 */
import { Option, type Command } from 'commander';
import { describeSchedule, nextRuns } from '../../../lib/schedule';
import { parseCount } from '../args';
import { formatInZone, formatUtc, renderTable } from '../format';
import { type JobInfo, scheduleStart } from '../job-catalog';
import { readState, type JobStateSummary } from '../job-state';
import { platformCommand, withSession, type CommandEnv } from './common';

/** One upcoming run. */
export interface UpcomingRun {
  readonly at: Date;
  /** `schedule`, or `once:<key>` for a one-time schedule. */
  readonly source: string;
}

/** A pending one-time schedule of the job. */
export interface PendingOnce {
  readonly at: Date;
  readonly key: string;
}

/** The next `count` runs after `now`: the recurring schedule's and the pending one-time ones, in order. Pure. */
export function upcomingRuns(job: JobInfo, now: Date, count: number, pending: readonly PendingOnce[]): UpcomingRun[] {
  const runs: UpcomingRun[] = [];
  const s = job.schedule;
  if (s) {
    for (const at of nextRuns(s.expression, { timeZone: s.timeZone, after: now, count, start: scheduleStart(s) })) {
      if (s.endDate && at.getTime() > s.endDate.getTime()) break;
      runs.push({ at, source: 'schedule' });
    }
  }
  for (const p of pending) if (p.at.getTime() > now.getTime()) runs.push({ at: p.at, source: `once:${p.key}` });
  return runs.sort((a, b) => a.at.getTime() - b.at.getTime() || a.source.localeCompare(b.source)).slice(0, count);
}

/** The human output of `cdk-jobs next`. Pure. */
export function renderNext(job: JobInfo, runs: readonly UpcomingRun[], state: JobStateSummary): string {
  const zone = job.schedule?.timeZone ?? 'UTC';
  const lines: string[] = [];
  if (job.schedule) {
    lines.push(`${job.name}: ${job.schedule.expression} in ${zone} (${describeSchedule(job.schedule.expression, zone)})`);
  } else {
    lines.push(`${job.name}: no recurring schedule; its pending one-time runs`);
  }
  if (runs.length === 0) {
    lines.push('no upcoming runs');
  } else {
    lines.push(renderTable(['#', zone, 'UTC', 'SOURCE'], runs.map((r, i) => [String(i + 1), formatInZone(r.at, zone), formatUtc(r.at), r.source])));
  }
  if (job.schedule?.state === 'DISABLED') lines.push('the schedule is DISABLED: its runs do not happen until it is enabled');
  if (job.schedule && job.schedule.flexibleWindowMinutes > 0) {
    lines.push(`each run starts within ${job.schedule.flexibleWindowMinutes} minutes of its instant (flexible time window)`);
  }
  if (state.paused) {
    lines.push(`the job is paused${state.pausedBy ? ` (by ${state.pausedBy}${state.pausedAt ? ` at ${state.pausedAt}` : ''})` : ''}: its scheduled runs are recorded SKIPPED until 'cdk-jobs resume ${job.name}'`);
  }
  return lines.join('\n');
}

export function nextCommand(env: CommandEnv): Command {
  return platformCommand('next', "Show a job's next run instants, in its time zone and in UTC")
    .argument('<job>', 'the job')
    .addOption(new Option('-n, --count <n>', 'how many instants (1-1000)').default('10'))
    .addHelpText('after', '\nExamples:\n  npx cdk-jobs next weekly-log-cleanup\n  npx cdk-jobs next weekly-log-cleanup -n 3 --json\n\nExit codes: 0 shown, 1 an AWS call failed, 2 unknown job or bad -n, 3 platform not found.')
    .action(async (name: string, options: Record<string, unknown>) => {
      const count = parseCount('-n', String(options.count), 1, 1000);
      await withSession(env, options, async (session) => {
        const platform = await session.platform();
        const job = await session.job(name);
        const clients = await session.clients();
        const now = env.io.now();
        let pending: PendingOnce[] = [];
        if (platform.oneTimeScheduleGroupName) {
          const scheduler = await session.oneTimeScheduler(job);
          pending = (await scheduler.list({ details: true }))
            .filter((d) => d.at !== undefined)
            .map((d) => ({ at: d.at as Date, key: d.key ?? d.name }));
        }
        const runs = upcomingRuns(job, now, count, pending);
        const state = await readState(clients.dynamodb, platform.tableName, job.name);
        if (session.flags.json) {
          const zone = job.schedule?.timeZone ?? 'UTC';
          session.json({
            job: job.name,
            expression: job.schedule?.expression ?? null,
            timeZone: zone,
            state: job.schedule?.state ?? null,
            paused: state.paused,
            runs: runs.map((r) => ({ at: r.at.toISOString(), local: formatInZone(r.at, zone), source: r.source })),
          });
        } else {
          session.out(renderNext(job, runs, state));
        }
      });
    });
}
