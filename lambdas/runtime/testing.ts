/**
 * Test helpers for job authors: a `JobContext` with an in-memory checkpoint and a recorder of
 * `continueLater` calls, so a job's own logic is unit-tested without the state table or Lambda.
 *
 * @example
 * const ctx = createTestContext({ payload: { olderThanDays: 30 } });
 * await cleanup(ctx, { s3 });
 * expect(ctx.continuations).toEqual([]);
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createJobMetrics } from './metrics';
import { continueLaterCalledTwice } from './errors';
import { encodeCheckpoint } from './checkpoint';
import type { Checkpoint, ContinuedLater, JobContext } from './types';
import type { FanOutItemResult, FanOutOutcome } from './fan-out';

export interface TestContextOptions<P> {
  /** The payload the job receives. */
  readonly payload: P;
  /**
   * The job name.
   * @default 'test-job'
   */
  readonly job?: string;
  /**
   * The slot (any ISO instant; normalised to milliseconds form).
   * @default '2026-03-01T02:00:00.000Z'
   */
  readonly slot?: string;
  /**
   * The attempt number.
   * @default 1
   */
  readonly attempt?: number;
  /**
   * Whether the run is manual.
   * @default false
   */
  readonly manual?: boolean;
  /**
   * The continuation sequence.
   * @default 0
   */
  readonly sequence?: number;
  /**
   * Remaining time: a fixed number, or a function called on each `remainingTimeMs()`.
   * @default 900000 (always)
   */
  readonly remainingTimeMs?: number | (() => number);
  /**
   * The checkpoint the job finds (as if a previous invocation had saved it).
   * @default no checkpoint
   */
  readonly checkpoint?: unknown;
  /**
   * The logger.
   * @default a Powertools Logger at level SILENT
   */
  readonly logger?: Logger;
  /**
   * The metrics (never flushed by the test context).
   * @default a Powertools Metrics in namespace ScheduledJobs with service = job
   */
  readonly metrics?: Metrics;
}

/** A `JobContext` plus what the job did with it. */
export interface TestJobContext<P> extends JobContext<P> {
  /** Every state passed to `continueLater`, in order. */
  readonly continuations: unknown[];
  /** Every state saved (by `checkpoint.save` or `continueLater`), in order. */
  readonly savedCheckpoints: unknown[];
  /** The current checkpoint (what `checkpoint.get()` returns). */
  currentCheckpoint(): unknown;
}

/** Builds a context for unit-testing a job's logic. */
export function createTestContext<P>(options: TestContextOptions<P>): TestJobContext<P> {
  const job = options.job ?? 'test-job';
  const scheduledTime = new Date(options.slot ?? '2026-03-01T02:00:00.000Z');
  if (Number.isNaN(scheduledTime.getTime())) {
    throw new TypeError(`createTestContext: slot: expected an ISO-8601 instant, got '${options.slot}'`);
  }
  const slot = scheduledTime.toISOString();
  const sequence = options.sequence ?? 0;
  const continuations: unknown[] = [];
  const savedCheckpoints: unknown[] = [];
  // Round-trip through JSON, as the real checkpoint does, so tests see what a job would read back.
  let stored: string | undefined = options.checkpoint === undefined ? undefined : encodeCheckpoint(job, slot, options.checkpoint);
  const save = (state: unknown) => {
    stored = encodeCheckpoint(job, slot, state);
    savedCheckpoints.push(JSON.parse(stored));
  };
  const checkpoint: Checkpoint = {
    get: async <T>() => (stored === undefined ? undefined : (JSON.parse(stored) as T)),
    save: async <T>(state: T) => save(state),
  };
  const remaining = options.remainingTimeMs ?? 900_000;
  let continued = false;

  return {
    job,
    slot,
    scheduledTime,
    attempt: options.attempt ?? 1,
    manual: options.manual ?? false,
    sequence,
    payload: options.payload,
    logger: options.logger ?? new Logger({ serviceName: job, logLevel: 'SILENT', persistentKeys: { job, slot } }),
    metrics: options.metrics ?? createJobMetrics(job),
    remainingTimeMs: () => (typeof remaining === 'function' ? remaining() : remaining),
    checkpoint,
    continueLater: async <T>(state: T): Promise<ContinuedLater> => {
      if (continued) throw continueLaterCalledTwice(job, slot);
      continued = true;
      save(state);
      continuations.push(JSON.parse(stored as string));
      return { continuedLater: true, sequence: sequence + 1 };
    },
    continuations,
    savedCheckpoints,
    currentCheckpoint: () => (stored === undefined ? undefined : JSON.parse(stored)),
  };
}

/**
 * A `FanOutOutcome` for unit-testing a fan-out job's `finish`: the done items' results and the
 * failed keys; the counts and the status follow from them (as the runtime works them out).
 * (`plan` and `work` take the context `createTestContext` builds: a `FanOutContext` is part of it.)
 *
 * @example
 * const summary = await finish(createTestContext({ payload }), createTestOutcome([{ key: 'a', result: 3 }], { failedKeys: ['b'] }));
 */
export function createTestOutcome<R>(
  results: readonly FanOutItemResult<R>[],
  options: { readonly failedKeys?: readonly string[]; readonly alreadyDone?: number; readonly mapError?: { readonly error: string; readonly cause: string } } = {},
): FanOutOutcome<R> {
  const failedKeys = options.failedKeys ?? [];
  return {
    status: options.mapError ? 'FAILED' : failedKeys.length > 0 ? 'PARTIAL' : 'SUCCEEDED',
    planned: results.length + failedKeys.length,
    alreadyDone: options.alreadyDone ?? 0,
    succeeded: results.length,
    failed: failedKeys.length,
    failedKeys,
    ...(options.mapError ? { mapError: options.mapError } : {}),
    results: async function* () {
      yield* [...results].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
  };
}

export type { SeedContext, SeedHook } from './seed';
