/**
 * The cleanup's fan-out mode, for buckets too large for one continuing Lambda: the plan step splits
 * each configured prefix into date partitions (the key prefixes `partitionDepth` levels of `/`
 * below it, e.g. `logs/<service>/yyyy/mm/dd/` for `logs/` and depth 4) and the map's workers clean
 * the partitions in parallel, each with the single-Lambda mode's own rule ({@link considerObject}:
 * never outside the prefix, the exact cutoff of the slot) and deleter (1,000 keys per DeleteObjects).
 *
 * Objects that sit directly at a level above the partitions (`logs/readme.txt` with depth 2) are
 * not lost: that level becomes a "shallow" partition whose worker lists only the objects directly
 * under it (delimiter `/`). Every partition starts with a configured prefix, and no two partitions
 * list the same key, so each object is judged exactly once.
 *
 * Requests: discovery lists each level above the partitions once with a delimiter (one request per
 * 1,000 entries); each worker lists its partition (one request per 1,000 keys) and deletes 1,000
 * keys per request (a smaller batch only at the end of each batch of partitions).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { BackoffOptions } from '../../shared/retry';
import { listPages } from '../../shared/s3-listing';
import { discoverPartitions, type PrefixPartition } from '../../shared/s3-partitions';
import { CleanupIncompleteError, considerObject, Progress, StreamingDeleter, type ParsedCleanupPayload } from './cleanup';
import { CleanupPayloadError, parseCleanupPayload, type CleanupPayload } from './payload';
import { compileKeyDatePattern } from './rules';

/** One partition of the fan-out cleanup (an item of the map's manifest): every key the worker may touch starts with its prefix. */
export type CleanupPartition = PrefixPartition;

/** What one partition's worker did. */
export interface PartitionCleanupResult {
  readonly key: string;
  readonly listed: number;
  /** Objects deleted (or, in a dry run, that would be). */
  readonly deleted: number;
  readonly bytes: number;
  readonly unmatched: number;
  readonly sampleKeys: string[];
}

/** The fan-out run's summary, reduced from every partition's result. */
export interface FanOutCleanupSummary {
  readonly dryRun: boolean;
  readonly bucket: string;
  readonly cutoff: string;
  readonly partitions: number;
  readonly listed: number;
  readonly deleted: number;
  readonly bytes: number;
  readonly unmatched: number;
  readonly sampleKeys: string[];
}

/**
 * Discovers the partitions of every configured prefix, `depth` levels of `/` below it (depth 0: the
 * prefix itself is the one partition). Streams them as they are found.
 */
export function planCleanupPartitions(
  s3: S3Client,
  payload: Pick<ParsedCleanupPayload, 'bucket' | 'prefixes'>,
  depth: number,
): AsyncGenerator<CleanupPartition> {
  return discoverPartitions(s3, payload.bucket, payload.prefixes, depth);
}

/** The fan-out mode's payload: the cleanup's own (without `tables`) and how deep partitions go. */
export interface FanOutCleanupPayload extends Omit<CleanupPayload, 'tables'> {
  /**
   * Levels of `/` below each prefix at which partitions are cut: 4 for `logs/<service>/yyyy/mm/dd/`
   * under `logs/` (one partition per service and day). At most 8.
   * @default 1
   */
  readonly partitionDepth?: number;
}

/** The fan-out payload with its defaults applied. */
export type ParsedFanOutCleanupPayload = ParsedCleanupPayload & { readonly partitionDepth: number };

/**
 * Validates the fan-out mode's payload: `parseCleanupPayload`'s checks, plus `partitionDepth`;
 * `tables` is refused (tables are cleaned by the single-Lambda mode).
 *
 * @throws CleanupPayloadError naming the job, the field, what was expected and what came.
 */
export function parseFanOutCleanupPayload(
  raw: unknown,
  job: string = process.env.JOB_NAME ?? 'cleanup',
  env: Record<string, string | undefined> = process.env,
): ParsedFanOutCleanupPayload {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ...parseCleanupPayload(raw, job, env), partitionDepth: 1 };
  const { partitionDepth, ...rest } = raw as Record<string, unknown>;
  if (partitionDepth !== undefined && (typeof partitionDepth !== 'number' || !Number.isInteger(partitionDepth) || partitionDepth < 0 || partitionDepth > 8)) {
    throw new CleanupPayloadError(`job '${job}': payload.partitionDepth must be an integer from 0 to 8 (got ${JSON.stringify(partitionDepth)})`);
  }
  if (rest.tables !== undefined) {
    throw new CleanupPayloadError(
      `job '${job}': payload.tables must be absent in fan-out mode (got ${JSON.stringify(rest.tables)}); clean tables with the single-Lambda cleanup`,
    );
  }
  return { ...parseCleanupPayload(rest, job, env), partitionDepth: (partitionDepth as number | undefined) ?? 1 };
}

/** What {@link cleanPartitions} needs besides the partitions. */
export interface CleanPartitionsInput {
  readonly s3: S3Client;
  readonly payload: ParsedCleanupPayload;
  /** The slot's cutoff (`computeCutoff(scheduledTime, olderThanDays)`): the same in every worker. */
  readonly cutoff: Date;
  /** @default 4 */
  readonly deleteConcurrency?: number;
  readonly backoff?: BackoffOptions;
}

/**
 * Cleans a batch of partitions, one after another; one result per partition, in order.
 *
 * @throws CleanupIncompleteError when keys still failed after every retry (after the whole batch
 *   was worked): the map retries the batch, and a retry lists only what is still there.
 */
export async function cleanPartitions(input: CleanPartitionsInput, partitions: readonly CleanupPartition[]): Promise<PartitionCleanupResult[]> {
  const { s3, payload, cutoff } = input;
  const keyDate = payload.keyDatePattern ? compileKeyDatePattern(payload.keyDatePattern) : undefined;
  const results: PartitionCleanupResult[] = [];
  const failures = new Progress();
  for (const partition of partitions) {
    const root = payload.prefixes.find((p) => partition.prefix.startsWith(p));
    if (root === undefined) {
      throw new RangeError(`partition '${partition.key}' is outside the configured prefixes (${payload.prefixes.join(', ')}): nothing was touched`);
    }
    const progress = new Progress();
    const deleter = new StreamingDeleter(s3, payload.bucket, progress, input.deleteConcurrency ?? 4, input.backoff);
    const rule = { cutoff, keyDate, payload, progress, deleter };
    const listing = { bucket: payload.bucket, prefix: partition.prefix, delimiter: partition.shallow ? '/' : undefined };
    for await (const page of listPages(s3, listing)) {
      for (const object of page.objects) await considerObject(object, partition.prefix, rule);
    }
    await deleter.flush();
    failures.failed += progress.failed;
    failures.failedSample.push(...progress.failedSample.slice(0, 20 - failures.failedSample.length));
    results.push({
      key: partition.key,
      listed: progress.listed,
      deleted: progress.deleted,
      bytes: progress.bytes,
      unmatched: progress.unmatched,
      sampleKeys: progress.sampleKeys,
    });
  }
  if (failures.failed > 0) {
    throw new CleanupIncompleteError(
      `${failures.failed} key(s) could not be deleted after every retry in partitions ${partitions.map((p) => p.key).join(', ')} ` +
        `(e.g. ${failures.failedSample.slice(0, 3).map((f) => `${f.key}: ${f.code}`).join('; ')})`,
      failures.failedSample,
    );
  }
  return results;
}

/** A done partition as the runtime reads it back (`FanOutOutcome.results()`). */
export interface DoneItem {
  readonly key: string;
  readonly result?: PartitionCleanupResult;
}

/** Reduces the partitions' results into the run's summary. */
export async function summariseCleanup(
  payload: Pick<ParsedCleanupPayload, 'bucket' | 'dryRun' | 'sampleSize'>,
  cutoff: Date,
  results: Iterable<DoneItem> | AsyncIterable<DoneItem>,
): Promise<FanOutCleanupSummary> {
  let partitions = 0;
  let listed = 0;
  let deleted = 0;
  let bytes = 0;
  let unmatched = 0;
  const sampleKeys: string[] = [];
  for await (const { result: r } of results) {
    partitions++;
    if (r === undefined) continue;
    listed += r.listed;
    deleted += r.deleted;
    bytes += r.bytes;
    unmatched += r.unmatched;
    for (const key of r.sampleKeys) if (sampleKeys.length < payload.sampleSize) sampleKeys.push(key);
  }
  return { dryRun: payload.dryRun, bucket: payload.bucket, cutoff: cutoff.toISOString(), partitions, listed, deleted, bytes, unmatched, sampleKeys };
}
