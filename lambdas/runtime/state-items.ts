/**
 * The shapes the state-table adapter (`state-store.ts`) reads and writes: what a claim, a lease,
 * a checkpoint, a watchdog record and a pause take and return. Types only.
 */
import type { RunStatus } from '../../lib/contract';
import type { RunRecordView } from './claim';
import type { ErrorRecord } from './run-record';

/** How a claim took the slot. */
export type ClaimKind = 'new' | 'retry' | 'takeover' | 'continuation';

export type ClaimResult =
  | {
      readonly claimed: true;
      readonly kind: ClaimKind;
      readonly attempt: number;
      readonly sequence: number;
      /** The record's status before this claim (absent for a new slot). */
      readonly previousStatus?: RunStatus;
    }
  | { readonly claimed: false; readonly reason: string; readonly existing?: RunRecordView };

export interface ClaimInput {
  readonly job: string;
  readonly slot: string;
  /** The continuation sequence of the event (0 when not a continuation). */
  readonly sequence: number;
  readonly manual: boolean;
  /**
   * An explicit re-run of this slot (`cdk-jobs run --slot`, backfill, catch-up): it may start a slot
   * recorded SKIPPED again. @default false
   */
  readonly rerun?: boolean;
  readonly now: Date;
  /** Deadline after which the claim counts as crashed (ISO). */
  readonly runningUntil: string;
  /** TTL of the run record (epoch seconds). */
  readonly expiresAt: number;
  readonly deliveryAttempt?: number;
  readonly executionId?: string;
  readonly scheduleArn?: string;
}

/** Identifies the claim that holds a RUNNING record; every later write is conditional on it. */
export interface HeldClaim {
  readonly job: string;
  readonly slot: string;
  readonly attempt: number;
  readonly sequence: number;
}

export interface CompleteRunInput extends HeldClaim {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'PARTIAL' | 'SKIPPED';
  readonly finishedAt: Date;
  readonly expiresAt: number;
  readonly durationMs?: number;
  readonly error?: ErrorRecord;
  readonly reason?: string;
  /** For an overlap skip: the slot holding the lease. */
  readonly heldBy?: string;
  readonly result?: unknown;
  /** A fan-out run's item counts (`planned`, `succeeded`, `failed`, ...). */
  readonly counts?: Readonly<Record<string, number>>;
  /** A fan-out run's failed item keys (the first ones, when there are many). */
  readonly failedItems?: readonly string[];
}

/** A fan-out item done in a slot, as the runtime records it (`sk = PART#<slot>#<key>`). */
export interface DoneItem {
  readonly key: string;
  /** The job's result for the item (JSON data). */
  readonly result?: unknown;
}

export interface RejectedRunInput {
  readonly job: string;
  readonly slot: string;
  readonly manual: boolean;
  readonly error: ErrorRecord;
  readonly at: Date;
  readonly expiresAt: number;
}

export interface StateUpdateInput {
  readonly job: string;
  readonly slot?: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'PARTIAL' | 'SKIPPED';
  readonly at: Date;
  readonly error?: ErrorRecord;
}

/** The job's STATE item, as far as the runtime reads it. */
export interface JobStateItem {
  readonly paused?: boolean;
  readonly lastRunAt?: string;
  readonly lastStatus?: RunStatus;
  readonly lastSlot?: string;
  readonly lastSuccessAt?: string;
  readonly lastError?: ErrorRecord;
  readonly [attribute: string]: unknown;
}

export type LeaseResult =
  | { readonly acquired: true }
  | { readonly acquired: false; readonly holder?: string; readonly leaseUntil?: string };

export interface LeaseInput {
  readonly job: string;
  /** The slot taking or holding the lease. */
  readonly holder: string;
  readonly now: Date;
  /** ISO instant the lease expires at. */
  readonly leaseUntil: string;
  /** TTL of the lease item (epoch seconds). */
  readonly expiresAt: number;
}

export interface CheckpointItem {
  readonly state: string;
  readonly sequence: number;
  readonly savedAt: string;
}

/** A missed slot as the watchdog records it (`pk = JOB#<job>`, `sk = MISSED#<slot>`). */
export interface MissedSlotItem {
  readonly job: string;
  /** The slot, `toISOString()` form. */
  readonly slot: string;
  readonly scheduleName: string;
  readonly expression: string;
  readonly timeZone: string;
  /** When the watchdog found it, ISO. */
  readonly detectedAt: string;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}

/** The runs of a job in a time range, as recorded by the job runtime. */
export interface RecordedRuns {
  /** Instants of runs the schedule delivered (manual runs left out), oldest first. */
  readonly scheduled: readonly Date[];
  /** How many manual runs the range held (they say nothing about the schedule). */
  readonly manual: number;
}

/** A move of the watchdog's cursor for one job. */
export interface CursorUpdate {
  readonly job: string;
  readonly scheduleName: string;
  readonly checkedUntil: Date;
  readonly updatedAt: Date;
  /** TTL, epoch seconds: the cursor of a job that was removed goes away by itself. */
  readonly expiresAt: number;
}

/** A pause or a resume of a job, by an operator. */
export interface PauseRequest {
  readonly job: string;
  /** True to pause, false to resume. */
  readonly paused: boolean;
  /** Who asked (recorded as `pausedBy` or `resumedBy`). */
  readonly by: string;
  readonly at: Date;
  /**
   * Why the job is paused (pauses only).
   * @default no reason recorded
   */
  readonly reason?: string;
}

/** What `setPaused` did. */
export interface PauseResult {
  /** False when the job already was in the asked state (nothing was written). */
  readonly changed: boolean;
  /** The STATE item after the call (absent for a job that never ran and was not paused). */
  readonly item?: JobStateItem;
}
