/**
 * The nightly log archive's logic: bundles the previous UTC day's log objects of each service into
 * archive parts (format in `lambdas/shared/log-archive-format.ts`), verifies each part, then deletes
 * the originals it holds.
 *
 * Per part, in this order: GetObject of each original; PutObject of the archive (with its
 * SHA-256, which S3 checks on arrival); PutObject of the index; HeadObject of the archive with
 * `ChecksumMode: ENABLED` (size and SHA-256 must be the ones written); one DeleteObjects. Nothing is
 * deleted before the part holding it is verified.
 *
 * Re-runs: part names are deterministic (`part-NNNNN` per day and service). Before a service is
 * listed, the indexes already under its archive prefix are read: their originals are never archived
 * again (those still present are deleted once their part is verified), and new parts are numbered
 * after the last indexed one. An archive written without its index (an interrupted run) is
 * overwritten by the next run's part of the same number, so nothing is duplicated.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ScheduledJobsError } from '../../runtime';
import type { ContinuedLater, JobContext } from '../../runtime/types';
import { mapWithConcurrency } from '../../shared/concurrency';
import {
  archiveDayPrefix,
  hexToBase64,
  indexKeyOf,
  LOGS_PREFIX,
  logsDayPrefix,
  packArchive,
  parseIndex,
  partOfIndexKey,
  previousUtcDay,
  serializeIndex,
  sha256Base64,
  sha256Hex,
  type ArchiveIndex,
  type ArchiveInput,
} from '../../shared/log-archive-format';
import type { BackoffOptions } from '../../shared/retry';
import { deleteKeys, type FailedDelete } from '../../shared/s3-delete';
import { listObjects, listPages, type ListedObject } from '../../shared/s3-listing';
import type { ParsedLogArchivePayload } from './payload';

/** What the job needs besides its context. */
export interface LogArchiveDeps {
  readonly s3: S3Client;
  /**
   * Continue in a new invocation when fewer than this many milliseconds remain.
   * @default 120000
   */
  readonly safetyMarginMs?: number;
  /** Backoff for keys DeleteObjects fails individually. */
  readonly backoff?: BackoffOptions;
}

/** Counters of a slot, carried across continuations. */
export interface LogArchiveCounts {
  readonly archived: number;
  readonly parts: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly deleted: number;
  /** Originals found already archived by an earlier run (deleted now). */
  readonly alreadyArchived: number;
  /** Originals larger than `maxPartBytes`, left in place. */
  readonly skippedLarge: number;
  /** Listed originals gone before they were read (deleted by someone else). */
  readonly vanished: number;
  readonly failed: number;
  readonly failedSample: FailedDelete[];
}

/** Progress carried from one invocation of a slot to the next. */
export interface LogArchiveCheckpoint extends LogArchiveCounts {
  /** The day archived; a checkpoint of another day is not resumed. */
  readonly day: string;
  readonly services: string[];
  readonly serviceIndex: number;
}

/** What a finished run returns. */
export interface LogArchiveResult extends Omit<LogArchiveCounts, 'failed' | 'failedSample'> {
  readonly bucket: string;
  readonly day: string;
  readonly services: number;
  readonly storageClass: string;
  /** Invocations this slot took (1 + continuations). */
  readonly invocations: number;
}

/** An archive read back does not have the size or checksum written: its originals are kept. */
export class ArchiveVerificationError extends ScheduledJobsError {}

/** Some originals could not be deleted after every retry (they are archived; the next run deletes them). */
export class LogArchiveIncompleteError extends ScheduledJobsError {
  constructor(
    message: string,
    /** Up to 20 of the keys that failed, with S3's error code. */
    readonly failures: FailedDelete[],
  ) {
    super(message);
  }
}

const SAMPLE_FAILURES = 20;

/** The services under `logs/` (one ListObjectsV2 per 1,000 services, delimiter `/`). */
export async function discoverServices(s3: S3Client, bucket: string): Promise<string[]> {
  const services: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: LOGS_PREFIX, Delimiter: '/', ContinuationToken: token }));
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) services.push(p.Prefix.slice(LOGS_PREFIX.length, -1));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return services;
}

/** The indexes already written for a service and day, by part number. */
export async function readIndexes(s3: S3Client, bucket: string, service: string, day: string): Promise<Map<number, ArchiveIndex>> {
  const found = new Map<number, ArchiveIndex>();
  for await (const object of listObjects(s3, { bucket, prefix: archiveDayPrefix(service, day) })) {
    const part = partOfIndexKey(object.key);
    if (part === undefined) continue;
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.key }));
    const text = await (response.Body as { transformToString(): Promise<string> }).transformToString();
    found.set(part, parseIndex(text, object.key));
  }
  return found;
}

/**
 * Checks the stored archive against its index: HeadObject with `ChecksumMode: ENABLED`; when S3
 * returns no SHA-256 (an object written without one), the archive is read back and hashed.
 *
 * @throws ArchiveVerificationError when size or checksum differ.
 */
export async function verifyArchive(s3: S3Client, bucket: string, index: ArchiveIndex, job: string): Promise<void> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: index.archiveKey, ChecksumMode: 'ENABLED' }));
  let size = head.ContentLength;
  let checksum = head.ChecksumSHA256;
  if (checksum === undefined) {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: index.archiveKey }));
    const bytes = await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    size = bytes.length;
    checksum = sha256Base64(bytes);
  }
  const expected = hexToBase64(index.archiveSha256);
  if (size !== index.archiveSize || checksum !== expected) {
    throw new ArchiveVerificationError(
      `job '${job}': archive '${index.archiveKey}' must be ${index.archiveSize} bytes with SHA-256 ${expected} ` +
        `(got ${size ?? 'no size'} bytes with ${checksum ?? 'no checksum'}); its originals are kept`,
    );
  }
}

class Counts {
  archived = 0;
  parts = 0;
  bytesIn = 0;
  bytesOut = 0;
  deleted = 0;
  alreadyArchived = 0;
  skippedLarge = 0;
  vanished = 0;
  failed = 0;
  failedSample: FailedDelete[] = [];

  constructor(from?: LogArchiveCounts) {
    if (from) {
      const { failedSample, ...numbers } = from;
      Object.assign(this, numbers, { failedSample: [...failedSample] });
    }
  }

  snapshot(): LogArchiveCounts {
    const { archived, parts, bytesIn, bytesOut, deleted, alreadyArchived, skippedLarge, vanished, failed, failedSample } = this;
    return { archived, parts, bytesIn, bytesOut, deleted, alreadyArchived, skippedLarge, vanished, failed, failedSample };
  }
}

/**
 * Runs (or continues) the archive of the day before `ctx.slot`. Returns the result, or
 * `ctx.continueLater(...)` when the invocation's time runs short.
 *
 * @throws ArchiveVerificationError when an archive does not read back as written (nothing of it deleted).
 * @throws LogArchiveIncompleteError when originals still failed to delete after every retry.
 */
export async function runLogArchive(
  ctx: JobContext<ParsedLogArchivePayload>,
  deps: LogArchiveDeps,
): Promise<LogArchiveResult | ContinuedLater> {
  const { payload } = ctx;
  const { s3 } = deps;
  const bucket = payload.bucket;
  const margin = deps.safetyMarginMs ?? 120_000;
  const day = previousUtcDay(ctx.scheduledTime);

  const saved = await ctx.checkpoint.get<LogArchiveCheckpoint>();
  const resume = saved && saved.day === day ? saved : undefined;
  const counts = new Counts(resume);
  const services = resume?.services ?? payload.services ?? (await discoverServices(s3, bucket));
  let worked = false;
  const timeIsShort = () => worked && ctx.remainingTimeMs() < margin;

  const deleteOriginals = async (keys: string[]) => {
    const result = await deleteKeys(s3, bucket, keys, deps.backoff);
    counts.deleted += result.deleted;
    counts.failed += result.failed.length;
    for (const f of result.failed) if (counts.failedSample.length < SAMPLE_FAILURES) counts.failedSample.push(f);
  };

  for (let serviceIndex = resume?.serviceIndex ?? 0; serviceIndex < services.length; serviceIndex++) {
    const service = services[serviceIndex];
    const indexes = await readIndexes(s3, bucket, service, day);
    const coveredBy = new Map<string, number>();
    for (const [part, index] of indexes) for (const e of index.entries) coveredBy.set(e.key, part);
    const verified = new Set<number>();
    let nextPart = indexes.size === 0 ? 0 : Math.max(...indexes.keys()) + 1;
    let buffer: ListedObject[] = [];
    let bufferBytes = 0;
    const leftovers = new Map<number, string[]>();

    const flushLeftovers = async () => {
      for (const [part, keys] of leftovers) {
        if (!verified.has(part)) {
          await verifyArchive(s3, bucket, indexes.get(part) as ArchiveIndex, ctx.job);
          verified.add(part);
        }
        counts.alreadyArchived += keys.length;
        await deleteOriginals(keys);
      }
      leftovers.clear();
    };

    const flushPart = async () => {
      const listed = buffer;
      buffer = [];
      bufferBytes = 0;
      const read = await mapWithConcurrency(listed, payload.readConcurrency, async (object): Promise<ArchiveInput | undefined> => {
        try {
          const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.key }));
          return { key: object.key, body: await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray() };
        } catch (error) {
          if (error instanceof NoSuchKey) return undefined;
          throw error;
        }
      });
      const inputs = read.filter((r): r is ArchiveInput => r !== undefined);
      counts.vanished += listed.length - inputs.length;
      if (inputs.length === 0) return;
      const packed = packArchive(service, day, nextPart++, inputs);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: packed.index.archiveKey,
          Body: packed.body,
          ContentType: 'application/gzip',
          StorageClass: payload.storageClass,
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: hexToBase64(packed.index.archiveSha256),
        }),
      );
      const indexBody = serializeIndex(packed.index);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: indexKeyOf(packed.index.archiveKey),
          Body: indexBody,
          ContentType: 'application/json',
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: hexToBase64(sha256Hex(Buffer.from(indexBody))),
        }),
      );
      await verifyArchive(s3, bucket, packed.index, ctx.job);
      counts.parts++;
      counts.archived += inputs.length;
      counts.bytesIn += inputs.reduce((n, i) => n + i.body.length, 0);
      counts.bytesOut += packed.body.length;
      await deleteOriginals(inputs.map((i) => i.key));
    };

    for await (const page of listPages(s3, { bucket, prefix: logsDayPrefix(service, day) })) {
      for (const object of page.objects) {
        const part = coveredBy.get(object.key);
        if (part !== undefined) {
          leftovers.set(part, [...(leftovers.get(part) ?? []), object.key]);
          continue;
        }
        if (object.size > payload.maxPartBytes) {
          counts.skippedLarge++;
          continue;
        }
        if (buffer.length > 0 && bufferBytes + object.size > payload.maxPartBytes) await flushPart();
        buffer.push(object);
        bufferBytes += object.size;
        if (buffer.length >= payload.maxObjectsPerPart) await flushPart();
      }
      worked = true;
      await flushLeftovers();
      if (page.nextContinuationToken !== undefined && timeIsShort()) {
        // Unarchived keys of this service are listed again by the next invocation (archived ones are gone).
        ctx.logger.info('time budget reached; continuing in a new invocation', { service, day, archived: counts.archived });
        return ctx.continueLater<LogArchiveCheckpoint>({ day, services, serviceIndex, ...counts.snapshot() });
      }
    }
    if (buffer.length > 0) await flushPart();
    await flushLeftovers();
    if (serviceIndex + 1 < services.length && timeIsShort()) {
      return ctx.continueLater<LogArchiveCheckpoint>({ day, services, serviceIndex: serviceIndex + 1, ...counts.snapshot() });
    }
  }

  if (counts.failed > 0) {
    throw new LogArchiveIncompleteError(
      `job '${ctx.job}': ${counts.failed} original(s) are archived but could not be deleted after every retry ` +
        `(e.g. ${counts.failedSample.slice(0, 3).map((f) => `${f.key}: ${f.code}`).join('; ')}); the next run of day ${day} deletes them`,
      counts.failedSample,
    );
  }
  const { failed: _failed, failedSample: _sample, ...numbers } = counts.snapshot();
  const result: LogArchiveResult = { bucket, day, services: services.length, storageClass: payload.storageClass, ...numbers, invocations: ctx.sequence + 1 };
  ctx.logger.info('log archive finished', { ...result });
  return result;
}
