import { describe, expect, it } from 'vitest';
import { encodeCheckpoint, MAX_CHECKPOINT_BYTES } from '../../../lambdas/runtime/checkpoint';
import { CheckpointError } from '../../../lambdas/runtime/errors';

const SLOT = '2026-03-01T02:00:00.000Z';

describe('encodeCheckpoint', () => {
  it('serialises state as JSON', () => {
    expect(encodeCheckpoint('a', SLOT, { cursor: 'k/100', done: 3 })).toBe('{"cursor":"k/100","done":3}');
  });

  it('accepts state of exactly the limit and rejects one byte more', () => {
    const fits = 'x'.repeat(MAX_CHECKPOINT_BYTES - 2); // plus two quotes
    expect(encodeCheckpoint('a', SLOT, fits)).toHaveLength(MAX_CHECKPOINT_BYTES);
    expect(() => encodeCheckpoint('a', SLOT, `${fits}x`)).toThrow(
      new CheckpointError(
        `job 'a': checkpoint for slot ${SLOT} is 390001 bytes as JSON; at most 390000 fit in one state-table item ` +
          '(keep large state in S3 and checkpoint its key)',
        'a',
      ),
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    const euros = '€'.repeat(130_000); // 3 bytes each: 390,000 bytes + 2 quotes
    expect(() => encodeCheckpoint('a', SLOT, euros)).toThrow(/is 390002 bytes as JSON/);
  });

  it('rejects undefined and unserialisable state', () => {
    expect(() => encodeCheckpoint('a', SLOT, undefined)).toThrow(
      `job 'a': checkpoint for slot ${SLOT}: expected a JSON-serialisable value, got undefined`,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeCheckpoint('a', SLOT, cyclic)).toThrow(/^job 'a': checkpoint for slot .* is not JSON-serialisable: /);
  });
});
