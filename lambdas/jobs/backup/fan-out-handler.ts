/**
 * The backup in fan-out mode, for source buckets too large for one continuing Lambda: declare it
 * with `FanOutJob` (see `fan-out.ts` for the partitions and guarantees). Plan: the partitions of
 * the sources; work: one batch of partitions backed up incrementally; finish: the night's manifest.
 *
 * ```ts
 * const backup = new FanOutJob(this, 'BucketBackupFanOut', {
 *   platform,
 *   schedule: ScheduleExpression.expression('cron(0 0 * * ? *)', TimeZone.ETC_UTC),
 *   entry: 'lambdas/jobs/backup/fan-out-handler.ts',
 *   payload: { sources: [{ bucket: source.bucketName, prefix: 'data/' }], bucket: backupBucket.bucketName, partitionDepth: 2 },
 *   maxConcurrency: 20,
 *   maxItemsPerBatch: 1,
 * });
 * source.grantRead(backup);
 * backupBucket.grantReadWrite(backup);
 * ```
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { defineFanOutJob } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import type { BackupManifest } from './backup';
import {
  backupPartitions,
  finishBackup,
  parseFanOutBackupPayload,
  planBackupPartitions,
  type BackupPartition,
  type ParsedFanOutBackupPayload,
  type PartitionBackupResult,
} from './fan-out';

export * from './fan-out';

// Created once per container, reused by warm invocations (path-style against an emulator).
const s3 = new S3Client({ ...sdkRetryConfig(), forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });
const ddb = new DynamoDBClient(sdkRetryConfig());

export const handler = defineFanOutJob<ParsedFanOutBackupPayload, BackupPartition, PartitionBackupResult, Omit<BackupManifest, 's3' | 'dynamodb'>>({
  parsePayload: (raw) => parseFanOutBackupPayload(raw),
  plan: (ctx) => planBackupPartitions({ s3 }, ctx.payload),
  work: (ctx, partitions) => backupPartitions(ctx, { s3, ddb }, partitions),
  finish: async (ctx, outcome) => {
    // startedAt: the slot (the run record keeps the exact start of the run).
    const manifest = await finishBackup(ctx, { s3 }, outcome, ctx.scheduledTime.toISOString(), new Date());
    ctx.logger.info('backup finished', { date: manifest.date, status: manifest.status, s3: manifest.s3.map(({ failures: _f, ...s }) => s) });
    // The run record keeps the summary small: the per-source counts are in the manifest.
    const { s3: _s3, dynamodb: _d, ...summary } = manifest;
    return summary;
  },
});
