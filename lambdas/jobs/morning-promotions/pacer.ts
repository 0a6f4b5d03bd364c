/**
 * Send pacing: at most `ratePerSecond` sends start in any second. Each `take()` reserves the next
 * start time, `1000 / ratePerSecond` ms after the previous one (or now, if that has passed), and
 * waits until then; concurrent callers therefore start evenly spaced. The clock and the sleep are
 * injected, so tests run on a fake clock.
 */
import { sleep as realSleep } from '../../shared/retry';

export interface PacerClock {
  /** Epoch ms now. @default Date.now */
  readonly now?: () => number;
  /** Waits `ms`. @default a setTimeout promise */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class SendPacer {
  /** Milliseconds between two starts. */
  readonly intervalMs: number;
  private nextStart = -Infinity;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(ratePerSecond: number, clock: PacerClock = {}) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`job 'morning-promotions': send rate must be a positive number of emails per second (got ${ratePerSecond})`);
    }
    this.intervalMs = 1000 / ratePerSecond;
    this.now = clock.now ?? Date.now;
    this.sleep = clock.sleep ?? realSleep;
  }

  /** Resolves when the caller may start its send. */
  async take(): Promise<void> {
    const now = this.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + this.intervalMs;
    if (start > now) await this.sleep(start - now);
  }
}
