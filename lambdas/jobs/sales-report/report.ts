/**
 * The sales report: reads a period's orders day by day through the date index, writes them as one
 * CSV through a multipart upload, and writes a JSON summary next to it.
 *
 * Memory is bounded whatever the row count: orders arrive one Query page (<= 1 MB) at a time, their
 * CSV rows go into a part buffer that is uploaded as soon as it reaches the part size, and only the
 * totals (one entry per distinct product) are kept. Parts end on page boundaries, so after any part
 * the report knows exactly where to go on: when the invocation runs short of time it saves that
 * position (with the uploaded parts and the totals) in S3, keeps a small pointer in the checkpoint
 * and continues in a new invocation (`ctx.continueLater`) with the same multipart upload.
 *
 * The CSV is completed before the summary is written, so a summary always describes a complete
 * CSV. Keys depend only on the period: a rerun replaces both objects.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ContinuedLater, JobContext } from '../../runtime';
import { CSV_HEADER, orderCsvRows } from './csv';
import { ordersOfDay, type OrdersSource, type PageKey } from './orders';
import { reportPeriod, type SalesReportPayload } from './payload';
import type { ReportPeriod } from './period';
import {
  abortUpload,
  completeUpload,
  deleteObject,
  getJson,
  isNoSuchUpload,
  putJson,
  startUpload,
  uploadPart,
  type UploadedPart,
} from './s3-objects';
import { SalesTotals, type SalesTotalsState } from './totals';

/** S3's smallest part (all parts but the last). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
/** Continue in a new invocation when less time than this is left after a part. */
export const DEFAULT_RESERVE_MS = 60_000;

export interface SalesReportDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly s3: S3Client;
  /** The orders table and its date index. */
  readonly orders: OrdersSource;
  /** The reports bucket. */
  readonly bucket: string;
  /**
   * Key prefix of the reports.
   * @default 'reports/'
   */
  readonly prefix?: string;
  /**
   * Key prefix of the resume state of reports that continue in another invocation.
   * @default 'report-state/'
   */
  readonly statePrefix?: string;
  /**
   * Size at which the part buffer is uploaded (at least 5 MiB).
   * @default 8 MiB
   */
  readonly partSizeBytes?: number;
  /**
   * Time left below which the report continues in a new invocation.
   * @default 60 seconds
   */
  readonly reserveMs?: number;
}

/** The checkpoint: a pointer to the resume state, which is too large for a checkpoint itself. */
export interface SalesReportCheckpoint {
  readonly csvKey: string;
  readonly uploadId: string;
  readonly stateKey: string;
}

/** Where a continued report goes on from (kept in S3 under the state prefix). */
export interface SalesReportResumeState {
  readonly csvKey: string;
  readonly uploadId: string;
  readonly parts: readonly UploadedPart[];
  /** Index in the period's days of the next page to read. */
  readonly dayIndex: number;
  /** Query key of that day to read after; absent to start the day. */
  readonly startKey?: PageKey;
  readonly totals: SalesTotalsState;
}

export interface SalesReportResult {
  readonly period: string;
  readonly csvKey: string;
  readonly summaryKey: string;
  readonly orderCount: number;
  readonly revenue: string;
  /** Parts of the CSV's multipart upload. */
  readonly parts: number;
}

function stateKeyOf(period: ReportPeriod, statePrefix: string): string {
  return `${statePrefix}${period.kind === 'day' ? 'daily' : 'monthly'}/${period.label}.json`;
}

/**
 * Writes the report of the period the payload and slot name. Returns its result, or
 * `ctx.continueLater(...)` when the invocation runs short of time.
 */
export async function runSalesReport(
  ctx: JobContext<SalesReportPayload>,
  deps: SalesReportDeps,
): Promise<SalesReportResult | ContinuedLater> {
  const partBytes = deps.partSizeBytes ?? DEFAULT_PART_BYTES;
  if (!Number.isSafeInteger(partBytes) || partBytes < MIN_PART_BYTES) {
    throw new RangeError(`job '${ctx.job}': partSizeBytes must be a whole number >= ${MIN_PART_BYTES} (S3's minimum part), got ${partBytes}`);
  }
  const period = reportPeriod(ctx.payload, ctx.scheduledTime, deps.prefix ?? 'reports/');
  const saved = await ctx.checkpoint.get<SalesReportCheckpoint>();
  let resume: SalesReportResumeState | undefined;
  if (saved !== undefined && saved.csvKey === period.csvKey) {
    const state = await getJson<SalesReportResumeState>(deps.s3, deps.bucket, saved.stateKey);
    if (state !== undefined && state.uploadId === saved.uploadId) resume = state;
    else ctx.logger.warn('resume state of the report is missing; writing the report from the start', { stateKey: saved.stateKey });
  }
  try {
    return await writeReport(ctx, deps, period, partBytes, resume);
  } catch (error) {
    if (resume === undefined || !isNoSuchUpload(error)) throw error;
    // The upload was aborted or expired since the checkpoint (e.g. by the bucket's lifecycle rule).
    ctx.logger.warn('multipart upload of the report no longer exists; writing the report from the start', {
      uploadId: resume.uploadId,
    });
    return writeReport(ctx, deps, period, partBytes, undefined);
  }
}

async function writeReport(
  ctx: JobContext<SalesReportPayload>,
  deps: SalesReportDeps,
  period: ReportPeriod,
  partBytes: number,
  resume: SalesReportResumeState | undefined,
): Promise<SalesReportResult | ContinuedLater> {
  const { s3, bucket } = deps;
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;
  const stateKey = stateKeyOf(period, deps.statePrefix ?? 'report-state/');
  const uploadId = resume?.uploadId ?? (await startUpload(s3, bucket, period.csvKey, 'text/csv; charset=utf-8'));
  const target = { bucket, key: period.csvKey, uploadId };
  const totals = resume ? SalesTotals.fromState(resume.totals) : new SalesTotals();
  const parts: UploadedPart[] = resume ? [...resume.parts] : [];
  let dayIndex = resume?.dayIndex ?? 0;
  let startKey = resume?.startKey;
  let chunks: string[] = resume ? [] : [CSV_HEADER];
  let buffered = resume ? 0 : CSV_HEADER.length;

  const flush = async () => {
    const body = Buffer.from(chunks.join(''), 'utf8');
    chunks = [];
    buffered = 0;
    parts.push(await uploadPart(s3, target, parts.length + 1, body));
  };

  try {
    while (dayIndex < period.days.length) {
      for await (const page of ordersOfDay(deps.ddb, deps.orders, period.days[dayIndex], startKey)) {
        let chunk = '';
        for (const order of page.orders) {
          totals.add(order);
          chunk += orderCsvRows(order);
        }
        chunks.push(chunk);
        buffered += Buffer.byteLength(chunk, 'utf8');
        startKey = page.nextKey;
        if (startKey === undefined) dayIndex++;
        if (buffered < partBytes) continue;
        await flush();
        if (dayIndex < period.days.length && ctx.remainingTimeMs() < reserveMs) {
          const state: SalesReportResumeState = {
            csvKey: period.csvKey,
            uploadId,
            parts,
            dayIndex,
            ...(startKey !== undefined ? { startKey } : {}),
            totals: totals.toState(),
          };
          await putJson(s3, bucket, stateKey, state);
          ctx.logger.info('sales report continues in a new invocation', { csvKey: period.csvKey, parts: parts.length, dayIndex });
          return await ctx.continueLater<SalesReportCheckpoint>({ csvKey: period.csvKey, uploadId, stateKey });
        }
      }
    }
    if (buffered > 0 || parts.length === 0) await flush();
    await completeUpload(s3, target, parts);
  } catch (error) {
    // A fresh upload that fails is not resumable: free its parts now. A resumed one stays for the
    // retry of this slot, which resumes from the same checkpoint.
    if (resume === undefined) {
      await abortUpload(s3, target).catch((abortError: unknown) =>
        ctx.logger.warn('could not abort the failed multipart upload; the bucket lifecycle rule will', { uploadId, abortError }),
      );
    }
    throw error;
  }

  const summary = totals.summary(period);
  await putJson(s3, bucket, period.summaryKey, summary);
  if (resume !== undefined) {
    await deleteObject(s3, bucket, stateKey).catch((error: unknown) =>
      ctx.logger.warn('could not delete the report resume state; the bucket lifecycle rule will', { stateKey, error }),
    );
  }
  ctx.logger.info('sales report written', {
    csvKey: period.csvKey,
    summaryKey: period.summaryKey,
    orders: summary.orderCount,
    revenue: summary.revenue,
    parts: parts.length,
  });
  return {
    period: period.label,
    csvKey: period.csvKey,
    summaryKey: period.summaryKey,
    orderCount: summary.orderCount,
    revenue: summary.revenue,
    parts: parts.length,
  };
}
