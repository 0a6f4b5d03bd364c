/**
 * Weekly log cleanup: deletes objects under the configured prefixes (and, optionally, items of
 * tables without TTL) strictly older than `olderThanDays` before the slot. See `cleanup.ts` for the
 * logic and `rules.ts` for the exact cutoff.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { defineJob } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import { runCleanup } from './cleanup';
import { parseCleanupPayload } from './payload';

export { runCleanup, CleanupIncompleteError, type CleanupResult, type CleanupCheckpoint, type CleanupDeps } from './cleanup';
export { parseCleanupPayload, CleanupPayloadError, type CleanupPayload, type TableCleanupTarget } from './payload';

// Created once per container, reused by warm invocations. Path-style S3 addressing when an
// emulator endpoint is configured (local mode).
const s3 = new S3Client({ ...sdkRetryConfig(), forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });
const ddb = new DynamoDBClient(sdkRetryConfig());

export const handler = defineJob({ parsePayload: (raw) => parseCleanupPayload(raw) }, (ctx) => runCleanup(ctx, { s3, ddb }));
