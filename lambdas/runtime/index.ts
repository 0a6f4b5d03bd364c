// The job runtime (`cdk-scheduled-jobs/runtime`): `defineJob` and what a job's code sees, the
// one-time scheduler, errors and types. Re-exports only.
export { defineJob, type DefineJobOptions, type JobHandler } from './define-job';
export {
  defineFanOutJob,
  MAX_ITEM_KEY_LENGTH,
  MAX_ITEM_RESULT_BYTES,
  type FanOutContext,
  type FanOutHandler,
  type FanOutItem,
  type FanOutItemResult,
  type FanOutJobSpec,
  type FanOutOutcome,
  type FanOutPhaseOutput,
} from './fan-out';
export { S3ManifestStore, type ManifestStore } from './fan-out-manifest';
export type { Checkpoint, ContinuedLater, JobContext, JobFunction, OutcomeStatus, RunOutcome } from './types';
export {
  CheckpointError,
  ContinuationError,
  FanOutError,
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
export { OverlapPolicy, type OverlapMode, type JobEvent, type RunStatus, type FanOutRun, executionName } from '../../lib/contract';
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
