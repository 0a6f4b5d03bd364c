import { describe, expect, it } from 'vitest';
import {
  customerIndexAttributes,
  fnv1a32,
  SHARD_COUNT,
  shardOf,
  shardRanges,
} from '../../../../lambdas/jobs/daily-recommendations/shards';

describe('customer shards', () => {
  it('hashes with FNV-1a 32 (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('gives an order its shard and its customer-grouped sort key', () => {
    const attributes = customerIndexAttributes({ customerId: 'c-42', createdAt: '2026-11-25T13:05:09.120Z' });
    expect(attributes).toEqual({
      customerShard: String(shardOf('c-42')).padStart(4, '0'),
      customerOrder: 'c-42#2026-11-25T13:05:09.120Z',
    });
    expect(attributes.customerShard).toMatch(/^\d{4}$/);
  });

  it('splits the shards into contiguous ranges that cover each shard exactly once', () => {
    for (const count of [1, 3, 16, 1000, SHARD_COUNT]) {
      const ranges = shardRanges(count);
      expect(ranges).toHaveLength(count);
      expect(ranges[0].from).toBe(0);
      expect(ranges[count - 1].to).toBe(SHARD_COUNT - 1);
      ranges.forEach((r, i) => {
        if (i > 0) expect(r.from).toBe(ranges[i - 1].to + 1);
        expect(r.to - r.from + 1).toBeGreaterThanOrEqual(Math.floor(SHARD_COUNT / count));
        expect(r.to - r.from + 1).toBeLessThanOrEqual(Math.ceil(SHARD_COUNT / count));
      });
    }
    expect(shardRanges(2).map((r) => r.key)).toEqual(['shards-0000-0511', 'shards-0512-1023']);
    expect(() => shardRanges(0)).toThrow('partitions must be an integer from 1 to 1024 (got 0)');
  });
});
