import { describe, expect, it } from 'vitest';
import { acceptanceInterval, findMissedSlots, latestRun, runsRange } from '../../../lambdas/watchdog/match';

const d = (iso: string) => new Date(iso);
const iso = (dates: readonly Date[]) => dates.map((x) => x.toISOString());
const HOUR = 3_600_000;

describe('acceptanceInterval', () => {
  it('accepts a cron run anywhere in the slot minute, and the flexible window after it', () => {
    expect(acceptanceInterval(d('2026-03-01T02:00:00.000Z'), { kind: 'cron' }, 0)).toEqual({
      from: Date.parse('2026-03-01T02:00:00.000Z'),
      to: Date.parse('2026-03-01T02:01:00.000Z'),
    });
    expect(acceptanceInterval(d('2026-03-01T02:00:00.000Z'), { kind: 'cron' }, 15 * 60_000)).toEqual({
      from: Date.parse('2026-03-01T02:00:00.000Z'),
      to: Date.parse('2026-03-01T02:16:00.000Z'),
    });
  });

  it('accepts a rate run within half a period either side, plus the flexible window', () => {
    expect(acceptanceInterval(d('2026-03-01T10:00:09.000Z'), { kind: 'rate', periodMs: HOUR }, 0)).toEqual({
      from: Date.parse('2026-03-01T09:30:09.000Z'),
      to: Date.parse('2026-03-01T10:30:09.000Z'),
    });
    expect(acceptanceInterval(d('2026-03-01T10:00:09.000Z'), { kind: 'rate', periodMs: HOUR }, 5 * 60_000)).toEqual({
      from: Date.parse('2026-03-01T09:30:09.000Z'),
      to: Date.parse('2026-03-01T10:35:09.000Z'),
    });
  });
});

describe('findMissedSlots', () => {
  it('cron daily at 02:00: finds the one day with no run record', () => {
    // Prepare: five daily slots, runs recorded for four of them (3 March is missing)
    const slots = ['01', '02', '03', '04', '05'].map((day) => d(`2026-03-${day}T02:00:00.000Z`));
    const runs = ['01', '02', '04', '05'].map((day) => d(`2026-03-${day}T02:00:00.000Z`));
    // Act
    const missed = findMissedSlots(slots, runs, { kind: 'cron' }, 0);
    // Assess
    expect(iso(missed)).toEqual(['2026-03-03T02:00:00.000Z']);
  });

  it('cron: a run recorded later in the same minute matches; one in the next minute does not', () => {
    const slots = [d('2026-03-01T02:00:00.000Z'), d('2026-03-02T02:00:00.000Z')];
    const runs = [d('2026-03-01T02:00:59.000Z'), d('2026-03-02T02:01:00.000Z')];
    expect(iso(findMissedSlots(slots, runs, { kind: 'cron' }, 0))).toEqual(['2026-03-02T02:00:00.000Z']);
  });

  it('cron with a flexible window: a run inside the window matches, one past it does not', () => {
    // 60-minute window: the 02:00 slot may run until 03:00:59
    const slots = [d('2026-03-03T02:00:00.000Z'), d('2026-03-04T02:00:00.000Z')];
    const runs = [d('2026-03-03T02:47:00.000Z'), d('2026-03-04T03:01:00.000Z')];
    expect(iso(findMissedSlots(slots, runs, { kind: 'cron' }, 60 * 60_000))).toEqual(['2026-03-04T02:00:00.000Z']);
  });

  it('rate(1 hour): records drifted by seconds either way still match their slots', () => {
    // Prepare: grid at hh:00:09; 13:00 never ran; the others drifted -11 s .. +3 s
    const slots = ['10', '11', '12', '13', '14'].map((h) => d(`2026-03-01T${h}:00:09.000Z`));
    const runs = [
      d('2026-03-01T09:59:58.000Z'),
      d('2026-03-01T11:00:12.000Z'),
      d('2026-03-01T12:00:03.000Z'),
      d('2026-03-01T14:00:09.000Z'),
    ];
    // Act
    const missed = findMissedSlots(slots, runs, { kind: 'rate', periodMs: HOUR }, 0);
    // Assess
    expect(iso(missed)).toEqual(['2026-03-01T13:00:09.000Z']);
  });

  it('one run never settles two slots, even when their intervals overlap', () => {
    // Every minute with a 15-minute window: the intervals of 02:00, 02:01 and 02:02 overlap
    const slots = [d('2026-03-01T02:00:00.000Z'), d('2026-03-01T02:01:00.000Z'), d('2026-03-01T02:02:00.000Z')];
    const runs = [d('2026-03-01T02:00:00.000Z'), d('2026-03-01T02:02:00.000Z')];
    const missed = findMissedSlots(slots, runs, { kind: 'cron' }, 15 * 60_000);
    expect(missed).toHaveLength(1);
  });

  it('ignores runs outside every interval and accepts unsorted input', () => {
    const slots = [d('2026-03-02T02:00:00.000Z'), d('2026-03-01T02:00:00.000Z')];
    const runs = [d('2026-03-02T02:00:30.000Z'), d('2026-02-28T02:00:00.000Z'), d('2026-03-01T12:00:00.000Z')];
    expect(iso(findMissedSlots(slots, runs, { kind: 'cron' }, 0))).toEqual(['2026-03-01T02:00:00.000Z']);
  });

  it('finds every slot missed when there are no runs, and none when there are no slots', () => {
    const slots = [d('2026-03-01T02:00:00.000Z'), d('2026-03-02T02:00:00.000Z')];
    expect(iso(findMissedSlots(slots, [], { kind: 'cron' }, 0))).toEqual(iso(slots));
    expect(findMissedSlots([], [d('2026-03-01T02:00:00.000Z')], { kind: 'cron' }, 0)).toEqual([]);
  });
});

describe('runsRange', () => {
  const window = { from: d('2026-03-01T09:30:20.000Z'), to: d('2026-03-01T14:20:00.000Z') };
  const now = d('2026-03-01T14:30:00.000Z');

  it('cron: from the minute of the window start to a minute past now', () => {
    expect(runsRange({ kind: 'cron' }, window, now)).toEqual({
      from: d('2026-03-01T09:30:00.000Z'),
      to: d('2026-03-01T14:31:00.000Z'),
    });
  });

  it('rate: from one period before the window, so the last run gives the phase', () => {
    expect(runsRange({ kind: 'rate', periodMs: HOUR }, window, now)).toEqual({
      from: d('2026-03-01T08:30:20.000Z'),
      to: d('2026-03-01T14:31:00.000Z'),
    });
  });
});

describe('latestRun', () => {
  it('is the latest instant, or undefined for none', () => {
    expect(latestRun([d('2026-03-01T10:00:00.000Z'), d('2026-03-01T12:00:00.000Z'), d('2026-03-01T11:00:00.000Z')])).toEqual(
      d('2026-03-01T12:00:00.000Z'),
    );
    expect(latestRun([])).toBeUndefined();
  });
});
