/**
 * Job names: derived from a construct id, validated, and turned into the deterministic physical
 * names (Lambda function) the constructs need before CloudFormation creates anything.
 */
import { createHash } from 'node:crypto';
import { JOB_NAME_PATTERN, JobConfigurationError, MAX_JOB_NAME_LENGTH } from './contract';

/**
 * Names no job may take. `watchdog` is the platform's own schedule (in the same schedule group) and
 * its metrics' `service` dimension, so a job of that name would be mistaken for it.
 */
export const RESERVED_JOB_NAMES: readonly string[] = ['watchdog'];

/** Lambda function names are at most 64 characters. */
const MAX_FUNCTION_NAME = 64;

/**
 * The default job name for a construct id: `WeeklyLogCleanup` -> `weekly-log-cleanup`,
 * `S3Backup` -> `s3-backup`, `HTTPHealthCheck` -> `http-health-check`, `nightly_export` ->
 * `nightly-export`. The result is validated like any other name.
 */
export function jobNameFromId(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Throws a {@link JobConfigurationError} unless `name` is a usable job name. */
export function validateJobName(name: string): void {
  if (!JOB_NAME_PATTERN.test(name)) {
    throw new JobConfigurationError(
      `job '${name}': the job name must be kebab-case, start with a letter and have at most 48 characters (${JOB_NAME_PATTERN.source}); got '${name}'`,
    );
  }
  if (RESERVED_JOB_NAMES.includes(name)) {
    throw new JobConfigurationError(
      `job '${name}': the name '${name}' is reserved for the platform's own schedule; choose another jobName`,
    );
  }
}

/**
 * A physical name scoped to a stack: `<stack name>-<name>`. Stack names are unique per account and
 * Region, so two stacks never collide. When the two do not fit in `maxLength` characters, the stack
 * part is shortened and followed by a hash of the full stack name.
 */
export function stackScopedName(stackName: string, name: string, maxLength = MAX_FUNCTION_NAME): string {
  const full = `${stackName}-${name}`;
  if (full.length <= maxLength) {
    return full;
  }
  const hash = createHash('sha256').update(stackName).digest('hex').slice(0, 8);
  const room = maxLength - name.length - hash.length - 2;
  const prefix = stackName.slice(0, Math.max(room, 0)).replace(/-+$/, '');
  return prefix.length > 0 ? `${prefix}-${hash}-${name}` : `${hash}-${name}`;
}

/** Hex characters of the stack-name hash in {@link jobFunctionNamePrefix}. */
const PREFIX_HASH_LENGTH = 8;

/**
 * The prefix every job function name of a stack's platform starts with:
 * `<first characters of the stack name>-<hash of the stack name>-`, at most 16 characters, so
 * that the longest job name (48) still fits Lambda's 64. The platform grants Scheduler's role
 * `lambda:InvokeFunction` on `function:<prefix>*`, one statement whatever the number of jobs.
 *
 * The hash makes the prefix this platform's own: no other stack's job functions share it, and no
 * name CloudFormation generates (`<stack name>-<logical id>-<suffix>`) starts with it.
 */
export function jobFunctionNamePrefix(stackName: string): string {
  const hash = createHash('sha256').update(stackName).digest('hex').slice(0, PREFIX_HASH_LENGTH);
  const room = MAX_FUNCTION_NAME - MAX_JOB_NAME_LENGTH - PREFIX_HASH_LENGTH - 2;
  const head = stackName.slice(0, room).replace(/-+$/, '');
  return head.length > 0 ? `${head}-${hash}-` : `${hash}-`;
}

/**
 * The Lambda function name of a job, `<platform prefix><job name>` (see
 * {@link jobFunctionNamePrefix}; at most 64 characters). It is known at synth time so the
 * function can be allowed to invoke itself (`continueLater`) without a dependency cycle between
 * the function and its role's policy.
 */
export function jobFunctionName(stackName: string, jobName: string): string {
  return `${jobFunctionNamePrefix(stackName)}${jobName}`;
}
