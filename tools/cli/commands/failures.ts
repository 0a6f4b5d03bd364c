/**
 * `cdk-jobs failures [--job <job>]`: reads the failure inbox without consuming it: every message is
 * received with a short visibility timeout, normalised (Scheduler's dead-letter messages, Lambda's
 * on-failure records, and the on-failure records of DynamoDB stream batches) and released again at
 * once.
 */
import type { Command } from 'commander';
import { parseCount } from '../args';
import { formatAge, renderTable, truncate } from '../format';
import { normaliseFailure, type InboxFailure } from '../failure-message';
import { approximateDepth, receiveAll, releaseMessages } from '../inbox';
import { functionNameOf, type JobCatalog } from '../job-catalog';
import { progressBar } from '../progress';
import type { CliSession } from '../session';
import { streamName } from '../stream-batch';
import { platformCommand, withSession, type CommandEnv } from './common';

/** How long `failures` holds each message while it reads the inbox, in seconds. */
export const PEEK_VISIBILITY_SECONDS = 30;

/** `--job` checked against the known jobs (the watchdog's failures are asked for as `watchdog`). */
export async function checkJobFilter(session: CliSession, job: string | undefined): Promise<string | undefined> {
  if (job === undefined || job === 'watchdog') return job;
  return (await session.job(job)).name;
}

/** Reads and normalises every message, holding each for `visibilitySeconds`. */
export async function readFailures(session: CliSession, visibilitySeconds: number, max: number): Promise<InboxFailure[]> {
  const platform = await session.platform();
  const { sqs } = await session.clients();
  const depth = await approximateDepth(sqs, platform.failureInboxUrl);
  const bar = depth >= 20 ? progressBar(session.io.stderr, 'reading the inbox', Math.min(depth, max)) : undefined;
  try {
    const messages = await receiveAll(sqs, platform.failureInboxUrl, {
      visibilitySeconds,
      max,
      onProgress: (n) => bar?.update(n),
    });
    return messages.map(normaliseFailure);
  } finally {
    bar?.stop();
  }
}

/**
 * Names the consumer of each stream failure after the job whose function it is, when the catalog
 * knows one (a stream consumer is usually not a job: it keeps its function name). Pure.
 */
export function nameConsumers(failures: readonly InboxFailure[], catalog: JobCatalog): InboxFailure[] {
  return failures.map((f) => {
    if (f.layer !== 'stream' || f.job !== undefined || !f.functionArn) return f;
    const name = functionNameOf(f.functionArn);
    const job = catalog.jobs.find((j) => functionNameOf(j.functionArn) === name);
    return job ? { ...f, job: job.name } : f;
  });
}

/** Who failed: the job, or for a stream batch the consumer's job or function name. Pure. */
export function failureOwner(f: InboxFailure): string {
  return f.job ?? (f.layer === 'stream' && f.functionArn ? functionNameOf(f.functionArn) : '?');
}

/** The JOB, SLOT and LAYER cells of a failure; a stream batch's slot is its sequence range. Pure. */
export function failureCells(f: InboxFailure): string[] {
  const slot = f.stream ? `${f.stream.startSequenceNumber}..${f.stream.endSequenceNumber}` : (f.slot ?? '-');
  return [failureOwner(f), slot, f.layer];
}

/** Oldest first. Pure. */
export function sortFailures(failures: readonly InboxFailure[]): InboxFailure[] {
  return [...failures].sort((a, b) => (a.sentAt ?? 0) - (b.sentAt ?? 0) || a.messageId.localeCompare(b.messageId));
}

/** A failure as `--json` prints it. Pure. */
export function failureJson(f: InboxFailure, now: Date) {
  return {
    messageId: f.messageId,
    job: f.job ?? null,
    slot: f.slot ?? null,
    layer: f.layer,
    error: f.error,
    attempts: f.attempts ?? null,
    condition: f.condition ?? null,
    sentAt: f.sentAt !== undefined ? new Date(f.sentAt).toISOString() : null,
    ageSeconds: f.sentAt !== undefined ? Math.max(0, Math.floor((now.getTime() - f.sentAt) / 1000)) : null,
    functionArn: f.functionArn ?? null,
    event: f.event ?? null,
    stream: f.stream
      ? {
          streamArn: f.stream.streamArn,
          shardId: f.stream.shardId,
          startSequenceNumber: f.stream.startSequenceNumber,
          endSequenceNumber: f.stream.endSequenceNumber,
          batchSize: f.stream.batchSize ?? null,
          approximateArrivalOfFirstRecord: f.stream.firstArrival ?? null,
          approximateArrivalOfLastRecord: f.stream.lastArrival ?? null,
        }
      : null,
  };
}

/** The table of failed stream batches. Pure. */
export function renderStreamFailures(failures: readonly InboxFailure[], now: Date): string {
  return renderTable(
    ['CONSUMER', 'STREAM', 'SHARD', 'SEQUENCE NUMBERS', 'RECORDS', 'CONDITION', 'ATTEMPTS', 'AGE'],
    failures.map((f) => [
      failureOwner(f),
      f.stream ? streamName(f.stream.streamArn) : '?',
      f.stream?.shardId ?? '?',
      f.stream ? `${f.stream.startSequenceNumber}..${f.stream.endSequenceNumber}` : '?',
      f.stream?.batchSize !== undefined ? String(f.stream.batchSize) : '-',
      truncate(f.error, 60),
      f.attempts !== undefined ? String(f.attempts) : '-',
      formatAge(f.sentAt !== undefined ? now.getTime() - f.sentAt : undefined),
    ]),
  );
}

/** The human table of `cdk-jobs failures`. Pure. */
export function renderFailures(failures: readonly InboxFailure[], now: Date, others: number, job: string | undefined): string {
  if (failures.length === 0) {
    if (job === undefined) return 'the failure inbox is empty';
    return `no failures of ${job} in the inbox${others > 0 ? ` (${others} of other jobs)` : ''}`;
  }
  const runs = failures.filter((f) => f.layer !== 'stream');
  const batches = failures.filter((f) => f.layer === 'stream');
  const runTable = renderTable(
    ['JOB', 'SLOT', 'LAYER', 'ERROR', 'ATTEMPTS', 'AGE'],
    runs.map((f) => [
      f.job ?? '?',
      f.slot ?? '-',
      f.layer,
      truncate(f.error, 80),
      f.attempts !== undefined ? String(f.attempts) : '-',
      formatAge(f.sentAt !== undefined ? now.getTime() - f.sentAt : undefined),
    ]),
  );
  const table = [runs.length > 0 ? runTable : undefined, batches.length > 0 ? renderStreamFailures(batches, now) : undefined]
    .filter((t) => t !== undefined)
    .join('\n\n');
  const byLayer = (layer: string) => failures.filter((f) => f.layer === layer).length;
  const unknown = byLayer('unknown');
  return (
    `${table}\n${failures.length} failure${failures.length === 1 ? '' : 's'} ` +
    `(delivery: ${byLayer('delivery')}, execution: ${byLayer('execution')}${batches.length ? `, stream: ${batches.length}` : ''}` +
    `${unknown ? `, unrecognised: ${unknown}` : ''})` +
    `${others > 0 ? `; ${others} of other jobs not shown` : ''}`
  );
}

export function failuresCommand(env: CommandEnv): Command {
  return platformCommand(
    'failures',
    'Show the failure inbox (Scheduler could not deliver, the job failed after its retries, a stream batch kept failing) without consuming it',
  )
    .option('--job <job>', 'only the failures of this job')
    .option('--max <n>', 'read at most this many messages (1-10000)', '1000')
    .addHelpText(
      'after',
      '\nLayers: delivery = EventBridge Scheduler could not invoke the function (its dead-letter queue);\n' +
        '        execution = the function threw on every attempt (Lambda on-failure destination);\n' +
        '        stream = a DynamoDB stream batch failed until its event source mapping gave up (its on-failure destination).\n' +
        `Each message is held invisible for ${PEEK_VISIBILITY_SECONDS} s while the inbox is read, then released.\n\n` +
        'Examples:\n  npx cdk-jobs failures\n  npx cdk-jobs failures --job weekly-log-cleanup --json\n\n' +
        'Exit codes: 0 shown (even when there are failures), 1 an AWS call failed, 2 unknown job, 3 platform not found.',
    )
    .action(async (options: Record<string, unknown>) => {
      const max = parseCount('--max', String(options.max), 1, 10_000);
      await withSession(env, options, async (session) => {
        const platform = await session.platform();
        const job = await checkJobFilter(session, typeof options.job === 'string' ? options.job : undefined);
        const read = await readFailures(session, PEEK_VISIBILITY_SECONDS, max);
        await releaseMessages((await session.clients()).sqs, platform.failureInboxUrl, read);
        const all = read.some((f) => f.layer === 'stream') ? nameConsumers(read, await session.catalog()) : read;
        const shown = sortFailures(job === undefined ? all : all.filter((f) => f.job === job));
        const now = env.io.now();
        if (session.flags.json) session.json(shown.map((f) => failureJson(f, now)));
        else session.out(renderFailures(shown, now, all.length - shown.length, job));
      });
    });
}
