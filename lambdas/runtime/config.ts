/**
 * The runtime's configuration, read from the function's environment (set by the `ScheduledJob`
 * construct) and the `defineJob` options. Pure: takes the environment as an argument.
 */
import { JOB_NAME_PATTERN, JobEnv, OverlapPolicy, type OverlapMode } from '../../lib/contract';
import { JobConfigurationError } from './errors';

/** Job names, as the constructs enforce them: the contract's rule, for the runtime, the one-time scheduler and the watchdog. */
export { JOB_NAME_PATTERN };

/** How a run treats a previous run of the same job that is still going: a policy or its value. */
export type OverlapOption = OverlapPolicy | OverlapMode;

/** Lease length when `JOB_LEASE_SECONDS` is not set: Lambda's longest timeout (900 s) plus a minute. */
export const DEFAULT_LEASE_SECONDS = 960;
/** Run-record retention when `JOB_RUN_TTL_DAYS` is not set. */
export const DEFAULT_RUN_TTL_DAYS = 90;

export interface RuntimeConfig {
  /** The job name from the options or `JOB_NAME`; undefined means "take it from the event". */
  readonly job?: string;
  readonly overlap: OverlapMode;
  readonly leaseSeconds: number;
  readonly runTtlDays: number;
  /** The state table; undefined when neither the environment nor the options name one. */
  readonly tableName?: string;
}

export interface ConfigOverrides {
  readonly name?: string;
  readonly overlap?: OverlapOption;
  readonly leaseSeconds?: number;
  readonly runTtlDays?: number;
  readonly tableName?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function positiveInteger(what: string, raw: string | number | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new JobConfigurationError(`${what}: expected a positive whole number, got '${raw}'`);
  }
  return value;
}

/** Reads and checks the configuration; throws `JobConfigurationError` naming the setting. */
export function resolveConfig(env: Env, overrides: ConfigOverrides = {}): RuntimeConfig {
  const job = overrides.name ?? (env[JobEnv.JOB_NAME] || undefined);
  if (job !== undefined && !JOB_NAME_PATTERN.test(job)) {
    const source = overrides.name !== undefined ? 'defineJob option name' : `environment variable ${JobEnv.JOB_NAME}`;
    throw new JobConfigurationError(
      `${source}: expected a kebab-case job name matching ${JOB_NAME_PATTERN} (got '${job}')`,
    );
  }
  const prefix = job ? `job '${job}': ` : '';
  const overlapOption = overrides.overlap instanceof OverlapPolicy ? overrides.overlap.value : overrides.overlap;
  const overlapRaw = overlapOption ?? (env[JobEnv.OVERLAP_POLICY] || 'skip');
  if (overlapRaw !== 'skip' && overlapRaw !== 'allow') {
    const source = overrides.overlap !== undefined ? 'defineJob option overlap' : `environment variable ${JobEnv.OVERLAP_POLICY}`;
    throw new JobConfigurationError(`${prefix}${source}: expected 'skip' or 'allow', got '${overlapRaw}'`);
  }
  const leaseSeconds = positiveInteger(
    `${prefix}${overrides.leaseSeconds !== undefined ? 'leaseSeconds option' : `environment variable ${JobEnv.LEASE_SECONDS}`}`,
    overrides.leaseSeconds ?? env[JobEnv.LEASE_SECONDS],
    DEFAULT_LEASE_SECONDS,
  );
  const runTtlDays = positiveInteger(
    `${prefix}${overrides.runTtlDays !== undefined ? 'runTtlDays option' : `environment variable ${JobEnv.RUN_TTL_DAYS}`}`,
    overrides.runTtlDays ?? env[JobEnv.RUN_TTL_DAYS],
    DEFAULT_RUN_TTL_DAYS,
  );
  const tableName = overrides.tableName ?? (env[JobEnv.TABLE_NAME] || undefined);
  return { job, overlap: overlapRaw, leaseSeconds, runTtlDays, tableName };
}
