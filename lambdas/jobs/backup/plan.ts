/**
 * The backup job's pure rules: where things go in the backup bucket, whether an object needs
 * copying, and how a large object is split into UploadPartCopy ranges. No SDK here.
 */

/** Objects above this size cannot be copied by one CopyObject (5 GiB). */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
/** S3's part limits. */
export const MIN_PART_BYTES = 5 * 1024 ** 2;
export const MAX_PART_BYTES = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;

/** User metadata recording the source ETag when the copy's own ETag differs from it. */
export const SOURCE_ETAG_METADATA = 'backup-source-etag';

/** The slot's UTC date, `YYYY-MM-DD`. */
export const slotDate = (slot: Date): string => slot.toISOString().slice(0, 10);

/** Where the copy of `bucket`/`key` lives in the backup bucket. */
export const destinationKey = (bucket: string, key: string): string => `s3/${bucket}/${key}`;

/** The S3 prefix an export of `table` for `date` is written under. */
export const exportPrefix = (table: string, date: string): string => `dynamodb/${table}/${date}`;

/** The manifest of the backup of `date`, and the pointer to the latest one. */
export const manifestKey = (date: string): string => `manifests/${date}.json`;
export const LATEST_MANIFEST_KEY = 'manifests/latest.json';

/** A listed object reduced to what the decision needs. */
export interface ObjectVersionInfo {
  readonly size: number;
  readonly etag: string;
}

/**
 * `unchanged`: the copy has the source's size and ETag. `verify`: same size, different ETag (a
 * multipart or KMS-encrypted object, whose copy gets its own ETag): compare the source ETag recorded
 * on the copy. `copy`: missing or different.
 */
export type CopyDecision = 'copy' | 'unchanged' | 'verify';

export function decideCopy(source: ObjectVersionInfo, copy: ObjectVersionInfo | undefined): CopyDecision {
  if (!copy || copy.size !== source.size) return 'copy';
  return copy.etag === source.etag ? 'unchanged' : 'verify';
}

/** True when the ETag is a multipart ETag (`"<md5>-<parts>"`): a copy of it never has the same ETag. */
export const isMultipartEtag = (etag: string): boolean => /-\d+"?$/.test(etag);

/** Strips the quotes S3 puts around ETags. */
export const bareEtag = (etag: string): string => etag.replace(/^"|"$/g, '');

/** One UploadPartCopy range, inclusive, as `CopySourceRange` wants it. */
export interface PartRange {
  readonly partNumber: number;
  readonly range: string;
}

/**
 * Splits `size` bytes into parts of `preferredPartBytes` (raised when 10,000 parts would not be
 * enough); every part but the last has the same size.
 */
export function planParts(size: number, preferredPartBytes = 512 * 1024 ** 2): PartRange[] {
  const partBytes = Math.min(MAX_PART_BYTES, Math.max(MIN_PART_BYTES, preferredPartBytes, Math.ceil(size / MAX_PARTS)));
  const parts: PartRange[] = [];
  for (let start = 0, n = 1; start < size; start += partBytes, n++) {
    parts.push({ partNumber: n, range: `bytes=${start}-${Math.min(size, start + partBytes) - 1}` });
  }
  return parts;
}

/** Orders keys as S3 lists them (by UTF-8 bytes), which is not always JavaScript's UTF-16 order. */
export function compareKeys(a: string, b: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
