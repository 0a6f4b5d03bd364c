/**
 * `cdk-jobs pause <job>` / `cdk-jobs resume <job>`: set or clear the `paused` flag on the job's STATE item,
 * with who and when. The runtime reads it at the start of every scheduled run and records a paused
 * job's runs as SKIPPED; nothing in CloudFormation changes, so a deploy never undoes it. Resuming a
 * job with a catch-up policy then runs, per the policy, the slots since the pause that did not
 * succeed (`--no-catch-up` skips that).
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { actor } from '../args';
import { ExitCode } from '../errors';
import { readState, setPaused, type PauseChange } from '../job-state';
import { catchUpOnResume, readCatchUpPolicy, renderResumeCatchUp, type ResumeCatchUp } from './resume-catch-up';
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
  else command.option('--no-catch-up', "do not run the slots since the pause, whatever the job's catch-up policy");
  return command
    .addHelpText(
      'after',
      `\nExamples:\n  npx cdk-jobs ${name} weekly-log-cleanup${paused ? " --reason 'bucket migration'" : ''}\n  npx cdk-jobs ${name} weekly-log-cleanup --local --json\n` +
        (paused
          ? ''
          : '  npx cdk-jobs resume weekly-log-cleanup --no-catch-up\n\n' +
            "A job with a catch-up policy (CatchUp.lastMissed(), CatchUp.within(...)) then runs, per the policy, the slots of its schedule\n" +
            'between the pause and now that did not succeed, oldest first, each waited for, and prints each.\n') +
        `\nExit codes: 0 ${paused ? 'paused' : 'resumed'} (or already so)${paused ? '' : ' and every catch-up run done'}, 1 the write failed${paused ? '' : ' or a catch-up run did not succeed'}, 2 unknown job, 3 platform not found.`,
    )
    .action(async (jobName: string, options: Record<string, unknown>) => {
      const by = actor(typeof options.by === 'string' ? options.by : undefined, env.io.env, hostname());
      await withSession(env, options, async (session) => {
        const platform = await session.platform();
        const job = await session.job(jobName);
        const clients = await session.clients();
        // The pause's time is cleared by the resume: read it first.
        const before = !paused && options.catchUp !== false ? await readState(clients.dynamodb, platform.tableName, job.name) : undefined;
        const change = await setPaused(clients.dynamodb, platform.tableName, {
          job: job.name,
          paused,
          by,
          at: env.io.now(),
          ...(typeof options.reason === 'string' && options.reason.trim() !== '' ? { reason: options.reason.trim() } : {}),
        });
        let catchUp: ResumeCatchUp | undefined;
        const pausedAt = before?.pausedAt ? new Date(before.pausedAt) : undefined;
        if (change.changed && pausedAt && !Number.isNaN(pausedAt.getTime())) {
          const policy = await readCatchUpPolicy(clients.scheduler, job);
          if (policy) {
            catchUp = await catchUpOnResume({
              job,
              policy,
              pausedAt,
              now: env.io.now(),
              doc: clients.dynamodb,
              tableName: platform.tableName,
              invoker: await session.invoker(),
            });
          }
        }
        if (session.flags.json) {
          session.json({
            ...change.state,
            changed: change.changed,
            ...(catchUp
              ? {
                  catchUp: {
                    policy: catchUp.policy,
                    since: catchUp.pausedAt.toISOString(),
                    slots: catchUp.slots.map((r) => ({ slot: r.slot.toISOString(), ok: r.ok, detail: r.detail })),
                  },
                }
              : {}),
          });
        } else {
          session.out(renderPause(job.name, paused, change));
          if (catchUp) session.out(renderResumeCatchUp(job.name, catchUp));
        }
        return catchUp && catchUp.slots.some((r) => !r.ok) ? ExitCode.FAILED : ExitCode.OK;
      });
    });
}

export function pauseCommand(env: CommandEnv): Command {
  return pauseLike(env, true);
}

export function resumeCommand(env: CommandEnv): Command {
  return pauseLike(env, false);
}
