/**
 * The clock local mode runs on: the real one, or a simulated one that jumps from one fire time to
 * the next (time travel) and otherwise runs at real speed. While a simulation runs, the global
 * `Date` reads the simulated clock, so job code (timestamps, "at least a minute in the future"
 * checks) sees simulated time. Timers (`setTimeout`) and `performance.now()` stay real.
 */
import { performance } from 'node:perf_hooks';

/** The real `Date`, whatever is installed globally later. */
const RealDate: DateConstructor = globalThis.Date;

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  readonly simulated: boolean;
}

export const realClock: Clock = { now: () => RealDate.now(), simulated: false };

/** A clock that starts at a given instant, runs at real speed, and can jump forward. */
export class SimulatedClock implements Clock {
  readonly simulated = true;
  private base: number;
  private anchor = performance.now();

  constructor(start: number) {
    this.base = start;
  }

  now(): number {
    return Math.floor(this.base + (performance.now() - this.anchor));
  }

  /** Moves the clock to `time` (never backwards: a later current time wins). */
  advanceTo(time: number): void {
    const current = this.now();
    this.base = Math.max(time, current);
    this.anchor = performance.now();
  }
}

let activeClock: Clock | undefined;

const FakeDate = new Proxy(RealDate, {
  construct(target, args: unknown[], newTarget) {
    if (args.length === 0 && activeClock) return Reflect.construct(target, [activeClock.now()], newTarget) as object;
    return Reflect.construct(target, args, newTarget) as object;
  },
  apply(target, thisArg, args: unknown[]) {
    // `Date()` called as a function returns the current time as a string.
    if (activeClock) return new target(activeClock.now()).toString();
    return Reflect.apply(target, thisArg, args) as string;
  },
  get(target, property, receiver) {
    if (property === 'now') return () => (activeClock ? activeClock.now() : target.now());
    return Reflect.get(target, property, receiver) as unknown;
  },
});

/**
 * Makes the global `Date` read `clock` until the returned function is called. Nested calls are
 * not supported (one simulation per process at a time).
 *
 * @returns a function that restores the real `Date`.
 */
export function installClock(clock: Clock): () => void {
  if (!clock.simulated) return () => undefined;
  if (activeClock) throw new Error('a simulated clock is already installed in this process');
  activeClock = clock;
  globalThis.Date = FakeDate;
  return () => {
    activeClock = undefined;
    globalThis.Date = RealDate;
  };
}

/** `2026-11-29T02:00:00Z`: the form of `<aws.scheduler.scheduled-time>` (second precision). */
export function schedulerTime(time: number): string {
  return new RealDate(Math.floor(time / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
