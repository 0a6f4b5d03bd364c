import { ScheduledJobsError } from '../contract/errors';

/**
 * Thrown for a schedule expression or time zone that EventBridge Scheduler would reject.
 *
 * The message starts with the full expression and names the field, what was expected and what
 * came, e.g. `cron(60 2 ? * * *): minutes: expected a value 0-59, got '60'`. Callers that know the
 * job prefix it (`job 'nightly-report': ...`).
 */
export class ScheduleExpressionError extends ScheduledJobsError {
  /** The expression as given (undefined when only a time zone was checked). */
  readonly expression?: string;
  /** The field at fault (`minutes`, `day-of-month`, `value`, `time zone`, ...), when there is one. */
  readonly field?: string;

  constructor(message: string, options: { expression?: string; field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.expression = options.expression;
    this.field = options.field;
  }
}
