/**
 * Parsing of flag values into requests: counts, JSON payloads, instants for `--at`, keys. Pure:
 * every error is a {@link CliUsageError} naming the flag, what was expected and what came.
 */
import { randomUUID } from 'node:crypto';
import { validateTimeZone } from '../../lib/schedule';
import { instantOfWallClock } from '../../lambdas/runtime/once-time';
import { CliUsageError } from './errors';

function shown(text: string): string {
  return `'${text.length > 60 ? `${text.slice(0, 57)}...` : text}'`;
}

/** A whole number from `min` to `max` (`-n 10`, `--limit 20`). */
export function parseCount(flag: string, text: string, min: number, max: number): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliUsageError(`${flag}: expected a whole number from ${min} to ${max}, got ${shown(text)}`);
  }
  return n;
}

/** A JSON value (`--payload '{"olderThanDays":7}'`). */
export function parseJsonFlag(flag: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliUsageError(`${flag}: expected JSON such as '{"olderThanDays":7}', got ${shown(text)} (${(error as Error).message})`, {
      cause: error,
    });
  }
}

/** An IANA zone (`--tz Europe/Paris`). */
export function parseZone(flag: string, text: string): string {
  try {
    return validateTimeZone(text);
  } catch (error) {
    throw new CliUsageError(`${flag}: ${(error as Error).message}`, { cause: error });
  }
}

const RELATIVE = /^\+(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

function validCalendar(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day && hour <= 23 && minute <= 59 && second <= 59;
}

/**
 * `--at`: an instant with an offset (`2026-12-01T09:00:00Z`, `2026-12-01T09:00+01:00`), a wall
 * clock read in `timeZone` (`2026-12-01T09:00`, `2026-12-01 09:00:30`), or a delay from now
 * (`+90s`, `+10m`, `+2h`, `+3d`).
 */
export function parseAt(text: string, timeZone: string, now: Date): Date {
  const trimmed = text.trim();
  const expected =
    "expected an instant ('2026-12-01T09:00:00Z'), a wall clock in --tz ('2026-12-01T09:00') or a delay from now ('+10m', '+2h', '+3d')";
  const relative = RELATIVE.exec(trimmed);
  if (relative) return new Date(now.getTime() + Number(relative[1]) * UNIT_MS[relative[2]]);
  const withOffset = WITH_OFFSET.exec(trimmed);
  if (withOffset) {
    const [year, month, day, hour, minute, second] = withOffset.slice(1).map((v) => Number(v ?? 0));
    const ms = Date.parse(trimmed);
    if (Number.isNaN(ms) || !validCalendar(year, month, day, hour, minute, second)) {
      throw new CliUsageError(`--at: ${expected}, got ${shown(text)}`);
    }
    return new Date(ms);
  }
  const wall = WALL_CLOCK.exec(trimmed);
  if (wall) {
    const [year, month, day, hour, minute, second] = wall.slice(1).map((v) => Number(v ?? 0));
    if (!validCalendar(year, month, day, hour, minute, second)) throw new CliUsageError(`--at: ${expected}, got ${shown(text)}`);
    return instantOfWallClock({ year, month, day, hour, minute, second }, timeZone);
  }
  throw new CliUsageError(`--at: ${expected}, got ${shown(text)}`);
}

/** A key for a one-time schedule made from the CLI without `--key`: `cli-<8 hex>`. */
export function generatedKey(random: () => string = randomUUID): string {
  return `cli-${random().replace(/-/g, '').slice(0, 8)}`;
}

/** Who did it, for `pause`/`resume`: `--by`, else `$USER@$HOSTNAME`-like. */
export function actor(by: string | undefined, env: Readonly<Record<string, string | undefined>>, host: string): string {
  if (by !== undefined) {
    const trimmed = by.trim();
    if (trimmed === '') throw new CliUsageError("--by: expected a name such as 'alice', got ''");
    return trimmed;
  }
  const user = env.USER ?? env.LOGNAME ?? env.USERNAME ?? 'unknown';
  return `${user}@${host}`;
}
