/**
 * Nightly backup: exports DynamoDB tables (point-in-time export) and copies S3 prefixes
 * server-side and incrementally into the backup bucket, with a manifest per slot date.
 * See `backup.ts` for the logic and the bucket layout in `plan.ts`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { defineJob } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import { runBackup } from './backup';
import { parseBackupPayload } from './payload';

export { runBackup, BackupIncompleteError, type BackupManifest, type BackupDeps, type SourceSummary } from './backup';
export { BackupConfigurationError, type ExportRecord } from './exports';
export { parseBackupPayload, BackupPayloadError, type BackupPayload, type BackupSource } from './payload';

// Created once per container, reused by warm invocations. Path-style S3 addressing when an
// emulator endpoint is configured (local mode).
const s3 = new S3Client({ ...sdkRetryConfig(), forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });
const ddb = new DynamoDBClient(sdkRetryConfig());

export const handler = defineJob({ parsePayload: (raw) => parseBackupPayload(raw) }, (ctx) => runBackup(ctx, { s3, ddb }));
