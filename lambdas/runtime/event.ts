/**
 * Validates and normalises the event a job's function receives (a Scheduler delivery, a manual
 * run or a continuation). Pure: no I/O, the current time is an argument.
 */
import { CATCH_UP_TRIGGER, type JobEvent } from '../../lib/contract';
import { JOB_NAME_PATTERN } from './config';
import { InvalidJobEventError } from './errors';

/** A validated event, with the slot worked out. */
export interface NormalisedEvent {
  readonly job: string;
  /**
   * The slot as an ISO string with milliseconds (`2026-03-01T02:00:00.000Z`); for a one-time
   * schedule's event (`key` set), `<ISO>#<key>`, so runs of different keys at one instant differ.
   */
  readonly slot: string;
  readonly scheduledTime: Date;
  readonly manual: boolean;
  /**
   * A re-run an operator or the platform asked for by slot: a manual run with its `scheduledTime`
   * (`cdk-jobs run --slot`, backfill) or a catch-up run (`trigger: 'catch-up'`). It may start a slot
   * recorded SKIPPED again.
   */
  readonly rerun: boolean;
  /** 0 for a first invocation, n for the n-th continuation. */
  readonly sequence: number;
  /** Scheduler's delivery attempt number (`<aws.scheduler.attempt-number>`), when present. */
  readonly deliveryAttempt?: number;
  readonly executionId?: string;
  readonly scheduleArn?: string;
  readonly payload: unknown;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const ISO_EXAMPLE = "'2026-03-01T02:00:00Z'";

/** A short, readable rendering of an unexpected value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Parses an ISO-8601 instant strictly (calendar-valid, explicit offset); undefined if it is not one. */
export function parseInstant(text: string): Date | undefined {
  const match = ISO_INSTANT.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour] = match.slice(1, 5).map(Number);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day || hour > 23) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The slot of a manual run received at `nowMs`: that instant truncated to the second. */
export function manualSlot(nowMs: number): Date {
  return new Date(Math.floor(nowMs / 1000) * 1000);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInteger(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export interface ParseJobEventOptions {
  /** The job this function runs (options `name` or `JOB_NAME`); the event must name the same job. */
  readonly expectedJob?: string;
  /** Now, in epoch milliseconds (the slot of a manual run). */
  readonly now: number;
}

/**
 * Checks `raw` against the job event contract and works out the slot.
 *
 * @throws InvalidJobEventError naming the field, what was expected and what came.
 */
export function parseJobEvent(raw: unknown, options: ParseJobEventOptions): NormalisedEvent {
  const { expectedJob } = options;
  const fail = (job: string | undefined, field: string, expected: string, got: unknown): never => {
    const where = job ? `job '${job}': invalid event field '${field}'` : `invalid job event field '${field}'`;
    throw new InvalidJobEventError(`${where}: expected ${expected}, got ${describeValue(got)}`, field, job);
  };

  if (!isRecord(raw)) return fail(expectedJob, 'event', 'a JSON object', raw);
  const event = raw as Partial<Record<keyof JobEvent, unknown>>;

  let job: string;
  if (expectedJob !== undefined) {
    if (event.job !== expectedJob) return fail(expectedJob, 'job', `'${expectedJob}'`, event.job);
    job = expectedJob;
  } else {
    if (typeof event.job !== 'string' || !JOB_NAME_PATTERN.test(event.job)) {
      return fail(undefined, 'job', `a kebab-case job name matching ${JOB_NAME_PATTERN}`, event.job);
    }
    job = event.job;
  }

  if (event.manual !== undefined && typeof event.manual !== 'boolean') {
    return fail(job, 'manual', 'true or false', event.manual);
  }
  const manual = event.manual === true;

  let scheduledTime: Date;
  if (manual && event.scheduledTime === undefined) {
    scheduledTime = manualSlot(options.now);
  } else {
    const parsed = typeof event.scheduledTime === 'string' ? parseInstant(event.scheduledTime) : undefined;
    if (!parsed) {
      return fail(job, 'scheduledTime', `an ISO-8601 instant such as ${ISO_EXAMPLE}`, event.scheduledTime);
    }
    scheduledTime = parsed;
  }

  if (event.trigger !== undefined && event.trigger !== CATCH_UP_TRIGGER) {
    return fail(job, 'trigger', `'${CATCH_UP_TRIGGER}' or nothing`, event.trigger);
  }
  const rerun = (manual && event.scheduledTime !== undefined) || event.trigger === CATCH_UP_TRIGGER;

  let deliveryAttempt: number | undefined;
  if (event.attempt !== undefined) {
    deliveryAttempt = positiveInteger(event.attempt);
    if (deliveryAttempt === undefined) {
      return fail(job, 'attempt', 'a positive whole number (or its string form, e.g. "1")', event.attempt);
    }
  }

  for (const field of ['executionId', 'scheduleArn'] as const) {
    if (event[field] !== undefined && typeof event[field] !== 'string') return fail(job, field, 'a string', event[field]);
  }
  if (event.key !== undefined && (typeof event.key !== 'string' || event.key.length === 0 || event.key.length > 256)) {
    return fail(job, 'key', 'a non-empty string of at most 256 characters', event.key);
  }

  let sequence = 0;
  if (event.continuation !== undefined) {
    if (!isRecord(event.continuation)) {
      return fail(job, 'continuation', 'an object like { "sequence": 1 }', event.continuation);
    }
    const n = positiveInteger(event.continuation.sequence);
    if (n === undefined || typeof event.continuation.sequence !== 'number') {
      return fail(job, 'continuation.sequence', 'a positive whole number', event.continuation.sequence);
    }
    sequence = n;
  }

  return {
    job,
    slot: event.key === undefined ? scheduledTime.toISOString() : `${scheduledTime.toISOString()}#${event.key as string}`,
    scheduledTime,
    manual,
    rerun,
    sequence,
    deliveryAttempt,
    executionId: event.executionId as string | undefined,
    scheduleArn: event.scheduleArn as string | undefined,
    payload: event.payload,
  };
}

/** The event that continues `original` in a new invocation with the given sequence. */
export function continuationEvent(original: NormalisedEvent, rawEvent: JobEvent, sequence: number): JobEvent {
  // A manual run's slot is "now" when it is received: pin it, so the continuation stays in the same slot.
  return { ...rawEvent, scheduledTime: rawEvent.scheduledTime ?? original.slot, continuation: { sequence } };
}
