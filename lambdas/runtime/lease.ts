/**
 * The overlap lease (`LEASE` item) for the `skip` policy: one slot of a job runs at a time. The lease
 * has an expiry, so a run that crashed without releasing it blocks the job for at most one lease.
 */
import type { JobStateStore, LeaseResult } from './state-store';

/** How long after its expiry an abandoned lease item is removed by DynamoDB TTL. */
const LEASE_ITEM_GRACE_SECONDS = 86_400;

export interface OverlapLeaseProps {
  readonly store: JobStateStore;
  readonly job: string;
  /** The slot that takes the lease. */
  readonly slot: string;
  readonly leaseSeconds: number;
  readonly clock: () => number;
}

/** The lease one run holds on its job. */
export class OverlapLease {
  constructor(private readonly props: OverlapLeaseProps) {}

  private window() {
    const now = this.props.clock();
    const until = now + this.props.leaseSeconds * 1000;
    return {
      now: new Date(now),
      leaseUntil: new Date(until).toISOString(),
      expiresAt: Math.floor(until / 1000) + LEASE_ITEM_GRACE_SECONDS,
    };
  }

  /** Takes the lease if it is free, expired or already this slot's; else says who holds it. */
  async acquire(): Promise<LeaseResult> {
    return this.props.store.acquireLease({ job: this.props.job, holder: this.props.slot, ...this.window() });
  }

  /** Extends the lease by a full lease length (a continuation keeps the job's lease). */
  async renew(): Promise<boolean> {
    const { leaseUntil, expiresAt } = this.window();
    return this.props.store.renewLease({ job: this.props.job, holder: this.props.slot, leaseUntil, expiresAt });
  }

  /** Releases the lease if this slot still holds it. */
  async release(): Promise<boolean> {
    return this.props.store.releaseLease(this.props.job, this.props.slot);
  }
}
