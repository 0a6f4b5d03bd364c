/**
 * `parseSchedule`: recognises `cron(...)`, `rate(...)` and `at(...)`, validates the time zone and
 * every field, and returns the parsed form or throws {@link ScheduleExpressionError}.
 */
import { compileCron, type CompiledCron } from './cron-next';
import { parseCronFields } from './cron-parser';
import { parseAt } from './at';
import { ScheduleExpressionError } from './errors';
import type { ParsedSchedule } from './parsed-schedule';
import { parseRate } from './rate';
import { validateTimeZone } from './time-zone';

/** EventBridge Scheduler's limit on `ScheduleExpression`. */
export const MAX_EXPRESSION_LENGTH = 256;

const SHAPES = 'expected cron(...), rate(...) or at(...)';

/**
 * Parses `expression` for the IANA zone `timeZone` (default `UTC`).
 *
 * @throws ScheduleExpressionError when EventBridge Scheduler would reject the expression or zone.
 */
export function parseSchedule(expression: string, timeZone = 'UTC'): ParsedSchedule {
  if (typeof expression !== 'string' || expression === '') {
    throw new ScheduleExpressionError(`schedule expression is empty: ${SHAPES}`, { expression: String(expression ?? '') });
  }
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new ScheduleExpressionError(
      `${expression}: expected at most ${MAX_EXPRESSION_LENGTH} characters, got ${expression.length}`,
      { expression },
    );
  }
  const match = /^(cron|rate|at)\(([^()]*)\)$/.exec(expression);
  if (match === null) {
    const hint = expression.trim() !== expression ? ' without leading or trailing spaces' : '';
    throw new ScheduleExpressionError(`${expression}: ${SHAPES}${hint}`, { expression });
  }
  try {
    validateTimeZone(timeZone);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new ScheduleExpressionError(`${expression}: ${message}`, { expression, field: 'time zone', cause });
  }
  const [, kind, inner] = match;
  if (kind === 'cron') return parseCronFields(expression, inner, timeZone);
  if (kind === 'rate') return parseRate(expression, inner, timeZone);
  return parseAt(expression, inner, timeZone);
}

/** A parsed schedule with its precomputed cron tables, shared by the run calculations. */
export interface CompiledSchedule {
  readonly parsed: ParsedSchedule;
  readonly cron?: CompiledCron;
}

const compiledCache = new Map<string, CompiledSchedule>();
const CACHE_LIMIT = 256;

/** Parses and compiles, memoised per (expression, zone); the result must not be mutated. */
export function compileSchedule(expression: string, timeZone = 'UTC'): CompiledSchedule {
  const key = `${timeZone}\u0000${expression}`;
  const cached = compiledCache.get(key);
  if (cached !== undefined) return cached;
  const parsed = parseSchedule(expression, timeZone);
  const compiled: CompiledSchedule = parsed.kind === 'cron' ? { parsed, cron: compileCron(parsed) } : { parsed };
  if (compiledCache.size >= CACHE_LIMIT) compiledCache.clear();
  compiledCache.set(key, compiled);
  return compiled;
}
