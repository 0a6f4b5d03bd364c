/**
 * The schedule engine: parses and validates EventBridge Scheduler expressions exactly as AWS
 * accepts them and computes the instants at which they fire, daylight-saving rules included.
 * Pure and dependency-free (zone math through `Intl`), so it is also bundled into Lambda code.
 */
export { ScheduleExpressionError } from './errors';
export type {
  CronFieldText,
  DayOfMonthRule,
  DayOfWeekRule,
  ParsedAtSchedule,
  ParsedCronSchedule,
  ParsedRateSchedule,
  ParsedSchedule,
  RateUnit,
} from './parsed-schedule';
export { MAX_EXPRESSION_LENGTH, parseSchedule } from './parse-schedule';
export { MAX_YEAR, MIN_YEAR } from './cron-parser';
export { MAX_RATE_VALUE } from './rate';
export { nextRuns, runsBetween, type NextRunsOptions, type RunsBetweenOptions } from './next-runs';
export { describeSchedule } from './describe';
export { matchesCron } from './cron-match';
export { firstInstantOfLocal, validateTimeZone, zoneOffsetMs } from './time-zone';
export { localMsOf, wallClockOf, type WallClock } from './calendar';
