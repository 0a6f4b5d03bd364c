import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../../tools/cli/job-catalog';
import { chooseResumeSlots, renderResumeCatchUp, resumeCandidates } from '../../../tools/cli/commands/resume-catch-up';

const d = (iso: string) => new Date(iso);
const iso = (dates: readonly Date[]) => dates.map((x) => x.toISOString());

function job(expression: string): JobInfo {
  return {
    name: 'hourly-export',
    kind: 'scheduled',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:Schedu-82b74d12-hourly-export',
    payload: {},
    schedule: { name: 'hourly-export', group: 'jobs', expression, timeZone: 'UTC', state: 'ENABLED', flexibleWindowMinutes: 0 },
  };
}

// Paused at 09:10, resumed at 14:30: the slots 10:00 .. 14:00 came while paused.
const HOURLY = job('cron(0 * * * ? *)');
const PAUSED_AT = d('2026-03-27T09:10:00.000Z');
const NOW = d('2026-03-27T14:30:00.000Z');

describe('resumeCandidates', () => {
  it('lastMissed: only the latest slot at or before now', () => {
    expect(iso(resumeCandidates(HOURLY, { mode: 'last' }, PAUSED_AT, NOW))).toEqual(['2026-03-27T14:00:00.000Z']);
  });

  it('lastMissed: nothing when no slot came since the pause', () => {
    expect(resumeCandidates(HOURLY, { mode: 'last' }, d('2026-03-27T14:10:00.000Z'), NOW)).toEqual([]);
  });

  it('within: the slots since the pause, no older than the window, oldest first', () => {
    expect(iso(resumeCandidates(HOURLY, { mode: 'within', windowSeconds: 3 * 3600 }, PAUSED_AT, NOW))).toEqual([
      '2026-03-27T12:00:00.000Z',
      '2026-03-27T13:00:00.000Z',
      '2026-03-27T14:00:00.000Z',
    ]);
    expect(resumeCandidates(HOURLY, { mode: 'within', windowSeconds: 7 * 86_400 }, PAUSED_AT, NOW)).toHaveLength(5);
  });

  it('within: a slot at the pause instant itself counts (its run was skipped)', () => {
    expect(iso(resumeCandidates(HOURLY, { mode: 'within', windowSeconds: 86_400 }, d('2026-03-27T14:00:00.000Z'), NOW))).toEqual([
      '2026-03-27T14:00:00.000Z',
    ]);
  });

  it('nothing for a job without a recurring schedule', () => {
    const once: JobInfo = { ...HOURLY, kind: 'one-time', schedule: undefined };
    expect(resumeCandidates(once, { mode: 'last' }, PAUSED_AT, NOW)).toEqual([]);
  });
});

describe('chooseResumeSlots', () => {
  const candidates = [d('2026-03-27T12:00:00.000Z'), d('2026-03-27T13:00:00.000Z'), d('2026-03-27T14:00:00.000Z')];
  const statuses = new Map([
    ['2026-03-27T12:00:00.000Z', 'SKIPPED'],
    ['2026-03-27T13:00:00.000Z', 'SUCCEEDED'],
  ]);

  it('within: every slot that did not succeed (skipped or never recorded), oldest first', () => {
    expect(iso(chooseResumeSlots({ mode: 'within', windowSeconds: 86_400 }, candidates, statuses, NOW))).toEqual([
      '2026-03-27T12:00:00.000Z',
      '2026-03-27T14:00:00.000Z',
    ]);
  });

  it('lastMissed: the latest slot when it did not succeed, nothing when it did', () => {
    expect(iso(chooseResumeSlots({ mode: 'last' }, candidates.slice(2), statuses, NOW))).toEqual(['2026-03-27T14:00:00.000Z']);
    expect(chooseResumeSlots({ mode: 'last' }, candidates.slice(1, 2), statuses, NOW)).toEqual([]);
  });
});

describe('renderResumeCatchUp', () => {
  it('prints each slot run and how it went', () => {
    const text = renderResumeCatchUp('hourly-export', {
      policy: { mode: 'within', windowSeconds: 21_600 },
      pausedAt: PAUSED_AT,
      slots: [
        { slot: d('2026-03-27T12:00:00.000Z'), ok: true, detail: 'SUCCEEDED' },
        { slot: d('2026-03-27T14:00:00.000Z'), ok: false, detail: 'FAILED: Error: partner API down' },
      ],
    });
    expect(text).toBe(
      [
        'catch-up (CatchUp.within(21600 s)) of the slots since the pause at 2026-03-27T09:10:00.000Z: ran 2 slot(s), 1 done',
        '  hourly-export 2026-03-27T12:00:00.000Z: SUCCEEDED',
        '  hourly-export 2026-03-27T14:00:00.000Z: FAILED: Error: partner API down',
      ].join('\n'),
    );
  });

  it('says when there was nothing to run', () => {
    expect(renderResumeCatchUp('hourly-export', { policy: { mode: 'last' }, pausedAt: PAUSED_AT, slots: [] })).toBe(
      'catch-up (CatchUp.lastMissed()) of the slots since the pause at 2026-03-27T09:10:00.000Z: nothing to run',
    );
  });
});
