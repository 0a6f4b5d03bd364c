/**
 * Names for one-time schedules and the environment variables that carry a one-time job's
 * configuration. Pure: shared by the runtime (`once.ts`), the constructs (`lib/one-time-job.ts`)
 * and the CLI.
 */
import { createHash } from 'node:crypto';

/** EventBridge Scheduler's limit on schedule names. */
export const SCHEDULE_NAME_MAX_LENGTH = 64;

/** How many characters of the key's hash end every name (base32, 5 bits each: 70 bits). */
export const KEY_HASH_LENGTH = 14;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The prefix every one-time schedule of `job` starts with: the job name and a dot. Job names are
 * `[a-z][a-z0-9-]*` (no dot), so one job's prefix never matches another job's names: `report.`
 * does not match `report-daily.…`. IAM grants and `ListSchedules` filter on it.
 */
export function oneTimeNamePrefix(job: string): string {
  return `${job}.`;
}

/** A short, lowercase, base32 digest of the whole key (SHA-256, first 70 bits). */
export function keyHash(key: string): string {
  const digest = createHash('sha256').update(key, 'utf8').digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < KEY_HASH_LENGTH) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length >= KEY_HASH_LENGTH) break;
  }
  return out;
}

/**
 * The schedule name for `job` + `key`: `<job>.<readable key>.<hash>`, at most 64 characters of
 * `[0-9a-zA-Z-_.]`. The readable part is the key with every character outside `[0-9a-zA-Z_-]`
 * replaced by `_`, cut to the room left (and left out when there is none); the hash covers the
 * whole key, so two keys that read alike (`a/b`, `a:b`) or share a long prefix still get different
 * names. The same job and key always give the same name.
 */
export function oneTimeScheduleName(job: string, key: string): string {
  const prefix = oneTimeNamePrefix(job);
  const hash = keyHash(key);
  const room = SCHEDULE_NAME_MAX_LENGTH - prefix.length - hash.length - 1;
  const readable = key.replace(/[^0-9a-zA-Z_-]/g, '_').slice(0, Math.max(0, room));
  return readable.length > 0 ? `${prefix}${readable}.${hash}` : `${prefix}${hash}`;
}

/**
 * The environment variables `OneTimeJob.grantSchedule(fn)` sets on a function so that
 * `OneTimeScheduler.fromEnvironment(job)` can build its requests. One set per job, so one
 * function may schedule several jobs: `ONCE_<JOB>_…` where `<JOB>` is the job name in upper case
 * with `-` as `_` (`payment-reminder` → `ONCE_PAYMENT_REMINDER_GROUP`).
 */
export function oneTimeEnvNames(job: string) {
  const base = `ONCE_${job.toUpperCase().replace(/-/g, '_')}`;
  return {
    /** The one-time schedule group's name. */
    group: `${base}_GROUP`,
    /** The job function's ARN (the schedule's target). */
    targetArn: `${base}_TARGET_ARN`,
    /** The role EventBridge Scheduler assumes to invoke the target. */
    roleArn: `${base}_ROLE_ARN`,
    /** The failure inbox's ARN (the schedule's dead-letter queue). */
    deadLetterArn: `${base}_DEAD_LETTER_ARN`,
    /** Scheduler delivery retries (0-185). */
    retryAttempts: `${base}_RETRY_ATTEMPTS`,
    /** Scheduler delivery maximum event age, in seconds (60-86400). */
    maxEventAgeSeconds: `${base}_MAX_EVENT_AGE_SECONDS`,
  } as const;
}
