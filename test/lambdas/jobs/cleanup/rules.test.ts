import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileKeyDatePattern, computeCutoff, judge } from '../../../../lambdas/jobs/cleanup/rules';
import { parseCleanupPayload } from '../../../../lambdas/jobs/cleanup/payload';

describe('computeCutoff', () => {
  it('is the slot minus whole 24-hour days', () => {
    expect(computeCutoff(new Date('2026-11-29T02:00:00.000Z'), 30).toISOString()).toBe('2026-10-30T02:00:00.000Z');
    expect(computeCutoff(new Date('2026-03-01T00:00:00.000Z'), 1).toISOString()).toBe('2026-02-28T00:00:00.000Z');
  });
});

describe('judge', () => {
  const cutoff = new Date('2026-10-30T02:00:00.000Z');
  it('keeps an object exactly at the cutoff and deletes one a millisecond older', () => {
    expect(judge({ key: 'k', lastModified: new Date('2026-10-30T02:00:00.000Z') }, cutoff)).toBe('keep');
    expect(judge({ key: 'k', lastModified: new Date('2026-10-30T01:59:59.999Z') }, cutoff)).toBe('expired');
  });

  it('never marks an object at or after the cutoff as expired (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (after) => {
        return judge({ key: 'k', lastModified: new Date(cutoff.getTime() + after) }, cutoff) === 'keep';
      }),
    );
  });

  it('by key date, expires a partition only when it ends at or before the cutoff', () => {
    const day = compileKeyDatePattern('^logs/(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/');
    const at = (key: string) => judge({ key, lastModified: new Date(0) }, cutoff, day);
    expect(at('logs/2026/10/29/x')).toBe('expired'); // ends 10-30T00:00, before 02:00
    expect(at('logs/2026/10/30/x')).toBe('keep'); // the cutoff falls inside
    expect(at('logs/2026/04/31/x')).toBe('unmatched'); // no such date
    expect(at('logs/latest')).toBe('unmatched');
    const midnight = new Date('2026-10-30T00:00:00.000Z');
    expect(judge({ key: 'logs/2026/10/29/x', lastModified: new Date() }, midnight, day)).toBe('expired'); // end == cutoff
  });

  it('sizes the partition by the finest group', () => {
    const hour = compileKeyDatePattern('dt=(?<year>\\d{4})-(?<month>\\d{2})-(?<day>\\d{2})/hr=(?<hour>\\d{2})');
    expect(hour('logs/dt=2026-10-30/hr=01/a')).toEqual({ start: new Date('2026-10-30T01:00:00.000Z'), end: new Date('2026-10-30T02:00:00.000Z') });
    const month = compileKeyDatePattern('(?<year>\\d{4})-(?<month>\\d{2})');
    expect(month('x/2026-12/y')).toEqual({ start: new Date('2026-12-01T00:00:00.000Z'), end: new Date('2027-01-01T00:00:00.000Z') });
  });

  it('rejects patterns without year or with a gap in the groups', () => {
    expect(() => compileKeyDatePattern('(?<month>\\d{2})')).toThrow("needs a named group 'year', e.g. (?<year>\\d{4})");
    expect(() => compileKeyDatePattern('(?<year>\\d{4})/(?<day>\\d{2})')).toThrow(
      'named groups must be a leading run of year, month, day, hour (got year, day)',
    );
    expect(() => compileKeyDatePattern('(?<year>')).toThrow(/^is not a valid regular expression/);
  });
});

describe('parseCleanupPayload', () => {
  const parse = (raw: unknown, env: Record<string, string> = { LOGS_BUCKET_NAME: 'logs' }) => parseCleanupPayload(raw, 'weekly-log-cleanup', env);

  it('applies defaults and takes the bucket from LOGS_BUCKET_NAME', () => {
    expect(parse({ olderThanDays: 30, prefixes: ['logs/'] })).toEqual({
      olderThanDays: 30,
      prefixes: ['logs/'],
      bucket: 'logs',
      keyDatePattern: undefined,
      dryRun: false,
      sampleSize: 10,
      tables: [],
    });
  });

  it.each([
    [{ olderThanDays: 0, prefixes: ['logs/'] }, "job 'weekly-log-cleanup': payload.olderThanDays must be a positive integer (got 0)"],
    [{ olderThanDays: '30', prefixes: ['logs/'] }, 'payload.olderThanDays must be a positive integer (got "30")'],
    [{ olderThanDays: 30, prefixes: [] }, 'payload.prefixes must be a non-empty array of key prefixes (got [])'],
    [{ olderThanDays: 30, prefixes: [''] }, 'payload.prefixes[0] must be a non-empty string (an empty prefix would clean the whole bucket) (got "")'],
    [{ olderThanDays: 30, prefixes: ['logs/', 'logs/app/'] }, 'payload.prefixes[1] must be a prefix not inside prefixes[0] "logs/" (got "logs/app/")'],
    [{ olderThanDays: 30, prefixes: ['logs/'], dryrun: true }, 'payload.dryrun must be absent (known fields: olderThanDays, prefixes, bucket, keyDatePattern, dryRun, sampleSize, tables) (got true)'],
    [{ olderThanDays: 30, prefixes: ['logs/'], keyDatePattern: '(?<day>\\d+)' }, `payload.keyDatePattern needs a named group 'year', e.g. (?<year>\\d{4}) (got "(?<day>\\\\d+)")`],
    [{ olderThanDays: 30, prefixes: ['logs/'], tables: [{ tableName: 't', partitionKey: { name: 'p' }, dateAttribute: 'd' }] }, 'payload.tables[0].partitionKey must be { name: string, value: string | number } (got {"name":"p"})'],
    [{ olderThanDays: 30, prefixes: ['logs/'], tables: [{ tableName: 't', partitionKey: { name: 'p', value: 'v' }, dateAttribute: 'd', dateFormat: 'unix' }] }, 'payload.tables[0].dateFormat must be one of iso8601, epoch-seconds, epoch-millis (got "unix")'],
  ])('rejects %j', (raw, message) => {
    expect(() => parse(raw)).toThrow(message);
  });

  it('needs a bucket from the payload or the environment', () => {
    expect(() => parse({ olderThanDays: 30, prefixes: ['logs/'] }, {})).toThrow(
      "job 'weekly-log-cleanup': payload.bucket must be a bucket name (or set the LOGS_BUCKET_NAME environment variable) (got undefined)",
    );
  });
});
