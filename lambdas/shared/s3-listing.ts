/**
 * ListObjectsV2 as an async iterator of pages: one request per page of up to 1,000 keys, resumable
 * from a continuation token or a `startAfter` key.
 */
import { ListObjectsV2Command, type S3Client, type _Object } from '@aws-sdk/client-s3';
import { ScheduledJobsError } from '../../lib/contract';

/** One listed object, with the fields jobs need. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
  /** The ETag as S3 returns it, quotes included (`"9b2c..."`). */
  readonly etag: string;
}

/** One page of a listing. */
export interface ListedPage {
  readonly objects: ListedObject[];
  /** Token for the page after this one; absent on the last page. */
  readonly nextContinuationToken?: string;
}

export interface ListPagesInput {
  readonly bucket: string;
  readonly prefix: string;
  /** Resume from a token returned with an earlier page. */
  readonly continuationToken?: string;
  /** Start listing after this key (ignored when `continuationToken` is set). */
  readonly startAfter?: string;
  /**
   * List only the objects directly under `prefix` up to this delimiter (usually `/`): the deeper
   * levels, which S3 returns as common prefixes, are left out.
   * @default undefined (every object under the prefix)
   */
  readonly delimiter?: string;
  /**
   * Keys per page (S3 returns at most 1,000).
   * @default 1000
   */
  readonly pageSize?: number;
}

/** The listing returned an object without a key or a date (never seen from S3; guards the types). */
export class MalformedListingError extends ScheduledJobsError {
  constructor(message: string) {
    super(message);
  }
}

function toListed(bucket: string, object: _Object): ListedObject {
  if (object.Key === undefined || object.LastModified === undefined) {
    throw new MalformedListingError(`ListObjectsV2 on bucket '${bucket}' returned an object without Key or LastModified`);
  }
  return { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified, etag: object.ETag ?? '' };
}

/** Yields the pages of `bucket`/`prefix` in key order. */
export async function* listPages(s3: S3Client, input: ListPagesInput): AsyncGenerator<ListedPage> {
  let token = input.continuationToken;
  let first = true;
  do {
    const response = await s3.send(
      new ListObjectsV2Command({
        Bucket: input.bucket,
        Prefix: input.prefix,
        MaxKeys: input.pageSize ?? 1000,
        ContinuationToken: token,
        StartAfter: first && token === undefined ? input.startAfter : undefined,
        Delimiter: input.delimiter,
      }),
    );
    first = false;
    token = response.IsTruncated ? response.NextContinuationToken : undefined;
    yield { objects: (response.Contents ?? []).map((o) => toListed(input.bucket, o)), nextContinuationToken: token };
  } while (token !== undefined);
}

/** Yields the objects of `bucket`/`prefix` one by one, in key order. */
export async function* listObjects(s3: S3Client, input: ListPagesInput): AsyncGenerator<ListedObject> {
  for await (const page of listPages(s3, input)) yield* page.objects;
}
