/**
 * The backup job's payload: its shape, defaults and validation (before any side effect).
 */
import { ScheduledJobsError } from '../../runtime';

/** An S3 location to back up. */
export interface BackupSource {
  readonly bucket: string;
  /**
   * Only keys under this prefix.
   * @default '' (the whole bucket)
   */
  readonly prefix?: string;
}

/** The backup job's payload. */
export interface BackupPayload {
  /**
   * DynamoDB tables exported with ExportTableToPointInTime (point-in-time recovery must be on).
   * @default []
   */
  readonly tables?: string[];
  /**
   * S3 locations copied server-side, incrementally, to `s3/<bucket>/<key>` in the backup bucket.
   * @default []
   */
  readonly sources?: BackupSource[];
  /**
   * The backup bucket.
   * @default the `BACKUP_BUCKET_NAME` environment variable
   */
  readonly bucket?: string;
  /**
   * Copies in flight at once.
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * Export format.
   * @default 'DYNAMODB_JSON'
   */
  readonly exportFormat?: 'DYNAMODB_JSON' | 'ION';
  /**
   * How long a run waits for its exports to finish before it writes the manifest with them still
   * `IN_PROGRESS` (the next run records their completion). Bounded by the invocation's time.
   * @default 10
   */
  readonly waitForExportsMinutes?: number;
}

export type ParsedBackupPayload = Required<Omit<BackupPayload, 'sources'>> & { sources: Required<BackupSource>[] };

/** The payload (or the environment it depends on) is invalid. */
export class BackupPayloadError extends ScheduledJobsError {}

const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates `raw` and returns the payload with its defaults applied.
 *
 * @throws BackupPayloadError naming the job, the field, what was expected and what came.
 */
export function parseBackupPayload(
  raw: unknown,
  job: string = process.env.JOB_NAME ?? 'backup',
  env: Record<string, string | undefined> = process.env,
): ParsedBackupPayload {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new BackupPayloadError(`job '${job}': payload.${field} must be ${expected} (got ${show(got)})`);
  };
  if (!isRecord(raw)) throw new BackupPayloadError(`job '${job}': payload must be an object (got ${show(raw)})`);
  const known = ['tables', 'sources', 'bucket', 'concurrency', 'exportFormat', 'waitForExportsMinutes'];
  for (const field of Object.keys(raw)) {
    if (!known.includes(field)) fail(field, `absent (known fields: ${known.join(', ')})`, raw[field]);
  }
  const tables = raw.tables ?? [];
  if (!Array.isArray(tables)) fail('tables', 'an array of table names', tables);
  (tables as unknown[]).forEach((t, i) => {
    if (typeof t !== 'string' || !/^[a-zA-Z0-9_.-]{3,255}$/.test(t)) fail(`tables[${i}]`, 'a DynamoDB table name', t);
  });
  const bucket = raw.bucket ?? env.BACKUP_BUCKET_NAME;
  if (typeof bucket !== 'string' || bucket.length === 0) {
    fail('bucket', 'a bucket name (or set the BACKUP_BUCKET_NAME environment variable)', bucket);
  }
  const sources = raw.sources ?? [];
  if (!Array.isArray(sources)) fail('sources', 'an array of { bucket, prefix? }', sources);
  const parsedSources = (sources as unknown[]).map((s, i) => {
    if (!isRecord(s) || typeof s.bucket !== 'string' || s.bucket === '') fail(`sources[${i}]`, '{ bucket: string, prefix?: string }', s);
    const source = s as Record<string, unknown>;
    if (source.prefix !== undefined && typeof source.prefix !== 'string') fail(`sources[${i}].prefix`, 'a string', source.prefix);
    if (source.bucket === bucket) fail(`sources[${i}].bucket`, `another bucket than the backup bucket '${bucket as string}'`, source.bucket);
    return { bucket: source.bucket as string, prefix: (source.prefix as string | undefined) ?? '' };
  });
  if ((tables as unknown[]).length === 0 && parsedSources.length === 0) {
    fail('tables', 'non-empty when payload.sources is empty (nothing to back up)', tables);
  }
  const concurrency = raw.concurrency ?? 16;
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100) {
    fail('concurrency', 'an integer from 1 to 100', concurrency);
  }
  const exportFormat = raw.exportFormat ?? 'DYNAMODB_JSON';
  if (exportFormat !== 'DYNAMODB_JSON' && exportFormat !== 'ION') fail('exportFormat', "'DYNAMODB_JSON' or 'ION'", exportFormat);
  const wait = raw.waitForExportsMinutes ?? 10;
  if (typeof wait !== 'number' || !(wait >= 0 && wait <= 15)) fail('waitForExportsMinutes', 'a number from 0 to 15', wait);
  return {
    tables: tables as string[],
    sources: parsedSources,
    bucket: bucket as string,
    concurrency: concurrency as number,
    exportFormat: exportFormat as 'DYNAMODB_JSON' | 'ION',
    waitForExportsMinutes: wait as number,
  };
}
