import { describe, expect, it } from 'vitest';
import { WatchdogScheduleError } from '../../../lambdas/watchdog/errors';
import { findMissedSlots } from '../../../lambdas/watchdog/match';
import {
  alignAnchor,
  expectedSlots,
  planWindow,
  scheduleShape,
  type JobSchedule,
  type RunsBetween,
} from '../../../lambdas/watchdog/plan';
import { runsBetween } from '../../../lib/schedule';

const d = (iso: string) => new Date(iso);
const iso = (dates: readonly Date[]) => dates.map((x) => x.toISOString());
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const daily: JobSchedule = {
  job: 'nightly-report',
  scheduleName: 'nightly-report',
  expression: 'cron(0 2 * * ? *)',
  timeZone: 'UTC',
  flexibleWindowMs: 0,
  activeSince: d('2026-02-01T00:00:00.000Z'),
};
const hourly: JobSchedule = {
  job: 'sync-orders',
  scheduleName: 'sync-orders',
  expression: 'rate(1 hour)',
  timeZone: 'UTC',
  flexibleWindowMs: 0,
  activeSince: d('2026-02-01T00:00:00.000Z'),
};
const windowOptions = (now: string, lookbackMs = 7 * DAY) => ({ now: d(now), graceMs: 10 * MINUTE, lookbackMs, activationMarginMs: MINUTE });

describe('planWindow', () => {
  it('starts at the cursor and ends where the grace has passed', () => {
    const window = planWindow(daily, d('2026-03-04T12:00:00.000Z'), windowOptions('2026-03-05T03:00:00.000Z'));
    expect(window).toEqual({ from: d('2026-03-04T12:00:00.000Z'), to: d('2026-03-05T02:50:00.000Z') });
  });

  it('looks back at most the look-back when there is no cursor (or an old one)', () => {
    const options = windowOptions('2026-03-05T03:00:00.000Z', DAY);
    const expected = { from: d('2026-03-04T03:00:00.000Z'), to: d('2026-03-05T02:50:00.000Z') };
    expect(planWindow(daily, undefined, options)).toEqual(expected);
    expect(planWindow(daily, d('2026-01-01T00:00:00.000Z'), options)).toEqual(expected);
  });

  it('a newly created schedule is not expected to run before it existed (plus one minute)', () => {
    // Created 01:59:30: the 02:00 slot that day lies within the activation minute, so is not expected
    const created = { ...daily, activeSince: d('2026-03-04T01:59:30.000Z') };
    const window = planWindow(created, undefined, windowOptions('2026-03-05T03:00:00.000Z'));
    expect(window).toEqual({ from: d('2026-03-04T02:00:30.000Z'), to: d('2026-03-05T02:50:00.000Z') });
    // Created 01:50: the 02:00 slot is expected
    const earlier = { ...daily, activeSince: d('2026-03-04T01:50:00.000Z') };
    expect(planWindow(earlier, undefined, windowOptions('2026-03-05T03:00:00.000Z'))?.from).toEqual(d('2026-03-04T01:51:00.000Z'));
  });

  it('a slot is due only once its flexible window and the grace have passed', () => {
    const flexible = { ...daily, flexibleWindowMs: 60 * MINUTE };
    // now 03:05 - grace 10 min - window 60 min = 01:55: the 02:00 slot of 5 March is not due yet
    expect(planWindow(flexible, d('2026-03-04T12:00:00.000Z'), windowOptions('2026-03-05T03:05:00.000Z'))).toEqual({
      from: d('2026-03-04T12:00:00.000Z'),
      to: d('2026-03-05T01:55:00.000Z'),
    });
  });

  it('honours StartDate (inclusive) and EndDate (exclusive)', () => {
    const bounded = { ...daily, startDate: d('2026-03-04T02:00:00.000Z'), endDate: d('2026-03-05T02:00:00.000Z') };
    expect(planWindow(bounded, undefined, windowOptions('2026-03-05T12:00:00.000Z'))).toEqual({
      from: d('2026-03-04T01:59:59.999Z'),
      to: d('2026-03-05T01:59:59.999Z'),
    });
  });

  it('is undefined when nothing new is due', () => {
    expect(planWindow(daily, d('2026-03-05T02:50:00.000Z'), windowOptions('2026-03-05T03:00:00.000Z'))).toBeUndefined();
    const ended = { ...daily, endDate: d('2026-03-01T00:00:00.000Z') };
    expect(planWindow(ended, undefined, windowOptions('2026-03-05T03:00:00.000Z', DAY))).toBeUndefined();
  });
});

describe('alignAnchor', () => {
  it('moves the anchor by whole periods to the latest instant at or before the window start', () => {
    expect(alignAnchor(d('2026-03-01T14:00:09.000Z'), d('2026-03-01T09:30:00.000Z'), HOUR)).toEqual(d('2026-03-01T09:00:09.000Z'));
    expect(alignAnchor(d('2026-02-27T07:15:00.000Z'), d('2026-03-01T09:30:00.000Z'), HOUR)).toEqual(d('2026-03-01T09:15:00.000Z'));
    expect(alignAnchor(d('2026-03-01T09:30:00.000Z'), d('2026-03-01T09:30:00.000Z'), HOUR)).toEqual(d('2026-03-01T09:30:00.000Z'));
  });
});

describe('scheduleShape', () => {
  it('reads cron, at and the period of rate', () => {
    expect(scheduleShape(daily)).toEqual({ kind: 'cron' });
    expect(scheduleShape({ ...daily, expression: 'at(2026-03-01T02:00:00)' })).toEqual({ kind: 'at' });
    expect(scheduleShape(hourly)).toEqual({ kind: 'rate', periodMs: HOUR });
    expect(scheduleShape({ ...hourly, expression: 'rate(5 minutes)' })).toEqual({ kind: 'rate', periodMs: 5 * MINUTE });
    expect(scheduleShape({ ...hourly, expression: 'rate(2 days)' })).toEqual({ kind: 'rate', periodMs: 2 * DAY });
  });

  it('names the schedule and job, then the field, what was expected and what came', () => {
    const bad = { ...hourly, expression: 'rate(0 hours)' };
    expect(() => scheduleShape(bad)).toThrow(WatchdogScheduleError);
    expect(() => scheduleShape(bad)).toThrow("schedule 'sync-orders' (job 'sync-orders'): rate(0 hours): value: expected a positive integer, got '0'");
    expect(() => scheduleShape({ ...daily, timeZone: 'Mars/Base' })).toThrow(
      "schedule 'nightly-report' (job 'nightly-report'): cron(0 2 * * ? *): unknown time zone 'Mars/Base': expected an IANA zone name such as 'UTC' or 'Europe/London'",
    );
  });
});

describe('expectedSlots', () => {
  it('cron daily at 02:00: the slots in the window, and one missed when a record is absent', () => {
    // Prepare: cursor 1 March 00:00, now 5 March 03:00, grace 10 min, look-back 7 days
    const window = planWindow(daily, d('2026-03-01T00:00:00.000Z'), windowOptions('2026-03-05T03:00:00.000Z'));
    // Act
    const plan = expectedSlots(daily, { kind: 'cron' }, window!, { runsBetween, maxSlots: 100 });
    const runs = ['01', '02', '04', '05'].map((day) => d(`2026-03-${day}T02:00:00.000Z`));
    // Assess
    expect(iso(plan.slots)).toEqual(['01', '02', '03', '04', '05'].map((day) => `2026-03-${day}T02:00:00.000Z`));
    expect(plan.truncated).toBe(false);
    expect(plan.checkedUntil).toEqual(d('2026-03-05T02:50:00.000Z'));
    expect(iso(findMissedSlots(plan.slots, runs, { kind: 'cron' }, 0))).toEqual(['2026-03-03T02:00:00.000Z']);
  });

  it('rate(1 hour): the grid takes its phase from the last run, so drifted records match', () => {
    // Prepare: runs at about hh:00:09, 13:00 missing; window (09:30, 14:20]
    const window = planWindow(hourly, d('2026-03-01T09:30:00.000Z'), windowOptions('2026-03-01T14:30:00.000Z', DAY));
    const runs = [
      d('2026-03-01T09:59:58.000Z'),
      d('2026-03-01T11:00:12.000Z'),
      d('2026-03-01T12:00:03.000Z'),
      d('2026-03-01T14:00:09.000Z'),
    ];
    // Act
    const plan = expectedSlots(hourly, { kind: 'rate', periodMs: HOUR }, window!, { runsBetween, maxSlots: 100, anchor: runs[3] });
    // Assess
    expect(iso(plan.slots)).toEqual(['10', '11', '12', '13', '14'].map((h) => `2026-03-01T${h}:00:09.000Z`));
    expect(iso(findMissedSlots(plan.slots, runs, { kind: 'rate', periodMs: HOUR }, 0))).toEqual(['2026-03-01T13:00:09.000Z']);
  });

  it('rate with no run yet: the grid starts at StartDate, else when the schedule took its form', () => {
    const window = { from: d('2026-03-01T09:30:00.000Z'), to: d('2026-03-01T12:20:00.000Z') };
    const fromCreation = expectedSlots({ ...hourly, activeSince: d('2026-02-27T07:15:00.000Z') }, { kind: 'rate', periodMs: HOUR }, window, {
      runsBetween,
      maxSlots: 100,
    });
    expect(iso(fromCreation.slots)).toEqual(['2026-03-01T10:15:00.000Z', '2026-03-01T11:15:00.000Z', '2026-03-01T12:15:00.000Z']);
    const fromStart = expectedSlots({ ...hourly, startDate: d('2026-03-01T08:40:00.000Z') }, { kind: 'rate', periodMs: HOUR }, window, {
      runsBetween,
      maxSlots: 100,
    });
    expect(iso(fromStart.slots)).toEqual(['2026-03-01T09:40:00.000Z', '2026-03-01T10:40:00.000Z', '2026-03-01T11:40:00.000Z']);
  });

  it('DST in Europe/London: no slot on the skipped 01:30 of spring-forward, one on the repeated 01:30 of fall-back', () => {
    // 29 March 2026: clocks go 01:00 GMT -> 02:00 BST, so 01:30 does not exist.
    // 25 October 2026: clocks go 02:00 BST -> 01:00 GMT, so 01:30 happens twice; Scheduler runs the first (00:30Z).
    const london = { ...daily, expression: 'cron(30 1 * * ? *)', timeZone: 'Europe/London' };
    const spring = expectedSlots(london, { kind: 'cron' }, { from: d('2026-03-27T12:00:00.000Z'), to: d('2026-03-31T12:00:00.000Z') }, {
      runsBetween,
      maxSlots: 100,
    });
    // 28 March 01:30 GMT = 01:30Z; 30 and 31 March 01:30 BST = 00:30Z
    expect(iso(spring.slots)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
    const autumn = expectedSlots(london, { kind: 'cron' }, { from: d('2026-10-24T12:00:00.000Z'), to: d('2026-10-26T12:00:00.000Z') }, {
      runsBetween,
      maxSlots: 100,
    });
    // 25 October: the first 01:30 (BST) = 00:30Z; 26 October 01:30 GMT = 01:30Z
    expect(iso(autumn.slots)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    // Records for exactly those slots: nothing missed across either change
    expect(findMissedSlots(spring.slots, spring.slots, { kind: 'cron' }, 0)).toEqual([]);
  });

  it('bounds the work: at most maxSlots, and the cursor advances only to the last one kept', () => {
    // rate(1 minute), window (10:10, 11:00]: 50 slots, at most 20 per run
    const everyMinute = { ...hourly, expression: 'rate(1 minute)', activeSince: d('2026-03-01T00:00:00.000Z') };
    const shape = { kind: 'rate', periodMs: MINUTE } as const;
    const options = { now: d('2026-03-01T11:10:00.000Z'), graceMs: 10 * MINUTE, lookbackMs: HOUR, activationMarginMs: MINUTE };
    const first = expectedSlots(everyMinute, shape, planWindow(everyMinute, undefined, options)!, { runsBetween, maxSlots: 20 });
    expect(first.slots).toHaveLength(20);
    expect(first.truncated).toBe(true);
    expect(first.slots[0]).toEqual(d('2026-03-01T10:11:00.000Z'));
    expect(first.checkedUntil).toEqual(d('2026-03-01T10:30:00.000Z'));
    // The next run starts after the cursor, with no slot checked twice and none skipped
    const second = expectedSlots(everyMinute, shape, planWindow(everyMinute, first.checkedUntil, options)!, { runsBetween, maxSlots: 20 });
    expect(second.slots[0]).toEqual(d('2026-03-01T10:31:00.000Z'));
    expect(second.checkedUntil).toEqual(d('2026-03-01T10:50:00.000Z'));
    const third = expectedSlots(everyMinute, shape, planWindow(everyMinute, second.checkedUntil, options)!, { runsBetween, maxSlots: 20 });
    expect(third.slots[0]).toEqual(d('2026-03-01T10:51:00.000Z'));
    expect(third.truncated).toBe(false);
    expect(third.checkedUntil).toEqual(d('2026-03-01T11:00:00.000Z'));
    expect(first.slots.length + second.slots.length + third.slots.length).toBe(50);
    expect(planWindow(everyMinute, third.checkedUntil, options)).toBeUndefined();
  });

  it('keeps exactly the slots with from < t <= to, whatever bounds the engine includes', () => {
    const inclusiveEngine: RunsBetween = () => [d('2026-03-01T02:00:00.000Z'), d('2026-03-02T02:00:00.000Z'), d('2026-03-02T02:00:00.000Z')];
    const plan = expectedSlots(daily, { kind: 'cron' }, { from: d('2026-03-01T02:00:00.000Z'), to: d('2026-03-02T02:00:00.000Z') }, {
      runsBetween: inclusiveEngine,
      maxSlots: 10,
    });
    expect(iso(plan.slots)).toEqual(['2026-03-02T02:00:00.000Z']);
  });

  it('rejects a maxSlots that is not a positive integer', () => {
    expect(() => expectedSlots(daily, { kind: 'cron' }, { from: d('2026-03-01T00:00:00.000Z'), to: d('2026-03-02T00:00:00.000Z') }, {
      runsBetween,
      maxSlots: 0,
    })).toThrow('maxSlots must be a positive integer (got 0)');
  });
});
