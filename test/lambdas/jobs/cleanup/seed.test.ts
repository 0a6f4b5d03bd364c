import { describe, expect, it } from 'vitest';
import { compileKeyDatePattern, computeCutoff, judge } from '../../../../lambdas/jobs/cleanup/rules';
import { demoLogObjects } from '../../../../lambdas/jobs/cleanup/seed';

describe('demoLogObjects (local-mode seed)', () => {
  const now = new Date('2026-11-26T22:59:03.672Z');
  const objects = demoLogObjects(now);

  it('writes one object per service and day for the 45 UTC days before the start, that day and the 14 after it, under logs/', () => {
    expect(objects).toHaveLength(120);
    expect(objects[0]!.key).toBe('logs/api/2026/10/12/api.log');
    expect(objects[1]!.key).toBe('logs/worker/2026/10/12/worker.log');
    expect(objects[90]!.key).toBe('logs/api/2026/11/26/api.log');
    expect(objects.at(-1)!.key).toBe('logs/worker/2026/12/10/worker.log');
    for (const o of objects) {
      expect(o.key.startsWith('logs/')).toBe(true);
      expect(o.body.length).toBeGreaterThan(0);
    }
  });

  it('is deterministic and has unique keys', () => {
    expect(demoLogObjects(now)).toEqual(objects);
    expect(new Set(objects.map((o) => o.key)).size).toBe(objects.length);
  });

  it('by LastModified (the example stack) every seeded object is newer than the Sunday cutoff and stays', () => {
    const cutoff = computeCutoff(new Date('2026-11-29T02:00:00.000Z'), 30);
    expect(objects.filter((o) => judge({ key: o.key, lastModified: now }, cutoff) === 'expired')).toEqual([]);
  });

  it('with a key-date pattern the days wholly before the cutoff (12-29 October) would go', () => {
    const cutoff = computeCutoff(new Date('2026-11-29T02:00:00.000Z'), 30); // 2026-10-30T02:00Z
    const keyDate = compileKeyDatePattern('^logs/[^/]+/(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/');
    const expired = objects.filter((o) => judge({ key: o.key, lastModified: now }, cutoff, keyDate) === 'expired');
    expect(expired).toHaveLength(36);
    expect(expired.at(-1)!.key).toBe('logs/worker/2026/10/29/worker.log');
    expect(objects.some((o) => judge({ key: o.key, lastModified: now }, cutoff, keyDate) === 'unmatched')).toBe(false);
  });
});
