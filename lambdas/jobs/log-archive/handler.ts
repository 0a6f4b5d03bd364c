/**
 * Nightly log archive: bundles the previous UTC day's log objects (`logs/<service>/yyyy/mm/dd/...`)
 * into verified archive parts under `archive/`, then deletes the originals. See `archive.ts` for the
 * logic and `lambdas/shared/log-archive-format.ts` for the format.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { defineJob } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import { runLogArchive } from './archive';
import { parseLogArchivePayload } from './payload';

export {
  runLogArchive,
  verifyArchive,
  ArchiveVerificationError,
  LogArchiveIncompleteError,
  type LogArchiveResult,
  type LogArchiveCheckpoint,
  type LogArchiveDeps,
} from './archive';
export { parseLogArchivePayload, LogArchivePayloadError, type LogArchivePayload } from './payload';

// Created once per container, reused by warm invocations. Path-style S3 addressing when an
// emulator endpoint is configured (local mode).
const s3 = new S3Client({ ...sdkRetryConfig(), forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });

export const handler = defineJob({ parsePayload: (raw) => parseLogArchivePayload(raw) }, (ctx) => runLogArchive(ctx, { s3 }));
