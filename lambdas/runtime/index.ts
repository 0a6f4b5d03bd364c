// The job runtime: `defineJob` and what a job's code sees. Re-exports only.
export { defineJob, type DefineJobOptions, type JobHandler } from './define-job';
export type { Checkpoint, ContinuedLater, JobContext, JobFunction, OutcomeStatus, RunOutcome } from './types';
export {
  CheckpointError,
  ContinuationError,
  InvalidJobEventError,
  InvalidPayloadError,
  JobConfigurationError,
} from './errors';
export { JobStateStore, type JobStateStoreProps } from './state-store';
export { LOCAL_INVOKE_SYMBOL, type LocalInvoke } from './continuation';
export { DEFAULT_LEASE_SECONDS, DEFAULT_RUN_TTL_DAYS, type OverlapPolicy } from './config';
