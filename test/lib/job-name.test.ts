import { describe, expect, it } from 'vitest';
import { JobConfigurationError } from '../../lib/contract';
import { jobFunctionName, jobFunctionNamePrefix, jobNameFromId, stackScopedName, validateJobName } from '../../lib/job-name';

describe('jobNameFromId', () => {
  it.each([
    ['WeeklyLogCleanup', 'weekly-log-cleanup'],
    ['S3Backup', 's3-backup'],
    ['HTTPHealthCheck', 'http-health-check'],
    ['nightly_export', 'nightly-export'],
    ['Report2026Q1', 'report2026-q1'],
    ['already-kebab', 'already-kebab'],
  ])('GIVEN the id %s WHEN derived THEN the name is %s', (id, name) => {
    expect(jobNameFromId(id)).toBe(name);
  });
});

describe('validateJobName', () => {
  it('GIVEN a kebab-case name of 48 characters WHEN validated THEN it passes', () => {
    expect(() => validateJobName(`a${'b'.repeat(47)}`)).not.toThrow();
  });

  it('GIVEN 49 characters WHEN validated THEN it throws naming the rule', () => {
    const name = `a${'b'.repeat(48)}`;
    expect(() => validateJobName(name)).toThrow(
      new JobConfigurationError(
        `job '${name}': the job name must be kebab-case, start with a letter and have at most 48 characters (^[a-z][a-z0-9-]{0,47}$); got '${name}'`,
      ),
    );
  });

  it('GIVEN the reserved name watchdog WHEN validated THEN it throws', () => {
    expect(() => validateJobName('watchdog')).toThrow(
      "job 'watchdog': the name 'watchdog' is reserved for the platform's own schedule; choose another jobName",
    );
  });

  it('GIVEN an error WHEN thrown THEN it is a named JobConfigurationError', () => {
    try {
      validateJobName('Bad');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(JobConfigurationError);
      expect((error as Error).name).toBe('JobConfigurationError');
    }
  });
});

describe('jobFunctionName', () => {
  it('GIVEN a stack and a job WHEN named THEN it is the platform prefix (6 characters of the stack, a hash of it) and the job name', () => {
    const prefix = jobFunctionNamePrefix('ScheduledJobs');
    expect(prefix).toMatch(/^Schedu-[0-9a-f]{8}-$/);
    expect(jobFunctionName('ScheduledJobs', 'weekly-log-cleanup')).toBe(`${prefix}weekly-log-cleanup`);
  });

  it('GIVEN the longest stack and job names WHEN named THEN the name fits 64 characters and keeps the job name whole', () => {
    const stack = 'AVeryLongStackNameThatGoesOnAndOnForTheSakeOfTheTest';
    const job = `j${'x'.repeat(47)}`;
    const name = jobFunctionName(stack, job);
    expect(name).toHaveLength(64);
    expect(name).toMatch(/^AVeryL-[0-9a-f]{8}-jx+$/);
  });

  it('GIVEN two stacks with the same first characters WHEN named THEN their prefixes differ, and neither starts the other', () => {
    const one = jobFunctionNamePrefix('Billing');
    const two = jobFunctionNamePrefix('Billing-jobs');
    expect(one).not.toBe(two);
    expect(two.startsWith(one)).toBe(false);
    expect(jobFunctionName('a', 'b-c')).not.toBe(jobFunctionName('a-b', 'c'));
  });

  it('GIVEN a stack name that is cut at a hyphen WHEN named THEN the prefix has no double hyphen', () => {
    expect(jobFunctionNamePrefix('Stack-Two')).toMatch(/^Stack-[0-9a-f]{8}-$/);
  });
});

describe('stackScopedName', () => {
  it('GIVEN a short stack and name WHEN named THEN it is <stack>-<name>', () => {
    expect(stackScopedName('ScheduledJobs', 'jobs')).toBe('ScheduledJobs-jobs');
  });

  it('GIVEN a name over 64 characters WHEN named THEN it is cut to 64 with a stack hash and keeps the name whole', () => {
    const stack = 'AVeryLongStackNameThatGoesOnAndOnForTheSakeOfTheTest';
    const job = 'nightly-export-of-everything-we-have';
    const name = stackScopedName(stack, job);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name.endsWith(`-${job}`)).toBe(true);
    expect(name).toMatch(/^AVeryLongStack[A-Za-z]*-[0-9a-f]{8}-nightly/);
    // Another long stack with the same first characters gets another name.
    expect(stackScopedName(`${stack}Two`, job)).not.toBe(name);
  });

  it('GIVEN a longer limit WHEN named THEN the full name is kept', () => {
    expect(stackScopedName('S', 'jobs', 255)).toBe('S-jobs');
  });
});
