/**
 * Per-job CloudWatch metrics, alarms and dashboard rows. Every metric is one the job runtime (or the
 * watchdog) publishes through Powertools Metrics: namespace `ScheduledJobs`, dimension
 * `service = <job name>`.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { JOB_DIMENSION, METRICS_NAMESPACE, MetricName } from './contract';

/** Alarm settings of one job. */
export interface JobAlarmOptions {
  /**
   * Create the job's alarm.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * A run counts as near its timeout when it takes longer than this share of the function
   * timeout, in percent (1-100).
   * @default 80
   */
  readonly durationThresholdPercent?: number;
  /**
   * The period the alarm evaluates.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/** The alarm a job gets: one, to stay within the per-job resource budget. */
export interface JobAlarms {
  /**
   * Fires when, in one period, a run failed, a scheduled run was missed, or the longest run came
   * near the function timeout (`Failures + MissedRuns + IF(Duration > threshold, 1, 0) >= 1`).
   */
  readonly health: cloudwatch.Alarm;
}

/** Default `durationThresholdPercent`. */
export const DEFAULT_DURATION_THRESHOLD_PERCENT = 80;
const DEFAULT_PERIOD = Duration.minutes(5);

/** The metrics of one job. */
export class JobMetrics {
  constructor(
    /** The job's name (the `service` dimension). */
    public readonly jobName: string,
  ) {}

  /** Any metric of the job by name. */
  public metric(metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { [JOB_DIMENSION]: this.jobName },
      statistic: cloudwatch.Stats.SUM,
      ...props,
    });
  }

  /** Runs started (sum). */
  public runs(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(MetricName.RUNS, props);
  }

  /** Runs that threw (sum; each Lambda retry counts). */
  public failures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(MetricName.FAILURES, props);
  }

  /** Run duration in milliseconds (maximum unless overridden). */
  public duration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(MetricName.DURATION, { statistic: cloudwatch.Stats.MAXIMUM, unit: cloudwatch.Unit.MILLISECONDS, ...props });
  }

  /** Slots the watchdog found missed (sum). */
  public missedRuns(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(MetricName.MISSED_RUNS, props);
  }

  /** Slots skipped by the overlap policy or a pause (sum). */
  public skipped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(MetricName.SKIPPED, props);
  }
}

/**
 * Creates the job's alarm, notifying `topic` on ALARM and on OK.
 *
 * Failures, missed runs and runs near the timeout share one metric-math alarm: each means "a slot
 * did not end in a clean, timely success", the description names all three and the job's
 * dashboard row shows them apart. One alarm holds a job at 7 CloudFormation resources, so 60 jobs
 * and the application's own resources fit in one stack (docs/concepts/resource-budget.md). While
 * the alarm is in ALARM, a second signal does not notify again; the OK notification comes when
 * all three are clear.
 */
export function createJobAlarms(
  scope: Construct,
  props: { readonly jobName: string; readonly timeout: Duration; readonly topic: sns.ITopic; readonly options?: JobAlarmOptions },
): JobAlarms | undefined {
  const options = props.options ?? {};
  if (options.enabled === false) {
    return undefined;
  }
  const period = options.period ?? DEFAULT_PERIOD;
  const percent = options.durationThresholdPercent ?? DEFAULT_DURATION_THRESHOLD_PERCENT;
  const metrics = new JobMetrics(props.jobName);
  const stackName = Stack.of(scope).stackName;
  const thresholdMs = Math.round((props.timeout.toMilliseconds() * percent) / 100);

  const health = new cloudwatch.Alarm(scope, 'HealthAlarm', {
    alarmName: `${stackName}-${props.jobName}-health`,
    alarmDescription:
      `Job '${props.jobName}' failed a run, missed a scheduled run, or ran longer than ${percent}% of its ` +
      `${props.timeout.toSeconds()} s timeout (${thresholdMs} ms) within ${period.toMinutes()} minutes. ` +
      "The job's dashboard row shows which. Failed or missed: read the failure inbox and the job's run history. " +
      'Near the timeout: raise the timeout, speed the job up, or split the work with continueLater.',
    metric: new cloudwatch.MathExpression({
      expression: `FILL(failures, 0) + FILL(missed, 0) + IF(FILL(duration, 0) > ${thresholdMs}, 1, 0)`,
      usingMetrics: {
        failures: metrics.failures({ period }),
        missed: metrics.missedRuns({ period }),
        duration: metrics.duration({ period }),
      },
      label: `Failures + MissedRuns + (longest run > ${thresholdMs} ms)`,
      period,
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });

  const action = new actions.SnsAction(props.topic);
  health.addAlarmAction(action);
  health.addOkAction(action);
  return { health };
}

/** One dashboard row for a job: runs, failures, duration (with the timeout line), missed runs. */
export function jobDashboardRow(jobName: string, timeout: Duration): cloudwatch.IWidget[] {
  const metrics = new JobMetrics(jobName);
  const graph = (title: string, metric: cloudwatch.IMetric, extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
    new cloudwatch.GraphWidget({ title: `${jobName}: ${title}`, left: [metric], width: 6, height: 5, ...extra });
  return [
    graph('runs', metrics.runs()),
    graph('failures', metrics.failures()),
    graph('duration (ms)', metrics.duration(), {
      leftAnnotations: [{ value: timeout.toMilliseconds(), label: 'timeout', color: cloudwatch.Color.RED }],
    }),
    graph('missed runs', metrics.missedRuns()),
  ];
}
