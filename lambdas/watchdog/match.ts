/**
 * Pure matching of expected slots against the run records a job wrote: which slots have no run.
 * No SDK, no clock.
 */
import { MINUTE_MS, type CheckWindow, type ScheduleShape } from './plan';

/** The instants a run record for `slot` may carry: `[from, to)` in epoch ms. */
export interface AcceptanceInterval {
  readonly from: number;
  readonly to: number;
}

/**
 * Where a run of `slot` may be recorded.
 * - cron / at: Scheduler fires within the slot's minute (60-second precision), or anywhere in the
 *   flexible window after it: `[minute of slot, minute + 1 min + flexible window)`.
 * - rate: the grid's phase is only known to within some seconds (Scheduler anchors it when the
 *   schedule is created, and deliveries drift), so any run within half a period either side
 *   counts, plus the flexible window: `[slot - period/2, slot + period/2 + flexible window)`.
 */
export function acceptanceInterval(slot: Date, shape: ScheduleShape, flexibleWindowMs: number): AcceptanceInterval {
  const t = slot.getTime();
  if (shape.kind === 'rate') {
    const half = Math.floor(shape.periodMs / 2);
    return { from: t - half, to: t + half + flexibleWindowMs };
  }
  const minute = Math.floor(t / MINUTE_MS) * MINUTE_MS;
  return { from: minute, to: minute + MINUTE_MS + flexibleWindowMs };
}

/**
 * The slots with no run, oldest first. Each run settles at most one slot, so two slots cannot
 * both be satisfied by one run when their intervals overlap (a large flexible window). Slots are
 * taken oldest first and each takes the earliest unused run in its interval; with intervals of one
 * length this settles as many slots as any assignment can.
 *
 * @param slots expected slots (any order)
 * @param runs instants of the runs the schedule delivered (manual runs excluded; any order)
 */
export function findMissedSlots(
  slots: readonly Date[],
  runs: readonly Date[],
  shape: ScheduleShape,
  flexibleWindowMs: number,
): Date[] {
  const expected = [...slots].sort((a, b) => a.getTime() - b.getTime());
  const seen = [...runs].map((d) => d.getTime()).sort((a, b) => a - b);
  const missed: Date[] = [];
  let next = 0;
  for (const slot of expected) {
    const { from, to } = acceptanceInterval(slot, shape, flexibleWindowMs);
    // Runs before this slot's interval are before every later slot's interval too.
    while (next < seen.length && seen[next] < from) next += 1;
    if (next < seen.length && seen[next] < to) {
      next += 1;
    } else {
      missed.push(slot);
    }
  }
  return missed;
}

/**
 * The slot range of run records to read for `window`: from one period (rate) or the slot's minute
 * (cron, at) before the window, so a rate grid's phase can be taken from the last run, up to a
 * minute past `now` (clock differences between Scheduler and the watchdog).
 */
export function runsRange(shape: ScheduleShape, window: CheckWindow, now: Date): { from: Date; to: Date } {
  const from = window.from.getTime();
  const lower = shape.kind === 'rate' ? from - shape.periodMs : Math.floor(from / MINUTE_MS) * MINUTE_MS;
  return { from: new Date(lower), to: new Date(Math.max(now.getTime(), window.to.getTime()) + MINUTE_MS) };
}

/** The latest run, as the phase of a rate schedule's grid; `undefined` when there is none. */
export function latestRun(runs: readonly Date[]): Date | undefined {
  let latest: number | undefined;
  for (const run of runs) {
    const t = run.getTime();
    if (latest === undefined || t > latest) latest = t;
  }
  return latest === undefined ? undefined : new Date(latest);
}
