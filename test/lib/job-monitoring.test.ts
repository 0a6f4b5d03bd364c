import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { beforeAll, describe, expect, it } from 'vitest';
import { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createStack } from '../support/cdk';

/** One period's datapoints of the alarm's metrics, by metric id; absent = no datapoint. */
type Datapoints = Partial<Record<string, number>>;

/**
 * Evaluates the subset of CloudWatch metric math the job alarm uses, for one period: numbers,
 * metric ids, `+`, `>`, `FILL(m, value)` and `IF(condition, then, else)`. A metric without a
 * datapoint is `undefined`; FILL replaces it, and anything else on it stays `undefined`.
 */
function evaluate(expression: string, data: Datapoints): number | undefined {
  const tokens = expression.match(/\d+(?:\.\d+)?|[A-Za-z_]\w*|[+>(),]/g) ?? [];
  let at = 0;
  const next = (): string => tokens[at++];
  const expect_ = (token: string): void => {
    if (next() !== token) throw new Error(`expected '${token}' at token ${at} of ${expression}`);
  };
  const primary = (): number | undefined => {
    const token = next();
    if (/^\d/.test(token)) return Number(token);
    if (token === '(') {
      const value = comparison();
      expect_(')');
      return value;
    }
    if (token === 'FILL') {
      expect_('(');
      const value = comparison();
      expect_(',');
      const fill = comparison();
      expect_(')');
      return value ?? fill;
    }
    if (token === 'IF') {
      expect_('(');
      const condition = comparison();
      expect_(',');
      const then = comparison();
      expect_(',');
      const otherwise = comparison();
      expect_(')');
      return condition === undefined ? undefined : condition !== 0 ? then : otherwise;
    }
    if (!(token in data) && !/^[a-z]\w*$/.test(token)) throw new Error(`unknown token '${token}'`);
    return data[token];
  };
  const sum = (): number | undefined => {
    let value = primary();
    while (tokens[at] === '+') {
      next();
      const right = primary();
      value = value === undefined || right === undefined ? undefined : value + right;
    }
    return value;
  };
  const comparison = (): number | undefined => {
    const left = sum();
    if (tokens[at] !== '>') return left;
    next();
    const right = sum();
    return left === undefined || right === undefined ? undefined : left > right ? 1 : 0;
  };
  const value = comparison();
  if (at !== tokens.length) throw new Error(`unexpected '${tokens[at]}' in ${expression}`);
  return value;
}

type AlarmProps = {
  AlarmName: string;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  Metrics: { Id: string; Expression?: string; ReturnData?: boolean }[];
};

/** The state the alarm takes after one period with `data`. */
function stateAfter(alarm: AlarmProps, data: Datapoints): 'ALARM' | 'OK' {
  const expression = alarm.Metrics.find((m) => m.ReturnData === true)?.Expression;
  if (expression === undefined) throw new Error(`${alarm.AlarmName} has no returned expression`);
  const value = evaluate(expression, data);
  if (value === undefined) {
    return alarm.TreatMissingData === 'breaching' ? 'ALARM' : 'OK';
  }
  expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
  return value >= alarm.Threshold ? 'ALARM' : 'OK';
}

describe("a job's alarm", () => {
  let alarm: AlarmProps;

  beforeAll(() => {
    // GIVEN a job with a 2-minute timeout (duration threshold 80% = 96,000 ms)
    const stack: Stack = createStack();
    const platform = new JobPlatform(stack, 'Platform');
    new ScheduledJob(stack, 'Export', {
      platform,
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      entry: 'test/fixtures/handler.ts',
      timeout: Duration.minutes(2),
    });
    // WHEN synthesized
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'TestStack-export-health' } });
    expect(Object.keys(alarms)).toHaveLength(1);
    alarm = (Object.values(alarms)[0] as { Properties: AlarmProps }).Properties;
  });

  it('THEN its metrics are the three signals, each of the job', () => {
    expect(alarm.Metrics.map((m) => m.Id).sort()).toEqual(['duration', 'expr_1', 'failures', 'missed']);
  });

  it('THEN a failed run raises it', () => {
    expect(stateAfter(alarm, { failures: 1 })).toBe('ALARM');
    expect(stateAfter(alarm, { failures: 1, duration: 1_000 })).toBe('ALARM');
  });

  it('THEN a missed run raises it (the watchdog publishes MissedRuns; the job itself published nothing)', () => {
    expect(stateAfter(alarm, { missed: 1 })).toBe('ALARM');
  });

  it('THEN a run longer than 80% of the timeout raises it, even when it succeeded', () => {
    expect(stateAfter(alarm, { failures: 0, duration: 96_001 })).toBe('ALARM');
    expect(stateAfter(alarm, { duration: 119_000 })).toBe('ALARM');
  });

  it('THEN a clean run at or under the threshold, or a quiet period, leaves it OK', () => {
    expect(stateAfter(alarm, { failures: 0, duration: 96_000 })).toBe('OK');
    expect(stateAfter(alarm, { failures: 0, missed: 0, duration: 5_000 })).toBe('OK');
    expect(stateAfter(alarm, {})).toBe('OK');
  });
});

describe('the metric-math evaluator of this test', () => {
  it('GIVEN hand-worked expressions WHEN evaluated THEN it agrees', () => {
    expect(evaluate('FILL(a, 0) + FILL(b, 0)', { a: 2 })).toBe(2);
    expect(evaluate('a + b', { a: 2 })).toBeUndefined();
    expect(evaluate('IF(FILL(d, 0) > 10, 1, 0)', { d: 11 })).toBe(1);
    expect(evaluate('IF(FILL(d, 0) > 10, 1, 0)', { d: 10 })).toBe(0);
    expect(evaluate('IF(FILL(d, 0) > 10, 1, 0)', {})).toBe(0);
    expect(() => evaluate('a * b', { a: 1, b: 2 })).toThrow();
  });
});
