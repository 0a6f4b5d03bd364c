/**
 * `cdk-jobs pause <job>` / `cdk-jobs resume <job>`: set or clear the `paused` flag on the job's STATE item,
 * with who and when. The runtime reads it at the start of every scheduled run and records a paused
 * job's runs as SKIPPED; nothing in CloudFormation changes, so a deploy never undoes it.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { actor } from '../args';
import { setPaused, type PauseChange } from '../job-state';
import { platformCommand, withSession, type CommandEnv } from './common';

/** The human line of `cdk-jobs pause` / `cdk-jobs resume`. Pure. */
export function renderPause(job: string, paused: boolean, change: PauseChange): string {
  const s = change.state;
  if (paused) {
    const who = `by ${s.pausedBy ?? 'unknown'} at ${s.pausedAt ?? 'unknown'}${s.pauseReason ? `: ${s.pauseReason}` : ''}`;
    return change.changed
      ? `paused ${job} (${who}); its scheduled runs are recorded SKIPPED until 'cdk-jobs resume ${job}'`
      : `${job} was already paused (${who}); nothing changed`;
  }
  return change.changed
    ? `resumed ${job} (by ${s.resumedBy ?? 'unknown'} at ${s.resumedAt ?? 'unknown'}); its next scheduled run runs`
    : `${job} is not paused; nothing changed`;
}

function pauseLike(env: CommandEnv, paused: boolean): Command {
  const name = paused ? 'pause' : 'resume';
  const command = platformCommand(
    name,
    paused
      ? "Pause a job: its scheduled runs are recorded SKIPPED until resumed (a flag in the job's state; no redeploy, no drift)"
      : 'Resume a paused job',
  )
    .argument('<job>', 'the job')
    .option('--by <name>', 'who does it (default: $USER@host)');
  if (paused) command.option('--reason <text>', 'why (shown by cdk-jobs list --json and kept on the job state)');
  return command
    .addHelpText(
      'after',
      `\nExamples:\n  npx cdk-jobs ${name} weekly-log-cleanup${paused ? " --reason 'bucket migration'" : ''}\n  npx cdk-jobs ${name} weekly-log-cleanup --local --json\n\n` +
        `Exit codes: 0 ${paused ? 'paused' : 'resumed'} (or already so), 1 the write failed, 2 unknown job, 3 platform not found.`,
    )
    .action(async (jobName: string, options: Record<string, unknown>) => {
      const by = actor(typeof options.by === 'string' ? options.by : undefined, env.io.env, hostname());
      await withSession(env, options, async (session) => {
        const platform = await session.platform();
        const job = await session.job(jobName);
        const change = await setPaused((await session.clients()).dynamodb, platform.tableName, {
          job: job.name,
          paused,
          by,
          at: env.io.now(),
          ...(typeof options.reason === 'string' && options.reason.trim() !== '' ? { reason: options.reason.trim() } : {}),
        });
        if (session.flags.json) session.json({ ...change.state, changed: change.changed });
        else session.out(renderPause(job.name, paused, change));
      });
    });
}

export function pauseCommand(env: CommandEnv): Command {
  return pauseLike(env, true);
}

export function resumeCommand(env: CommandEnv): Command {
  return pauseLike(env, false);
}
