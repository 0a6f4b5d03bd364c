/**
 * Errors thrown by the job runtime. Each extends `ScheduledJobsError`, ends in `Error`, sets `name`
 * and passes the underlying `cause` on. Errors marked `retryable = false` describe input that no retry can fix;
 * they still fail the invocation so the event reaches the failure inbox.
 */
import { JobConfigurationError, ScheduledJobsError } from '../../lib/contract';

export { JobConfigurationError, ScheduledJobsError };

/** The event delivered to a job's function is malformed. Not retryable. */
export class InvalidJobEventError extends ScheduledJobsError {
  /** No retry can fix a malformed event. */
  readonly retryable = false;

  constructor(
    message: string,
    /** The event field that is wrong (`job`, `scheduledTime`, ...), or `event` for the whole event. */
    readonly field: string,
    /** The job name, when it is known. */
    readonly job?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The job's `parsePayload` rejected the event's payload. Not retryable. */
export class InvalidPayloadError extends ScheduledJobsError {
  /** No retry can fix a payload the job rejects. */
  readonly retryable = false;

  constructor(
    message: string,
    /** The job name. */
    readonly job: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `continueLater` was misused or the continuation could not be dispatched. */
export class ContinuationError extends ScheduledJobsError {
  constructor(
    message: string,
    /** The job name. */
    readonly job: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A checkpoint is too large for one state-table item, or cannot be serialised as JSON. */
export class CheckpointError extends ScheduledJobsError {
  constructor(
    message: string,
    /** The job name. */
    readonly job: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The job-state table could not be read or written as asked (a failed write condition is not this). */
export class StateTableError extends ScheduledJobsError {}

/** The error for a second `continueLater` in one invocation (the runtime and the test context throw it). */
export function continueLaterCalledTwice(job: string, slot: string): ContinuationError {
  return new ContinuationError(`job '${job}': continueLater was already called in this invocation of slot ${slot}; call it once, as the last step`, job);
}

/** A fan-out job's plan, work or finish broke the fan-out contract (bad items, wrong result count). */
export class FanOutError extends ScheduledJobsError {
  constructor(
    message: string,
    /** The job name. */
    readonly job: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
