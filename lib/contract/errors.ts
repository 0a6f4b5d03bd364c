/**
 * The base of every error this package throws, at synth time, in Lambda and in the tools, so a
 * caller can tell the platform's errors from others with one `instanceof`. Each subclass ends in
 * `Error`, gets its class name as `name`, and passes the underlying `cause` on.
 */
export class ScheduledJobsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A job or the platform is declared or deployed with settings that cannot work: thrown at synth
 * time for construct props (the message names the job or the platform, the prop, what was expected
 * and what came), and at run time for a function environment or `defineJob` options that are wrong.
 */
export class JobConfigurationError extends ScheduledJobsError {}
