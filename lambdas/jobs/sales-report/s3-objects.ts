/**
 * The S3 calls of the sales reports: a multipart upload driven part by part (so the report holds at
 * most one part in memory and can continue in another invocation), and small JSON objects. Thin
 * adapters: each receives its client. Throttling (503 SlowDown) is retried by the client.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ScheduledJobsError } from '../../runtime';

/** A part S3 has stored; the list of them completes the upload. */
export interface UploadedPart {
  readonly PartNumber: number;
  readonly ETag: string;
}

/** S3 refused or lost an upload in a way the report cannot recover from by itself. */
export class ReportUploadError extends ScheduledJobsError {}

export async function startUpload(s3: S3Client, bucket: string, key: string, contentType: string): Promise<string> {
  const out = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }));
  if (!out.UploadId) throw new ReportUploadError(`s3://${bucket}/${key}: CreateMultipartUpload returned no UploadId`);
  return out.UploadId;
}

export async function uploadPart(
  s3: S3Client,
  target: { bucket: string; key: string; uploadId: string },
  partNumber: number,
  body: Buffer,
): Promise<UploadedPart> {
  const out = await s3.send(
    new UploadPartCommand({
      Bucket: target.bucket,
      Key: target.key,
      UploadId: target.uploadId,
      PartNumber: partNumber,
      Body: body,
      ContentLength: body.length,
    }),
  );
  if (!out.ETag) throw new ReportUploadError(`s3://${target.bucket}/${target.key}: UploadPart ${partNumber} returned no ETag`);
  return { PartNumber: partNumber, ETag: out.ETag };
}

export async function completeUpload(
  s3: S3Client,
  target: { bucket: string; key: string; uploadId: string },
  parts: readonly UploadedPart[],
): Promise<void> {
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: target.bucket,
      Key: target.key,
      UploadId: target.uploadId,
      MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) },
    }),
  );
}

export async function abortUpload(s3: S3Client, target: { bucket: string; key: string; uploadId: string }): Promise<void> {
  await s3.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: target.uploadId }));
}

export async function putJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(value, null, 2),
      ContentType: 'application/json',
    }),
  );
}

/** Reads a JSON object; `undefined` when the key does not exist. */
export async function getJson<T>(s3: S3Client, bucket: string, key: string): Promise<T | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!out.Body) return undefined;
    return JSON.parse(await out.Body.transformToString()) as T;
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** True for the error S3 returns when an upload id is unknown (aborted, completed or expired). */
export function isNoSuchUpload(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'NoSuchUpload';
}
