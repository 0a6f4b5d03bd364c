/**
 * The fan-out manifest: the items a plan returned that are still to do, as the JSON array the
 * Distributed Map's `S3JsonItemReader` reads. Checking the items is pure; reading and writing the
 * manifest is a thin S3 adapter that receives its client.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sdkRetryConfig } from '../shared/retry';
import { FanOutError } from './errors';

/** An item of a fan-out job: a partition of the work, named by a key unique in the run. */
export interface FanOutItem {
  /** Unique in the run, at most {@link MAX_ITEM_KEY_LENGTH} characters: the item's done marker is keyed by it. */
  readonly key: string;
}

/** Longest item key (the done marker's sort key, `PART#<slot>#<key>`, stays far below DynamoDB's 1,024 bytes). */
export const MAX_ITEM_KEY_LENGTH = 512;

/** Largest JSON form of one item's result kept on its done marker (DynamoDB items are at most 400 KB). */
export const MAX_ITEM_RESULT_BYTES = 64 * 1024;

/**
 * Collects the items a plan returned, checking each (an object with a non-empty unique string key of
 * at most 512 characters); throws `FanOutError` naming the job, the item's position and what came.
 */
export async function collectItems<I extends FanOutItem>(job: string, items: Iterable<I> | AsyncIterable<I>): Promise<I[]> {
  if (items === null || items === undefined || (typeof (items as Iterable<I>)[Symbol.iterator] !== 'function' && typeof (items as AsyncIterable<I>)[Symbol.asyncIterator] !== 'function')) {
    throw new FanOutError(`job '${job}': plan: expected an array or (async) iterable of items, got ${items === null ? 'null' : typeof items}`, job);
  }
  const out: I[] = [];
  const seen = new Set<string>();
  for await (const item of items as AsyncIterable<I>) {
    const index = out.length;
    const key = (item as { key?: unknown } | null)?.key;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_ITEM_KEY_LENGTH) {
      throw new FanOutError(
        `job '${job}': plan: item ${index}: expected an object with a 'key' string of 1-${MAX_ITEM_KEY_LENGTH} characters, got ${typeof key === 'string' ? `a key of ${key.length} characters` : JSON.stringify(key) ?? 'no key'}`,
        job,
      );
    }
    if (seen.has(key)) throw new FanOutError(`job '${job}': plan: item ${index}: key '${key}' appears twice; item keys must be unique in a run`, job);
    seen.add(key);
    out.push(item);
  }
  if (out.length === 0) {
    throw new FanOutError(`job '${job}': plan: returned no items; a fan-out plan must return at least one partition`, job);
  }
  return out;
}

/** The JSON form of an item's result if it fits on its done marker; throws `FanOutError` otherwise. */
export function itemResult(job: string, key: string, result: unknown): unknown {
  if (result === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch (cause) {
    throw new FanOutError(`job '${job}': work: the result of item '${key}' is not JSON-serialisable`, job, { cause });
  }
  if (json === undefined) return undefined;
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_ITEM_RESULT_BYTES) {
    throw new FanOutError(`job '${job}': work: the result of item '${key}' is ${bytes} bytes of JSON; at most ${MAX_ITEM_RESULT_BYTES} are kept per item`, job);
  }
  return JSON.parse(json);
}

/** Reads and writes manifests (JSON arrays of items) in S3. */
export interface ManifestStore {
  put(bucket: string, key: string, items: readonly FanOutItem[]): Promise<void>;
  get(bucket: string, key: string): Promise<FanOutItem[]>;
}

/** The S3 manifest store. */
export class S3ManifestStore implements ManifestStore {
  constructor(private readonly s3: S3Client) {}

  async put(bucket: string, key: string, items: readonly FanOutItem[]): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(items), ContentType: 'application/json' }));
  }

  async get(bucket: string, key: string): Promise<FanOutItem[]> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await out.Body?.transformToString('utf-8')) ?? '';
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) throw new TypeError(`manifest s3://${bucket}/${key}: expected a JSON array`);
    return parsed as FanOutItem[];
  }
}

let sharedS3: S3Client | undefined;

/** The module's S3 client, created on first use (retries per `sdkRetryConfig`). */
export function defaultS3Client(): S3Client {
  sharedS3 ??= new S3Client(sdkRetryConfig());
  return sharedS3;
}
