/**
 * The cleanup job's payload: its shape, defaults and validation (before any side effect).
 */
import { compileKeyDatePattern, KeyDatePatternError } from './rules';
import { ScheduledJobsError } from '../../runtime';

/** How dates are stored in a table's date attribute. */
export type DateFormat = 'iso8601' | 'epoch-seconds' | 'epoch-millis';

/** A DynamoDB table without TTL whose old items the job deletes. */
export interface TableCleanupTarget {
  /** The table. */
  readonly tableName: string;
  /** The index whose sort key is the date (absent: the table's own key schema is queried). */
  readonly indexName?: string;
  /** The partition key of that index (or table) and the one value to query, e.g. `{ name: 'type', value: 'event' }`. */
  readonly partitionKey: { readonly name: string; readonly value: string | number };
  /** The sort-key attribute holding the date. */
  readonly dateAttribute: string;
  /**
   * How the date is stored. ISO strings must be full UTC instants (`2026-10-01T12:00:00.000Z`) so
   * they compare as strings.
   * @default 'iso8601'
   */
  readonly dateFormat?: DateFormat;
}

/** The cleanup job's payload. */
export interface CleanupPayload {
  /** Objects (and items) strictly older than this many days before the slot are deleted. */
  readonly olderThanDays: number;
  /** Key prefixes to clean, each non-empty; none may contain another. */
  readonly prefixes: string[];
  /**
   * The bucket.
   * @default the `LOGS_BUCKET_NAME` environment variable
   */
  readonly bucket?: string;
  /**
   * Judge age by a date in the key instead of LastModified: a regular expression with named groups
   * `year`, `month`, `day`, `hour` (see `compileKeyDatePattern`). Keys that do not match are kept.
   * @default undefined (LastModified)
   */
  readonly keyDatePattern?: string;
  /**
   * Report what would be deleted (count, bytes, sample keys) without deleting anything.
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * How many keys the result lists as a sample.
   * @default 10
   */
  readonly sampleSize?: number;
  /**
   * Tables without TTL to clean by date. Prefer DynamoDB TTL where you can: it deletes for free.
   * @default []
   */
  readonly tables?: TableCleanupTarget[];
}

/** The payload (or the environment it depends on) is invalid. */
export class CleanupPayloadError extends ScheduledJobsError {}

const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates `raw` and returns the payload with its defaults applied.
 *
 * @param job the job name used in messages.
 * @param env where `LOGS_BUCKET_NAME` is read.
 * @throws CleanupPayloadError naming the job, the field, what was expected and what came.
 */
export function parseCleanupPayload(
  raw: unknown,
  job: string = process.env.JOB_NAME ?? 'cleanup',
  env: Record<string, string | undefined> = process.env,
): CleanupPayload & { bucket: string; dryRun: boolean; sampleSize: number; tables: TableCleanupTarget[] } {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new CleanupPayloadError(`job '${job}': payload.${field} must be ${expected} (got ${show(got)})`);
  };
  if (!isRecord(raw)) throw new CleanupPayloadError(`job '${job}': payload must be an object (got ${show(raw)})`);
  const known = ['olderThanDays', 'prefixes', 'bucket', 'keyDatePattern', 'dryRun', 'sampleSize', 'tables'];
  for (const field of Object.keys(raw)) {
    if (!known.includes(field)) fail(field, `absent (known fields: ${known.join(', ')})`, raw[field]);
  }
  const { olderThanDays, prefixes, keyDatePattern, dryRun, sampleSize, tables } = raw;
  if (typeof olderThanDays !== 'number' || !Number.isInteger(olderThanDays) || olderThanDays < 1) {
    fail('olderThanDays', 'a positive integer', olderThanDays);
  }
  if (!Array.isArray(prefixes) || prefixes.length === 0) fail('prefixes', 'a non-empty array of key prefixes', prefixes);
  const list = prefixes as unknown[];
  list.forEach((p, i) => {
    if (typeof p !== 'string' || p.length === 0) fail(`prefixes[${i}]`, 'a non-empty string (an empty prefix would clean the whole bucket)', p);
  });
  const strings = list as string[];
  strings.forEach((a, i) =>
    strings.forEach((b, j) => {
      if (i !== j && b.startsWith(a)) fail(`prefixes[${j}]`, `a prefix not inside prefixes[${i}] ${show(a)}`, b);
    }),
  );
  if (keyDatePattern !== undefined) {
    if (typeof keyDatePattern !== 'string') fail('keyDatePattern', 'a regular expression string', keyDatePattern);
    try {
      compileKeyDatePattern(keyDatePattern as string);
    } catch (error) {
      if (!(error instanceof KeyDatePatternError)) throw error;
      throw new CleanupPayloadError(`job '${job}': payload.keyDatePattern ${error.message} (got ${show(keyDatePattern)})`, { cause: error });
    }
  }
  if (dryRun !== undefined && typeof dryRun !== 'boolean') fail('dryRun', 'a boolean', dryRun);
  if (sampleSize !== undefined && (typeof sampleSize !== 'number' || !Number.isInteger(sampleSize) || sampleSize < 0 || sampleSize > 100)) {
    fail('sampleSize', 'an integer from 0 to 100', sampleSize);
  }
  const bucket = raw.bucket ?? env.LOGS_BUCKET_NAME;
  if (typeof bucket !== 'string' || bucket.length === 0) {
    fail('bucket', 'a bucket name (or set the LOGS_BUCKET_NAME environment variable)', bucket);
  }
  const parsedTables: TableCleanupTarget[] = [];
  if (tables !== undefined) {
    if (!Array.isArray(tables)) fail('tables', 'an array', tables);
    (tables as unknown[]).forEach((t, i) => {
      const at = `tables[${i}]`;
      if (!isRecord(t)) fail(at, 'an object', t);
      const target = t as Record<string, unknown>;
      if (typeof target.tableName !== 'string' || target.tableName === '') fail(`${at}.tableName`, 'a table name', target.tableName);
      if (target.indexName !== undefined && (typeof target.indexName !== 'string' || target.indexName === '')) {
        fail(`${at}.indexName`, 'an index name', target.indexName);
      }
      const pk = target.partitionKey;
      if (!isRecord(pk) || typeof pk.name !== 'string' || pk.name === '' || (typeof pk.value !== 'string' && typeof pk.value !== 'number')) {
        fail(`${at}.partitionKey`, "{ name: string, value: string | number }", pk);
      }
      if (typeof target.dateAttribute !== 'string' || target.dateAttribute === '') fail(`${at}.dateAttribute`, 'an attribute name', target.dateAttribute);
      const formats: DateFormat[] = ['iso8601', 'epoch-seconds', 'epoch-millis'];
      if (target.dateFormat !== undefined && !formats.includes(target.dateFormat as DateFormat)) {
        fail(`${at}.dateFormat`, `one of ${formats.join(', ')}`, target.dateFormat);
      }
      parsedTables.push(target as unknown as TableCleanupTarget);
    });
  }
  return {
    olderThanDays: olderThanDays as number,
    prefixes: strings,
    bucket: bucket as string,
    keyDatePattern: keyDatePattern as string | undefined,
    dryRun: (dryRun as boolean | undefined) ?? false,
    sampleSize: (sampleSize as number | undefined) ?? 10,
    tables: parsedTables,
  };
}
