import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../lambdas/runtime/config';
import { JobConfigurationError } from '../../../lambdas/runtime/errors';

describe('resolveConfig', () => {
  it('reads the environment the construct sets', () => {
    expect(
      resolveConfig({
        JOB_NAME: 'weekly-cleanup',
        JOB_OVERLAP_POLICY: 'allow',
        JOB_LEASE_SECONDS: '360',
        JOB_RUN_TTL_DAYS: '30',
        JOBS_TABLE_NAME: 'JobState',
      }),
    ).toEqual({ job: 'weekly-cleanup', overlap: 'allow', leaseSeconds: 360, runTtlDays: 30, tableName: 'JobState' });
  });

  it('defaults to skip, 960 s and 90 days', () => {
    expect(resolveConfig({})).toEqual({ job: undefined, overlap: 'skip', leaseSeconds: 960, runTtlDays: 90, tableName: undefined });
  });

  it('prefers the defineJob options over the environment', () => {
    const config = resolveConfig(
      { JOB_NAME: 'from-env', JOB_OVERLAP_POLICY: 'skip', JOB_LEASE_SECONDS: '100', JOB_RUN_TTL_DAYS: '10' },
      { name: 'from-options', overlap: 'allow', leaseSeconds: 5, runTtlDays: 1, tableName: 't' },
    );
    expect(config).toEqual({ job: 'from-options', overlap: 'allow', leaseSeconds: 5, runTtlDays: 1, tableName: 't' });
  });

  it.each([
    [{ JOB_NAME: 'Bad_Name' }, {}, "environment variable JOB_NAME: expected a kebab-case job name matching /^[a-z][a-z0-9-]{0,47}$/ (got 'Bad_Name')"],
    [{}, { name: '9lives' }, "defineJob option name: expected a kebab-case job name matching /^[a-z][a-z0-9-]{0,47}$/ (got '9lives')"],
    [{ JOB_NAME: 'a', JOB_OVERLAP_POLICY: 'queue' }, {}, "job 'a': environment variable JOB_OVERLAP_POLICY: expected 'skip' or 'allow', got 'queue'"],
    [{ JOB_NAME: 'a', JOB_LEASE_SECONDS: '15m' }, {}, "job 'a': environment variable JOB_LEASE_SECONDS: expected a positive whole number, got '15m'"],
    [{ JOB_NAME: 'a', JOB_RUN_TTL_DAYS: '0' }, {}, "job 'a': environment variable JOB_RUN_TTL_DAYS: expected a positive whole number, got '0'"],
    [{ JOB_NAME: 'a' }, { leaseSeconds: -1 }, "job 'a': leaseSeconds option: expected a positive whole number, got '-1'"],
  ])('rejects %j %j', (env, overrides, message) => {
    expect(() => resolveConfig(env, overrides)).toThrow(new JobConfigurationError(message));
  });
});
