import { describe, expect, it } from 'vitest';
import { decideClaim, type RunRecordView } from '../../../lambdas/runtime/claim';

const NOW = '2026-03-01T02:10:00.000Z';
const BEFORE = '2026-03-01T02:09:59.999Z';
const AFTER = '2026-03-01T02:10:00.001Z';

function record(partial: Partial<RunRecordView>): RunRecordView {
  return { status: 'RUNNING', attempt: 1, sequence: 0, runningUntil: AFTER, ...partial };
}

describe('decideClaim', () => {
  it('creates a slot that has no record', () => {
    expect(decideClaim(undefined, 0, NOW)).toEqual({ action: 'create' });
  });

  it.each(['SUCCEEDED', 'SKIPPED', 'DUPLICATE'] as const)('treats a %s slot as a duplicate', (status) => {
    expect(decideClaim(record({ status }), 0, NOW)).toEqual({ action: 'duplicate', reason: `already ${status}` });
  });

  it('lets an explicit re-run start a SKIPPED slot again, and only a SKIPPED one', () => {
    const skipped = record({ status: 'SKIPPED', attempt: 1, sequence: 0 });
    expect(decideClaim(skipped, 0, NOW, { rerunSkipped: true })).toEqual({ action: 'retry', expected: skipped });
    expect(decideClaim(skipped, 1, NOW, { rerunSkipped: true }).action).toBe('duplicate');
    expect(decideClaim(record({ status: 'SUCCEEDED' }), 0, NOW, { rerunSkipped: true })).toEqual({ action: 'duplicate', reason: 'already SUCCEEDED' });
    expect(decideClaim(record({ status: 'DUPLICATE' }), 0, NOW, { rerunSkipped: true }).action).toBe('duplicate');
  });

  it('treats a slot running within its deadline as a duplicate', () => {
    expect(decideClaim(record({}), 0, NOW)).toEqual({ action: 'duplicate', reason: `already RUNNING (until ${AFTER})` });
  });

  it('still protects a running slot exactly at its deadline', () => {
    expect(decideClaim(record({ runningUntil: NOW }), 0, NOW).action).toBe('duplicate');
  });

  it('takes over a slot running past its deadline (a crashed or timed-out run)', () => {
    const seen = record({ runningUntil: BEFORE, attempt: 2 });
    expect(decideClaim(seen, 0, NOW)).toEqual({ action: 'takeover', expected: seen });
  });

  it('retries a FAILED slot at the same sequence', () => {
    const seen = record({ status: 'FAILED', attempt: 1, runningUntil: undefined });
    expect(decideClaim(seen, 0, NOW)).toEqual({ action: 'retry', expected: seen });
  });

  it('ignores a stale delivery of an earlier sequence of a FAILED slot', () => {
    expect(decideClaim(record({ status: 'FAILED', sequence: 2 }), 1, NOW)).toEqual({
      action: 'duplicate',
      reason: 'stale delivery of sequence 1: the slot failed at sequence 2',
    });
  });

  it('lets the awaited continuation take the slot', () => {
    const seen = record({ nextSequence: 1 });
    expect(decideClaim(seen, 1, NOW)).toEqual({ action: 'continue', expected: seen });
  });

  it('lets the awaited continuation take the slot even past the deadline', () => {
    const seen = record({ nextSequence: 3, sequence: 2, runningUntil: BEFORE });
    expect(decideClaim(seen, 3, NOW)).toEqual({ action: 'continue', expected: seen });
  });

  it('never takes over a slot whose continuation is pending', () => {
    expect(decideClaim(record({ nextSequence: 1, runningUntil: BEFORE }), 0, NOW)).toEqual({
      action: 'duplicate',
      reason: 'continuation 1 of this slot is pending',
    });
  });

  it('treats a second delivery of a continuation that already took the slot as a duplicate', () => {
    expect(decideClaim(record({ sequence: 1 }), 1, NOW).action).toBe('duplicate');
    expect(decideClaim(record({ sequence: 2, runningUntil: BEFORE }), 1, NOW)).toEqual({
      action: 'duplicate',
      reason: 'stale delivery of sequence 1: the slot is running at sequence 2',
    });
  });

  it('treats a running record without a deadline as alive', () => {
    expect(decideClaim(record({ runningUntil: undefined }), 0, NOW)).toEqual({
      action: 'duplicate',
      reason: 'already RUNNING (until unknown)',
    });
  });
});
