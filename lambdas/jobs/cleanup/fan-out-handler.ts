/**
 * The cleanup in fan-out mode, for buckets too large for one continuing Lambda: declare it with
 * `FanOutJob` (see `fan-out.ts` for the partitions and guarantees). Plan: the date partitions of the
 * configured prefixes; work: one batch of partitions cleaned with the single-Lambda mode's rule;
 * finish: the run's totals.
 *
 * ```ts
 * const cleanup = new FanOutJob(this, 'LogCleanupFanOut', {
 *   platform,
 *   schedule: ScheduleExpression.expression('cron(0 2 ? * SUN *)', TimeZone.ETC_UTC),
 *   entry: 'lambdas/jobs/cleanup/fan-out-handler.ts',
 *   payload: { olderThanDays: 30, prefixes: ['logs/'], keyDatePattern: LOG_KEY_DATE_PATTERN, partitionDepth: 4 },
 *   maxConcurrency: 50,     // one day prefix per batch, each at S3's 3,500 deletes/s
 *   maxItemsPerBatch: 1,
 *   environment: { LOGS_BUCKET_NAME: logsBucket.bucketName },
 * });
 * logsBucket.grantReadWrite(cleanup);
 * ```
 */
import { S3Client } from '@aws-sdk/client-s3';
import { defineFanOutJob } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import {
  cleanPartitions,
  parseFanOutCleanupPayload,
  planCleanupPartitions,
  summariseCleanup,
  type CleanupPartition,
  type FanOutCleanupSummary,
  type ParsedFanOutCleanupPayload,
  type PartitionCleanupResult,
} from './fan-out';
import { computeCutoff } from './rules';

export * from './fan-out';

// Created once per container, reused by warm invocations (path-style against an emulator).
const s3 = new S3Client({ ...sdkRetryConfig(), forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });

export const handler = defineFanOutJob<ParsedFanOutCleanupPayload, CleanupPartition, PartitionCleanupResult, FanOutCleanupSummary>({
  parsePayload: (raw) => parseFanOutCleanupPayload(raw),
  plan: (ctx) => planCleanupPartitions(s3, ctx.payload, ctx.payload.partitionDepth),
  work: (ctx, partitions) =>
    cleanPartitions({ s3, payload: ctx.payload, cutoff: computeCutoff(ctx.scheduledTime, ctx.payload.olderThanDays) }, partitions),
  finish: async (ctx, outcome) => {
    const summary = await summariseCleanup(ctx.payload, computeCutoff(ctx.scheduledTime, ctx.payload.olderThanDays), outcome.results());
    ctx.logger.info(ctx.payload.dryRun ? 'dry run: nothing deleted' : 'cleanup finished', { ...summary, status: outcome.status, failed: outcome.failed });
    return summary;
  },
});
