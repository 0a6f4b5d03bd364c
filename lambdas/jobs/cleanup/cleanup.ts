/**
 * The cleanup job's logic: deletes objects under the configured prefixes (and, optionally, items of
 * tables without TTL) that are strictly older than the cutoff, streaming deletes as listing pages
 * arrive, 1,000 keys per DeleteObjects, and continuing in a new invocation before the time runs out.
 *
 * Requests: one ListObjectsV2 per 1,000 keys listed and one DeleteObjects per 1,000 keys deleted
 * (batches fill across pages and prefixes); a smaller batch is sent only at the very end, or just
 * before a continuation (so no listed key is ever left between invocations).
 */
import {
  DescribeTableCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ContinuedLater, JobContext } from '../../runtime/types';
import { TaskPool } from '../../shared/concurrency';
import { batchWriteAll } from '../../shared/dynamodb-batch';
import type { BackoffOptions } from '../../shared/retry';
import { deleteKeys, MAX_DELETE_KEYS, type FailedDelete } from '../../shared/s3-delete';
import { listPages, type ListedObject } from '../../shared/s3-listing';
import type { CleanupPayload, TableCleanupTarget } from './payload';
import { compileKeyDatePattern, computeCutoff, judge, type KeyDateReader } from './rules';
import { ScheduledJobsError } from '../../runtime';

/** What the job needs besides its context. */
export interface CleanupDeps {
  readonly s3: S3Client;
  readonly ddb: DynamoDBClient;
  /**
   * Continue in a new invocation when fewer than this many milliseconds remain.
   * @default 60000
   */
  readonly safetyMarginMs?: number;
  /**
   * DeleteObjects (and BatchWriteItem) requests in flight at once.
   * @default 4
   */
  readonly deleteConcurrency?: number;
  /** Backoff for keys and items that fail individually. */
  readonly backoff?: BackoffOptions;
}

/** The payload after `parseCleanupPayload`: defaults applied. */
export type ParsedCleanupPayload = CleanupPayload & { bucket: string; dryRun: boolean; sampleSize: number; tables: TableCleanupTarget[] };
type ParsedPayload = ParsedCleanupPayload;

/** Progress carried from one invocation of a slot to the next. */
export interface CleanupCheckpoint {
  /** The cutoff of the slot (ISO); a checkpoint with another cutoff is not resumed. */
  readonly cutoff: string;
  readonly prefixIndex: number;
  readonly continuationToken?: string;
  readonly tableIndex: number;
  readonly exclusiveStartKey?: Record<string, AttributeValue>;
  readonly listedSoFar: number;
  /** Objects deleted (or, in a dry run, that would be). */
  readonly deletedSoFar: number;
  readonly bytesSoFar: number;
  readonly unmatchedSoFar: number;
  readonly itemsDeletedSoFar: number;
  readonly failedSoFar: number;
  readonly failedSample: FailedDelete[];
  readonly sampleKeys: string[];
}

/** Per-table outcome. */
export interface TableCleanupResult {
  readonly table: string;
  readonly deleted: number;
}

/** What a finished run returns. */
export interface CleanupResult {
  readonly dryRun: boolean;
  readonly bucket: string;
  readonly cutoff: string;
  readonly listed: number;
  /** Objects deleted; in a dry run, objects that would be deleted. */
  readonly deleted: number;
  readonly bytes: number;
  /** Keys kept because they name no date (key-date mode only). */
  readonly unmatched: number;
  /** Table items deleted (or, in a dry run, that would be). */
  readonly itemsDeleted: number;
  readonly sampleKeys: string[];
  /** Invocations this slot took (1 + continuations). */
  readonly invocations: number;
}

/** Some keys or items could not be deleted after every retry: the run fails so the failure is seen. */
export class CleanupIncompleteError extends ScheduledJobsError {
  constructor(
    message: string,
    /** Up to 20 of the keys that failed, with S3's error code. */
    readonly failures: FailedDelete[],
  ) {
    super(message);
  }
}

const SAMPLE_FAILURES = 20;

/** Mutable counters of one invocation (or of one fan-out batch), seeded from the checkpoint. */
export class Progress {
  listed: number;
  deleted: number;
  bytes: number;
  unmatched: number;
  itemsDeleted: number;
  failed: number;
  failedSample: FailedDelete[];
  sampleKeys: string[];

  constructor(from?: CleanupCheckpoint) {
    this.listed = from?.listedSoFar ?? 0;
    this.deleted = from?.deletedSoFar ?? 0;
    this.bytes = from?.bytesSoFar ?? 0;
    this.unmatched = from?.unmatchedSoFar ?? 0;
    this.itemsDeleted = from?.itemsDeletedSoFar ?? 0;
    this.failed = from?.failedSoFar ?? 0;
    this.failedSample = [...(from?.failedSample ?? [])];
    this.sampleKeys = [...(from?.sampleKeys ?? [])];
  }

  recordFailures(failures: FailedDelete[], objects: boolean): void {
    this.failed += failures.length;
    // Objects were counted when they were handed to the deleter; take back the ones that stayed.
    if (objects) this.deleted -= failures.length;
    for (const f of failures) if (this.failedSample.length < SAMPLE_FAILURES) this.failedSample.push(f);
  }
}

/** Buffers keys and sends a DeleteObjects whenever 1,000 are waiting, a few requests in flight. */
export class StreamingDeleter {
  private buffer: string[] = [];
  private readonly pool: TaskPool;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly progress: Progress,
    concurrency: number,
    private readonly backoff?: BackoffOptions,
  ) {
    this.pool = new TaskPool(concurrency);
  }

  async add(key: string): Promise<void> {
    this.buffer.push(key);
    if (this.buffer.length >= MAX_DELETE_KEYS) await this.send();
  }

  /** Sends what is buffered and waits for every request in flight. */
  async flush(): Promise<void> {
    if (this.buffer.length > 0) await this.send();
    await this.pool.drain();
  }

  private async send(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    await this.pool.run(async () => {
      const result = await deleteKeys(this.s3, this.bucket, batch, this.backoff);
      this.progress.recordFailures(result.failed, true);
    });
  }
}

/** What {@link considerObject} needs besides the object. */
export interface ObjectRule {
  readonly cutoff: Date;
  readonly keyDate?: KeyDateReader;
  readonly payload: Pick<ParsedCleanupPayload, 'dryRun' | 'sampleSize'>;
  readonly progress: Progress;
  readonly deleter: StreamingDeleter;
}

/**
 * The one rule both modes (one continuing Lambda, fan-out) apply to each listed object: a key
 * outside `prefix` is never touched, whatever the listing says; an expired one is counted and,
 * unless this is a dry run, handed to the deleter.
 */
export async function considerObject(object: ListedObject, prefix: string, rule: ObjectRule): Promise<void> {
  if (!object.key.startsWith(prefix)) return;
  const { progress } = rule;
  progress.listed++;
  const verdict = judge(object, rule.cutoff, rule.keyDate);
  if (verdict === 'unmatched') progress.unmatched++;
  if (verdict !== 'expired') return;
  progress.deleted++;
  progress.bytes += object.size;
  if (progress.sampleKeys.length < rule.payload.sampleSize) progress.sampleKeys.push(object.key);
  if (!rule.payload.dryRun) await rule.deleter.add(object.key);
}

function toDateValue(date: Date, format: TableCleanupTarget['dateFormat']): AttributeValue {
  switch (format ?? 'iso8601') {
    case 'epoch-seconds':
      return { N: String(Math.floor(date.getTime() / 1000)) };
    case 'epoch-millis':
      return { N: String(date.getTime()) };
    default:
      return { S: date.toISOString() };
  }
}

/**
 * Runs (or continues) the cleanup of `ctx.slot`. Returns the result, or `ctx.continueLater(...)`
 * when the invocation's time runs short.
 *
 * @throws CleanupIncompleteError when keys or items still failed after every retry (after all the
 *   other work is done).
 */
export async function runCleanup(
  ctx: JobContext<ParsedPayload>,
  deps: CleanupDeps,
): Promise<CleanupResult | ContinuedLater> {
  const { payload } = ctx;
  const margin = deps.safetyMarginMs ?? 60_000;
  const concurrency = deps.deleteConcurrency ?? 4;
  const cutoff = computeCutoff(ctx.scheduledTime, payload.olderThanDays);
  const keyDate = payload.keyDatePattern ? compileKeyDatePattern(payload.keyDatePattern) : undefined;

  const saved = await ctx.checkpoint.get<CleanupCheckpoint>();
  const resume = saved && saved.cutoff === cutoff.toISOString() ? saved : undefined;
  const progress = new Progress(resume);
  const deleter = new StreamingDeleter(deps.s3, payload.bucket, progress, concurrency, deps.backoff);

  const snapshot = (position: Pick<CleanupCheckpoint, 'prefixIndex' | 'continuationToken' | 'tableIndex' | 'exclusiveStartKey'>): CleanupCheckpoint => ({
    cutoff: cutoff.toISOString(),
    ...position,
    listedSoFar: progress.listed,
    deletedSoFar: progress.deleted,
    bytesSoFar: progress.bytes,
    unmatchedSoFar: progress.unmatched,
    itemsDeletedSoFar: progress.itemsDeleted,
    failedSoFar: progress.failed,
    failedSample: progress.failedSample,
    sampleKeys: progress.sampleKeys,
  });
  // Every invocation makes progress (at least one page) before it may hand over, so a too-short
  // timeout cannot make it continue forever without doing anything.
  let worked = false;
  const timeIsShort = () => worked && ctx.remainingTimeMs() < margin;

  // Phase 1: objects.
  for (let prefixIndex = resume?.prefixIndex ?? 0; prefixIndex < payload.prefixes.length; prefixIndex++) {
    const prefix = payload.prefixes[prefixIndex];
    let token = resume && prefixIndex === resume.prefixIndex ? resume.continuationToken : undefined;
    for await (const page of listPages(deps.s3, { bucket: payload.bucket, prefix, continuationToken: token })) {
      for (const object of page.objects) await considerObject(object, prefix, { cutoff, keyDate, payload, progress, deleter });
      worked = true;
      token = page.nextContinuationToken;
      if (token !== undefined && timeIsShort()) {
        await deleter.flush();
        ctx.logger.info('time budget reached; continuing in a new invocation', { prefix, listed: progress.listed, deleted: progress.deleted });
        return ctx.continueLater(snapshot({ prefixIndex, continuationToken: token, tableIndex: 0 }));
      }
    }
  }
  await deleter.flush();

  // Phase 2: tables without TTL.
  const firstTable = resume?.tableIndex ?? 0;
  for (let tableIndex = firstTable; tableIndex < payload.tables.length; tableIndex++) {
    const target = payload.tables[tableIndex];
    let startKey = resume && tableIndex === resume.tableIndex ? resume.exclusiveStartKey : undefined;
    const keySchema = payload.dryRun ? [] : await tableKeyAttributes(deps.ddb, target.tableName);
    do {
      if (timeIsShort()) {
        return ctx.continueLater(
          snapshot({ prefixIndex: payload.prefixes.length, tableIndex, exclusiveStartKey: startKey }),
        );
      }
      const page = await deps.ddb.send(
        new QueryCommand({
          TableName: target.tableName,
          IndexName: target.indexName,
          KeyConditionExpression: '#pk = :pk AND #date < :cutoff',
          ExpressionAttributeNames: {
            '#pk': target.partitionKey.name,
            '#date': target.dateAttribute,
            ...Object.fromEntries(keySchema.map((name, i) => [`#k${i}`, name])),
          },
          ExpressionAttributeValues: {
            ':pk': typeof target.partitionKey.value === 'number' ? { N: String(target.partitionKey.value) } : { S: target.partitionKey.value },
            ':cutoff': toDateValue(cutoff, target.dateFormat),
          },
          ...(payload.dryRun ? { Select: 'COUNT' as const } : { ProjectionExpression: keySchema.map((_, i) => `#k${i}`).join(', ') }),
          ExclusiveStartKey: startKey,
        }),
      );
      if (payload.dryRun) {
        progress.itemsDeleted += page.Count ?? 0;
      } else {
        const requests: WriteRequest[] = (page.Items ?? []).map((item) => ({
          DeleteRequest: { Key: Object.fromEntries(keySchema.map((name) => [name, item[name]])) },
        }));
        const result = await batchWriteAll(deps.ddb, target.tableName, requests, deps.backoff);
        progress.itemsDeleted += result.written;
        progress.recordFailures(
          result.unprocessed.map((r) => ({
            key: `${target.tableName}:${JSON.stringify(r.DeleteRequest?.Key)}`,
            code: 'UnprocessedItem',
            message: 'still unprocessed after every retry',
          })),
          false,
        );
      }
      worked = true;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  if (progress.failed > 0) {
    throw new CleanupIncompleteError(
      `job '${ctx.job}': ${progress.failed} key(s) or item(s) could not be deleted after every retry ` +
        `(e.g. ${progress.failedSample.slice(0, 3).map((f) => `${f.key}: ${f.code}`).join('; ')}); ${progress.deleted} deleted`,
      progress.failedSample,
    );
  }
  const result: CleanupResult = {
    dryRun: payload.dryRun,
    bucket: payload.bucket,
    cutoff: cutoff.toISOString(),
    listed: progress.listed,
    deleted: progress.deleted,
    bytes: progress.bytes,
    unmatched: progress.unmatched,
    itemsDeleted: progress.itemsDeleted,
    sampleKeys: progress.sampleKeys,
    invocations: ctx.sequence + 1,
  };
  ctx.logger.info(payload.dryRun ? 'dry run: nothing deleted' : 'cleanup finished', { ...result });
  return result;
}

/** The table's primary-key attribute names (hash, then range). */
async function tableKeyAttributes(ddb: DynamoDBClient, tableName: string): Promise<string[]> {
  const described = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
  const schema = described.Table?.KeySchema ?? [];
  return [...schema].sort((a, b) => Number(b.KeyType === 'HASH') - Number(a.KeyType === 'HASH')).map((k) => k.AttributeName as string);
}
