/** What a job does when its next slot comes while an earlier run still holds the lease. */
export type OverlapMode = 'skip' | 'allow';

/**
 * What a job does when its next slot comes while the previous run still holds the lease: given to
 * `ScheduledJob` (`overlap`), to `defineJob` (`overlap`), and to the function as `JOB_OVERLAP_POLICY`.
 */
export class OverlapPolicy {
  /** Skip the new slot (recorded as SKIPPED) while a run holds the lease. The default. */
  public static readonly SKIP = new OverlapPolicy('skip');
  /** Run every slot, even while an earlier one is still running. */
  public static readonly ALLOW = new OverlapPolicy('allow');

  private constructor(
    /** The value of `JOB_OVERLAP_POLICY`. */
    public readonly value: OverlapMode,
  ) {}

  public toString(): string {
    return this.value;
  }
}
