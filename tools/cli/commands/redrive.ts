/**
 * `cdk-jobs redrive [--job <job>] [--dry-run]`: re-invokes each failed event of the inbox with its
 * original event and waits for the outcome; a message is deleted only when its re-invoke fixed the
 * run (SUCCEEDED, continued, or the slot had succeeded meanwhile). The others are released for a
 * later try. Scheduler's dead-letter messages cannot be moved back with SQS redrive: the target
 * must be invoked again, which is what this does. A failed DynamoDB stream batch is read again
 * from its stream and the function invoked with the event its event source mapping delivered.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Command } from 'commander';
import { sdkRetryConfig } from '../../../lambdas/shared/retry';
import { parseCount } from '../args';
import { ExitCode } from '../errors';
import type { InboxFailure, StreamBatchInfo } from '../failure-message';
import { renderTable, truncate } from '../format';
import { deleteMessage, releaseMessages } from '../inbox';
import { fixedByReinvoke, runOutcomeOf, type InvocationReport } from '../invoker';
import type { JobCatalog } from '../job-catalog';
import { clientConfig } from '../platform-resolver';
import { progressBar } from '../progress';
import { describeStreamReinvoke, fixedStreamBatch, readStreamBatch } from '../stream-batch';
import { platformCommand, withSession, type CommandEnv } from './common';
import { checkJobFilter, failureCells, nameConsumers, readFailures, sortFailures } from './failures';

/**
 * How long `redrive` holds the messages it works on, in seconds: longer than one re-invoke can take
 * (Lambda's 15-minute limit) times a margin, so a message is not handed to another reader mid-way.
 */
export const REDRIVE_VISIBILITY_SECONDS = 1800;

/** What to do with one failure. */
export type RedrivePlanItem =
  | {
      readonly failure: InboxFailure;
      readonly action: 'reinvoke';
      readonly functionArn: string;
      /** The event to send; for a stream batch, set once {@link readStreamBatches} read it. */
      readonly event: unknown;
      /** For a failed stream batch: the batch, read again from the stream before the re-invoke. */
      readonly stream?: StreamBatchInfo;
      /** For a stream batch read again: how many records the event holds. */
      readonly streamRecords?: number;
    }
  | { readonly failure: InboxFailure; readonly action: 'skip'; readonly reason: string };

/**
 * The plan: every failure of the selected job gets re-invoked with its event, on the job's current
 * function (or the function named in the message when the job is not known); a failed stream batch
 * is re-invoked on its consumer once {@link readStreamBatches} has read it again. Pure.
 */
export function planRedrive(failures: readonly InboxFailure[], catalog: JobCatalog, job: string | undefined): RedrivePlanItem[] {
  return failures
    .filter((f) => job === undefined || f.job === job)
    .map((failure): RedrivePlanItem => {
      if (failure.layer === 'stream') {
        if (!failure.stream) return { failure, action: 'skip', reason: 'the message names no stream batch (stream, shard, sequence range)' };
        if (!failure.functionArn) return { failure, action: 'skip', reason: 'the message names no function' };
        return { failure, action: 'reinvoke', functionArn: failure.functionArn, event: undefined, stream: failure.stream };
      }
      if (failure.layer === 'unknown' || failure.event === undefined) {
        return { failure, action: 'skip', reason: 'no original event in the message' };
      }
      const known = failure.job ? catalog.jobs.find((j) => j.name === failure.job) : undefined;
      const functionArn = known?.functionArn ?? failure.functionArn;
      if (!functionArn) return { failure, action: 'skip', reason: `no function for job '${failure.job ?? '?'}'` };
      return { failure, action: 'reinvoke', functionArn, event: failure.event };
    });
}

/** Whether an item is a stream batch still to be read from its stream. */
function unread(item: RedrivePlanItem): boolean {
  return item.action === 'reinvoke' && item.stream !== undefined && item.streamRecords === undefined;
}

/**
 * Reads each stream batch of the plan from its stream: it becomes a re-invoke with the rebuilt
 * DynamoDB stream event, or a skip saying why the records cannot be read (no longer in the stream).
 */
export async function readStreamBatches(plan: readonly RedrivePlanItem[], streams: DynamoDBStreamsClient): Promise<RedrivePlanItem[]> {
  const resolved: RedrivePlanItem[] = [];
  for (const item of plan) {
    if (item.action !== 'reinvoke' || !item.stream || !unread(item)) {
      resolved.push(item);
      continue;
    }
    const read = await readStreamBatch(streams, item.stream);
    resolved.push(
      read.status === 'read'
        ? { ...item, event: read.event, streamRecords: read.event.Records.length }
        : { failure: item.failure, action: 'skip', reason: read.reason },
    );
  }
  return resolved;
}

/** What a dry run says of an item. Pure. */
export function describePlanned(item: RedrivePlanItem): string {
  if (item.action === 'skip') return `skip: ${item.reason}`;
  const fn = item.functionArn.split(':').pop() ?? item.functionArn;
  if (!item.stream) return `re-invoke ${fn}`;
  if (item.streamRecords === undefined) return `read the batch from the stream, re-invoke ${fn}`;
  return `re-invoke ${fn} with ${item.streamRecords} stream record${item.streamRecords === 1 ? '' : 's'}`;
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
  const cells = (r: RedriveResult) => [...failureCells(r.failure), truncate(r.detail, 80)];
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
        'those not deleted are released at the end.\n' +
        'A failed DynamoDB stream batch is read again from its stream (records are kept 24 hours) and its consumer\n' +
        'invoked with it; a batch no longer in the stream is reported and its message kept.\n\n' +
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
        const planned = planRedrive(sortFailures(nameConsumers(failures, catalog)), catalog, job);
        let plan = planned;
        if (planned.some(unread)) {
          const streams = new DynamoDBStreamsClient({ ...clientConfig(platform), ...sdkRetryConfig() });
          try {
            plan = await readStreamBatches(planned, streams);
          } finally {
            streams.destroy();
          }
        }
        const results: RedriveResult[] = [];
        const deleted = new Set<string>();
        try {
          if (dryRun) {
            for (const item of plan) {
              results.push({
                failure: item.failure,
                outcome: 'planned',
                detail: describePlanned(item),
              });
            }
          } else {
            const invoker = await session.invoker({ verbose: options.verbose === true });
            const bar = progressBar(env.io.stderr, 'redriving', plan.length);
            try {
              for (const item of plan) {
                if (item.action === 'skip' || unread(item)) {
                  const reason = item.action === 'skip' ? item.reason : 'the stream batch was not read';
                  results.push({ failure: item.failure, outcome: 'kept', detail: `skipped: ${reason}` });
                } else {
                  let report: InvocationReport;
                  try {
                    report = await invoker.invoke(item.functionArn, item.event, 'sync');
                  } catch (error) {
                    const e = error as Error;
                    report = { mode: 'sync', ok: false, error: { type: e.name, message: e.message } };
                  }
                  const stream = item.stream !== undefined;
                  const detail = stream ? describeStreamReinvoke(report, item.streamRecords ?? 0) : describeReinvoke(report);
                  if (stream ? fixedStreamBatch(report) : fixedByReinvoke(report)) {
                    await deleteMessage(sqs, platform.failureInboxUrl, item.failure.receiptHandle);
                    deleted.add(item.failure.messageId);
                    results.push({ failure: item.failure, outcome: 'deleted', detail });
                  } else {
                    results.push({ failure: item.failure, outcome: 'kept', detail });
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
