/**
 * `nextRuns` and `runsBetween`: the instants at which EventBridge Scheduler fires a schedule
 * (minute precision, no flexible time window).
 */
import { CronCursor } from './cron-next';
import { compileSchedule, type CompiledSchedule } from './parse-schedule';
import { forEachRateRun } from './rate';

export interface NextRunsOptions {
  /**
   * IANA zone the expression is evaluated in.
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /** Runs strictly after this instant are returned. */
  readonly after: Date;
  /** The most runs to return (a non-negative integer). */
  readonly count: number;
  /**
   * The schedule's start date. For `rate()` it is the first occurrence (runs fall at
   * `start + k * period`); for `cron()` no run falls before it; `at()` ignores it, as AWS does.
   * @default after
   */
  readonly start?: Date;
}

export interface RunsBetweenOptions {
  /**
   * IANA zone the expression is evaluated in.
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /** Exclusive lower bound. */
  readonly from: Date;
  /** Inclusive upper bound. */
  readonly to: Date;
  /**
   * The schedule's start date (see {@link NextRunsOptions.start}).
   * @default from
   */
  readonly start?: Date;
}

function instantOf(name: string, option: string, value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new TypeError(`${name}: '${option}' must be a valid Date, got ${String(value)}`);
  return ms;
}

/** Calls `visit` with each run strictly after `afterMs`, in order, until it returns false. */
function forEachRun(compiled: CompiledSchedule, afterMs: number, startMs: number | undefined, visit: (ms: number) => boolean): void {
  const { parsed } = compiled;
  switch (parsed.kind) {
    case 'at': {
      const instant = parsed.instant.getTime();
      if (instant > afterMs) visit(instant);
      return;
    }
    case 'rate':
      forEachRateRun(parsed, afterMs, startMs ?? afterMs, visit);
      return;
    case 'cron': {
      const from = startMs !== undefined && startMs - 1 > afterMs ? startMs - 1 : afterMs;
      const cursor = new CronCursor(compiled.cron!, from);
      for (let instant = cursor.next(); instant !== undefined; instant = cursor.next()) {
        if (!visit(instant)) return;
      }
      return;
    }
  }
}

/**
 * The next up to `count` instants strictly after `after` at which the schedule fires.
 * `at()` yields at most one (none once past); a cron bounded by its year field may yield fewer
 * than `count`; `rate()` counts elapsed time from `start` (default `after`).
 *
 * @throws ScheduleExpressionError for an invalid expression or zone.
 */
export function nextRuns(expression: string, options: NextRunsOptions): Date[] {
  const afterMs = instantOf('nextRuns', 'after', options.after);
  const startMs = options.start === undefined ? undefined : instantOf('nextRuns', 'start', options.start);
  const { count } = options;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`nextRuns: 'count' must be a non-negative integer, got ${String(count)}`);
  }
  const compiled = compileSchedule(expression, options.timeZone ?? 'UTC');
  const runs: Date[] = [];
  if (count === 0) return runs;
  forEachRun(compiled, afterMs, startMs, (ms) => {
    runs.push(new Date(ms));
    return runs.length < count;
  });
  return runs;
}

/**
 * Every instant in `(from, to]` at which the schedule fires, in order (the runs that should have
 * happened between two checks).
 *
 * @throws ScheduleExpressionError for an invalid expression or zone.
 */
export function runsBetween(expression: string, options: RunsBetweenOptions): Date[] {
  const fromMs = instantOf('runsBetween', 'from', options.from);
  const toMs = instantOf('runsBetween', 'to', options.to);
  const startMs = options.start === undefined ? undefined : instantOf('runsBetween', 'start', options.start);
  const compiled = compileSchedule(expression, options.timeZone ?? 'UTC');
  const runs: Date[] = [];
  if (toMs <= fromMs) return runs;
  forEachRun(compiled, fromMs, startMs, (ms) => {
    if (ms > toMs) return false;
    runs.push(new Date(ms));
    return true;
  });
  return runs;
}
