/** Errors thrown by the one-time scheduler (`once.ts`), each a `ScheduledJobsError`. */
import { JobConfigurationError, ScheduledJobsError } from '../../lib/contract';

/** A schedule request that fails validation; nothing was sent to EventBridge Scheduler. */
export class OneTimeScheduleValidationError extends ScheduledJobsError {
  /** The field at fault: `key`, `at`, `timeZone` or `payload`. */
  readonly field: string;
  /** The position of the item in a `scheduleMany` call, when there was one. */
  readonly index?: number;

  constructor(message: string, field: string, options?: { cause?: unknown; index?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.field = field;
    this.index = options?.index;
  }
}

/** The scheduler itself is misconfigured (options or environment). */
export class OneTimeSchedulerConfigError extends JobConfigurationError {
}

/** An EventBridge Scheduler call failed; `cause` is the SDK error. */
export class OneTimeScheduleRequestError extends ScheduledJobsError {
  /** The schedule's key. */
  readonly key: string;

  constructor(message: string, key: string, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}

/** Some items of a `scheduleMany` call failed after their retries; the others were scheduled. */
export class OneTimeBatchError extends ScheduledJobsError {
  /** One entry per item, in the order given: a result, or the error that item ended with. */
  readonly outcomes: ReadonlyArray<{ readonly key: string; readonly name: string; readonly created?: boolean; readonly error?: Error }>;

  constructor(
    message: string,
    outcomes: ReadonlyArray<{ readonly key: string; readonly name: string; readonly created?: boolean; readonly error?: Error }>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.outcomes = outcomes;
  }
}
