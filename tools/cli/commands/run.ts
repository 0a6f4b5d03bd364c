/**
 * `cdk-jobs run <job> [--payload JSON] [--wait]`: runs a job now with the manual event
 * `{ job, manual: true, payload }` (the runtime records it as a manual run). Against AWS the event
 * is handed to Lambda (`Event`), or with `--wait` the run is awaited (`RequestResponse`) and its
 * outcome printed; on a local stack the bundled handler runs in this process and is always awaited.
 */
import type { Command } from 'commander';
import type { JobEvent } from '../../../lib/contract';
import { parseJsonFlag } from '../args';
import { ExitCode, type ExitCodeValue } from '../errors';
import { formatDuration } from '../format';
import { runOutcomeOf, type InvocationReport } from '../invoker';
import { platformCommand, withSession, type CommandEnv } from './common';

/** The manual event of a run. Pure. */
export function manualEvent(job: string, payload: unknown): JobEvent {
  return { job, manual: true, payload };
}

/** 0 when the run did its work (SUCCEEDED, CONTINUED) or Lambda accepted it; else 1. Pure. */
export function runExitCode(report: InvocationReport): ExitCodeValue {
  if (!report.ok) return ExitCode.FAILED;
  if (report.mode === 'async') return ExitCode.OK;
  const outcome = runOutcomeOf(report.result);
  if (!outcome) return ExitCode.OK;
  return outcome.status === 'SUCCEEDED' || outcome.status === 'CONTINUED' ? ExitCode.OK : ExitCode.FAILED;
}

/** The human lines of `cdk-jobs run`. Pure. */
export function renderRun(job: string, report: InvocationReport): string {
  if (report.mode === 'async') {
    return report.ok
      ? `${job}: started (Lambda accepted the manual run; it runs asynchronously). Follow it with: cdk-jobs history ${job}`
      : `${job}: Lambda did not accept the manual run (status ${report.statusCode ?? 'unknown'})`;
  }
  if (!report.ok) return `${job}: FAILED: ${report.error?.type ?? 'Error'}: ${report.error?.message ?? ''}`;
  const outcome = runOutcomeOf(report.result);
  if (!outcome) return `${job}: done (the handler returned ${JSON.stringify(report.result ?? null)})`;
  const details = [
    'manual run',
    outcome.slot ? `slot ${outcome.slot}` : undefined,
    outcome.attempt !== undefined ? `attempt ${outcome.attempt}` : undefined,
    outcome.durationMs !== undefined ? formatDuration(outcome.durationMs) : undefined,
    report.invocations !== undefined && report.invocations > 1 ? `${report.invocations - 1} continuation(s)` : undefined,
    outcome.reason ? `reason: ${outcome.reason}` : undefined,
  ].filter((d): d is string => d !== undefined);
  const lines = [`${job}: ${outcome.status} (${details.join(', ')})`];
  if (outcome.result !== undefined) lines.push(`result: ${JSON.stringify(outcome.result)}`);
  return lines.join('\n');
}

export function runCommand(env: CommandEnv): Command {
  return platformCommand('run', 'Run a job now (recorded as a manual run), with its own payload or --payload')
    .argument('<job>', 'the job')
    .option('--payload <json>', "the payload as JSON (default: the payload of the job's schedule)")
    .option('--wait', 'wait for the run and print its outcome (always so on a local stack, where it runs in this process)')
    .option('--verbose', "on a local stack, also print what the handler logs (on stderr)")
    .addHelpText(
      'after',
      "\nExamples:\n  npx cdk-jobs run weekly-log-cleanup\n  npx cdk-jobs run weekly-log-cleanup --wait --payload '{\"olderThanDays\":7}'\n  npx cdk-jobs run weekly-log-cleanup --local\n\n" +
        'Exit codes: 0 started (or, waited for, SUCCEEDED/CONTINUED), 1 the run failed, was skipped or was not accepted, 2 unknown job or bad --payload, 3 platform not found.',
    )
    .action(async (name: string, options: Record<string, unknown>) => {
      const payloadFlag = typeof options.payload === 'string' ? parseJsonFlag('--payload', options.payload) : undefined;
      await withSession(env, options, async (session) => {
        const job = await session.job(name);
        const invoker = await session.invoker({ verbose: options.verbose === true });
        const mode = invoker.where === 'local' || options.wait === true ? 'sync' : 'async';
        const payload = options.payload !== undefined ? payloadFlag : job.payload;
        const report = await invoker.invoke(job.functionArn, manualEvent(job.name, payload), mode);
        if (session.flags.json) {
          session.json({
            job: job.name,
            where: invoker.where,
            mode: report.mode,
            ok: report.ok,
            ...(report.statusCode !== undefined ? { statusCode: report.statusCode } : {}),
            ...(report.mode === 'sync' && report.ok ? { outcome: report.result ?? null } : {}),
            ...(report.error ? { error: report.error } : {}),
          });
        } else {
          session.out(renderRun(job.name, report));
        }
        return runExitCode(report);
      });
    });
}
