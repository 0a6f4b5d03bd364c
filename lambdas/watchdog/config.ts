/**
 * The watchdog function's environment, read and validated before any AWS call.
 */
import { WatchdogEnv } from '../../lib/contract';
import { WatchdogDefaults } from './check-missed-runs';
import { WatchdogConfigError } from './errors';

export { WatchdogEnv };

export interface WatchdogConfig {
  readonly tableName: string;
  readonly group: string;
  readonly graceSeconds: number;
  readonly missedTtlDays: number;
}

function required(env: Readonly<Record<string, string | undefined>>, name: string, what: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new WatchdogConfigError(`watchdog: environment variable ${name} must be set to ${what} (got ${value === undefined ? 'nothing' : "''"})`);
  }
  return value.trim();
}

function integer(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, min: number, what: string): number {
  const value = env[name];
  if (value === undefined || value.trim() === '') return fallback;
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < min || !Number.isSafeInteger(Number(trimmed))) {
    throw new WatchdogConfigError(`watchdog: environment variable ${name} must be ${what} (got '${value}')`);
  }
  return Number(trimmed);
}

/** @throws WatchdogConfigError naming the variable, what was expected and what came */
export function readWatchdogConfig(env: Readonly<Record<string, string | undefined>>): WatchdogConfig {
  return {
    tableName: required(env, WatchdogEnv.TABLE_NAME, "the job-state table's name"),
    group: required(env, WatchdogEnv.SCHEDULE_GROUP_NAME, "the platform's schedule group name"),
    graceSeconds: integer(env, WatchdogEnv.MISSED_RUN_GRACE_SECONDS, WatchdogDefaults.graceSeconds, 0, 'a whole number of seconds >= 0'),
    missedTtlDays: integer(env, WatchdogEnv.RUN_TTL_DAYS, WatchdogDefaults.missedTtlDays, 1, 'a whole number of days >= 1'),
  };
}
