import { describe, expect, it } from 'vitest';
import { catchUpEvent, chooseCatchUpSlots, parseCatchUpSpec } from '../../../lib/contract';

const d = (iso: string) => new Date(iso);
const NOW = d('2026-03-05T03:00:00.000Z');
// Missed daily 02:00 slots, given out of order: the choice is by time, not by position.
const MISSED = [d('2026-03-05T02:00:00.000Z'), d('2026-03-03T02:00:00.000Z'), d('2026-03-04T02:00:00.000Z')];
const iso = (dates: Date[]) => dates.map((x) => x.toISOString());

describe('chooseCatchUpSlots', () => {
  it('chooses nothing without a policy (off)', () => {
    expect(chooseCatchUpSlots(undefined, MISSED, NOW)).toEqual([]);
  });

  it('lastMissed: only the most recent missed slot', () => {
    expect(iso(chooseCatchUpSlots({ mode: 'last' }, MISSED, NOW))).toEqual(['2026-03-05T02:00:00.000Z']);
  });

  it('within: every missed slot no older than the window, oldest first', () => {
    // 2 days back from 5 March 03:00 is 3 March 03:00: the 3 March slot (49 h old) is left out.
    expect(iso(chooseCatchUpSlots({ mode: 'within', windowSeconds: 2 * 86_400 }, MISSED, NOW))).toEqual([
      '2026-03-04T02:00:00.000Z',
      '2026-03-05T02:00:00.000Z',
    ]);
  });

  it('within: a slot exactly as old as the window is still run', () => {
    expect(iso(chooseCatchUpSlots({ mode: 'within', windowSeconds: 3_600 }, [d('2026-03-05T02:00:00.000Z')], NOW))).toEqual([
      '2026-03-05T02:00:00.000Z',
    ]);
    expect(chooseCatchUpSlots({ mode: 'within', windowSeconds: 3_599 }, [d('2026-03-05T02:00:00.000Z')], NOW)).toEqual([]);
  });

  it('chooses nothing when nothing was missed', () => {
    expect(chooseCatchUpSlots({ mode: 'last' }, [], NOW)).toEqual([]);
    expect(chooseCatchUpSlots({ mode: 'within', windowSeconds: 86_400 }, [], NOW)).toEqual([]);
  });
});

describe('parseCatchUpSpec', () => {
  it('reads the two policies and treats an absent field as off', () => {
    expect(parseCatchUpSpec(undefined)).toBeUndefined();
    expect(parseCatchUpSpec({ mode: 'last' })).toEqual({ mode: 'last' });
    expect(parseCatchUpSpec({ mode: 'within', windowSeconds: 3_600 })).toEqual({ mode: 'within', windowSeconds: 3_600 });
  });

  it('says what was expected and what came', () => {
    const expected = 'catchUp: expected {"mode":"last"} or {"mode":"within","windowSeconds":<whole seconds from 60 to 604800>}';
    expect(() => parseCatchUpSpec({ mode: 'within', windowSeconds: 30 })).toThrow(`${expected}, got {"mode":"within","windowSeconds":30}`);
    expect(() => parseCatchUpSpec('last')).toThrow(`${expected}, got "last"`);
    expect(() => parseCatchUpSpec({ mode: 'all' })).toThrow(`${expected}, got {"mode":"all"}`);
  });
});

describe('catchUpEvent', () => {
  it('carries the slot, the payload, the policy and the catch-up trigger, and no Scheduler placeholders', () => {
    const target = {
      policy: { mode: 'last' as const },
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:Schedu-82b74d12-nightly-report',
      payload: { region: 'eu' },
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/nightly-report',
    };
    expect(catchUpEvent('nightly-report', target, d('2026-03-05T02:00:00.000Z'))).toEqual({
      job: 'nightly-report',
      scheduledTime: '2026-03-05T02:00:00.000Z',
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/nightly-report',
      payload: { region: 'eu' },
      catchUp: { mode: 'last' },
      trigger: 'catch-up',
    });
  });
});
