/**
 * Thrown while the app is being built (`cdk synth`) when a job or the platform is declared with
 * props that cannot work: the message names the job (or the platform), the prop, what was expected
 * and what came.
 */
export class JobConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobConfigurationError';
  }
}
