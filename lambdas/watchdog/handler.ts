/**
 * The watchdog Lambda: runs every 5 minutes (Scheduler input `{ "watchdog": true }`) and records,
 * for every job, the slots that should have started but did not, and runs those a job's catch-up
 * policy chooses (see `checkMissedRuns`). The Lambda client for that is loaded on first use.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { METRICS_NAMESPACE } from '../../lib/contract';
import { sdkRetryConfig } from '../shared/retry';
import { checkMissedRuns } from './check-missed-runs';
import { readWatchdogConfig } from './config';
import { WatchdogRunError } from './errors';

// Created once per container, reused by warm invocations; throttled calls are retried by the SDK.
const scheduler = new SchedulerClient(sdkRetryConfig());
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(sdkRetryConfig()));
const logger = new Logger();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE });

/** What one watchdog run did, as returned and logged. */
export interface WatchdogSummary {
  readonly checkedAt: string;
  readonly group: string;
  /** Jobs checked. */
  readonly jobs: number;
  /** Missed slots recorded by this run, in all. */
  readonly missedRecorded: number;
  /** Jobs with slots found missed by this run (recorded now, or already by an overlapping run), and the slots. */
  readonly missed: readonly { readonly job: string; readonly slots: readonly string[] }[];
  /** Jobs with missed slots their catch-up policy ran in this run, and the slots. */
  readonly caughtUp: readonly { readonly job: string; readonly slots: readonly string[] }[];
  readonly deferred: readonly string[];
  readonly failures: readonly { readonly scheduleName: string; readonly job?: string; readonly error: string }[];
}

/** The part of the Lambda context the watchdog uses. */
export interface WatchdogContext {
  getRemainingTimeInMillis(): number;
}

/**
 * @throws WatchdogConfigError when the environment is incomplete (before any AWS call)
 * @throws WatchdogRunError after checking every other job, when some job could not be checked
 */
export const handler = async (event: unknown, context?: WatchdogContext): Promise<WatchdogSummary> => {
  const config = readWatchdogConfig(process.env);
  logger.debug('watchdog event', { event });
  const result = await checkMissedRuns({
    scheduler,
    ddb,
    tableName: config.tableName,
    group: config.group,
    graceSeconds: config.graceSeconds,
    missedTtlDays: config.missedTtlDays,
    metrics,
    logger,
    ...(process.env.AWS_LAMBDA_FUNCTION_NAME ? { ownFunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME } : {}),
    ...(context ? { remainingTimeMs: () => context.getRemainingTimeInMillis() } : {}),
  });
  const summary: WatchdogSummary = {
    checkedAt: result.checkedAt,
    group: result.group,
    jobs: result.jobs.length,
    missedRecorded: result.jobs.reduce((sum, job) => sum + job.recorded, 0),
    missed: result.jobs.filter((job) => job.missed.length > 0).map((job) => ({ job: job.job, slots: job.missed })),
    caughtUp: result.jobs.filter((job) => (job.caughtUp?.length ?? 0) > 0).map((job) => ({ job: job.job, slots: job.caughtUp ?? [] })),
    deferred: result.deferred,
    failures: result.failures.map((f) => ({ scheduleName: f.scheduleName, ...(f.job ? { job: f.job } : {}), error: `${f.error.name}: ${f.error.message}` })),
  };
  logger.info('watchdog run finished', { ...summary });
  if (result.failures.length > 0) {
    const names = result.failures.map((f) => f.job ?? f.scheduleName);
    throw new WatchdogRunError(
      `watchdog: ${result.failures.length} schedule(s) of group '${result.group}' could not be checked: ${summary.failures
        .map((f) => `${f.job ?? f.scheduleName} (${f.error})`)
        .join('; ')}`,
      names,
      { cause: new AggregateError(result.failures.map((f) => f.error)) },
    );
  }
  return summary;
};
