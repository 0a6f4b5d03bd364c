/**
 * DeleteObjects in batches of at most 1,000 keys (`Quiet: true`, so S3 answers only the failures),
 * retrying the keys S3 reports in `Errors` with exponential backoff and full jitter.
 */
import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { retryRemaining, type BackoffOptions } from './retry';

/** S3's limit of keys in one DeleteObjects request. */
export const MAX_DELETE_KEYS = 1000;

/** A key S3 still refused to delete after the last attempt. */
export interface FailedDelete {
  readonly key: string;
  readonly code: string;
  readonly message: string;
}

export interface DeleteKeysResult {
  /** Keys S3 confirmed deleted (all sent keys minus the failures). */
  readonly deleted: number;
  /** Keys that still failed after every attempt. */
  readonly failed: FailedDelete[];
  /** DeleteObjects requests sent (retries of failed keys included). */
  readonly requests: number;
}

/**
 * Deletes `keys` (any number) from `bucket`, 1,000 keys per request. Keys reported in `Errors` are
 * retried with backoff; those that still fail are returned, never dropped.
 */
export async function deleteKeys(
  s3: S3Client,
  bucket: string,
  keys: readonly string[],
  backoff: BackoffOptions = {},
): Promise<DeleteKeysResult> {
  let requests = 0;
  const failed: FailedDelete[] = [];
  for (let i = 0; i < keys.length; i += MAX_DELETE_KEYS) {
    const batch = keys.slice(i, i + MAX_DELETE_KEYS);
    const { remaining } = await retryRemaining<string, FailedDelete>(
      batch,
      async (toSend) => {
        requests++;
        const response = await s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: toSend.map((Key) => ({ Key })), Quiet: true } }),
        );
        const sent = new Set(toSend);
        return (response.Errors ?? [])
          .filter((e) => e.Key !== undefined && sent.has(e.Key))
          .map((e) => ({ key: e.Key as string, code: e.Code ?? 'Unknown', message: e.Message ?? '' }));
      },
      (failure) => failure.key,
      backoff,
    );
    failed.push(...remaining);
  }
  return { deleted: keys.length - failed.length, failed, requests };
}
