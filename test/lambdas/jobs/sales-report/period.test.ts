import { describe, expect, it } from 'vitest';
import { dayPeriod, monthPeriod, parseDay, parseMonth, previousPeriod } from '../../../../lambdas/jobs/sales-report/period';

describe('previousPeriod', () => {
  it('reports the UTC day before the slot, with stable keys', () => {
    expect(previousPeriod('day', new Date('2026-11-26T00:00:00.000Z'))).toEqual({
      kind: 'day',
      label: '2026-11-25',
      days: ['2026-11-25'],
      from: '2026-11-25T00:00:00.000Z',
      to: '2026-11-26T00:00:00.000Z',
      csvKey: 'reports/daily/2026-11-25.csv',
      summaryKey: 'reports/daily/2026-11-25.summary.json',
    });
  });

  it('uses the slot, not the wall clock: a late run at 23:59 still reports the day before its slot', () => {
    expect(previousPeriod('day', new Date('2026-11-26T23:59:59.999Z')).label).toBe('2026-11-25');
    expect(previousPeriod('day', new Date('2027-01-01T00:00:00.000Z')).label).toBe('2026-12-31');
    expect(previousPeriod('day', new Date('2028-03-01T00:00:00.000Z')).label).toBe('2028-02-29');
  });

  it('reports the previous calendar month, every day of it', () => {
    const october = previousPeriod('month', new Date('2026-11-01T01:00:00.000Z'));
    expect(october.label).toBe('2026-10');
    expect(october.days).toHaveLength(31);
    expect(october.days[0]).toBe('2026-10-01');
    expect(october.days[30]).toBe('2026-10-31');
    expect(october.from).toBe('2026-10-01T00:00:00.000Z');
    expect(october.to).toBe('2026-11-01T00:00:00.000Z');
    expect(october.csvKey).toBe('reports/monthly/2026-10.csv');
    expect(october.summaryKey).toBe('reports/monthly/2026-10.summary.json');
  });

  it('crosses the year and counts February right in leap and common years', () => {
    const december = previousPeriod('month', new Date('2027-01-01T01:00:00.000Z'));
    expect(december.label).toBe('2026-12');
    expect(december.days).toHaveLength(31);
    const leap = previousPeriod('month', new Date('2028-03-01T01:00:00.000Z'));
    expect(leap.label).toBe('2028-02');
    expect(leap.days).toHaveLength(29);
    expect(leap.days[28]).toBe('2028-02-29');
    expect(leap.to).toBe('2028-03-01T00:00:00.000Z');
    const common = previousPeriod('month', new Date('2027-03-01T01:00:00.000Z'));
    expect(common.days).toHaveLength(28);
    expect(common.days[27]).toBe('2027-02-28');
    expect(previousPeriod('month', new Date('2100-03-01T01:00:00.000Z')).days).toHaveLength(28); // 2100 is not a leap year
    expect(previousPeriod('month', new Date('2000-03-01T01:00:00.000Z')).days).toHaveLength(29); // 2000 is
    expect(previousPeriod('month', new Date('2026-05-01T01:00:00.000Z')).days).toHaveLength(30);
  });
});

describe('dayPeriod / monthPeriod / parsing', () => {
  it('accepts only real dates and months', () => {
    expect(parseDay('2028-02-29')).toBe(Date.UTC(2028, 1, 29));
    expect(parseDay('2027-02-29')).toBeUndefined();
    expect(parseDay('2026-13-01')).toBeUndefined();
    expect(parseDay('2026-1-01')).toBeUndefined();
    expect(parseMonth('2026-12')).toBe(Date.UTC(2026, 11, 1));
    expect(parseMonth('2026-00')).toBeUndefined();
    expect(parseMonth('2026-13')).toBeUndefined();
  });

  it('takes a custom key prefix', () => {
    expect(dayPeriod('2026-01-02', 'x/').csvKey).toBe('x/daily/2026-01-02.csv');
    expect(monthPeriod('2026-01', 'x/').summaryKey).toBe('x/monthly/2026-01.summary.json');
  });

  it('refuses an invalid label', () => {
    expect(() => dayPeriod('2026-02-30')).toThrow("dayPeriod: expected a YYYY-MM-DD date, got '2026-02-30'");
    expect(() => monthPeriod('2026-2')).toThrow("monthPeriod: expected a YYYY-MM month, got '2026-2'");
  });
});
