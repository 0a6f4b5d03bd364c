/**
 * `rate(value unit)`: a fixed period of elapsed time, unaffected by time zones and daylight saving
 * (`rate(1 day)` is 24 hours). Runs fall at `start + k * period` (k = 0, 1, ...), `start` being
 * the schedule's start date (EventBridge Scheduler's first occurrence), floored to the second.
 */
import { DAY_MS, floorTo, HOUR_MS, MINUTE_MS } from './calendar';
import { ScheduleExpressionError } from './errors';
import type { ParsedRateSchedule, RateUnit } from './parsed-schedule';

const UNITS: Record<string, { unit: RateUnit; plural: boolean }> = {
  minute: { unit: 'minute', plural: false },
  minutes: { unit: 'minute', plural: true },
  hour: { unit: 'hour', plural: false },
  hours: { unit: 'hour', plural: true },
  day: { unit: 'day', plural: false },
  days: { unit: 'day', plural: true },
};

const UNIT_MS: Record<RateUnit, number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

/**
 * AWS documents no upper bound; we cap the period at 100 years of 365 days so that every run
 * stays a safe, representable instant and a typo such as `rate(5000000 days)` is caught.
 */
export const MAX_RATE_VALUE: Record<RateUnit, number> = { minute: 52_560_000, hour: 876_000, day: 36_500 };

/** Parses the inside of `rate(...)`; `expression` is the full expression, used in messages. */
export function parseRate(expression: string, inner: string, timeZone: string): ParsedRateSchedule {
  const fail = (field: string, message: string): never => {
    throw new ScheduleExpressionError(`${expression}: ${field}: ${message}`, { expression, field });
  };
  const parts = inner.trim() === '' ? [] : inner.trim().split(/\s+/);
  if (parts.length !== 2) {
    throw new ScheduleExpressionError(
      `${expression}: expected rate(value unit) such as 'rate(5 minutes)', got '${inner}'`,
      { expression },
    );
  }
  const [valueText, unitText] = parts;
  if (!/^\d+$/.test(valueText) || Number(valueText) === 0) {
    fail('value', `expected a positive integer, got '${valueText}'`);
  }
  const unitSpec = UNITS[unitText];
  if (unitSpec === undefined) {
    return fail('unit', `expected minute, minutes, hour, hours, day or days, got '${unitText}'`);
  }
  const value = Number(valueText);
  const { unit, plural } = unitSpec;
  if (value === 1 && plural) fail('unit', `a value of 1 takes the singular '${unit}', got '${unitText}'`);
  if (value > 1 && !plural) fail('unit', `a value above 1 takes the plural '${unit}s', got '${unitText}'`);
  if (value > MAX_RATE_VALUE[unit]) {
    fail('value', `expected at most ${MAX_RATE_VALUE[unit]} ${unit}s (100 years), got '${valueText}'`);
  }
  return { kind: 'rate', expression, timeZone, value, unit, periodMs: value * UNIT_MS[unit] };
}

/**
 * Calls `visit` with each run of a rate strictly after `afterMs`, in order, until it returns false.
 */
export function forEachRateRun(
  schedule: ParsedRateSchedule,
  afterMs: number,
  startMs: number,
  visit: (instantMs: number) => boolean,
): void {
  const start = floorTo(startMs, 1000);
  const period = schedule.periodMs;
  let k = start > afterMs ? 0 : Math.floor((afterMs - start) / period) + 1;
  for (;;) {
    const instant = start + k * period;
    if (!Number.isFinite(instant) || instant > 8.64e15) return;
    if (!visit(instant)) return;
    k++;
  }
}
