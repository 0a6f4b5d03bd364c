import { S3Client, ListObjectsV2Command, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { mapWithConcurrency, TaskPool } from '../../../lambdas/shared/concurrency';
import { backoffDelay, retryRemaining } from '../../../lambdas/shared/retry';
import { deleteKeys } from '../../../lambdas/shared/s3-delete';
import { listObjects } from '../../../lambdas/shared/s3-listing';

describe('backoffDelay', () => {
  it('draws uniformly below min(cap, base * 2^(retry-1))', () => {
    expect(backoffDelay(1, { baseDelayMs: 100, random: () => 0.5 })).toBe(50);
    expect(backoffDelay(4, { baseDelayMs: 100, random: () => 0.5 })).toBe(400); // 0.5 * 800
    expect(backoffDelay(20, { baseDelayMs: 100, maxDelayMs: 5000, random: () => 0.999 })).toBe(4995);
    expect(backoffDelay(3, { random: () => 0 })).toBe(0);
  });
});

describe('retryRemaining', () => {
  it('resends only what failed, waiting a jittered delay before each retry', async () => {
    const sent: number[][] = [];
    const waits: number[] = [];
    const result = await retryRemaining(
      [1, 2, 3, 4],
      async (items) => {
        sent.push(items);
        return items.filter((i) => i % 2 === 0 && sent.length < 3);
      },
      (i) => i,
      { sleep: async (ms) => void waits.push(ms), random: () => 1 - Number.EPSILON, baseDelayMs: 10 },
    );
    expect(sent).toEqual([[1, 2, 3, 4], [2, 4], [2, 4]]);
    expect(waits).toEqual([9, 19]);
    expect(result).toEqual({ remaining: [], attempts: 3 });
  });

  it('stops after maxAttempts and returns what still fails', async () => {
    const result = await retryRemaining(['a'], async (items) => items, (i) => i, { maxAttempts: 4, sleep: async () => undefined });
    expect(result).toEqual({ remaining: ['a'], attempts: 4 });
  });
});

describe('mapWithConcurrency and TaskPool', () => {
  it('keeps order and never exceeds the limit', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('throws the first error and starts nothing after it', async () => {
    const started: number[] = [];
    await expect(
      mapWithConcurrency([1, 2, 3, 4], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });

  it('TaskPool applies back-pressure and reports a task error on drain', async () => {
    const pool = new TaskPool(2);
    let peak = 0;
    for (let i = 0; i < 6; i++) {
      await pool.run(async () => {
        peak = Math.max(peak, pool.size);
        await new Promise((r) => setTimeout(r, 2));
      });
    }
    await pool.drain();
    expect(peak).toBeLessThanOrEqual(2);
    await pool.run(async () => {
      throw new Error('task failed');
    });
    await expect(pool.drain()).rejects.toThrow('task failed');
  });
});

describe('S3 adapters', () => {
  const s3Mock = mockClient(S3Client);
  const s3 = new S3Client({});
  afterEach(() => s3Mock.reset());

  it('listObjects follows continuation tokens and starts after a key', async () => {
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'p/a', Size: 1, LastModified: new Date(1), ETag: '"1"' }], IsTruncated: true, NextContinuationToken: 'T' })
      .resolvesOnce({ Contents: [{ Key: 'p/b', Size: 2, LastModified: new Date(2), ETag: '"2"' }], IsTruncated: false });
    const keys: string[] = [];
    for await (const o of listObjects(s3, { bucket: 'b', prefix: 'p/', startAfter: 'p/0' })) keys.push(o.key);
    expect(keys).toEqual(['p/a', 'p/b']);
    const inputs = s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'b', Prefix: 'p/', MaxKeys: 1000, ContinuationToken: undefined, StartAfter: 'p/0' },
      { Bucket: 'b', Prefix: 'p/', MaxKeys: 1000, ContinuationToken: 'T', StartAfter: undefined },
    ]);
  });

  it('deleteKeys splits 2,500 keys into 1,000 + 1,000 + 500', async () => {
    s3Mock.on(DeleteObjectsCommand).resolves({});
    const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
    const result = await deleteKeys(s3, 'b', keys);
    expect(s3Mock.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.length)).toEqual([1000, 1000, 500]);
    expect(result).toEqual({ deleted: 2500, failed: [], requests: 3 });
  });
});
