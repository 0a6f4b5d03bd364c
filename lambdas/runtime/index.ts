// The job runtime (`cdk-scheduled-jobs/runtime`): `defineJob` and what a job's code sees, the
// one-time scheduler, errors and types. Re-exports only.
export { defineJob, type DefineJobOptions, type JobHandler } from './define-job';
export type { Checkpoint, ContinuedLater, JobContext, JobFunction, OutcomeStatus, RunOutcome } from './types';
export {
  CheckpointError,
  ContinuationError,
  InvalidJobEventError,
  InvalidPayloadError,
  JobConfigurationError,
  ScheduledJobsError,
  StateTableError,
} from './errors';
export {
  JobStateStore,
  type CursorUpdate,
  type JobStateItem,
  type JobStateStoreProps,
  type MissedSlotItem,
  type PauseRequest,
  type PauseResult,
  type RecordedRuns,
} from './state-store';
export { sdkRetryConfig } from '../shared/retry';
export { LOCAL_INVOKE_SYMBOL, type LocalInvoke } from './continuation';
export { DEFAULT_LEASE_SECONDS, DEFAULT_RUN_TTL_DAYS, type OverlapOption } from './config';
export { OverlapPolicy, type OverlapMode, type JobEvent, type RunStatus } from '../../lib/contract';
export {
  OneTimeScheduler,
  MAX_INPUT_BYTES,
  MAX_KEY_LENGTH,
  type FromEnvironmentOptions,
  type OneTimeRetryPolicy,
  type OneTimeScheduleDetails,
  type OneTimeScheduleRequest,
  type OneTimeSchedulerOptions,
  type OneTimeScheduleSummary,
  type OneTimeTarget,
  type RescheduleResult,
  type ScheduleManyOptions,
  type ScheduleResult,
} from './once';
export * from './once-errors';
export { addDays, formatWallClock, instantOfWallClock, wallClockAt, type WallClock } from './once-time';
