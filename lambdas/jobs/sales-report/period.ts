/**
 * Which days a report covers and where it is written, from the run's slot (always in UTC). Pure.
 *
 * - `day`: the UTC day before the slot's day. The 00:00 run of 2026-11-26 reports 2026-11-25.
 * - `month`: the UTC calendar month before the slot's month. The run of 2026-11-01 01:00 reports
 *   October (31 days); the run of 2028-03-01 reports February 2028 (29 days, a leap year).
 *
 * Keys depend only on the period, so a rerun of the same period replaces the objects:
 * `reports/daily/2026-11-25.csv` + `.summary.json`, `reports/monthly/2026-10.csv` + `.summary.json`.
 */

export type ReportPeriodKind = 'day' | 'month';

export interface ReportPeriod {
  readonly kind: ReportPeriodKind;
  /** `2026-11-25` for a day, `2026-10` for a month. */
  readonly label: string;
  /** The UTC days covered, ascending (`YYYY-MM-DD`). */
  readonly days: readonly string[];
  /** First instant covered (inclusive), ISO. */
  readonly from: string;
  /** First instant after the period (exclusive), ISO. */
  readonly to: string;
  /** Object key of the CSV. */
  readonly csvKey: string;
  /** Object key of the JSON summary. */
  readonly summaryKey: string;
}

const DAY_MS = 86_400_000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_PATTERN = /^(\d{4})-(\d{2})$/;

/** `YYYY-MM-DD` of a UTC instant. */
export function utcDay(time: Date | number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** Midnight UTC starting the day of `time`, in epoch ms. */
export function startOfUtcDay(time: Date | number): number {
  const t = new Date(time);
  return Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
}

/** The `count` UTC days starting at `startMs` (midnight), as `YYYY-MM-DD`. */
export function consecutiveDays(startMs: number, count: number): string[] {
  const days: string[] = [];
  for (let i = 0; i < count; i++) days.push(utcDay(startMs + i * DAY_MS));
  return days;
}

/** Epoch ms of midnight UTC for a valid `YYYY-MM-DD`, or undefined if it is not a real date. */
export function parseDay(day: string): number | undefined {
  const m = DAY_PATTERN.exec(day);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return utcDay(ms) === day ? ms : undefined;
}

/** Epoch ms of the first midnight of a valid `YYYY-MM`, or undefined. */
export function parseMonth(month: string): number | undefined {
  const m = MONTH_PATTERN.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
}

function keys(prefix: string, folder: string, label: string): Pick<ReportPeriod, 'csvKey' | 'summaryKey'> {
  const base = `${prefix}${folder}/${label}`;
  return { csvKey: `${base}.csv`, summaryKey: `${base}.summary.json` };
}

/** The period of one UTC day (`YYYY-MM-DD`, already validated). */
export function dayPeriod(day: string, prefix = 'reports/'): ReportPeriod {
  const start = parseDay(day);
  if (start === undefined) throw new RangeError(`dayPeriod: expected a YYYY-MM-DD date, got '${day}'`);
  return {
    kind: 'day',
    label: day,
    days: [day],
    from: new Date(start).toISOString(),
    to: new Date(start + DAY_MS).toISOString(),
    ...keys(prefix, 'daily', day),
  };
}

/** The period of one UTC calendar month (`YYYY-MM`, already validated). */
export function monthPeriod(month: string, prefix = 'reports/'): ReportPeriod {
  const start = parseMonth(month);
  if (start === undefined) throw new RangeError(`monthPeriod: expected a YYYY-MM month, got '${month}'`);
  const first = new Date(start);
  const end = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1);
  return {
    kind: 'month',
    label: month,
    days: consecutiveDays(start, Math.round((end - start) / DAY_MS)),
    from: first.toISOString(),
    to: new Date(end).toISOString(),
    ...keys(prefix, 'monthly', month),
  };
}

/** The period a run at `slot` reports: the previous UTC day or the previous UTC month. */
export function previousPeriod(kind: ReportPeriodKind, slot: Date, prefix = 'reports/'): ReportPeriod {
  if (kind === 'day') return dayPeriod(utcDay(startOfUtcDay(slot) - DAY_MS), prefix);
  const previousMonthStart = Date.UTC(slot.getUTCFullYear(), slot.getUTCMonth() - 1, 1);
  return monthPeriod(utcDay(previousMonthStart).slice(0, 7), prefix);
}
