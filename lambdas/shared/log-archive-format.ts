/**
 * The log archive format, shared by the nightly archive job and `cdk-jobs restore-log`. Pure: no SDK.
 *
 * An archive (`archive/<service>/yyyy/mm/dd/part-NNNNN.gz`) is one gzip stream of the originals'
 * bytes concatenated in key order: `gunzip` on it yields them one after another, and small log
 * lines compress as a whole (a gzip member per object would cost ~20 bytes of framing each, more
 * than a small log object saves). One original is read back by decompressing the archive (at most
 * `maxPartBytes` of the job) and taking `length` bytes at `offset`, checked against its SHA-256.
 *
 * Its index (`part-NNNNN.index.json`, beside it) is JSON: the archive's size and SHA-256, the
 * uncompressed size, and per original its key, offset and length in the uncompressed stream and
 * its SHA-256 (hex).
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ScheduledJobsError } from '../../lib/contract';

/** The version written in every index. */
export const ARCHIVE_FORMAT_VERSION = 1;
/** Where the originals live: `logs/<service>/yyyy/mm/dd/<file>`. */
export const LOGS_PREFIX = 'logs/';
/** Where the archives live; the weekly cleanup never touches it. */
export const ARCHIVE_PREFIX = 'archive/';

/**
 * Storage classes an archive object may be written with: the job's payload and the example
 * construct check against this one list.
 */
export const ARCHIVE_STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'] as const;
export type ArchiveStorageClass = (typeof ARCHIVE_STORAGE_CLASSES)[number];

/** A malformed index, archive member or key. */
export class LogArchiveFormatError extends ScheduledJobsError {}

/** One original as it goes into an archive. */
export interface ArchiveInput {
  readonly key: string;
  readonly body: Uint8Array;
}

/** One original as the index describes it. */
export interface ArchiveIndexEntry {
  readonly key: string;
  /** Byte offset of the original in the uncompressed stream. */
  readonly offset: number;
  /** Byte length of the original. */
  readonly length: number;
  /** SHA-256 of the original, hex. */
  readonly sha256: string;
}

/** The index object of one archive part. */
export interface ArchiveIndex {
  readonly version: number;
  readonly service: string;
  /** The UTC day, `yyyy-mm-dd`. */
  readonly day: string;
  readonly part: number;
  readonly archiveKey: string;
  readonly archiveSize: number;
  /** SHA-256 of the archive object, hex. */
  readonly archiveSha256: string;
  /** Bytes of the uncompressed stream (the originals' total). */
  readonly uncompressedSize: number;
  readonly entries: ArchiveIndexEntry[];
}

/** A packed archive: its bytes and its index. */
export interface PackedArchive {
  readonly body: Buffer;
  readonly index: ArchiveIndex;
}

/** SHA-256, hex. */
export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
/** SHA-256, base64 (the form of S3's `ChecksumSHA256`). */
export const sha256Base64 = (data: Uint8Array): string => createHash('sha256').update(data).digest('base64');
/** A hex SHA-256 in base64. */
export const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SERVICE_RE = /^[^/]+$/;

/** True when `day` is a real calendar day written `yyyy-mm-dd`. */
export function isDay(day: string): boolean {
  const m = DAY_RE.exec(day);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === day;
}

/** The UTC day before the slot's day, `yyyy-mm-dd` (a slot at 2026-12-01T00:00Z archives 2026-11-30). */
export function previousUtcDay(slot: Date): string {
  const midnight = Date.UTC(slot.getUTCFullYear(), slot.getUTCMonth(), slot.getUTCDate());
  return new Date(midnight - 86_400_000).toISOString().slice(0, 10);
}

const path = (day: string) => day.replace(/-/g, '/');

function checkServiceDay(service: string, day: string): void {
  if (!SERVICE_RE.test(service)) throw new LogArchiveFormatError(`service must be a non-empty name without '/' (got ${JSON.stringify(service)})`);
  if (!isDay(day)) throw new LogArchiveFormatError(`day must be a calendar day yyyy-mm-dd (got ${JSON.stringify(day)})`);
}

/** `logs/<service>/yyyy/mm/dd/`: the originals of one service and day. */
export function logsDayPrefix(service: string, day: string): string {
  checkServiceDay(service, day);
  return `${LOGS_PREFIX}${service}/${path(day)}/`;
}

/** `archive/<service>/yyyy/mm/dd/`: the archives of one service and day. */
export function archiveDayPrefix(service: string, day: string): string {
  checkServiceDay(service, day);
  return `${ARCHIVE_PREFIX}${service}/${path(day)}/`;
}

/** `archive/<service>/yyyy/mm/dd/part-NNNNN.gz`: deterministic per (day, service, part). */
export function archiveKey(service: string, day: string, part: number): string {
  if (!Number.isInteger(part) || part < 0 || part > 99_999) throw new LogArchiveFormatError(`part must be an integer from 0 to 99999 (got ${part})`);
  return `${archiveDayPrefix(service, day)}part-${String(part).padStart(5, '0')}.gz`;
}

/** The index key of an archive: `...part-NNNNN.index.json`. */
export function indexKeyOf(archive: string): string {
  return archive.replace(/\.gz$/, '.index.json');
}

/** The part number of an index key under an archive day prefix, or undefined for another key. */
export function partOfIndexKey(key: string): number | undefined {
  const m = /\/part-(\d{5})\.index\.json$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** The service and day of a log key `logs/<service>/yyyy/mm/dd/<file>`, or undefined. */
export function parseLogKey(key: string): { service: string; day: string } | undefined {
  const m = /^logs\/([^/]+)\/(\d{4})\/(\d{2})\/(\d{2})\/.+/.exec(key);
  if (!m) return undefined;
  const day = `${m[2]}-${m[3]}-${m[4]}`;
  return isDay(day) ? { service: m[1], day } : undefined;
}

/** Packs `inputs` (in the order given) into one archive with its index. */
export function packArchive(service: string, day: string, part: number, inputs: readonly ArchiveInput[]): PackedArchive {
  const key = archiveKey(service, day, part);
  const entries: ArchiveIndexEntry[] = [];
  let offset = 0;
  for (const input of inputs) {
    entries.push({ key: input.key, offset, length: input.body.length, sha256: sha256Hex(input.body) });
    offset += input.body.length;
  }
  const body = gzipSync(Buffer.concat(inputs.map((i) => i.body)));
  return {
    body,
    index: {
      version: ARCHIVE_FORMAT_VERSION,
      service,
      day,
      part,
      archiveKey: key,
      archiveSize: body.length,
      archiveSha256: sha256Hex(body),
      uncompressedSize: offset,
      entries,
    },
  };
}

/**
 * The uncompressed stream of an archive, checked against the index's archive size and SHA-256 and
 * its uncompressed size.
 *
 * @throws LogArchiveFormatError when the archive is not the one the index describes.
 */
export function decompressArchive(index: ArchiveIndex, archive: Uint8Array): Buffer {
  if (archive.length !== index.archiveSize || sha256Hex(archive) !== index.archiveSha256) {
    throw new LogArchiveFormatError(
      `archive '${index.archiveKey}' must be ${index.archiveSize} bytes with SHA-256 ${index.archiveSha256} (got ${archive.length} bytes with ${sha256Hex(archive)})`,
    );
  }
  let stream: Buffer;
  try {
    stream = gunzipSync(archive);
  } catch (error) {
    throw new LogArchiveFormatError(`archive '${index.archiveKey}' is not gzip`, { cause: error });
  }
  if (stream.length !== index.uncompressedSize) {
    throw new LogArchiveFormatError(`archive '${index.archiveKey}' must decompress to ${index.uncompressedSize} bytes (got ${stream.length})`);
  }
  return stream;
}

/**
 * The original bytes of `entry`, taken from the uncompressed stream.
 *
 * @throws LogArchiveFormatError when they do not have the recorded length and SHA-256.
 */
export function unpackEntry(entry: ArchiveIndexEntry, stream: Uint8Array): Buffer {
  const original = Buffer.from(stream.subarray(entry.offset, entry.offset + entry.length));
  if (original.length !== entry.length || sha256Hex(original) !== entry.sha256) {
    throw new LogArchiveFormatError(
      `original '${entry.key}' must be ${entry.length} bytes with SHA-256 ${entry.sha256} (got ${original.length} bytes with ${sha256Hex(original)})`,
    );
  }
  return original;
}

/** Every original of a whole archive, checked against the index. */
export function unpackArchive(index: ArchiveIndex, archive: Uint8Array): ArchiveInput[] {
  const stream = decompressArchive(index, archive);
  return index.entries.map((entry) => ({ key: entry.key, body: unpackEntry(entry, stream) }));
}

/** The index as stored (JSON). */
export function serializeIndex(index: ArchiveIndex): string {
  return JSON.stringify(index);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isHex = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/**
 * Parses and checks a stored index: fields, contiguous originals covering the whole uncompressed stream.
 *
 * @param where names the index in messages (its key).
 * @throws LogArchiveFormatError naming the field, what was expected and what came.
 */
export function parseIndex(text: string, where: string): ArchiveIndex {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new LogArchiveFormatError(`index '${where}': ${field} must be ${expected} (got ${JSON.stringify(got)})`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new LogArchiveFormatError(`index '${where}': must be JSON`, { cause: error });
  }
  if (!isRecord(raw)) return fail('the index', 'an object', raw);
  if (raw.version !== ARCHIVE_FORMAT_VERSION) fail('version', String(ARCHIVE_FORMAT_VERSION), raw.version);
  if (typeof raw.service !== 'string' || !SERVICE_RE.test(raw.service)) fail('service', 'a service name', raw.service);
  if (typeof raw.day !== 'string' || !isDay(raw.day)) fail('day', 'a day yyyy-mm-dd', raw.day);
  if (!isCount(raw.part)) fail('part', 'a part number', raw.part);
  const expectedKey = archiveKey(raw.service as string, raw.day as string, raw.part as number);
  if (raw.archiveKey !== expectedKey) fail('archiveKey', JSON.stringify(expectedKey), raw.archiveKey);
  if (!isCount(raw.archiveSize)) fail('archiveSize', 'a byte count', raw.archiveSize);
  if (!isHex(raw.archiveSha256)) fail('archiveSha256', 'a hex SHA-256', raw.archiveSha256);
  if (!Array.isArray(raw.entries)) return fail('entries', 'an array', raw.entries);
  let offset = 0;
  raw.entries.forEach((e: unknown, i) => {
    if (!isRecord(e)) return fail(`entries[${i}]`, 'an object', e);
    if (typeof e.key !== 'string' || !e.key.startsWith(LOGS_PREFIX)) fail(`entries[${i}].key`, `a key under ${LOGS_PREFIX}`, e.key);
    if (e.offset !== offset) fail(`entries[${i}].offset`, `${offset} (originals are contiguous)`, e.offset);
    if (!isCount(e.length)) fail(`entries[${i}].length`, 'a byte count', e.length);
    if (!isHex(e.sha256)) fail(`entries[${i}].sha256`, 'a hex SHA-256', e.sha256);
    offset += e.length as number;
  });
  if (offset !== raw.uncompressedSize) fail('uncompressedSize', `${offset} (the originals' total)`, raw.uncompressedSize);
  return raw as unknown as ArchiveIndex;
}
