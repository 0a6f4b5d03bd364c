/**
 * The nightly log archive against an in-memory bucket (aws-sdk-client-mock): what it writes, that no
 * original is deleted before the archive holding it is verified, and that interrupted or failing
 * runs lose nothing and duplicate nothing when run again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ArchiveVerificationError, LogArchiveIncompleteError, runLogArchive, type LogArchiveResult } from '../../../../lambdas/jobs/log-archive/archive';
import { LogArchivePayloadError, parseLogArchivePayload } from '../../../../lambdas/jobs/log-archive/payload';
import { parseIndex, unpackArchive, type ArchiveIndex } from '../../../../lambdas/shared/log-archive-format';
import { fakeContext } from '../../shared/fake-context';
import { FakeBucket } from './fake-bucket';

// Slot 2026-12-01 00:00 UTC archives 2026-11-30.
const SLOT = '2026-12-01T00:00:00.000Z';
const JOB = 'nightly-log-archive';
const { s3, bucket } = FakeBucket.create();
const deps = { s3, backoff: { sleep: async () => undefined } };

afterEach(() => {
  bucket.mock.reset();
  bucket.objects.clear();
  bucket.log.length = 0;
  bucket.failDeletes.clear();
  bucket.failNext.clear();
  bucket.pageSize = 1000;
  bucket.install();
});

const payload = (extra: Record<string, unknown> = {}) => parseLogArchivePayload({ bucket: 'logs-bucket', ...extra }, JOB, {});
const ctx = (extra: Record<string, unknown> = {}) => fakeContext({ job: JOB, slot: SLOT, payload: payload(extra) });
const bodyOf = (key: string) => `${key} line one\n${key} line two\n`;

function seed(service: string, day: string, n: number): string[] {
  const keys = Array.from({ length: n }, (_, i) => `logs/${service}/${day.replace(/-/g, '/')}/f-${String(i).padStart(5, '0')}.log`);
  for (const k of keys) bucket.put(k, bodyOf(k));
  return keys;
}

/** Every original held by the archives of the bucket, checked against its index. */
function archived(): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of bucket.keys('archive/').filter((k) => k.endsWith('.index.json'))) {
    const index: ArchiveIndex = parseIndex(bucket.objects.get(key)!.body.toString(), key);
    for (const o of unpackArchive(index, bucket.objects.get(index.archiveKey)!.body)) {
      expect(out.has(o.key)).toBe(false); // never in two archives
      out.set(o.key, Buffer.from(o.body).toString());
    }
  }
  return out;
}

describe('runLogArchive', () => {
  it('archives the previous UTC day per service in parts of 1,000, verified, then deletes exactly those originals', async () => {
    // Prepare
    const api = seed('api', '2026-11-30', 1500);
    const worker = seed('worker', '2026-11-30', 3);
    const kept = [...seed('api', '2026-11-29', 2), ...seed('api', '2026-12-01', 2)];
    // Act
    const result = (await runLogArchive(ctx(), deps)) as LogArchiveResult;
    // Assess
    expect(bucket.keys('archive/')).toEqual([
      'archive/api/2026/11/30/part-00000.gz',
      'archive/api/2026/11/30/part-00000.index.json',
      'archive/api/2026/11/30/part-00001.gz',
      'archive/api/2026/11/30/part-00001.index.json',
      'archive/worker/2026/11/30/part-00000.gz',
      'archive/worker/2026/11/30/part-00000.index.json',
    ]);
    expect(bucket.objects.get('archive/api/2026/11/30/part-00000.gz')!.storageClass).toBe('GLACIER_IR');
    expect(bucket.objects.get('archive/api/2026/11/30/part-00000.index.json')!.storageClass).toBeUndefined();
    expect(bucket.keys('logs/')).toEqual(kept.sort());
    const restored = archived();
    expect([...restored.keys()].sort()).toEqual([...api, ...worker].sort());
    for (const [k, v] of restored) expect(v).toBe(bodyOf(k));
    expect(result).toMatchObject({ day: '2026-11-30', services: 2, archived: 1503, parts: 3, deleted: 1503, alreadyArchived: 0, invocations: 1 });
    const deletes = bucket.log.filter((c) => c.command === 'DeleteObjects').map((c) => c.keys!.length);
    expect(deletes).toEqual([1000, 500, 3]);
  });

  it('deletes no original before the HeadObject that verifies the archive holding it', async () => {
    seed('api', '2026-11-30', 2500);
    await runLogArchive(ctx(), deps);
    const verifiedAt = new Map<string, number>();
    bucket.log.forEach((c, i) => {
      if (c.command === 'HeadObject') verifiedAt.set(c.key!, i);
    });
    for (const [i, c] of bucket.log.entries()) {
      if (c.command !== 'DeleteObjects') continue;
      const part = bucket.keys('archive/').filter((k) => k.endsWith('.index.json')).map((k) => parseIndex(bucket.objects.get(k)!.body.toString(), k))
        .find((index) => index.entries.some((e) => e.key === c.keys![0]))!;
      expect(part.entries.map((e) => e.key)).toEqual(c.keys);
      expect(verifiedAt.get(part.archiveKey)!).toBeLessThan(i);
    }
  });

  it('keeps every original when the archive does not read back as written', async () => {
    const keys = seed('api', '2026-11-30', 5);
    bucket.mock.on(
      (await import('@aws-sdk/client-s3')).HeadObjectCommand,
    ).resolves({ ContentLength: 1, ChecksumSHA256: 'AAAA' });
    await expect(runLogArchive(ctx(), deps)).rejects.toThrow(ArchiveVerificationError);
    await expect(runLogArchive(ctx(), deps)).rejects.toThrow(
      /^job 'nightly-log-archive': archive 'archive\/api\/2026\/11\/30\/part-00000.gz' must be \d+ bytes with SHA-256 .+ \(got 1 bytes with AAAA\); its originals are kept$/,
    );
    expect(bucket.keys('logs/')).toEqual(keys);
    expect(bucket.log.some((c) => c.command === 'DeleteObjects')).toBe(false);
  });

  it('an interruption between the archive and its index (S3 503) loses nothing; the re-run rewrites the same part, no duplicate', async () => {
    const keys = seed('api', '2026-11-30', 10);
    const slowDown = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    let puts = 0;
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    bucket.mock.on(PutObjectCommand).callsFake((input) => {
      puts++;
      if (puts === 2) throw slowDown; // the index PUT of part 0
      bucket.objects.set(input.Key as string, { body: Buffer.from(input.Body as Buffer), sha256: input.ChecksumSHA256, storageClass: input.StorageClass });
      return {};
    });
    await expect(runLogArchive(ctx(), deps)).rejects.toThrow('Please reduce your request rate.');
    expect(bucket.keys('logs/')).toEqual(keys);
    expect(bucket.keys('archive/')).toEqual(['archive/api/2026/11/30/part-00000.gz']);

    const result = (await runLogArchive(ctx(), deps)) as LogArchiveResult;
    expect(bucket.keys('archive/')).toEqual(['archive/api/2026/11/30/part-00000.gz', 'archive/api/2026/11/30/part-00000.index.json']);
    expect(bucket.keys('logs/')).toEqual([]);
    expect([...archived().keys()]).toEqual(keys);
    expect(result).toMatchObject({ archived: 10, parts: 1, deleted: 10 });
  });

  it('keys DeleteObjects keeps failing make the run fail; the re-run deletes them without archiving them again', async () => {
    const keys = seed('api', '2026-11-30', 1200);
    bucket.failDeletes = new Set([keys[3], keys[1100]]);
    await expect(runLogArchive(ctx(), deps)).rejects.toThrow(LogArchiveIncompleteError);
    await expect(runLogArchive(ctx(), deps)).rejects.toThrow(
      `job 'nightly-log-archive': 2 original(s) are archived but could not be deleted after every retry (e.g. ${keys[3]}: InternalError; ${keys[1100]}: InternalError); the next run of day 2026-11-30 deletes them`,
    );
    expect(bucket.keys('logs/')).toEqual([keys[3], keys[1100]]);

    bucket.failDeletes.clear();
    bucket.log.length = 0;
    const result = (await runLogArchive(ctx(), deps)) as LogArchiveResult;
    expect(bucket.keys('logs/')).toEqual([]);
    expect(bucket.log.filter((c) => c.command === 'PutObject')).toEqual([]);
    expect(result).toMatchObject({ archived: 0, parts: 0, alreadyArchived: 2, deleted: 2 });
    expect([...archived().keys()].sort()).toEqual(keys);
  });

  it('a re-run after success changes nothing', async () => {
    seed('api', '2026-11-30', 20);
    await runLogArchive(ctx(), deps);
    const before = new Map(bucket.objects);
    bucket.log.length = 0;
    // Discovery finds no service left under logs/: one request.
    await runLogArchive(ctx(), deps);
    expect(bucket.log.map((c) => c.command)).toEqual(['ListObjectsV2']);
    // Named services: its indexes are read, its day listed, nothing written.
    bucket.log.length = 0;
    const result = (await runLogArchive(ctx({ services: ['api'] }), deps)) as LogArchiveResult;
    expect(bucket.objects).toEqual(before);
    expect(bucket.log.map((c) => c.command)).toEqual(['ListObjectsV2', 'GetObject', 'ListObjectsV2']);
    expect(result).toMatchObject({ archived: 0, deleted: 0 });
  });

  it('continues in a new invocation when time runs short and ends with every original archived once', async () => {
    const keys = [...seed('api', '2026-11-30', 2500), ...seed('web', '2026-11-30', 700)];
    let first = fakeContext({ job: JOB, slot: SLOT, payload: payload({ maxObjectsPerPart: 500 }), remainingTimeMs: 1000 });
    const outcome = await runLogArchive(first, deps);
    expect(outcome).toEqual({ continuedLater: true, sequence: 1 });
    let result: LogArchiveResult | undefined;
    for (let i = 0; i < 20 && !result; i++) {
      first = first.next();
      const next = await runLogArchive(first, deps);
      if (!('continuedLater' in next)) result = next;
    }
    expect(result).toMatchObject({ archived: 3200, deleted: 3200 });
    expect(result!.invocations).toBeGreaterThan(2);
    expect([...archived().keys()].sort()).toEqual(keys.sort());
    expect(bucket.keys('logs/')).toEqual([]);
  });

  it('skips originals larger than maxPartBytes (left for a lifecycle rule)', async () => {
    seed('api', '2026-11-30', 2);
    bucket.put('logs/api/2026/11/30/big.log', Buffer.alloc(4096, 1));
    const result = (await runLogArchive(ctx({ maxPartBytes: 1024 }), deps)) as LogArchiveResult;
    expect(bucket.keys('logs/')).toEqual(['logs/api/2026/11/30/big.log']);
    expect(result).toMatchObject({ archived: 2, skippedLarge: 1 });
  });
});

describe('parseLogArchivePayload', () => {
  it('applies the defaults', () => {
    expect(parseLogArchivePayload(undefined, JOB, { LOGS_BUCKET_NAME: 'b' })).toEqual({
      bucket: 'b',
      storageClass: 'GLACIER_IR',
      maxObjectsPerPart: 1000,
      maxPartBytes: 67_108_864,
      readConcurrency: 16,
    });
  });

  it.each([
    [{ storageClass: 'COLD' }, "job 'nightly-log-archive': payload.storageClass must be one of STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE (got \"COLD\")"],
    [{ maxObjectsPerPart: 1001 }, "job 'nightly-log-archive': payload.maxObjectsPerPart must be an integer from 1 to 1000 (got 1001)"],
    [{ services: ['a/b'] }, "job 'nightly-log-archive': payload.services[0] must be a service name without '/' (got \"a/b\")"],
    [{ prefix: 'x' }, "job 'nightly-log-archive': payload.prefix must be absent (known fields: bucket, storageClass, services, maxObjectsPerPart, maxPartBytes, readConcurrency) (got \"x\")"],
  ])('rejects %j', (raw, message) => {
    expect(() => parseLogArchivePayload({ bucket: 'b', ...raw }, JOB, {})).toThrow(new LogArchivePayloadError(message));
  });

  it('needs a bucket', () => {
    expect(() => parseLogArchivePayload({}, JOB, {})).toThrow(
      "job 'nightly-log-archive': payload.bucket must be a bucket name (or set the LOGS_BUCKET_NAME environment variable) (got undefined)",
    );
  });
});
