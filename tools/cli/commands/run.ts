/**
 * `cdk-jobs run <job> [--payload JSON] [--wait] [--slot INSTANT]`: runs a job now with the manual event
 * `{ job, manual: true, payload }` (the runtime records it as a manual run), or with `--slot` runs one
 * past slot with its own scheduled time (`scheduledTime: <slot>`; the runtime's claim makes a slot
 * that already SUCCEEDED a duplicate that does nothing). Against AWS the event is handed to Lambda
 * (`Event`), or with `--wait` the run is awaited (`RequestResponse`) and its outcome printed; on a
 * local stack the bundled handler runs in this process and is always awaited.
 */
import type { Command } from 'commander';
import type { JobEvent } from '../../../lib/contract';
import { parseJsonFlag } from '../args';
import { checkSlot, parsePastInstant, slotEvent } from '../backfill-plan';
import { ExitCode, type ExitCodeValue } from '../errors';
import { formatDuration } from '../format';
import { fixedByReinvoke, runOutcomeOf, type InvocationReport } from '../invoker';
import { platformCommand, withSession, type CommandEnv } from './common';

/** The manual event of a run. Pure. */
export function manualEvent(job: string, payload: unknown): JobEvent {
  return { job, manual: true, payload };
}

/**
 * 0 when the run did its work (SUCCEEDED, CONTINUED), a fan-out job's execution STARTED, or Lambda accepted it; else 1
 * (a fan-out run that ended PARTIAL left items undone: 1). For a past slot
 * (`--slot`), a slot that had already SUCCEEDED is done too (its run is a duplicate that did nothing). Pure.
 */
export function runExitCode(report: InvocationReport, slot = false): ExitCodeValue {
  if (!report.ok) return ExitCode.FAILED;
  if (report.mode === 'async') return ExitCode.OK;
  if (slot) return fixedByReinvoke(report) ? ExitCode.OK : ExitCode.FAILED;
  const outcome = runOutcomeOf(report.result);
  if (!outcome) return ExitCode.OK;
  return outcome.status === 'SUCCEEDED' || outcome.status === 'CONTINUED' || outcome.status === 'STARTED' ? ExitCode.OK : ExitCode.FAILED;
}

/** The human lines of `cdk-jobs run`. Pure. */
export function renderRun(job: string, report: InvocationReport, slot?: Date): string {
  const what = slot ? `run of slot ${slot.toISOString()}` : 'manual run';
  if (report.mode === 'async') {
    return report.ok
      ? `${job}: started (Lambda accepted the ${what}; it runs asynchronously). Follow it with: cdk-jobs history ${job}`
      : `${job}: Lambda did not accept the ${what} (status ${report.statusCode ?? 'unknown'})`;
  }
  if (!report.ok) return `${job}: FAILED: ${report.error?.type ?? 'Error'}: ${report.error?.message ?? ''}`;
  const outcome = runOutcomeOf(report.result);
  if (!outcome) return `${job}: done (the handler returned ${JSON.stringify(report.result ?? null)})`;
  const details = [
    slot ? 'past slot' : 'manual run',
    outcome.slot ? `slot ${outcome.slot}` : undefined,
    outcome.attempt !== undefined ? `attempt ${outcome.attempt}` : undefined,
    outcome.durationMs !== undefined ? formatDuration(outcome.durationMs) : undefined,
    report.invocations !== undefined && report.invocations > 1 ? `${report.invocations - 1} continuation(s)` : undefined,
    outcome.reason ? `reason: ${outcome.reason}` : undefined,
  ].filter((d): d is string => d !== undefined);
  const lines = [`${job}: ${outcome.status} (${details.join(', ')})`];
  if (outcome.result !== undefined) lines.push(`result: ${JSON.stringify(outcome.result)}`);
  const execution = (report.result as { executionArn?: unknown }).executionArn;
  if (outcome.status === 'STARTED') {
    lines.push(`the fan-out run goes on in execution ${typeof execution === 'string' ? execution : '(unknown)'}; follow it with: cdk-jobs history ${job}`);
  }
  return lines.join('\n');
}

export function runCommand(env: CommandEnv): Command {
  return platformCommand('run', 'Run a job now (recorded as a manual run), or one past --slot with its scheduled time, with its own payload or --payload')
    .argument('<job>', 'the job')
    .option('--slot <instant>', "run this past slot of the job's schedule with its scheduled time (ISO-8601, e.g. '2026-11-03T01:30:00Z'); a slot that already SUCCEEDED does nothing")
    .option('--payload <json>', "the payload as JSON (default: the payload of the job's schedule)")
    .option('--wait', 'wait for the run and print its outcome (always so on a local stack, where it runs in this process)')
    .option('--verbose', "on a local stack, also print what the handler logs (on stderr)")
    .addHelpText(
      'after',
      "\nExamples:\n  npx cdk-jobs run weekly-log-cleanup\n  npx cdk-jobs run weekly-log-cleanup --wait --payload '{\"olderThanDays\":7}'\n  npx cdk-jobs run weekly-log-cleanup --local\n  npx cdk-jobs run weekly-log-cleanup --slot 2026-11-01T03:00:00Z --wait\n\n" +
        'Exit codes: 0 started (or, waited for, SUCCEEDED/CONTINUED, or a fan-out execution STARTED; with --slot, also a slot that had already SUCCEEDED), 1 the run failed, was skipped or was not accepted,\n' +
        '2 unknown job, bad --payload, or a --slot that is not a past slot of the job\'s schedule, 3 platform not found.',
    )
    .action(async (name: string, options: Record<string, unknown>) => {
      const payloadFlag = typeof options.payload === 'string' ? parseJsonFlag('--payload', options.payload) : undefined;
      const slot = typeof options.slot === 'string' ? parsePastInstant(name, '--slot', options.slot, env.io.now()) : undefined;
      await withSession(env, options, async (session) => {
        const job = await session.job(name);
        if (slot) checkSlot(job, slot);
        const invoker = await session.invoker({ verbose: options.verbose === true });
        const mode = invoker.where === 'local' || options.wait === true ? 'sync' : 'async';
        const payload = options.payload !== undefined ? payloadFlag : job.payload;
        const report = await invoker.invoke(job.functionArn, slot ? slotEvent(job.name, slot, payload) : manualEvent(job.name, payload), mode);
        if (session.flags.json) {
          session.json({
            job: job.name,
            ...(slot ? { slot: slot.toISOString() } : {}),
            where: invoker.where,
            mode: report.mode,
            ok: report.ok,
            ...(report.statusCode !== undefined ? { statusCode: report.statusCode } : {}),
            ...(report.mode === 'sync' && report.ok ? { outcome: report.result ?? null } : {}),
            ...(report.error ? { error: report.error } : {}),
          });
        } else {
          session.out(renderRun(job.name, report, slot));
        }
        return runExitCode(report, slot !== undefined);
      });
    });
}
