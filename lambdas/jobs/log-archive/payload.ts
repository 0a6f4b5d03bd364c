/**
 * The nightly log archive's payload: its shape, defaults and validation (before any side effect).
 */
import { ScheduledJobsError } from '../../runtime';
import { ARCHIVE_STORAGE_CLASSES, type ArchiveStorageClass } from '../../shared/log-archive-format';

export { ARCHIVE_STORAGE_CLASSES, type ArchiveStorageClass };

/** The largest part S3's DeleteObjects removes in one request: a part is deleted in one request. */
export const MAX_OBJECTS_PER_PART = 1000;

/** The nightly log archive's payload. */
export interface LogArchivePayload {
  /**
   * The bucket.
   * @default the `LOGS_BUCKET_NAME` environment variable
   */
  readonly bucket?: string;
  /**
   * Storage class of the archive objects (indexes stay STANDARD so a restore can always read them).
   * @default 'GLACIER_IR'
   */
  readonly storageClass?: ArchiveStorageClass;
  /**
   * Services to archive (`logs/<service>/...`).
   * @default every service found under `logs/`
   */
  readonly services?: string[];
  /**
   * Originals per archive part, 1 to 1,000.
   * @default 1000
   */
  readonly maxObjectsPerPart?: number;
  /**
   * Uncompressed bytes per archive part (what one invocation holds in memory); an original larger
   * than this stays where it is (a lifecycle rule is the tool for big objects).
   * @default 67108864 (64 MiB)
   */
  readonly maxPartBytes?: number;
  /**
   * GetObject requests in flight while a part is read.
   * @default 16
   */
  readonly readConcurrency?: number;
}

export type ParsedLogArchivePayload = Required<Omit<LogArchivePayload, 'services'>> & { readonly services?: string[] };

/** The payload (or the environment it depends on) is invalid. */
export class LogArchivePayloadError extends ScheduledJobsError {}

const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIntIn = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/**
 * Validates `raw` and returns the payload with its defaults applied.
 *
 * @param job the job name used in messages.
 * @param env where `LOGS_BUCKET_NAME` is read.
 * @throws LogArchivePayloadError naming the job, the field, what was expected and what came.
 */
export function parseLogArchivePayload(
  raw: unknown,
  job: string = process.env.JOB_NAME ?? 'nightly-log-archive',
  env: Record<string, string | undefined> = process.env,
): ParsedLogArchivePayload {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new LogArchivePayloadError(`job '${job}': payload.${field} must be ${expected} (got ${show(got)})`);
  };
  const input = raw ?? {};
  if (!isRecord(input)) throw new LogArchivePayloadError(`job '${job}': payload must be an object (got ${show(raw)})`);
  const known = ['bucket', 'storageClass', 'services', 'maxObjectsPerPart', 'maxPartBytes', 'readConcurrency'];
  for (const field of Object.keys(input)) {
    if (!known.includes(field)) fail(field, `absent (known fields: ${known.join(', ')})`, input[field]);
  }
  const bucket = input.bucket ?? env.LOGS_BUCKET_NAME;
  if (typeof bucket !== 'string' || bucket.length === 0) fail('bucket', 'a bucket name (or set the LOGS_BUCKET_NAME environment variable)', bucket);
  const storageClass = input.storageClass ?? 'GLACIER_IR';
  if (!ARCHIVE_STORAGE_CLASSES.includes(storageClass as ArchiveStorageClass)) fail('storageClass', `one of ${ARCHIVE_STORAGE_CLASSES.join(', ')}`, storageClass);
  const services = input.services;
  if (services !== undefined) {
    if (!Array.isArray(services) || services.length === 0) fail('services', 'a non-empty array of service names', services);
    (services as unknown[]).forEach((s, i) => {
      if (typeof s !== 'string' || !/^[^/]+$/.test(s)) fail(`services[${i}]`, "a service name without '/'", s);
    });
  }
  const maxObjectsPerPart = input.maxObjectsPerPart ?? MAX_OBJECTS_PER_PART;
  if (!isIntIn(maxObjectsPerPart, 1, MAX_OBJECTS_PER_PART)) fail('maxObjectsPerPart', `an integer from 1 to ${MAX_OBJECTS_PER_PART}`, maxObjectsPerPart);
  const maxPartBytes = input.maxPartBytes ?? 64 * 1024 * 1024;
  if (!isIntIn(maxPartBytes, 1024, 1024 * 1024 * 1024)) fail('maxPartBytes', 'an integer from 1024 to 1073741824', maxPartBytes);
  const readConcurrency = input.readConcurrency ?? 16;
  if (!isIntIn(readConcurrency, 1, 64)) fail('readConcurrency', 'an integer from 1 to 64', readConcurrency);
  return {
    bucket: bucket as string,
    storageClass: storageClass as ArchiveStorageClass,
    ...(services !== undefined ? { services: [...new Set(services as string[])] } : {}),
    maxObjectsPerPart: maxObjectsPerPart as number,
    maxPartBytes: maxPartBytes as number,
    readConcurrency: readConcurrency as number,
  };
}
