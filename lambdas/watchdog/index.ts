/** The watchdog's reusable parts, for local mode and the CLI (the Lambda entry is `handler.ts`). */
export {
  checkMissedRuns,
  WatchdogDefaults,
  type CheckMissedRunsOptions,
  type CheckMissedRunsResult,
  type JobCheckFailure,
  type JobCheckResult,
  type WatchdogLogger,
} from './check-missed-runs';
export { readWatchdogConfig, WatchdogEnv, type WatchdogConfig } from './config';
export { WatchdogConfigError, WatchdogRunError, WatchdogScheduleError } from './errors';
export { WatchdogKeys } from '../../lib/contract';
export type { MissedSlotItem } from '../runtime/state-store';
