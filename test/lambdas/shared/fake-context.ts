/**
 * `createTestContext` from the runtime, plus `next()`: the context of the following continuation of
 * the same slot, starting from the checkpoint the previous invocation left. Lets a test drive a job
 * through all its continuations.
 */
import { createTestContext, type TestContextOptions, type TestJobContext } from '../../../lambdas/runtime/testing';

export interface FakeContext<P> extends TestJobContext<P> {
  /** States passed to `continueLater` (same as `continuations`). */
  readonly continued: unknown[];
  /** The context of the next invocation of the same slot. */
  next(overrides?: Partial<TestContextOptions<P>>): FakeContext<P>;
}

export function fakeContext<P>(options: TestContextOptions<P>): FakeContext<P> {
  const withDefaults = { job: 'weekly-log-cleanup', slot: '2026-11-29T02:00:00.000Z', ...options };
  const ctx = createTestContext(withDefaults);
  return Object.assign(ctx, {
    continued: ctx.continuations,
    next: (overrides: Partial<TestContextOptions<P>> = {}) =>
      fakeContext({ ...withDefaults, sequence: ctx.sequence + 1, checkpoint: ctx.currentCheckpoint(), ...overrides }),
  });
}
