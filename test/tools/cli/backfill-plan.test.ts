/**
 * The pure planning of `cdk-jobs run --slot` and `cdk-jobs backfill`: instants on the command line,
 * slots of a window (across daylight-saving changes), the nearest slots of an instant that is not
 * one, the window limits, and the plan (slots minus those that SUCCEEDED). Hand-worked vectors.
 */
import { describe, expect, it } from 'vitest';
import {
  backfillSlots,
  checkSlot,
  MAX_BACKFILL_SLOTS,
  parsePastInstant,
  planBackfill,
  slotEvent,
  slotsOf,
} from '../../../tools/cli/backfill-plan';
import { backfillResult, renderBackfill, summarise } from '../../../tools/cli/commands/backfill';
import { CliUsageError } from '../../../tools/cli/errors';
import type { JobInfo, JobSchedule } from '../../../tools/cli/job-catalog';

const NOW = new Date('2026-12-01T12:00:00Z');
const d = (iso: string) => new Date(iso);
const isos = (dates: readonly Date[]) => dates.map((x) => x.toISOString());

const paris: JobSchedule = {
  name: 'report',
  group: 'g',
  expression: 'cron(30 2 * * ? *)',
  timeZone: 'Europe/Paris',
  state: 'ENABLED',
  flexibleWindowMinutes: 0,
};
const report: JobInfo = { name: 'report', kind: 'scheduled', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:report', payload: {}, schedule: paris };
const reminder: JobInfo = { name: 'reminder', kind: 'one-time', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:reminder', payload: {} };

describe('instants on the command line', () => {
  it('reads an ISO-8601 instant with an offset', () => {
    expect(parsePastInstant('report', '--slot', '2026-11-03T02:30:00+01:00', NOW)).toEqual(d('2026-11-03T01:30:00Z'));
  });

  it('rejects what is not an instant, and an instant in the future, naming the job and the flag', () => {
    expect(() => parsePastInstant('report', '--slot', '2026-11-03', NOW)).toThrow(
      new CliUsageError("job 'report': --slot: expected an ISO-8601 instant such as '2026-11-03T01:30:00Z', got '2026-11-03'"),
    );
    expect(() => parsePastInstant('report', '--to', '2026-12-02T00:00:00Z', NOW)).toThrow(
      new CliUsageError(
        "job 'report': --to: expected an instant that is not in the future (now is 2026-12-01T12:00:00.000Z), got 2026-12-02T00:00:00.000Z",
      ),
    );
  });
});

describe('slots of a window, [from, to)', () => {
  it('skips 02:30 on the night Paris springs forward and follows the new offset', () => {
    // 29 March 2026: 02:00 CET becomes 03:00 CEST, so there is no 02:30 that day.
    expect(isos(slotsOf(paris, d('2026-03-27T00:00:00Z'), d('2026-04-01T00:00:00Z')))).toEqual([
      '2026-03-27T01:30:00.000Z',
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('fires once in the hour Paris repeats when it falls back', () => {
    // 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:00 occurs twice and fires once.
    const hourly = { ...paris, expression: 'cron(0 * * * ? *)' };
    expect(isos(slotsOf(hourly, d('2026-10-25T00:00:00Z'), d('2026-10-25T03:00:00Z')))).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });

  it('includes from, excludes to, and keeps to the schedule’s end date', () => {
    expect(isos(slotsOf(paris, d('2026-11-03T01:30:00Z'), d('2026-11-05T01:30:00Z')))).toEqual([
      '2026-11-03T01:30:00.000Z',
      '2026-11-04T01:30:00.000Z',
    ]);
    const ended = { ...paris, endDate: d('2026-11-03T12:00:00Z') };
    expect(isos(slotsOf(ended, d('2026-11-02T00:00:00Z'), d('2026-11-06T00:00:00Z')))).toEqual([
      '2026-11-02T01:30:00.000Z',
      '2026-11-03T01:30:00.000Z',
    ]);
  });

  it('counts a rate from the schedule’s start', () => {
    const rate = { ...paris, expression: 'rate(6 hours)', startDate: d('2026-11-01T01:00:00Z') };
    expect(isos(slotsOf(rate, d('2026-11-02T00:00:00Z'), d('2026-11-02T12:00:00Z')))).toEqual([
      '2026-11-02T01:00:00.000Z',
      '2026-11-02T07:00:00.000Z',
    ]);
  });
});

describe('a --slot that is not a slot', () => {
  it('accepts a slot of the schedule, and any instant for a job without a recurring schedule', () => {
    expect(() => checkSlot(report, d('2026-11-03T01:30:00Z'))).not.toThrow();
    expect(() => checkSlot(reminder, d('2026-11-03T01:17:00Z'))).not.toThrow();
  });

  it('names the nearest slots before and after, across the spring-forward night', () => {
    expect(() => checkSlot(report, d('2026-03-29T01:30:00Z'))).toThrow(
      new CliUsageError(
        "job 'report': --slot: expected an instant at which cron(30 2 * * ? *) in Europe/Paris fires, got 2026-03-29T01:30:00.000Z; " +
          'the nearest slots are 2026-03-28T01:30:00.000Z (before) and 2026-03-30T00:30:00.000Z (after)',
      ),
    );
  });

  it('says so when the schedule has no slot near it', () => {
    const once = { ...report, schedule: { ...paris, expression: 'cron(0 0 1 1 ? 2020)' } };
    expect(() => checkSlot(once, d('2026-11-03T01:30:00Z'))).toThrow(
      new CliUsageError(
        "job 'report': --slot: expected an instant at which cron(0 0 1 1 ? 2020) in Europe/Paris fires, got 2026-11-03T01:30:00.000Z; the schedule has no slot within a year of it",
      ),
    );
  });
});

describe('the backfill window', () => {
  it('needs a recurring schedule', () => {
    const message =
      "job 'reminder': backfill: expected a job with a cron() or rate() schedule, got a one-time job (no recurring schedule); " +
      "run one instant with 'cdk-jobs run reminder --slot <instant>'";
    expect(() => backfillSlots(reminder, d('2026-11-01T00:00:00Z'), d('2026-11-02T00:00:00Z'))).toThrow(new CliUsageError(message));
    const at = { ...report, schedule: { ...paris, expression: 'at(2026-11-01T09:00:00)' } };
    expect(() => backfillSlots(at, d('2026-11-01T00:00:00Z'), d('2026-11-02T00:00:00Z'))).toThrow(/got at\(2026-11-01T09:00:00\)/);
  });

  it('needs from before to, at most 366 days and at most 10000 slots', () => {
    expect(() => backfillSlots(report, d('2026-11-02T00:00:00Z'), d('2026-11-02T00:00:00Z'))).toThrow(
      new CliUsageError("job 'report': --to: expected an instant after --from (2026-11-02T00:00:00.000Z), got 2026-11-02T00:00:00.000Z"),
    );
    expect(() => backfillSlots(report, d('2025-01-01T00:00:00Z'), d('2026-01-03T00:00:00Z'))).toThrow(
      new CliUsageError(
        "job 'report': --from/--to: expected a window of at most 366 days, got 367 days (2025-01-01T00:00:00.000Z to 2026-01-03T00:00:00.000Z)",
      ),
    );
    const everyMinute = { ...report, schedule: { ...paris, expression: 'rate(1 minute)', startDate: d('2026-01-01T00:00:00Z') } };
    expect(() => backfillSlots(everyMinute, d('2026-11-01T00:00:00Z'), d('2026-11-08T00:00:00Z'))).toThrow(
      new CliUsageError(
        `job 'report': --from/--to: expected a window of at most ${MAX_BACKFILL_SLOTS} slots, got 10080 slots of rate(1 minute) ` +
          '(2026-11-01T00:00:00.000Z to 2026-11-08T00:00:00.000Z); split it into smaller windows',
      ),
    );
    expect(backfillSlots(everyMinute, d('2026-11-01T00:00:00Z'), d('2026-11-07T22:40:00Z'))).toHaveLength(MAX_BACKFILL_SLOTS);
  });
});

describe('the plan', () => {
  it('runs every slot that did not succeed, oldest first, and counts those that did', () => {
    const slots = slotsOf(paris, d('2026-03-27T00:00:00Z'), d('2026-04-01T00:00:00Z')).reverse();
    const statuses = new Map([
      ['2026-03-27T01:30:00.000Z', 'SUCCEEDED'],
      ['2026-03-28T01:30:00.000Z', 'FAILED'],
      ['2026-03-31T00:30:00.000Z', 'SKIPPED'],
    ]);

    expect(planBackfill(slots, statuses)).toEqual({
      toRun: [
        { slot: d('2026-03-28T01:30:00Z'), previous: 'FAILED' },
        { slot: d('2026-03-30T00:30:00Z') },
        { slot: d('2026-03-31T00:30:00Z'), previous: 'SKIPPED' },
      ],
      alreadySucceeded: [d('2026-03-27T01:30:00Z')],
    });
  });

  it('runs nothing when every slot succeeded', () => {
    const slots = [d('2026-11-03T01:30:00Z'), d('2026-11-04T01:30:00Z')];
    const statuses = new Map(slots.map((s) => [s.toISOString(), 'SUCCEEDED']));
    expect(planBackfill(slots, statuses)).toEqual({ toRun: [], alreadySucceeded: slots });
  });

  it('runs a slot as a manual run with its own scheduled time', () => {
    expect(slotEvent('report', d('2026-11-03T01:30:00Z'), { format: 'csv' })).toEqual({
      job: 'report',
      manual: true,
      scheduledTime: '2026-11-03T01:30:00.000Z',
      payload: { format: 'csv' },
    });
  });
});

describe('the results', () => {
  const item = { slot: d('2026-11-03T01:30:00Z'), previous: 'FAILED' };
  const sync = (result: unknown) => ({ mode: 'sync' as const, ok: true, result });

  it('tells a success, a slot that succeeded meanwhile and a failure apart, and sums them up', () => {
    const results = [
      backfillResult(item, sync({ status: 'SUCCEEDED', slot: '2026-11-03T01:30:00.000Z' })),
      backfillResult({ slot: d('2026-11-04T01:30:00Z') }, sync({ status: 'DUPLICATE', reason: 'already SUCCEEDED' })),
      backfillResult({ slot: d('2026-11-05T01:30:00Z') }, { mode: 'sync', ok: false, error: { type: 'TimeoutError', message: 'no answer' } }),
      backfillResult({ slot: d('2026-11-06T01:30:00Z'), previous: 'SKIPPED' }, sync({ status: 'DUPLICATE', reason: 'already SKIPPED' })),
    ];
    expect(results.map((r) => r.outcome)).toEqual(['succeeded', 'already', 'failed', 'failed']);
    const summary = summarise(results, 2);
    expect(summary).toEqual({ slots: 6, alreadySucceeded: 3, ran: 3, succeeded: 1, failed: 2 });
    expect(renderBackfill('report', 'Europe/Paris', results, summary, false)).toBe(
      [
        'SLOT                      Europe/Paris             WAS           RESULT',
        '2026-11-03T01:30:00.000Z  2026-11-03 02:30 +01:00  FAILED        SUCCEEDED',
        '2026-11-04T01:30:00.000Z  2026-11-04 02:30 +01:00  not recorded  DUPLICATE (already SUCCEEDED)',
        '2026-11-05T01:30:00.000Z  2026-11-05 02:30 +01:00  not recorded  FAILED: TimeoutError: no answer',
        '2026-11-06T01:30:00.000Z  2026-11-06 02:30 +01:00  SKIPPED       DUPLICATE (already SKIPPED)',
        'report: 6 slots, 3 already succeeded, 3 ran: 1 succeeded, 2 failed',
      ].join('\n'),
    );
  });

  it('prints a dry run', () => {
    const results = [{ ...item, outcome: 'planned' as const, detail: 'would run' }];
    expect(renderBackfill('report', 'Europe/Paris', results, summarise(results, 1), true)).toBe(
      [
        'SLOT                      Europe/Paris             WAS',
        '2026-11-03T01:30:00.000Z  2026-11-03 02:30 +01:00  FAILED',
        'dry run: 1 of 2 slots would run (1 already succeeded); nothing was run',
      ].join('\n'),
    );
  });
});
