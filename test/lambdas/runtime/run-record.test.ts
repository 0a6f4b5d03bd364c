import { describe, expect, it } from 'vitest';
import { errorRecord, expiresAt, runningUntil, smallResult } from '../../../lambdas/runtime/run-record';

describe('errorRecord', () => {
  it('keeps name and message and trims the stack to 2048 characters', () => {
    // Prepare
    class QuotaError extends Error {
      constructor(message: string) {
        super(message);
        this.name = 'QuotaError';
      }
    }
    const error = new QuotaError('over quota');
    error.stack = `QuotaError: over quota\n${'    at frame (file.ts:1:1)\n'.repeat(200)}`;
    // Act
    const record = errorRecord(error);
    // Assess
    expect(record.name).toBe('QuotaError');
    expect(record.message).toBe('over quota');
    expect(record.stack).toHaveLength(2048);
    expect(record.stack?.startsWith('QuotaError: over quota\n    at frame')).toBe(true);
    expect(record.stack?.endsWith('…')).toBe(true);
  });

  it('keeps a short stack whole', () => {
    const error = new TypeError('bad');
    error.stack = 'TypeError: bad\n    at x';
    expect(errorRecord(error)).toEqual({ name: 'TypeError', message: 'bad', stack: 'TypeError: bad\n    at x' });
  });

  it('trims a long message to 1024 characters', () => {
    expect(errorRecord(new Error('m'.repeat(5000))).message).toHaveLength(1024);
  });

  it('describes thrown non-errors', () => {
    expect(errorRecord('boom')).toEqual({ name: 'NonErrorThrown', message: 'boom' });
    expect(errorRecord({ code: 7 })).toEqual({ name: 'NonErrorThrown', message: '{"code":7}' });
    expect(errorRecord(undefined)).toEqual({ name: 'NonErrorThrown', message: 'undefined' });
  });
});

describe('smallResult', () => {
  it('returns plain JSON data for a small result', () => {
    expect(smallResult({ deleted: 3, at: new Date(Date.UTC(2026, 0, 1)), skip: undefined })).toEqual({
      deleted: 3,
      at: '2026-01-01T00:00:00.000Z',
    });
  });

  it('drops a result over the limit, undefined and unserialisable ones', () => {
    expect(smallResult('x'.repeat(1023))).toBeUndefined(); // 1025 bytes with quotes
    expect(smallResult('x'.repeat(1022))).toBe('x'.repeat(1022)); // exactly 1024
    expect(smallResult(undefined)).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(smallResult(cyclic)).toBeUndefined();
    expect(smallResult(10n as unknown)).toBeUndefined();
  });
});

describe('expiresAt', () => {
  it('is epoch seconds, days later', () => {
    // 2026-03-01T00:00:00.900Z + 90 days = 2026-05-30T00:00:00Z
    expect(expiresAt(Date.UTC(2026, 2, 1, 0, 0, 0, 900), 90)).toBe(Date.UTC(2026, 4, 30) / 1000);
  });
});

describe('runningUntil', () => {
  const now = Date.UTC(2026, 2, 1, 2, 0, 0);
  it('is the lease length after now without a Lambda deadline', () => {
    expect(runningUntil(now, 960)).toBe('2026-03-01T02:16:00.000Z');
  });
  it('is the Lambda deadline plus 5 s skew when that comes first', () => {
    expect(runningUntil(now, 960, 60_000)).toBe('2026-03-01T02:01:05.000Z');
  });
  it('is the lease when that comes first', () => {
    expect(runningUntil(now, 30, 900_000)).toBe('2026-03-01T02:00:30.000Z');
  });
});
