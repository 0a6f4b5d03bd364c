import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration, formatInZone, formatOffset, formatUtc, renderTable, toJson, truncate } from '../../../tools/cli/format';

describe('renderTable', () => {
  it('pads columns to their widest cell, two spaces apart, without borders or trailing spaces', () => {
    expect(renderTable(['JOB', 'NEXT RUN', 'NOTE'], [['a', '2026-01-01', ''], ['longer-name', 'b', 'x']])).toBe(
      'JOB          NEXT RUN    NOTE\n' + 'a            2026-01-01\n' + 'longer-name  b           x',
    );
  });

  it('prints only the header when there are no rows', () => {
    expect(renderTable(['A', 'B'], [])).toBe('A  B');
  });
});

describe('instants', () => {
  it('shows the wall clock in the zone with its offset, seconds only when not zero', () => {
    const instant = new Date('2026-03-28T01:30:00Z');
    expect(formatInZone(instant, 'Europe/Paris')).toBe('2026-03-28 02:30 +01:00');
    expect(formatInZone(new Date('2026-03-30T00:30:00Z'), 'Europe/Paris')).toBe('2026-03-30 02:30 +02:00');
    expect(formatInZone(new Date('2026-11-01T05:30:15Z'), 'America/New_York')).toBe('2026-11-01 01:30:15 -04:00');
    expect(formatInZone(new Date('2026-11-01T06:30:00Z'), 'America/New_York')).toBe('2026-11-01 01:30 -05:00');
    expect(formatInZone(new Date('2026-06-01T00:00:00Z'), 'Asia/Kathmandu')).toBe('2026-06-01 05:45 +05:45');
    expect(formatInZone(instant, 'UTC')).toBe('2026-03-28 01:30 +00:00');
  });

  it('shows UTC as ISO 8601 to the second', () => {
    expect(formatUtc(new Date('2026-03-28T01:30:00.250Z'))).toBe('2026-03-28T01:30:00Z');
  });

  it('formats offsets', () => {
    expect(formatOffset(0)).toBe('+00:00');
    expect(formatOffset(-4 * 3_600_000)).toBe('-04:00');
    expect(formatOffset(5.75 * 3_600_000)).toBe('+05:45');
    expect(formatOffset(-9.5 * 3_600_000)).toBe('-09:30');
  });
});

describe('durations and ages', () => {
  it.each([
    [undefined, '-'],
    [0, '0 ms'],
    [850, '850 ms'],
    [1000, '1.0 s'],
    [12_345, '12.3 s'],
    [59_940, '59.9 s'],
    [59_960, '1 min 00 s'],
    [245_000, '4 min 05 s'],
    [3_600_000, '1 h 00 min'],
    [7_380_000, '2 h 03 min'],
  ])('duration %s ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [undefined, '-'],
    [-5000, '0 s'],
    [45_000, '45 s'],
    [12 * 60_000 + 59_000, '12 min'],
    [3 * 3_600_000 + 10, '3 h'],
    [2 * 86_400_000 + 3_600_000, '2 d'],
  ])('age %s ms is %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});

describe('truncate and toJson', () => {
  it('cuts to the width with an ellipsis, on one line', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('0123456789', 10)).toBe('0123456789');
    expect(truncate('0123456789A', 10)).toBe('012345678…');
    expect(truncate('a\n  b', 10)).toBe('a b');
  });

  it('prints indented JSON with a final newline', () => {
    expect(toJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });
});
