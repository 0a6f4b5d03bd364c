/**
 * Errors raised by the watchdog, each a `ScheduledJobsError`. Each names what was wrong, what was
 * expected and what came.
 */
import { JobConfigurationError, ScheduledJobsError } from '../../lib/contract';

/** The watchdog's environment (table, schedule group, grace) is missing or malformed. */
export class WatchdogConfigError extends JobConfigurationError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WatchdogConfigError';
  }
}

/** A schedule in the platform's group cannot be checked (bad input, expression or dates). */
export class WatchdogScheduleError extends ScheduledJobsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WatchdogScheduleError';
  }
}

/** One or more jobs could not be checked in a run (the other jobs were checked and recorded). */
export class WatchdogRunError extends ScheduledJobsError {
  /** The job (or schedule) names that failed, in order. */
  readonly jobs: readonly string[];
  constructor(message: string, jobs: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WatchdogRunError';
    this.jobs = jobs;
  }
}
