/**
 * Server-side copies for the backup job: CopyObject up to 5 GiB, UploadPartCopy above; every copy
 * is pinned to the listed version with `CopySourceIfMatch`, and a copy whose ETag cannot equal the
 * source's (multipart or KMS) records the source ETag in its metadata so the next run can tell it
 * is unchanged without copying again.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  S3ServiceException,
  UploadPartCopyCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mapWithConcurrency } from '../../shared/concurrency';
import { bareEtag, isMultipartEtag, MAX_SINGLE_COPY_BYTES, planParts, SOURCE_ETAG_METADATA } from './plan';

/** The object to copy, as listed. */
export interface CopySource {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

export interface CopyOptions {
  /**
   * Above this size, copy with UploadPartCopy.
   * @default 5 GiB
   */
  readonly multipartThresholdBytes?: number;
  /**
   * Preferred part size of a multipart copy.
   * @default 512 MiB
   */
  readonly partSizeBytes?: number;
  /**
   * UploadPartCopy requests in flight for one object.
   * @default 4
   */
  readonly partConcurrency?: number;
}

export interface CopyOutcome {
  /** Bytes of the version copied. */
  readonly bytes: number;
  /** True when the source had changed since it was listed and its newer version was copied. */
  readonly changedSinceListing: boolean;
}

/** The `CopySource` parameter: bucket and URL-encoded key. */
export const copySourceOf = (bucket: string, key: string): string =>
  `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`;

const isPreconditionFailed = (error: unknown) =>
  error instanceof S3ServiceException
    ? error.$metadata.httpStatusCode === 412 || error.name === 'PreconditionFailed'
    : (error as { name?: string })?.name === 'PreconditionFailed';

/** Properties a copy with `MetadataDirective: REPLACE` must restate. */
function propertiesOf(head: HeadObjectCommandOutput, etag: string) {
  return {
    ContentType: head.ContentType,
    ContentEncoding: head.ContentEncoding,
    ContentDisposition: head.ContentDisposition,
    ContentLanguage: head.ContentLanguage,
    CacheControl: head.CacheControl,
    Expires: head.Expires,
    Metadata: { ...(head.Metadata ?? {}), [SOURCE_ETAG_METADATA]: bareEtag(etag) },
  };
}

/**
 * Copies `source` to `destinationBucket`/`destinationKey`. If the source changed after it was
 * listed (412 on `CopySourceIfMatch`), copies its current version instead.
 */
export async function copyObject(
  s3: S3Client,
  source: CopySource,
  destinationBucket: string,
  destinationKey: string,
  options: CopyOptions = {},
): Promise<CopyOutcome> {
  try {
    await copyVersion(s3, source, destinationBucket, destinationKey, options);
    return { bytes: source.size, changedSinceListing: false };
  } catch (error) {
    if (!isPreconditionFailed(error)) throw error;
    const head = await s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: source.key }));
    const current = { ...source, etag: head.ETag ?? '', size: head.ContentLength ?? 0 };
    await copyVersion(s3, current, destinationBucket, destinationKey, options);
    return { bytes: current.size, changedSinceListing: true };
  }
}

async function copyVersion(s3: S3Client, source: CopySource, bucket: string, key: string, options: CopyOptions): Promise<void> {
  const threshold = options.multipartThresholdBytes ?? MAX_SINGLE_COPY_BYTES;
  if (source.size > threshold) return multipartCopy(s3, source, bucket, key, options);
  const CopySource = copySourceOf(source.bucket, source.key);
  if (!isMultipartEtag(source.etag)) {
    const copied = await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource, CopySourceIfMatch: source.etag, MetadataDirective: 'COPY' }),
    );
    // Same ETag (the common case, SSE-S3 or none): the listing alone will show it unchanged.
    if (copied.CopyObjectResult?.ETag === undefined || copied.CopyObjectResult.ETag === source.etag) return;
  }
  // The copy's ETag differs from the source's: restate the properties and record the source ETag.
  const head = await s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: source.key, IfMatch: source.etag }));
  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: key,
      CopySource,
      CopySourceIfMatch: source.etag,
      MetadataDirective: 'REPLACE',
      ...propertiesOf(head, source.etag),
    }),
  );
}

async function multipartCopy(s3: S3Client, source: CopySource, bucket: string, key: string, options: CopyOptions): Promise<void> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: source.key, IfMatch: source.etag }));
  const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...propertiesOf(head, source.etag) }));
  const UploadId = created.UploadId;
  const CopySource = copySourceOf(source.bucket, source.key);
  try {
    const parts = await mapWithConcurrency(planParts(source.size, options.partSizeBytes), options.partConcurrency ?? 4, async (part) => {
      const response = await s3.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber: part.partNumber,
          CopySource,
          CopySourceRange: part.range,
          CopySourceIfMatch: source.etag,
        }),
      );
      return { PartNumber: part.partNumber, ETag: response.CopyPartResult?.ETag };
    });
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    try {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
    } catch {
      // The copy's own error matters more; an upload left behind is removed by the bucket's
      // abort-incomplete-multipart-upload lifecycle rule.
    }
    throw error;
  }
}

/** Reads the source ETag recorded on a copy (undefined when the copy has none or is gone). */
export async function recordedSourceEtag(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata?.[SOURCE_ETAG_METADATA];
  } catch (error) {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return undefined;
    throw error;
  }
}
