/**
 * A JobContext for unit tests of job logic: in-memory checkpoint, a controllable clock for
 * `remainingTimeMs`, and a record of `continueLater` calls (each also saves the checkpoint, as the
 * runtime does). `next()` builds the context of the following continuation.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ContinuedLater, JobContext } from '../../../lambdas/runtime/types';

export interface FakeContextOptions<P> {
  readonly payload: P;
  readonly slot?: string;
  readonly job?: string;
  /** Either a fixed number or a function called on every `remainingTimeMs()`. */
  readonly remainingTimeMs?: number | (() => number);
  readonly sequence?: number;
  readonly checkpoint?: unknown;
}

export interface FakeContext<P> extends JobContext<P> {
  readonly continued: unknown[];
  readonly saved: () => unknown;
  /** The context of the next invocation of the same slot, starting from the saved checkpoint. */
  next(overrides?: Partial<FakeContextOptions<P>>): FakeContext<P>;
}

export function fakeContext<P>(options: FakeContextOptions<P>): FakeContext<P> {
  const slot = options.slot ?? '2026-11-29T02:00:00.000Z';
  let state: unknown = options.checkpoint;
  const continued: unknown[] = [];
  const remaining = options.remainingTimeMs ?? 900_000;
  const sequence = options.sequence ?? 0;
  const ctx: FakeContext<P> = {
    job: options.job ?? 'weekly-log-cleanup',
    slot,
    scheduledTime: new Date(slot),
    attempt: 1,
    manual: false,
    sequence,
    payload: options.payload,
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'ScheduledJobs', serviceName: 'test' }),
    remainingTimeMs: () => (typeof remaining === 'function' ? remaining() : remaining),
    checkpoint: {
      get: async <T>() => (state === undefined ? undefined : (JSON.parse(JSON.stringify(state)) as T)),
      save: async <T>(s: T) => {
        state = JSON.parse(JSON.stringify(s));
      },
    },
    continueLater: async <T>(s: T): Promise<ContinuedLater> => {
      state = JSON.parse(JSON.stringify(s));
      continued.push(state);
      return { continuedLater: true, sequence: sequence + 1 };
    },
    continued,
    saved: () => state,
    next: (overrides = {}) =>
      fakeContext({ ...options, sequence: sequence + 1, checkpoint: state, ...overrides }),
  };
  return ctx;
}
