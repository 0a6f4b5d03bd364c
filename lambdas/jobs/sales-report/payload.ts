/**
 * The sales-report payload: which period the job reports. Scheduled runs name only the kind
 * (`{ "period": "day" }` daily, `{ "period": "month" }` monthly) and report the period before the
 * slot; a manual run may name the period itself to rebuild an older report
 * (`{ "period": "day", "day": "2026-11-20" }`, `{ "period": "month", "month": "2026-02" }`). Pure.
 */
import { dayPeriod, monthPeriod, parseDay, parseMonth, previousPeriod, type ReportPeriod, type ReportPeriodKind } from './period';
import { ScheduledJobsError } from '../../runtime';

export interface SalesReportPayload {
  /** `day`: the UTC day before the slot; `month`: the UTC month before the slot's month. */
  readonly period: ReportPeriodKind;
  /** With `period: 'day'`: report this UTC day (`YYYY-MM-DD`) instead. */
  readonly day?: string;
  /** With `period: 'month'`: report this UTC month (`YYYY-MM`) instead. */
  readonly month?: string;
}

/** The payload does not say which period to report. */
export class SalesReportPayloadError extends ScheduledJobsError {
  constructor(
    message: string,
    /** The payload field at fault. */
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const FIELDS = ['period', 'day', 'month'];

function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** Validates a raw payload; throws `SalesReportPayloadError` naming the field, the expectation and the value. */
export function parseSalesReportPayload(raw: unknown): SalesReportPayload {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SalesReportPayloadError(`payload: expected an object like {"period":"day"}, got ${shown(raw)}`, 'payload');
  }
  const record = raw as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) {
    throw new SalesReportPayloadError(
      `payload.${unknown[0]}: not a sales-report field (expected only ${FIELDS.join(', ')})`,
      unknown[0],
    );
  }
  const { period, day, month } = record;
  if (period !== 'day' && period !== 'month') {
    throw new SalesReportPayloadError(`payload.period: expected 'day' or 'month', got ${shown(period)}`, 'period');
  }
  if (day !== undefined) {
    if (period !== 'day') {
      throw new SalesReportPayloadError(`payload.day: only allowed with period 'day' (period is '${period}')`, 'day');
    }
    if (typeof day !== 'string' || parseDay(day) === undefined) {
      throw new SalesReportPayloadError(`payload.day: expected a date YYYY-MM-DD, got ${shown(day)}`, 'day');
    }
  }
  if (month !== undefined) {
    if (period !== 'month') {
      throw new SalesReportPayloadError(`payload.month: only allowed with period 'month' (period is '${period}')`, 'month');
    }
    if (typeof month !== 'string' || parseMonth(month) === undefined) {
      throw new SalesReportPayloadError(`payload.month: expected a month YYYY-MM, got ${shown(month)}`, 'month');
    }
  }
  return { period, ...(day !== undefined ? { day } : {}), ...(month !== undefined ? { month } : {}) };
}

/** The period a run reports: the one the payload names, else the one before the slot. */
export function reportPeriod(payload: SalesReportPayload, slot: Date, prefix?: string): ReportPeriod {
  if (payload.day !== undefined) return dayPeriod(payload.day, prefix);
  if (payload.month !== undefined) return monthPeriod(payload.month, prefix);
  return previousPeriod(payload.period, slot, prefix);
}
