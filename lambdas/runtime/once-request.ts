/**
 * Pure request building for one-time schedules: validation, the schedule name, the `at()`
 * expression and the target input. No SDK calls (types only), so it is tested without mocks.
 */
import type { CreateScheduleCommandInput, UpdateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import type { JobEvent } from '../../lib/contract';
import { OneTimeScheduleValidationError, OneTimeSchedulerConfigError } from './once-errors';
import { oneTimeScheduleName } from '../../lib/contract';
import { JOB_NAME_PATTERN } from './config';
import { validateTimeZone } from '../../lib/schedule';
import { formatWallClock, instantOfWallClock, wallClockAt } from './once-time';

/** The longest key a one-time schedule accepts (the runtime checks the same bound). */
export const MAX_KEY_LENGTH = 256;

/**
 * The largest target input (the whole job event as JSON, in UTF-8 bytes) a one-time schedule
 * accepts: 256 KB. The Scheduler API model sets no maximum on `Target.Input`; 256 KB is the
 * smallest ceiling on the way to the function (EventBridge's event size, and the async Lambda
 * payload limit before 2025), so a payload that passes here is delivered everywhere.
 */
export const MAX_INPUT_BYTES = 262_144;

/** How far in the future `at` must be when the request is made. */
export const MIN_LEAD_MS = 60_000;

const GROUP_NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** Where a one-time schedule delivers, and how. */
export interface OneTimeTarget {
  /** The job function's ARN. */
  readonly arn: string;
  /** The role EventBridge Scheduler assumes to invoke the function. */
  readonly roleArn: string;
  /** The SQS queue that receives events Scheduler could not deliver (the failure inbox). */
  readonly deadLetterArn?: string;
}

/** Scheduler's delivery retry policy for the schedules (not the function's own retries). */
export interface OneTimeRetryPolicy {
  /** 0-185. @default 185 (Scheduler's default) */
  readonly maximumRetryAttempts?: number;
  /** 60-86400 seconds. @default 86400 (Scheduler's default) */
  readonly maximumEventAgeInSeconds?: number;
}

/** A job's one-time scheduling configuration, validated. */
export interface OneTimeConfig {
  readonly job: string;
  readonly group: string;
  readonly target: OneTimeTarget;
  readonly retryPolicy?: OneTimeRetryPolicy;
}

/** One schedule to create (or move). */
export interface OneTimeScheduleRequest<P = unknown> {
  /**
   * What the schedule stands for, unique within the job (`sub-123`, `order-42-reminder`): the
   * same key always maps to the same schedule, so scheduling it twice creates it once.
   * 1-256 characters.
   */
  readonly key: string;
  /** When to run: at least one minute from now. Milliseconds are dropped. */
  readonly at: Date;
  /**
   * The IANA zone the schedule's `at()` wall clock is written in (it only labels the instant:
   * the schedule fires at `at` whatever the zone).
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /** The job's payload (`ctx.payload`), JSON. @default {} */
  readonly payload?: P;
}

/** A validated request, ready to send. */
export interface BuiltSchedule {
  readonly key: string;
  readonly name: string;
  /** `at`, truncated to the second. */
  readonly at: Date;
  /** The zone asked for. */
  readonly timeZone: string;
  /** `at(yyyy-mm-ddThh:mm:ss)`. */
  readonly expression: string;
  /** The zone the expression is written in: `timeZone`, or `UTC` when its wall clock is ambiguous. */
  readonly expressionTimeZone: string;
  /** The target input: the job event as JSON. */
  readonly input: string;
  readonly description: string;
}

/** Checks a configuration; throws OneTimeSchedulerConfigError naming the field. */
export function validateConfig(config: OneTimeConfig, source = 'OneTimeScheduler'): OneTimeConfig {
  const fail = (message: string) => {
    throw new OneTimeSchedulerConfigError(`${source}: ${message}`);
  };
  if (typeof config.job !== 'string' || !JOB_NAME_PATTERN.test(config.job)) {
    fail(`job must be a job name matching ${JOB_NAME_PATTERN} (got ${JSON.stringify(config.job)})`);
  }
  if (typeof config.group !== 'string' || !GROUP_NAME.test(config.group)) {
    fail(`group must be a schedule group name of 1-64 characters [0-9a-zA-Z-_.] (got ${JSON.stringify(config.group)})`);
  }
  if (!config.target || typeof config.target.arn !== 'string' || config.target.arn.length === 0) {
    fail(`target.arn must be the job function's ARN (got ${JSON.stringify(config.target?.arn)})`);
  }
  if (typeof config.target.roleArn !== 'string' || !ROLE_ARN.test(config.target.roleArn)) {
    fail(`target.roleArn must be an IAM role ARN (got ${JSON.stringify(config.target.roleArn)})`);
  }
  if (config.target.deadLetterArn !== undefined && !/^arn:aws(-[a-z]+)?:sqs:/.test(config.target.deadLetterArn)) {
    fail(`target.deadLetterArn must be an SQS queue ARN (got ${JSON.stringify(config.target.deadLetterArn)})`);
  }
  const retries = config.retryPolicy?.maximumRetryAttempts;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= 185)) {
    fail(`retryPolicy.maximumRetryAttempts must be an integer from 0 to 185 (got ${retries})`);
  }
  const age = config.retryPolicy?.maximumEventAgeInSeconds;
  if (age !== undefined && !(Number.isInteger(age) && age >= 60 && age <= 86_400)) {
    fail(`retryPolicy.maximumEventAgeInSeconds must be an integer from 60 to 86400 (got ${age})`);
  }
  return config;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : `'${value}'`;
  return typeof value;
}

/** Validates the key alone (for `cancel` and `get`). */
export function validateKey(job: string, key: unknown, index?: number): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    const got = typeof key === 'string' && key.length > MAX_KEY_LENGTH ? `${key.length} characters` : describeValue(key);
    throw new OneTimeScheduleValidationError(
      `${subject(job, index)}: key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters (got ${got})`,
      'key',
      { index },
    );
  }
  return key;
}

function subject(job: string, index?: number): string {
  return index === undefined ? `one-time schedule for job '${job}'` : `one-time schedule for job '${job}' (item ${index})`;
}

/**
 * Validates a request and builds everything the API calls need. Throws
 * OneTimeScheduleValidationError (field `key`, `at`, `timeZone` or `payload`) before any call.
 */
export function buildSchedule(config: OneTimeConfig, request: OneTimeScheduleRequest, now: Date, index?: number): BuiltSchedule {
  const { job } = config;
  const key = validateKey(job, request?.key, index);
  const fail = (field: string, message: string, cause?: unknown): never => {
    throw new OneTimeScheduleValidationError(`${subject(job, index)}: ${message}`, field, { cause, index });
  };

  const rawAt: unknown = request.at;
  if (!(rawAt instanceof Date) || Number.isNaN(rawAt.getTime())) {
    return fail('at', `at must be a valid Date (got ${describeValue(rawAt)})`);
  }
  const at = new Date(Math.floor(rawAt.getTime() / 1000) * 1000);
  if (at.getTime() < now.getTime() + MIN_LEAD_MS) {
    fail('at', `at must be at least 1 minute in the future (got ${at.toISOString()}, now ${now.toISOString()})`);
  }

  const timeZone = request.timeZone ?? 'UTC';
  try {
    validateTimeZone(timeZone);
  } catch (error) {
    fail('timeZone', `timeZone must be an IANA time zone such as 'Europe/Paris' (got ${describeValue(timeZone)})`, error);
  }

  // The wall clock in the zone; when it is ambiguous (the second pass of a fall-back hour),
  // write it in UTC so the schedule fires at `at` and not an hour earlier.
  let expressionTimeZone = timeZone;
  let wall = wallClockAt(at, timeZone);
  if (instantOfWallClock(wall, timeZone).getTime() !== at.getTime()) {
    expressionTimeZone = 'UTC';
    wall = wallClockAt(at, 'UTC');
  }
  const expression = `at(${formatWallClock(wall)})`;

  const event: JobEvent = {
    job,
    scheduledTime: at.toISOString(),
    executionId: '<aws.scheduler.execution-id>',
    attempt: '<aws.scheduler.attempt-number>',
    scheduleArn: '<aws.scheduler.schedule-arn>',
    payload: request.payload ?? {},
    // The runtime's slot is `<scheduledTime>#<key>`: one run per key, even at a shared instant.
    key,
  };
  let input: string;
  try {
    input = JSON.stringify(event);
  } catch (error) {
    return fail('payload', `payload must be JSON-serialisable (got ${(error as Error).message})`, error);
  }
  const bytes = Buffer.byteLength(input, 'utf8');
  if (bytes > MAX_INPUT_BYTES) {
    fail('payload', `payload must fit in a schedule input of at most ${MAX_INPUT_BYTES} bytes of JSON (got ${bytes} bytes)`);
  }

  return {
    key,
    name: oneTimeScheduleName(job, key),
    at,
    timeZone,
    expression,
    expressionTimeZone,
    input,
    description: describeKey(job, key),
  };
}

/** The schedule's description: it carries the key, which the name only abbreviates. */
export function describeKey(job: string, key: string): string {
  return `${job}: ${key}`;
}

/** The key back from a description written by {@link describeKey}. */
export function keyFromDescription(job: string, description: string | undefined): string | undefined {
  const prefix = `${job}: `;
  return description?.startsWith(prefix) ? description.slice(prefix.length) : undefined;
}

/** The fields shared by CreateSchedule and UpdateSchedule (UpdateSchedule replaces them all). */
function scheduleFields(config: OneTimeConfig, built: BuiltSchedule) {
  const retry = config.retryPolicy;
  return {
    Name: built.name,
    GroupName: config.group,
    Description: built.description,
    ScheduleExpression: built.expression,
    ScheduleExpressionTimezone: built.expressionTimeZone,
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    ActionAfterCompletion: 'DELETE' as const,
    State: 'ENABLED' as const,
    Target: {
      Arn: config.target.arn,
      RoleArn: config.target.roleArn,
      Input: built.input,
      ...(config.target.deadLetterArn ? { DeadLetterConfig: { Arn: config.target.deadLetterArn } } : {}),
      ...(retry && (retry.maximumRetryAttempts !== undefined || retry.maximumEventAgeInSeconds !== undefined)
        ? {
            RetryPolicy: {
              ...(retry.maximumRetryAttempts !== undefined ? { MaximumRetryAttempts: retry.maximumRetryAttempts } : {}),
              ...(retry.maximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: retry.maximumEventAgeInSeconds } : {}),
            },
          }
        : {}),
    },
  };
}

/** The CreateSchedule request. */
export function createScheduleInput(config: OneTimeConfig, built: BuiltSchedule, clientToken?: string): CreateScheduleCommandInput {
  return { ...scheduleFields(config, built), ...(clientToken ? { ClientToken: clientToken } : {}) };
}

/** The UpdateSchedule request: every field again, as UpdateSchedule replaces the schedule. */
export function updateScheduleInput(config: OneTimeConfig, built: BuiltSchedule, clientToken?: string): UpdateScheduleCommandInput {
  return { ...scheduleFields(config, built), ...(clientToken ? { ClientToken: clientToken } : {}) };
}
