/**
 * The backup's fan-out mode, for source buckets too large for one continuing Lambda: the plan
 * splits each source prefix into partitions (`partitionDepth` levels of `/` below it, see
 * `shared/s3-partitions.ts`) and the map's workers back up the partitions in parallel with the
 * single-Lambda mode's own incremental copy (`copySource`: the partition and its copy listed side
 * by side; unchanged objects cost no request). Finish writes the dated manifest and `latest.json`.
 *
 * Guarantees, as in the single-Lambda mode: only keys under a source prefix are read, copies go to
 * `s3/<bucket>/<key>`, and a re-run (or a retried batch) copies only what is new or changed. A
 * partition that does not finish within one invocation fails its batch; the map retries it and
 * the retry, being incremental, goes on from what is already copied. DynamoDB exports stay with the
 * single-Lambda mode (one request each, nothing to fan out).
 */
import type { JobContext } from '../../runtime/types';
import { ScheduledJobsError } from '../../runtime';
import { discoverPartitions, type PrefixPartition } from '../../shared/s3-partitions';
import { BackupIncompleteError, copySource, emptySourceSummary, writeManifest, type BackupDeps, type BackupManifest, type SourceSummary } from './backup';
import { BackupPayloadError, parseBackupPayload, type BackupPayload, type ParsedBackupPayload } from './payload';
import { manifestKey, slotDate } from './plan';

/** The fan-out mode's payload: the backup's own without `tables`, and how deep partitions go. */
export interface FanOutBackupPayload extends Omit<BackupPayload, 'tables' | 'waitForExportsMinutes' | 'exportFormat'> {
  /**
   * Levels of `/` below each source prefix at which partitions are cut (at most 8).
   * @default 1
   */
  readonly partitionDepth?: number;
}

export type ParsedFanOutBackupPayload = ParsedBackupPayload & { readonly partitionDepth: number };

/** One partition of one source: an item of the map's manifest. */
export interface BackupPartition extends PrefixPartition {
  /** `<bucket>/prefix:<prefix>` or `<bucket>/shallow:<prefix>`. */
  readonly key: string;
  /** The source bucket. */
  readonly bucket: string;
}

/** What one partition's worker copied. */
export type PartitionBackupResult = Omit<SourceSummary, 'failures' | 'failed' | 'destinationPrefix'> & { readonly key: string };

/** A partition did not finish within one invocation: the batch fails and the map retries it. */
export class BackupPartitionTimeError extends ScheduledJobsError {}

/**
 * Validates the fan-out payload: `parseBackupPayload`'s checks, `sources` non-empty, no `tables`.
 *
 * @throws BackupPayloadError naming the job, the field, what was expected and what came.
 */
export function parseFanOutBackupPayload(
  raw: unknown,
  job: string = process.env.JOB_NAME ?? 'backup',
  env: Record<string, string | undefined> = process.env,
): ParsedFanOutBackupPayload {
  const record = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  if (!record) return { ...parseBackupPayload(raw, job, env), partitionDepth: 1 };
  const { partitionDepth, ...rest } = record;
  if (partitionDepth !== undefined && (typeof partitionDepth !== 'number' || !Number.isInteger(partitionDepth) || partitionDepth < 0 || partitionDepth > 8)) {
    throw new BackupPayloadError(`job '${job}': payload.partitionDepth must be an integer from 0 to 8 (got ${JSON.stringify(partitionDepth)})`);
  }
  if (rest.tables !== undefined && !(Array.isArray(rest.tables) && rest.tables.length === 0)) {
    throw new BackupPayloadError(`job '${job}': payload.tables must be absent in fan-out mode (got ${JSON.stringify(rest.tables)}); export tables with the single-Lambda backup`);
  }
  if (!Array.isArray(rest.sources) || rest.sources.length === 0) {
    throw new BackupPayloadError(`job '${job}': payload.sources must be a non-empty array of { bucket, prefix? } in fan-out mode (got ${JSON.stringify(rest.sources)})`);
  }
  return { ...parseBackupPayload(rest, job, env), partitionDepth: (partitionDepth as number | undefined) ?? 1 };
}

/** The partitions of every source, streamed as they are found. */
export async function* planBackupPartitions(deps: Pick<BackupDeps, 's3'>, payload: ParsedFanOutBackupPayload): AsyncGenerator<BackupPartition> {
  for (const source of payload.sources) {
    for await (const p of discoverPartitions(deps.s3, source.bucket, [source.prefix], payload.partitionDepth)) {
      yield { ...p, key: `${source.bucket}/${p.key}`, bucket: source.bucket };
    }
  }
}

/**
 * Backs up a batch of partitions, one after another; one result per partition, in order.
 *
 * @throws BackupPartitionTimeError when a partition needs more than this invocation (after the
 *   copies in flight are done; the retry continues incrementally).
 * @throws BackupIncompleteError when objects still failed to copy (after the whole batch).
 */
export async function backupPartitions(
  ctx: Pick<JobContext<ParsedFanOutBackupPayload>, 'payload' | 'logger' | 'remainingTimeMs' | 'job'>,
  deps: BackupDeps,
  partitions: readonly BackupPartition[],
): Promise<PartitionBackupResult[]> {
  const margin = deps.safetyMarginMs ?? 60_000;
  const results: PartitionBackupResult[] = [];
  const failures: { key: string; error: string }[] = [];
  let failed = 0;
  for (const partition of partitions) {
    const source = ctx.payload.sources.find((s) => s.bucket === partition.bucket && partition.prefix.startsWith(s.prefix));
    if (!source) throw new RangeError(`job '${ctx.job}': partition '${partition.key}' is outside the configured sources: nothing was read`);
    const summary = emptySourceSummary(partition.bucket, partition.prefix);
    let worked = false;
    const handOver = await copySource(
      ctx,
      deps,
      { bucket: partition.bucket, prefix: partition.prefix, delimiter: partition.shallow ? '/' : undefined },
      summary,
      undefined,
      () => worked && ctx.remainingTimeMs() < margin,
      () => {
        worked = true;
      },
    );
    if (handOver !== undefined) {
      throw new BackupPartitionTimeError(
        `job '${ctx.job}': partition '${partition.key}' did not finish in one invocation (copied up to '${handOver}'); ` +
          'the retry goes on from there; cut smaller partitions with a larger partitionDepth',
      );
    }
    failed += summary.failed;
    failures.push(...summary.failures.slice(0, 20 - failures.length));
    const { failures: _f, failed: _n, destinationPrefix: _d, ...counts } = summary;
    results.push({ key: partition.key, ...counts });
  }
  if (failed > 0) {
    throw new BackupIncompleteError(
      `job '${ctx.job}': ${failed} object(s) not copied in partitions ${partitions.map((p) => p.key).join(', ')} (e.g. ${failures.slice(0, 3).map((f) => `${f.key}: ${f.error}`).join('; ')})`,
    );
  }
  return results;
}

/** Reduces the partitions' results into the night's manifest and writes it (dated and latest). */
export async function finishBackup(
  ctx: Pick<JobContext<ParsedFanOutBackupPayload>, 'payload' | 'job' | 'slot' | 'scheduledTime'>,
  deps: Pick<BackupDeps, 's3'>,
  outcome: { readonly status: string; readonly failedKeys: readonly string[]; results(): AsyncIterable<{ key: string; result?: PartitionBackupResult }> },
  startedAt: string,
  now: Date,
): Promise<BackupManifest> {
  const s3: SourceSummary[] = ctx.payload.sources.map((s) => emptySourceSummary(s.bucket, s.prefix));
  for await (const { result } of outcome.results()) {
    if (!result) continue;
    const summary = s3.find((s) => s.bucket === result.bucket && result.prefix.startsWith(s.prefix));
    if (!summary) continue;
    summary.objects += result.objects;
    summary.bytes += result.bytes;
    summary.copied += result.copied;
    summary.copiedBytes += result.copiedBytes;
    summary.unchanged += result.unchanged;
    summary.changedDuringBackup += result.changedDuringBackup;
  }
  for (const key of outcome.failedKeys) {
    const summary = s3.find((s) => key.startsWith(`${s.bucket}/`));
    if (!summary) continue;
    summary.failed++;
    if (summary.failures.length < 20) summary.failures.push({ key, error: 'partition not backed up (its batch failed after every retry)' });
  }
  const date = slotDate(ctx.scheduledTime);
  const manifest: BackupManifest = {
    version: 1,
    job: ctx.job,
    slot: ctx.slot,
    date,
    status: outcome.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED',
    destinationBucket: ctx.payload.bucket,
    startedAt,
    finishedAt: now.toISOString(),
    invocations: 1,
    s3,
    dynamodb: [],
  };
  await writeManifest(deps.s3, ctx.payload.bucket, manifest, true);
  return manifest;
}

export { manifestKey };
