/**
 * The catch-up policy of a scheduled job: whether slots that were missed (or skipped while the
 * job was paused) are run afterwards, by the watchdog and by `cdk-jobs resume`.
 */
import { Duration, Token } from 'aws-cdk-lib';
import { CATCH_UP_WINDOW_SECONDS, type CatchUpSpec } from './contract';

/**
 * Which missed slots of a job are run afterwards. The watchdog applies it to the slots it records
 * missed; `cdk-jobs resume` to the slots skipped or missed while the job was paused. Each slot is
 * run with its own scheduled time, so a slot that has run meanwhile is a duplicate that does nothing.
 *
 * @example
 * new ScheduledJob(stack, 'HourlyExport', { platform, schedule, entry, catchUp: CatchUp.within(Duration.hours(6)) });
 */
export class CatchUp {
  /** Missed slots stay missed (recorded, alarmed); nothing is run for them. */
  public static off(): CatchUp {
    return new CatchUp('off');
  }

  /** Runs only the most recent missed slot (for jobs whose latest run supersedes the earlier ones). */
  public static lastMissed(): CatchUp {
    return new CatchUp('last');
  }

  /**
   * Runs every missed slot no older than `window` (measured from when it is caught up), oldest
   * first. The window is from 1 minute to 7 days, in whole seconds.
   */
  public static within(window: Duration): CatchUp {
    return new CatchUp('within', window);
  }

  private constructor(
    /** `off`, `last` or `within`. */
    public readonly mode: 'off' | 'last' | 'within',
    /** The window of `within`. */
    public readonly window?: Duration,
  ) {}

  /** The policy as the schedule's input carries it; `undefined` for `off`. */
  public toSpec(): CatchUpSpec | undefined {
    if (this.mode === 'off') return undefined;
    if (this.mode === 'last') return { mode: 'last' };
    return { mode: 'within', windowSeconds: this.window!.toSeconds({ integral: false }) };
  }

  /**
   * The problem with this policy, or `undefined` when it is valid (a window given as an unresolved
   * token is not checked).
   */
  public problem(): string | undefined {
    if (this.mode !== 'within') return undefined;
    const window = this.window;
    if (window === undefined) return 'CatchUp.within() needs a window; got nothing';
    const seconds = window.toSeconds({ integral: false });
    if (Token.isUnresolved(seconds)) return undefined;
    const { min, max } = CATCH_UP_WINDOW_SECONDS;
    if (!(Number.isInteger(seconds) && seconds >= min && seconds <= max)) {
      return `CatchUp.within() window must be whole seconds from 1 minute to 7 days; got ${seconds} seconds`;
    }
    return undefined;
  }
}
