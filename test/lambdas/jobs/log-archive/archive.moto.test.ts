/**
 * The nightly log archive against moto_server: real objects, the stored SHA-256 read back by
 * HeadObject, exact final state, and a re-run after injected faults.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runLogArchive, type LogArchiveResult } from '../../../../lambdas/jobs/log-archive/archive';
import { parseLogArchivePayload } from '../../../../lambdas/jobs/log-archive/payload';
import { mapWithConcurrency } from '../../../../lambdas/shared/concurrency';
import { parseIndex, unpackArchive } from '../../../../lambdas/shared/log-archive-format';
import { sdkRetryConfig } from '../../../../lambdas/shared/retry';
import { listObjects } from '../../../../lambdas/shared/s3-listing';
import { countRequests, injectFaults } from '../../../support/fault-injection';
import { useMoto } from '../../../support/moto';
import { fakeContext } from '../../shared/fake-context';

const moto = useMoto();
const JOB = 'nightly-log-archive';
const SLOT = '2026-12-01T00:00:00.000Z';
let bucketSeq = 0;

async function setup(n: number) {
  const s3 = new S3Client({ ...moto.config(), ...sdkRetryConfig(10) });
  const bucket = `log-archive-${++bucketSeq}-${Date.now()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const originals = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const service = i % 3 === 0 ? 'worker' : 'api';
    originals.set(`logs/${service}/2026/11/30/${String(i).padStart(5, '0')}.log`, `2026-11-30T00:00:${String(i % 60).padStart(2, '0')}Z ${service} request ${i}\n`);
  }
  originals.set('logs/api/2026/12/01/today.log', 'today\n');
  await mapWithConcurrency([...originals], 32, ([Key, Body]) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body })).then(() => undefined));
  return { s3, bucket, originals };
}

async function keys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of listObjects(s3, { bucket, prefix })) out.push(o.key);
  return out;
}

async function restoredFromArchives(s3: S3Client, bucket: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of (await keys(s3, bucket, 'archive/')).filter((k) => k.endsWith('.index.json'))) {
    const text = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    const index = parseIndex(text, key);
    const archive = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: index.archiveKey }))).Body!.transformToByteArray();
    for (const o of unpackArchive(index, archive)) out.set(o.key, Buffer.from(o.body).toString());
  }
  return out;
}

describe('log archive against moto', () => {
  it('archives the day, verifies with the stored SHA-256 (HeadObject only), deletes the originals', async () => {
    const { s3, bucket, originals } = await setup(1200);
    const counter = countRequests(s3);
    const payload = parseLogArchivePayload({ bucket }, JOB, {});
    const result = (await runLogArchive(fakeContext({ job: JOB, slot: SLOT, payload }), { s3 })) as LogArchiveResult;

    // 800 api + 400 worker originals, one part each: 1 discovery + per service 1 archive listing and
    // 1 day listing; 1,200 GETs; per part 2 PUTs (archive, index), 1 HEAD, 1 DeleteObjects. moto keeps
    // the SHA-256 sent with the PUT, so no archive is read back.
    expect(counter.operations).toEqual({ ListObjectsV2Command: 5, GetObjectCommand: 1200, PutObjectCommand: 4, HeadObjectCommand: 2, DeleteObjectsCommand: 2 });
    expect(result).toMatchObject({ archived: 1200, parts: 2, deleted: 1200 });
    expect(await keys(s3, bucket, 'logs/')).toEqual(['logs/api/2026/12/01/today.log']);
    const restored = await restoredFromArchives(s3, bucket);
    expect(restored.size).toBe(1200);
    for (const [k, v] of restored) expect(v).toBe(originals.get(k));
  });

  it('with 503s and failing DeleteObjects keys, a re-run ends with every original archived once and none left', async () => {
    const { s3, bucket, originals } = await setup(600);
    const faults = injectFaults(s3, { rate: 0.05, seed: 7, partialDeleteRate: 0.2 });
    const payload = parseLogArchivePayload({ bucket, maxObjectsPerPart: 250 }, JOB, {});
    const backoff = { maxAttempts: 1 }; // failed keys are left for the re-run
    await expect(runLogArchive(fakeContext({ job: JOB, slot: SLOT, payload }), { s3, backoff })).rejects.toThrow(/could not be deleted after every retry/);
    expect(faults.injectedKeyFailures()).toBeGreaterThan(0);
    faults.remove();
    const result = (await runLogArchive(fakeContext({ job: JOB, slot: SLOT, payload }), { s3 })) as LogArchiveResult;
    expect(result.archived).toBe(0);
    expect(result.alreadyArchived).toBeGreaterThan(0);
    expect(await keys(s3, bucket, 'logs/')).toEqual(['logs/api/2026/12/01/today.log']);
    const restored = await restoredFromArchives(s3, bucket);
    expect(restored.size).toBe(600);
    for (const [k, v] of restored) expect(v).toBe(originals.get(k));
  });
});
