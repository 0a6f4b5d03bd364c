/**
 * `cdk-jobs redrive [--job <job>] [--dry-run]`: re-invokes each failed event of the inbox with its
 * original event and waits for the outcome; a message is deleted only when its re-invoke fixed the
 * run (SUCCEEDED, continued, or the slot had succeeded meanwhile). The others are released for a
 * later try. Scheduler's dead-letter messages cannot be moved back with SQS redrive: the target
 * must be invoked again, which is what this does.
 */
import type { Command } from 'commander';
import { parseCount } from '../args';
import { ExitCode } from '../errors';
import type { InboxFailure } from '../failure-message';
import { renderTable, truncate } from '../format';
import { deleteMessage, releaseMessages } from '../inbox';
import { fixedByReinvoke, runOutcomeOf, type InvocationReport } from '../invoker';
import type { JobCatalog } from '../job-catalog';
import { progressBar } from '../progress';
import { platformCommand, withSession, type CommandEnv } from './common';
import { checkJobFilter, readFailures, sortFailures } from './failures';

/**
 * How long `redrive` holds the messages it works on, in seconds: longer than one re-invoke can take
 * (Lambda's 15-minute limit) times a margin, so a message is not handed to another reader mid-way.
 */
export const REDRIVE_VISIBILITY_SECONDS = 1800;

/** What to do with one failure. */
export type RedrivePlanItem =
  | { readonly failure: InboxFailure; readonly action: 'reinvoke'; readonly functionArn: string; readonly event: unknown }
  | { readonly failure: InboxFailure; readonly action: 'skip'; readonly reason: string };

/**
 * The plan: every failure of the selected job gets re-invoked with its event, on the job's current
 * function (or the function named in the message when the job is not known). Pure.
 */
export function planRedrive(failures: readonly InboxFailure[], catalog: JobCatalog, job: string | undefined): RedrivePlanItem[] {
  return failures
    .filter((f) => job === undefined || f.job === job)
    .map((failure): RedrivePlanItem => {
      if (failure.layer === 'unknown' || failure.event === undefined) {
        return { failure, action: 'skip', reason: 'no original event in the message' };
      }
      const known = failure.job ? catalog.jobs.find((j) => j.name === failure.job) : undefined;
      const functionArn = known?.functionArn ?? failure.functionArn;
      if (!functionArn) return { failure, action: 'skip', reason: `no function for job '${failure.job ?? '?'}'` };
      return { failure, action: 'reinvoke', functionArn, event: failure.event };
    });
}

/** The result of one planned item. */
export interface RedriveResult {
  readonly failure: InboxFailure;
  /** `deleted`: fixed and removed; `kept`: still failing or skipped (released back to the inbox); `planned`: dry run. */
  readonly outcome: 'deleted' | 'kept' | 'planned';
  readonly detail: string;
}

/** How a re-invoke went, in a few words. Pure. */
export function describeReinvoke(report: InvocationReport): string {
  if (!report.ok) return `FAILED: ${report.error?.type ?? 'Error'}: ${report.error?.message ?? ''}`;
  const outcome = runOutcomeOf(report.result);
  if (!outcome) return 'returned';
  return `${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}`;
}

/** The human table of `cdk-jobs redrive`. Pure. */
export function renderRedrive(results: readonly RedriveResult[], dryRun: boolean): string {
  if (results.length === 0) return 'nothing to redrive';
  const cells = (r: RedriveResult) => [r.failure.job ?? '?', r.failure.slot ?? '-', r.failure.layer, truncate(r.detail, 80)];
  if (dryRun) {
    return `${renderTable(['JOB', 'SLOT', 'LAYER', 'WOULD'], results.map(cells))}\ndry run: nothing was invoked or deleted`;
  }
  const table = renderTable(['JOB', 'SLOT', 'LAYER', 'RESULT', 'MESSAGE'], results.map((r) => [...cells(r), r.outcome]));
  const deleted = results.filter((r) => r.outcome === 'deleted').length;
  return `${table}\n${deleted} of ${results.length} redriven and deleted; ${results.length - deleted} kept in the inbox`;
}

export function redriveCommand(env: CommandEnv): Command {
  return platformCommand('redrive', 'Re-invoke the failed events of the inbox with their original event; delete each one only when its re-invoke succeeded')
    .option('--job <job>', 'only the failures of this job')
    .option('--dry-run', 'show what would be re-invoked, invoke nothing, delete nothing')
    .option('--max <n>', 'read at most this many messages (1-10000)', '1000')
    .option('--verbose', 'on a local stack, also print what the handlers log (on stderr)')
    .addHelpText(
      'after',
      `\nEach re-invoke waits for the run (RequestResponse). The messages worked on are held invisible for up to ${REDRIVE_VISIBILITY_SECONDS / 60} minutes;\n` +
        'those not deleted are released at the end.\n\n' +
        'Examples:\n  npx cdk-jobs redrive --dry-run\n  npx cdk-jobs redrive --job weekly-log-cleanup\n\n' +
        'Exit codes: 0 every selected failure was fixed (or there was none), 1 some are still failing or could not be re-invoked, 2 unknown job, 3 platform not found.',
    )
    .action(async (options: Record<string, unknown>) => {
      const max = parseCount('--max', String(options.max), 1, 10_000);
      const dryRun = options.dryRun === true;
      await withSession(env, options, async (session) => {
        const platform = await session.platform();
        const job = await checkJobFilter(session, typeof options.job === 'string' ? options.job : undefined);
        const catalog = await session.catalog();
        const { sqs } = await session.clients();
        const failures = await readFailures(session, dryRun ? 30 : REDRIVE_VISIBILITY_SECONDS, max);
        const plan = planRedrive(sortFailures(failures), catalog, job);
        const results: RedriveResult[] = [];
        const deleted = new Set<string>();
        try {
          if (dryRun) {
            for (const item of plan) {
              results.push({
                failure: item.failure,
                outcome: 'planned',
                detail: item.action === 'reinvoke' ? `re-invoke ${item.functionArn.split(':').pop()}` : `skip: ${item.reason}`,
              });
            }
          } else {
            const invoker = await session.invoker({ verbose: options.verbose === true });
            const bar = progressBar(env.io.stderr, 'redriving', plan.length);
            try {
              for (const item of plan) {
                if (item.action === 'skip') {
                  results.push({ failure: item.failure, outcome: 'kept', detail: `skipped: ${item.reason}` });
                } else {
                  let report: InvocationReport;
                  try {
                    report = await invoker.invoke(item.functionArn, item.event, 'sync');
                  } catch (error) {
                    const e = error as Error;
                    report = { mode: 'sync', ok: false, error: { type: e.name, message: e.message } };
                  }
                  if (fixedByReinvoke(report)) {
                    await deleteMessage(sqs, platform.failureInboxUrl, item.failure.receiptHandle);
                    deleted.add(item.failure.messageId);
                    results.push({ failure: item.failure, outcome: 'deleted', detail: describeReinvoke(report) });
                  } else {
                    results.push({ failure: item.failure, outcome: 'kept', detail: describeReinvoke(report) });
                  }
                }
                bar.increment();
              }
            } finally {
              bar.stop();
            }
          }
        } finally {
          await releaseMessages(sqs, platform.failureInboxUrl, failures.filter((f) => !deleted.has(f.messageId)));
        }
        if (session.flags.json) {
          session.json({
            dryRun,
            selected: plan.length,
            deleted: deleted.size,
            kept: dryRun ? 0 : plan.length - deleted.size,
            results: results.map((r) => ({
              messageId: r.failure.messageId,
              job: r.failure.job ?? null,
              slot: r.failure.slot ?? null,
              layer: r.failure.layer,
              outcome: r.outcome,
              detail: r.detail,
            })),
          });
        } else {
          session.out(renderRedrive(results, dryRun));
        }
        return dryRun || deleted.size === plan.length ? ExitCode.OK : ExitCode.FAILED;
      });
    });
}
