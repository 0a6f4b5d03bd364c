import { describe, expect, it } from 'vitest';
import { parseSalesReportPayload, reportPeriod, SalesReportPayloadError } from '../../../../lambdas/jobs/sales-report/payload';

describe('parseSalesReportPayload', () => {
  it('accepts the scheduled payloads and the manual overrides', () => {
    expect(parseSalesReportPayload({ period: 'day' })).toEqual({ period: 'day' });
    expect(parseSalesReportPayload({ period: 'month' })).toEqual({ period: 'month' });
    expect(parseSalesReportPayload({ period: 'day', day: '2028-02-29' })).toEqual({ period: 'day', day: '2028-02-29' });
    expect(parseSalesReportPayload({ period: 'month', month: '2026-02' })).toEqual({ period: 'month', month: '2026-02' });
  });

  it.each([
    [undefined, 'payload', 'payload: expected an object like {"period":"day"}, got nothing'],
    [[], 'payload', 'payload: expected an object like {"period":"day"}, got []'],
    [{}, 'period', "payload.period: expected 'day' or 'month', got nothing"],
    [{ period: 'week' }, 'period', `payload.period: expected 'day' or 'month', got "week"`],
    [{ period: 'day', days: 2 }, 'days', 'payload.days: not a sales-report field (expected only period, day, month)'],
    [{ period: 'day', day: '2027-02-29' }, 'day', 'payload.day: expected a date YYYY-MM-DD, got "2027-02-29"'],
    [{ period: 'month', day: '2026-02-01' }, 'day', "payload.day: only allowed with period 'day' (period is 'month')"],
    [{ period: 'month', month: 202602 }, 'month', 'payload.month: expected a month YYYY-MM, got 202602'],
    [{ period: 'day', month: '2026-02' }, 'month', "payload.month: only allowed with period 'month' (period is 'day')"],
  ])('rejects %j naming the field', (raw, field, message) => {
    let caught: unknown;
    try {
      parseSalesReportPayload(raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SalesReportPayloadError);
    expect((caught as SalesReportPayloadError).name).toBe('SalesReportPayloadError');
    expect((caught as SalesReportPayloadError).field).toBe(field);
    expect((caught as Error).message).toBe(message);
  });
});

describe('reportPeriod', () => {
  const slot = new Date('2026-11-26T00:00:00.000Z');
  it('takes the period before the slot unless the payload names one', () => {
    expect(reportPeriod({ period: 'day' }, slot).label).toBe('2026-11-25');
    expect(reportPeriod({ period: 'day', day: '2026-01-31' }, slot).label).toBe('2026-01-31');
    expect(reportPeriod({ period: 'month' }, slot).label).toBe('2026-10');
    expect(reportPeriod({ period: 'month', month: '2028-02' }, slot).days).toHaveLength(29);
  });
});
