import { describe, expect, it } from 'vitest';
import { ContinuationError } from '../../../lambdas/runtime/errors';
import { createTestContext, createTestOutcome } from '../../../lambdas/runtime/testing';
import type { ContinuedLater, JobContext } from '../../../lambdas/runtime/types';

/** A job written the recommended way: logic taking (ctx, deps), resumable from its checkpoint. */
async function countDown(ctx: JobContext<{ from: number }>, deps: { perInvocation: number }): Promise<number | ContinuedLater> {
  let next = (await ctx.checkpoint.get<{ next: number }>())?.next ?? ctx.payload.from;
  for (let i = 0; i < deps.perInvocation && next > 0; i++) next--;
  if (next > 0) return ctx.continueLater({ next });
  return ctx.payload.from;
}

describe('createTestContext', () => {
  it('gives sensible defaults', () => {
    const ctx = createTestContext({ payload: { a: 1 } });
    expect(ctx).toMatchObject({ job: 'test-job', slot: '2026-03-01T02:00:00.000Z', attempt: 1, manual: false, sequence: 0, payload: { a: 1 } });
    expect(ctx.scheduledTime).toEqual(new Date('2026-03-01T02:00:00.000Z'));
    expect(ctx.remainingTimeMs()).toBe(900_000);
  });

  it('records continueLater calls and serves the saved state back as the checkpoint', async () => {
    // Prepare
    const ctx = createTestContext({ payload: { from: 5 } });
    // Act
    const first = await countDown(ctx, { perInvocation: 2 });
    // Assess
    expect(first).toEqual({ continuedLater: true, sequence: 1 });
    expect(ctx.continuations).toEqual([{ next: 3 }]);
    expect(ctx.currentCheckpoint()).toEqual({ next: 3 });

    const resumed = createTestContext({ payload: { from: 5 }, sequence: 1, checkpoint: ctx.currentCheckpoint() });
    expect(await countDown(resumed, { perInvocation: 10 })).toBe(5);
    expect(resumed.continuations).toEqual([]);
  });

  it('round-trips checkpoints through JSON like the real store', async () => {
    const ctx = createTestContext({ payload: null });
    await ctx.checkpoint.save({ at: new Date(Date.UTC(2026, 0, 1)), gone: undefined });
    expect(await ctx.checkpoint.get()).toEqual({ at: '2026-01-01T00:00:00.000Z' });
    expect(ctx.savedCheckpoints).toEqual([{ at: '2026-01-01T00:00:00.000Z' }]);
  });

  it('refuses a second continueLater like the runtime', async () => {
    const ctx = createTestContext({ payload: null, job: 'copy-job' });
    await ctx.continueLater({ page: 1 });
    await expect(ctx.continueLater({ page: 2 })).rejects.toThrow(
      new ContinuationError(
        "job 'copy-job': continueLater was already called in this invocation of slot 2026-03-01T02:00:00.000Z; call it once, as the last step",
        'copy-job',
      ),
    );
  });

  it('takes remaining time as a number or a function', () => {
    let left = 10_000;
    const ctx = createTestContext({ payload: null, remainingTimeMs: () => (left -= 4000) });
    expect([ctx.remainingTimeMs(), ctx.remainingTimeMs()]).toEqual([6000, 2000]);
    expect(createTestContext({ payload: null, remainingTimeMs: 5 }).remainingTimeMs()).toBe(5);
  });

  it('rejects a slot that is not an instant', () => {
    expect(() => createTestContext({ payload: null, slot: 'soon' })).toThrow("createTestContext: slot: expected an ISO-8601 instant, got 'soon'");
  });
});

describe('createTestOutcome', () => {
  it('derives the status and counts from the results and failed keys, and streams the results in key order', async () => {
    const outcome = createTestOutcome([{ key: 'b', result: 2 }, { key: 'a', result: 1 }], { failedKeys: ['c'] });
    expect(outcome).toMatchObject({ status: 'PARTIAL', planned: 3, succeeded: 2, failed: 1, failedKeys: ['c'] });
    const seen: string[] = [];
    for await (const { key } of outcome.results()) seen.push(key);
    expect(seen).toEqual(['a', 'b']);
    expect(createTestOutcome([], { mapError: { error: 'States.Timeout', cause: 'x' } }).status).toBe('FAILED');
  });
});
