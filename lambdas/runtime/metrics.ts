/**
 * The job's metrics through Powertools Metrics (CloudWatch EMF): namespace `ScheduledJobs`, single
 * dimension `service` = job name. One Metrics instance per invocation, flushed once at its end, so
 * invocations running side by side in one process (local mode) never mix their metrics.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, MetricName } from '../../lib/contract';

/** A Metrics instance for one invocation of `job`. */
export function createJobMetrics(job: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: job });
}

/** What one invocation counts. */
export interface InvocationCounts {
  readonly runs?: number;
  readonly failures?: number;
  readonly durationMs?: number;
  readonly skipped?: number;
  readonly duplicates?: number;
}

/** Adds the runtime's own metrics for one invocation. */
export function addInvocationMetrics(metrics: Metrics, counts: InvocationCounts): void {
  if (counts.runs !== undefined) metrics.addMetric(MetricName.RUNS, MetricUnit.Count, counts.runs);
  if (counts.failures !== undefined) metrics.addMetric(MetricName.FAILURES, MetricUnit.Count, counts.failures);
  if (counts.durationMs !== undefined) metrics.addMetric(MetricName.DURATION, MetricUnit.Milliseconds, counts.durationMs);
  if (counts.skipped !== undefined) metrics.addMetric(MetricName.SKIPPED, MetricUnit.Count, counts.skipped);
  if (counts.duplicates !== undefined) metrics.addMetric(MetricName.DUPLICATES, MetricUnit.Count, counts.duplicates);
}

/** Writes the invocation's metrics as one EMF line (nothing when there are none). */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
