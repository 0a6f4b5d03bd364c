import { describe, expect, it } from 'vitest';
import { DevOptionError, jsonSummary, parseDuration, parseFrom, parseKeep, parseUntil, runLine, summarize, summaryTable } from '../../../tools/local/dev-report';
import type { LocalRun } from '../../../tools/local/local-scheduler';

const start = Date.UTC(2026, 2, 1, 10, 30, 0);

function run(overrides: Partial<LocalRun>): LocalRun {
  return {
    job: 'cleanup',
    scheduledTime: '2026-03-01T11:00:00Z',
    status: 'SUCCEEDED',
    durationMs: 40,
    attempts: 1,
    trigger: 'schedule',
    functionName: 'Jobs-Cleanup-ABC',
    startedAt: '2026-03-01T11:00:00.012Z',
    ...overrides,
  };
}

describe('parseUntil', () => {
  it('reads durations in minutes, hours, days and weeks from the start', () => {
    expect(parseUntil('90m', start)).toBe(start + 90 * 60_000);
    expect(parseUntil('12h', start)).toBe(start + 12 * 3_600_000);
    expect(parseUntil('7d', start)).toBe(start + 7 * 86_400_000);
    expect(parseUntil('2W', start)).toBe(start + 14 * 86_400_000);
  });

  it('reads ISO instants, a missing offset meaning UTC', () => {
    expect(parseUntil('2026-03-08T12:00:00Z', start)).toBe(Date.UTC(2026, 2, 8, 12));
    expect(parseUntil('2026-03-08T12:00', start)).toBe(Date.UTC(2026, 2, 8, 12));
    expect(parseUntil('2026-03-08T12:00:00+01:00', start)).toBe(Date.UTC(2026, 2, 8, 11));
    expect(parseUntil('2026-03-09', start)).toBe(Date.UTC(2026, 2, 9));
  });

  it('rejects what it cannot read and instants not after the start', () => {
    expect(() => parseUntil('a week', start)).toThrow(
      new DevOptionError("--until: expected a duration (90m, 12h, 7d, 2w) or an ISO instant (2026-12-01T00:00:00Z), got 'a week'"),
    );
    expect(() => parseUntil('0d', start)).toThrow("--until: expected a positive duration, got '0d'");
    expect(() => parseUntil('2026-03-01T10:00:00Z', start)).toThrow(
      "--until: expected an instant after the start (2026-03-01T10:30:00.000Z), got '2026-03-01T10:00:00Z'",
    );
  });
});

describe('parseDuration', () => {
  it('reads minutes, hours, days and weeks and names the option when it cannot', () => {
    expect(parseDuration('5m', '--watchdog-every')).toBe(300_000);
    expect(parseDuration('1h', '--watchdog-every')).toBe(3_600_000);
    expect(parseDuration('2d', '--watchdog-every')).toBe(172_800_000);
    expect(parseDuration('1w', '--watchdog-every')).toBe(604_800_000);
    expect(() => parseDuration('0m', '--watchdog-every')).toThrow("--watchdog-every: expected a positive duration (30m, 1h, 2d, 1w), got '0m'");
    expect(() => parseDuration('hourly', '--watchdog-every')).toThrow(
      new DevOptionError("--watchdog-every: expected a positive duration (30m, 1h, 2d, 1w), got 'hourly'"),
    );
  });
});

describe('parseKeep', () => {
  it('reads 0 (stop at once), seconds and durations', () => {
    expect(parseKeep('0')).toBe(0);
    expect(parseKeep('90s')).toBe(90_000);
    expect(parseKeep('30m')).toBe(1_800_000);
    expect(parseKeep('2h')).toBe(7_200_000);
  });

  it('names --keep and what it expected', () => {
    expect(() => parseKeep('forever')).toThrow(new DevOptionError("--keep: expected 0 or a duration (90s, 30m, 2h), got 'forever'"));
    expect(() => parseKeep('-5m')).toThrow(new DevOptionError("--keep: expected 0 or a duration (90s, 30m, 2h), got '-5m'"));
  });
});

describe('parseFrom', () => {
  it('reads an ISO instant and rejects anything else', () => {
    expect(parseFrom('2026-10-24T00:00:00Z')).toBe(Date.UTC(2026, 9, 24));
    expect(() => parseFrom('yesterday')).toThrow("--from: expected an ISO instant (2026-03-07T00:00:00Z), got 'yesterday'");
  });
});

describe('runLine', () => {
  it('shows slot, job, status and duration', () => {
    expect(runLine(run({}))).toBe('2026-03-01T11:00:00Z  cleanup                   SUCCEEDED     40 ms');
  });

  it('shows attempts, the error and where the failure went', () => {
    const line = runLine(
      run({
        status: 'FAILED',
        attempts: 3,
        error: { type: 'TypeError', message: 'boom' },
        failureDestination: 'arn:aws:sqs:us-east-1:123456789012:Jobs-Inbox-XYZ',
      }),
    );
    expect(line).toBe('2026-03-01T11:00:00Z  cleanup                   FAILED        40 ms  after 3 attempts  TypeError: boom  -> Jobs-Inbox-XYZ');
  });

  it('shows stream batches with their record count', () => {
    expect(runLine(run({ trigger: 'stream', scheduledTime: '', job: 'Reminders/SubscriptionsFunction', records: 3 }))).toBe(
      '2026-03-01T11:00:00Z  Reminders/SubscriptionsFunction  SUCCEEDED     40 ms  (stream, 3 records)',
    );
  });

  it('marks asynchronous invokes and uses the start time when there is no slot', () => {
    expect(runLine(run({ trigger: 'invoke', scheduledTime: '' }))).toBe(
      '2026-03-01T11:00:00Z  cleanup                   SUCCEEDED     40 ms  (async invoke)',
    );
  });
});

describe('summaries', () => {
  const runs = [
    run({ durationMs: 10 }),
    run({ scheduledTime: '2026-03-01T12:00:00Z', status: 'FAILED', attempts: 3, durationMs: 30, error: { type: 'Error', message: 'x' } }),
    run({ job: 'report', scheduledTime: '2026-03-01T09:00:00Z', status: 'SKIPPED', reason: 'paused', durationMs: 5 }),
  ];

  it('counts runs per job and status', () => {
    expect(summarize(runs)).toEqual([
      {
        job: 'cleanup',
        runs: 2,
        byStatus: { SUCCEEDED: 1, FAILED: 1 },
        retries: 2,
        maxDurationMs: 30,
        totalDurationMs: 40,
        first: '2026-03-01T11:00:00Z',
        last: '2026-03-01T12:00:00Z',
      },
      {
        job: 'report',
        runs: 1,
        byStatus: { SKIPPED: 1 },
        retries: 0,
        maxDurationMs: 5,
        totalDurationMs: 5,
        first: '2026-03-01T09:00:00Z',
        last: '2026-03-01T09:00:00Z',
      },
    ]);
  });

  it('prints a table with the window and the failed runs', () => {
    const text = summaryTable(runs, { from: start, until: start + 86_400_000 }, 2500);
    expect(text.split('\n')[0]).toBe('Simulated 2026-03-01T10:30:00.000Z -> 2026-03-02T10:30:00.000Z in 2.5 s: 3 runs, 1 failed');
    expect(text).toContain('1 skipped');
    expect(text).toMatch(/Failed runs:\n {2}2026-03-01T12:00:00Z {2}cleanup/);
  });

  it('prints JSON with the runs in the documented shape', () => {
    const parsed = JSON.parse(jsonSummary(runs.slice(0, 1), { from: start, until: start + 1000 })) as { runs: unknown[] };
    expect(parsed.runs).toEqual([
      { job: 'cleanup', scheduledTime: '2026-03-01T11:00:00Z', status: 'SUCCEEDED', durationMs: 10, attempts: 1, trigger: 'schedule' },
    ]);
  });
});
