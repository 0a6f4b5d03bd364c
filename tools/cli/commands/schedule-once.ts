/**
 * `cdk-jobs schedule-once <job> --at … [--tz …] [--key …] [--payload …]` and
 * `cdk-jobs cancel-once <job> --key …`: one-time runs of a job, through `OneTimeScheduler` (the same
 * idempotent schedules, named after job + key, that delete themselves after firing).
 */
import type { Command } from 'commander';
import { generatedKey, parseAt, parseJsonFlag, parseZone } from '../args';
import { CliUsageError, ExitCode } from '../errors';
import { formatInZone, formatUtc } from '../format';
import { platformCommand, withSession, type CommandEnv } from './common';

export function scheduleOnceCommand(env: CommandEnv): Command {
  return platformCommand('schedule-once', 'Schedule one run of a job at an instant (a one-time schedule that deletes itself after firing)')
    .argument('<job>', 'the job')
    .requiredOption('--at <when>', "when: '2026-12-01T09:00:00Z', a wall clock in --tz ('2026-12-01T09:00'), or '+10m', '+2h', '+3d'")
    .option('--tz <zone>', 'the IANA zone of a wall-clock --at, and of the schedule', 'UTC')
    .option('--key <key>', 'what the run stands for, unique per job; the same key twice schedules once (default: a new cli-<id> key)')
    .option('--payload <json>', "the payload as JSON (default: the payload of the job's schedule, else {})")
    .addHelpText(
      'after',
      "\nExamples:\n  npx cdk-jobs schedule-once payment-reminder --at 2026-12-01T09:00 --tz Europe/Paris --key sub-123 --payload '{\"subscriptionId\":\"sub-123\"}'\n" +
        '  npx cdk-jobs schedule-once weekly-log-cleanup --at +10m\n\n' +
        'Exit codes: 0 scheduled (or already scheduled under that key), 1 the Scheduler call failed, 2 unknown job or bad flag, 3 platform (or its one-time group) not found.',
    )
    .action(async (name: string, options: Record<string, unknown>) => {
      const timeZone = parseZone('--tz', String(options.tz));
      const at = parseAt(String(options.at), timeZone, env.io.now());
      const payload = typeof options.payload === 'string' ? parseJsonFlag('--payload', options.payload) : undefined;
      if (typeof options.key === 'string' && options.key.trim() === '') throw new CliUsageError("--key: expected a key such as 'invoice-42', got ''");
      const key = typeof options.key === 'string' ? options.key : generatedKey();
      await withSession(env, options, async (session) => {
        const platform = await session.platform();
        const job = await session.job(name);
        const scheduler = await session.oneTimeScheduler(job);
        const result = await scheduler.schedule({ key, at, timeZone, payload: payload ?? job.payload });
        const where = `${platform.oneTimeScheduleGroupName}/${result.name}`;
        if (session.flags.json) {
          session.json({ job: job.name, key: result.key, at: result.at.toISOString(), timeZone, schedule: where, created: result.created });
        } else if (result.created) {
          session.out(`scheduled ${job.name} once at ${formatInZone(result.at, timeZone)} (${formatUtc(result.at)}), key '${result.key}', schedule ${where}`);
        } else {
          session.out(`${job.name} already has a one-time schedule with key '${result.key}' (${where}); nothing changed (cancel it first to move it)`);
        }
      });
    });
}

export function cancelOnceCommand(env: CommandEnv): Command {
  return platformCommand('cancel-once', 'Cancel a pending one-time run of a job')
    .argument('<job>', 'the job')
    .requiredOption('--key <key>', 'the key it was scheduled with')
    .addHelpText(
      'after',
      '\nExamples:\n  npx cdk-jobs cancel-once payment-reminder --key sub-123\n\n' +
        'Exit codes: 0 cancelled, 1 there was no pending schedule with that key (never made, cancelled, or already fired) or the call failed, 2 unknown job, 3 platform (or its one-time group) not found.',
    )
    .action(async (name: string, options: Record<string, unknown>) => {
      const key = String(options.key);
      await withSession(env, options, async (session) => {
        const platform = await session.platform();
        const job = await session.job(name);
        const scheduler = await session.oneTimeScheduler(job);
        const schedule = `${platform.oneTimeScheduleGroupName}/${scheduler.nameFor(key)}`;
        const cancelled = await scheduler.cancel(key);
        if (session.flags.json) session.json({ job: job.name, key, schedule, cancelled });
        else if (cancelled) session.out(`cancelled the one-time run of ${job.name} with key '${key}' (${schedule})`);
        else session.out(`no pending one-time run of ${job.name} with key '${key}' (never scheduled, already cancelled, or already fired)`);
        return cancelled ? ExitCode.OK : ExitCode.FAILED;
      });
    });
}
