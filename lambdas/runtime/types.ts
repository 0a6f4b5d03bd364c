/**
 * Public types of the job runtime: what a job's code receives (`JobContext`) and what its handler
 * returns (`RunOutcome`).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { RunStatus } from '../../lib/contract';

/** Reads and writes the checkpoint of the current slot. */
export interface Checkpoint {
  /** The last state saved for this slot (by `save` or `continueLater`), or `undefined`. */
  get<T>(): Promise<T | undefined>;
  /** Saves `state` (JSON-serialisable, at most ~390 KB as JSON) for this slot. */
  save<T>(state: T): Promise<void>;
}

/**
 * Returned by `ctx.continueLater(state)`: the slot continues in a new invocation of the same
 * function. Return it from the job (`return ctx.continueLater(state)`).
 */
export interface ContinuedLater {
  readonly continuedLater: true;
  /** The continuation sequence of the invocation that was dispatched (1 for the first continuation). */
  readonly sequence: number;
}

/** What a job's code receives for one invocation. */
export interface JobContext<P = unknown> {
  /** The job's name. */
  readonly job: string;
  /** The slot: the scheduled instant as an ISO string with milliseconds (`2026-03-01T02:00:00.000Z`). */
  readonly slot: string;
  /** The slot as a Date. */
  readonly scheduledTime: Date;
  /**
   * Which attempt at this slot this is: 1 for the first, +1 each time a failed or crashed run of the
   * slot is started again (a Lambda retry). Continuations keep the attempt of the run they continue.
   */
  readonly attempt: number;
  /** True for a run started by hand (its slot is the second it was received). */
  readonly manual: boolean;
  /** 0 for the first invocation of a slot, n for its n-th continuation. */
  readonly sequence: number;
  /** The payload, as returned by `parsePayload` when the job defines one. */
  readonly payload: P;
  /** Powertools Logger with `job`, `slot` and `attempt` keys on every line. */
  readonly logger: Logger;
  /** Powertools Metrics (namespace `ScheduledJobs`, dimension `service` = job), flushed after the run. */
  readonly metrics: Metrics;
  /** Milliseconds left before Lambda stops this invocation. */
  remainingTimeMs(): number;
  /** The slot's checkpoint (kept in the state table with a TTL). */
  readonly checkpoint: Checkpoint;
  /**
   * Saves `state` as the checkpoint and re-invokes this function asynchronously for the same slot;
   * the next invocation reads it with `checkpoint.get()`. Call it once, as the last step:
   * `return ctx.continueLater(state)`.
   */
  continueLater<T>(state: T): Promise<ContinuedLater>;
}

/** The body of a job: receives the context, returns a (small) result or `ctx.continueLater(...)`. */
export type JobFunction<P, R> = (ctx: JobContext<P>) => Promise<R | ContinuedLater> | R | ContinuedLater;

/** Status reported by the handler: the run record's status, or `CONTINUED` after `continueLater`. */
export type OutcomeStatus = Exclude<RunStatus, 'RUNNING'> | 'CONTINUED';

/** What the handler returns (Lambda ignores it for asynchronous invocations; local mode prints it). */
export interface RunOutcome<R = unknown> {
  readonly job: string;
  readonly slot: string;
  readonly status: OutcomeStatus;
  /** The attempt that ran (absent for a duplicate). */
  readonly attempt?: number;
  /** How long the job's code ran in this invocation. */
  readonly durationMs?: number;
  /** The job's result, when its JSON form is at most 4 KB. */
  readonly result?: R;
  /** Why a run was skipped (`paused`, `overlap`) or treated as a duplicate (`already SUCCEEDED`, ...). */
  readonly reason?: string;
}
