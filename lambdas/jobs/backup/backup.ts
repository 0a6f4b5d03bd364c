/**
 * The backup job's logic: exports DynamoDB tables to the backup bucket, copies S3 prefixes
 * server-side and incrementally, and writes a manifest per slot date. Long runs continue in new
 * invocations; exports still running at the end are recorded as such and completed by the next run.
 *
 * Incremental: the source prefix and its copy (`s3/<bucket>/<prefix>`) are listed side by side and
 * merged by key. A copy with the same size and ETag is unchanged (no request at all); same size with
 * a different ETag (multipart or KMS objects) is checked against the source ETag recorded on the
 * copy (one HeadObject); anything else is copied.
 */
import { GetObjectCommand, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ContinuedLater, JobContext } from '../../runtime/types';
import { TaskPool } from '../../shared/concurrency';
import { sleep as realSleep } from '../../shared/retry';
import { listObjects, listPages, type ListedObject } from '../../shared/s3-listing';
import { refreshExport, startExport, validateTables, type ExportRecord } from './exports';
import type { ParsedBackupPayload } from './payload';
import { bareEtag, compareKeys, decideCopy, destinationKey, exportPrefix, LATEST_MANIFEST_KEY, manifestKey, slotDate } from './plan';
import { copyObject, recordedSourceEtag, type CopyOptions } from './s3-copy';
import { ScheduledJobsError } from '../../runtime';

export interface BackupDeps {
  readonly s3: S3Client;
  readonly ddb: DynamoDBClient;
  /**
   * Continue in a new invocation when fewer than this many milliseconds remain.
   * @default 60000
   */
  readonly safetyMarginMs?: number;
  /**
   * Pause between two DescribeExport checks while waiting.
   * @default 15000
   */
  readonly pollIntervalMs?: number;
  /** @default a setTimeout promise */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly clock?: () => number;
  readonly copy?: CopyOptions;
}

/** Per-source summary in the manifest. */
export interface SourceSummary {
  readonly bucket: string;
  readonly prefix: string;
  readonly destinationPrefix: string;
  /** Objects in the source (all of them, copied or not). */
  objects: number;
  bytes: number;
  copied: number;
  copiedBytes: number;
  unchanged: number;
  /** Objects that changed while the run copied them (their newer version was copied). */
  changedDuringBackup: number;
  failed: number;
  /** Up to 20 failures. */
  failures: { key: string; error: string }[];
}

/** The summary of `bucket`/`prefix` before anything is counted (a source, or one partition of it). */
export function emptySourceSummary(bucket: string, prefix: string): SourceSummary {
  return {
    bucket,
    prefix,
    destinationPrefix: destinationKey(bucket, prefix),
    objects: 0,
    bytes: 0,
    copied: 0,
    copiedBytes: 0,
    unchanged: 0,
    changedDuringBackup: 0,
    failed: 0,
    failures: [],
  };
}

export type ManifestStatus = 'SUCCEEDED' | 'EXPORTS_IN_PROGRESS' | 'FAILED';

/** The manifest written to `manifests/<date>.json` (and `manifests/latest.json`). */
export interface BackupManifest {
  readonly version: 1;
  readonly job: string;
  readonly slot: string;
  readonly date: string;
  status: ManifestStatus;
  readonly destinationBucket: string;
  readonly startedAt: string;
  finishedAt?: string;
  invocations: number;
  s3: SourceSummary[];
  dynamodb: ExportRecord[];
  /** Exports of earlier backups whose completion this run recorded. */
  completedEarlier?: { date: string; table: string; status: string }[];
}

interface BackupCheckpoint {
  readonly manifest: BackupManifest;
  readonly sourceIndex: number;
  /** Every source key up to this one is done. */
  readonly startAfter?: string;
  /** Set when an earlier backup's export failed: fail this run at its end. */
  readonly earlierExportFailure?: string;
}

/** Some objects could not be copied, or an export failed: the run fails after writing the manifest. */
export class BackupIncompleteError extends ScheduledJobsError {
  constructor(message: string) {
    super(message);
  }
}

const MAX_FAILURES_KEPT = 20;

/**
 * Runs (or continues) the backup of `ctx.slot`; returns the manifest, or `ctx.continueLater(...)`.
 *
 * @throws BackupConfigurationError before any side effect when a table cannot be exported.
 * @throws BackupIncompleteError after writing the manifest when something could not be backed up.
 */
export async function runBackup(ctx: JobContext<ParsedBackupPayload>, deps: BackupDeps): Promise<BackupManifest | ContinuedLater> {
  const { payload } = ctx;
  const margin = deps.safetyMarginMs ?? 60_000;
  const clock = deps.clock ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const date = slotDate(ctx.scheduledTime);

  let state = await ctx.checkpoint.get<BackupCheckpoint>();
  if (state && state.manifest.slot !== ctx.slot) state = undefined;

  if (!state) {
    // First invocation of the slot: validate before any side effect, then start the exports.
    const arns = await validateTables(deps.ddb, ctx.job, payload.tables);
    const earlierExportFailure = await completeEarlierExports(ctx, deps, date);
    const manifest: BackupManifest = {
      version: 1,
      job: ctx.job,
      slot: ctx.slot,
      date,
      status: 'SUCCEEDED',
      destinationBucket: payload.bucket,
      startedAt: new Date(clock()).toISOString(),
      invocations: 0,
      s3: payload.sources.map((s) => emptySourceSummary(s.bucket, s.prefix)),
      dynamodb: [],
      completedEarlier: earlierExportFailure.completed,
    };
    for (const table of payload.tables) {
      manifest.dynamodb.push(
        await startExport(deps.ddb, {
          job: ctx.job,
          slot: ctx.slot,
          table,
          tableArn: arns.get(table) as string,
          bucket: payload.bucket,
          s3Prefix: exportPrefix(table, date),
          format: payload.exportFormat,
          now: new Date(clock()),
        }),
      );
    }
    state = { manifest, sourceIndex: 0, earlierExportFailure: earlierExportFailure.failure };
    // The export ARNs must survive a crash: keep them before copying anything.
    if (manifest.dynamodb.length > 0) await ctx.checkpoint.save(state);
  }
  const manifest = state.manifest;
  manifest.invocations++;

  // S3 copies.
  let worked = false;
  for (let sourceIndex = state.sourceIndex; sourceIndex < payload.sources.length; sourceIndex++) {
    const source = payload.sources[sourceIndex];
    const summary = manifest.s3[sourceIndex];
    const startAfter = sourceIndex === state.sourceIndex ? state.startAfter : undefined;
    const handOver = await copySource(ctx, deps, source, summary, startAfter, () => worked && ctx.remainingTimeMs() < margin, () => {
      worked = true;
    });
    if (handOver !== undefined) {
      return ctx.continueLater<BackupCheckpoint>({ ...state, manifest, sourceIndex, startAfter: handOver });
    }
  }

  // Exports: wait within the run's budget, then record.
  const waitUntil = clock() + payload.waitForExportsMinutes * 60_000;
  const interval = deps.pollIntervalMs ?? 15_000;
  for (;;) {
    manifest.dynamodb = await Promise.all(manifest.dynamodb.map((r) => refreshExport(deps.ddb, r)));
    const pending = manifest.dynamodb.some((r) => r.status === 'IN_PROGRESS');
    if (!pending || clock() + interval > waitUntil || ctx.remainingTimeMs() - interval < margin) break;
    await sleep(interval);
  }

  const copyFailures = manifest.s3.reduce((n, s) => n + s.failed, 0);
  const failedExports = manifest.dynamodb.filter((r) => r.status === 'FAILED');
  manifest.status =
    copyFailures > 0 || failedExports.length > 0 || state.earlierExportFailure
      ? 'FAILED'
      : manifest.dynamodb.some((r) => r.status === 'IN_PROGRESS')
        ? 'EXPORTS_IN_PROGRESS'
        : 'SUCCEEDED';
  manifest.finishedAt = new Date(clock()).toISOString();
  await writeManifest(deps.s3, payload.bucket, manifest, true);

  if (manifest.status === 'FAILED') {
    const reasons = [
      copyFailures > 0 ? `${copyFailures} object(s) not copied (e.g. ${manifest.s3.flatMap((s) => s.failures).slice(0, 3).map((f) => `${f.key}: ${f.error}`).join('; ')})` : undefined,
      ...failedExports.map((r) => `export of table '${r.table}' failed (${r.failure})`),
      state.earlierExportFailure,
    ].filter((r): r is string => r !== undefined);
    throw new BackupIncompleteError(`job '${ctx.job}': backup ${date} incomplete: ${reasons.join('; ')}; manifest s3://${payload.bucket}/${manifestKey(date)}`);
  }
  ctx.logger.info('backup finished', { date, status: manifest.status, s3: manifest.s3.map(({ failures: _f, ...s }) => s) });
  return manifest;
}

/**
 * Copies one source (or, in fan-out mode, one partition of it), page by page. Returns the key to
 * continue after when the time ran short, or undefined when the source is done. With a
 * `delimiter`, only the objects directly under the prefix are compared and copied.
 */
export async function copySource(
  ctx: Pick<JobContext<ParsedBackupPayload>, 'payload' | 'logger'>,
  deps: BackupDeps,
  source: { bucket: string; prefix: string; delimiter?: string },
  summary: SourceSummary,
  startAfter: string | undefined,
  timeIsShort: () => boolean,
  onPage: () => void,
): Promise<string | undefined> {
  const { payload } = ctx;
  const pool = new TaskPool(payload.concurrency);
  const copyRoot = destinationKey(source.bucket, '');
  const copies = listObjects(deps.s3, {
    bucket: payload.bucket,
    prefix: destinationKey(source.bucket, source.prefix),
    startAfter: startAfter === undefined ? undefined : destinationKey(source.bucket, startAfter),
    delimiter: source.delimiter,
  })[Symbol.asyncIterator]();
  let copy = await copies.next();
  const fail = (key: string, error: unknown) => {
    summary.failed++;
    if (summary.failures.length < MAX_FAILURES_KEPT) summary.failures.push({ key, error: `${(error as Error).name}: ${(error as Error).message}` });
  };
  const copyOne = async (object: ListedObject) => {
    try {
      const outcome = await copyObject(deps.s3, { bucket: source.bucket, ...object }, payload.bucket, copyRoot + object.key, deps.copy);
      summary.copied++;
      summary.copiedBytes += outcome.bytes;
      if (outcome.changedSinceListing) summary.changedDuringBackup++;
    } catch (error) {
      fail(object.key, error);
    }
  };

  for await (const page of listPages(deps.s3, { bucket: source.bucket, prefix: source.prefix, startAfter, delimiter: source.delimiter })) {
    for (const object of page.objects) {
      summary.objects++;
      summary.bytes += object.size;
      // Advance the copy listing to this key (both listings are in S3 key order).
      while (!copy.done && compareKeys(copy.value.key.slice(copyRoot.length), object.key) < 0) copy = await copies.next();
      const existing = !copy.done && copy.value.key.slice(copyRoot.length) === object.key ? copy.value : undefined;
      const decision = decideCopy(object, existing);
      if (decision === 'unchanged') {
        summary.unchanged++;
        continue;
      }
      await pool.run(async () => {
        if (decision === 'verify') {
          try {
            const recorded = await recordedSourceEtag(deps.s3, payload.bucket, copyRoot + object.key);
            if (recorded === bareEtag(object.etag)) {
              summary.unchanged++;
              return;
            }
          } catch (error) {
            fail(object.key, error);
            return;
          }
        }
        await copyOne(object);
      });
    }
    onPage();
    const last = page.objects.at(-1)?.key;
    if (page.nextContinuationToken !== undefined && last !== undefined && timeIsShort()) {
      await pool.drain();
      ctx.logger.info('time budget reached; continuing in a new invocation', { bucket: source.bucket, after: last });
      return last;
    }
  }
  await pool.drain();
  return undefined;
}

/** Writes the manifest of its date (and, with `latest`, `manifests/latest.json`). */
export async function writeManifest(s3: S3Client, bucket: string, manifest: BackupManifest, latest: boolean): Promise<void> {
  const Body = JSON.stringify(manifest, null, 2);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: manifestKey(manifest.date), Body, ContentType: 'application/json' }));
  if (latest) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: LATEST_MANIFEST_KEY, Body, ContentType: 'application/json' }));
}

/**
 * Reads the latest manifest; if it is an earlier backup whose exports were still running, records
 * their outcome in it. Returns a failure description when one of them failed.
 */
async function completeEarlierExports(
  ctx: JobContext<ParsedBackupPayload>,
  deps: BackupDeps,
  date: string,
): Promise<{ failure?: string; completed?: { date: string; table: string; status: string }[] }> {
  let previous: BackupManifest;
  try {
    const response = await deps.s3.send(new GetObjectCommand({ Bucket: ctx.payload.bucket, Key: LATEST_MANIFEST_KEY }));
    previous = JSON.parse(await (response.Body as { transformToString(): Promise<string> }).transformToString()) as BackupManifest;
  } catch (error) {
    if (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404)) return {};
    throw error;
  }
  if (previous.date === date || !previous.dynamodb.some((r) => r.status === 'IN_PROGRESS')) return {};
  previous.dynamodb = await Promise.all(previous.dynamodb.map((r) => refreshExport(deps.ddb, r)));
  if (!previous.dynamodb.some((r) => r.status === 'IN_PROGRESS')) {
    previous.status = previous.status === 'FAILED' || previous.dynamodb.some((r) => r.status === 'FAILED') ? 'FAILED' : 'SUCCEEDED';
  }
  await writeManifest(deps.s3, ctx.payload.bucket, previous, false);
  const failed = previous.dynamodb.filter((r) => r.status === 'FAILED');
  ctx.logger.info('recorded the outcome of earlier exports', { date: previous.date, exports: previous.dynamodb.map((r) => `${r.table}:${r.status}`) });
  return {
    completed: previous.dynamodb.map((r) => ({ date: previous.date, table: r.table, status: r.status })),
    failure: failed.length > 0 ? `export(s) of backup ${previous.date} failed: ${failed.map((r) => `${r.table} (${r.failure})`).join(', ')}` : undefined,
  };
}
