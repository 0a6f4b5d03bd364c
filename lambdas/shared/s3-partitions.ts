/**
 * Partitions of a bucket's key space for fan-out jobs: the key prefixes `depth` levels of `/` below
 * each root prefix (e.g. `logs/<service>/yyyy/mm/dd/` under `logs/` at depth 4), found by listing
 * each level above them once with the delimiter `/`.
 *
 * Objects that sit directly at a level above the partitions are not lost: that level becomes a
 * "shallow" partition, to be listed with the delimiter (only the objects directly under it). Every
 * partition starts with its root, and no two partitions list the same key.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** One partition of a root prefix. */
export interface PrefixPartition {
  /** Unique among the partitions of one bucket: `prefix:<prefix>` or `shallow:<prefix>`. */
  readonly key: string;
  /** Every key of the partition starts with this. */
  readonly prefix: string;
  /** Only the objects directly under `prefix` (list with the delimiter `/`). */
  readonly shallow?: boolean;
}

/** The prefixes directly below `prefix`, and whether objects sit at its own level. */
async function listLevel(s3: S3Client, bucket: string, prefix: string): Promise<{ objects: number; prefixes: string[] }> {
  let token: string | undefined;
  let objects = 0;
  const prefixes: string[] = [];
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
    objects += page.Contents?.length ?? 0;
    // A common prefix always extends the listed one; the guard keeps the promise explicit.
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix && p.Prefix.startsWith(prefix) && p.Prefix !== prefix) prefixes.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return { objects, prefixes };
}

/**
 * The partitions of each root, `depth` levels of `/` below it (depth 0: the root itself), streamed
 * as they are found. A root with nothing under it is one partition (listed, and found empty).
 */
export async function* discoverPartitions(s3: S3Client, bucket: string, roots: readonly string[], depth: number): AsyncGenerator<PrefixPartition> {
  for (const root of roots) {
    let found = 0;
    let level = [root];
    for (let d = 0; d < depth && level.length > 0; d++) {
      const next: string[] = [];
      for (const prefix of level) {
        const { objects, prefixes } = await listLevel(s3, bucket, prefix);
        next.push(...prefixes);
        if (objects > 0) {
          found++;
          yield { key: `shallow:${prefix}`, prefix, shallow: true };
        }
      }
      level = next;
    }
    for (const prefix of level) {
      found++;
      yield { key: `prefix:${prefix}`, prefix };
    }
    if (found === 0) yield { key: `prefix:${root}`, prefix: root };
  }
}
