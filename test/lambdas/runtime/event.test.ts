import { describe, expect, it } from 'vitest';
import { continuationEvent, manualSlot, parseInstant, parseJobEvent } from '../../../lambdas/runtime/event';
import { InvalidJobEventError } from '../../../lambdas/runtime/errors';

// 2026-03-01T02:00:07.250Z
const NOW = Date.UTC(2026, 2, 1, 2, 0, 7, 250);

function rejection(raw: unknown, expectedJob?: string): InvalidJobEventError {
  try {
    parseJobEvent(raw, { expectedJob, now: NOW });
  } catch (error) {
    if (error instanceof InvalidJobEventError) return error;
    throw error;
  }
  throw new Error('expected the event to be rejected');
}

describe('parseJobEvent', () => {
  it('normalises a Scheduler delivery: slot in milliseconds form, attempt from its string', () => {
    // Prepare
    const raw = {
      job: 'weekly-cleanup',
      scheduledTime: '2026-03-01T02:00:00Z',
      executionId: 'exec-1',
      attempt: '2',
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/weekly-cleanup',
      payload: { olderThanDays: 30 },
    };
    // Act
    const event = parseJobEvent(raw, { expectedJob: 'weekly-cleanup', now: NOW });
    // Assess
    expect(event).toEqual({
      job: 'weekly-cleanup',
      slot: '2026-03-01T02:00:00.000Z',
      scheduledTime: new Date(Date.UTC(2026, 2, 1, 2, 0, 0)),
      manual: false,
      rerun: false,
      sequence: 0,
      deliveryAttempt: 2,
      executionId: 'exec-1',
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/weekly-cleanup',
      payload: { olderThanDays: 30 },
    });
  });

  it('accepts the catch-up policy of the schedule input and the catch-up trigger, and keeps the slot a scheduled one', () => {
    const policy = parseJobEvent(
      { job: 'a', scheduledTime: '2026-03-01T02:00:00Z', attempt: '1', payload: {}, catchUp: { mode: 'within', windowSeconds: 3600 } },
      { now: NOW },
    );
    const caughtUp = parseJobEvent(
      { job: 'a', scheduledTime: '2026-03-01T01:00:00.000Z', payload: {}, catchUp: { mode: 'last' }, trigger: 'catch-up' },
      { now: NOW },
    );
    expect([policy.slot, policy.manual, policy.rerun]).toEqual(['2026-03-01T02:00:00.000Z', false, false]);
    expect([caughtUp.slot, caughtUp.manual, caughtUp.rerun]).toEqual(['2026-03-01T01:00:00.000Z', false, true]);
  });

  it('calls a run a re-run only when it names its slot on purpose: run --slot, backfill or catch-up', () => {
    expect(parseJobEvent({ job: 'a', manual: true }, { now: NOW }).rerun).toBe(false);
    expect(parseJobEvent({ job: 'a', manual: true, scheduledTime: '2026-02-01T00:00:00Z' }, { now: NOW }).rerun).toBe(true);
    expect(parseJobEvent({ job: 'a', scheduledTime: '2026-02-01T00:00:00Z' }, { now: NOW }).rerun).toBe(false);
    expect(rejection({ job: 'a', scheduledTime: '2026-02-01T00:00:00Z', trigger: 'again' }).message).toBe(
      "job 'a': invalid event field 'trigger': expected 'catch-up' or nothing, got 'again'",
    );
  });

  it('converts an offset instant to UTC', () => {
    const event = parseJobEvent({ job: 'a', scheduledTime: '2026-03-01T03:00:00+01:00' }, { now: NOW });
    expect(event.slot).toBe('2026-03-01T02:00:00.000Z');
  });

  it('gives a manual run the second it was received as its slot', () => {
    const event = parseJobEvent({ job: 'a', manual: true, payload: 1 }, { now: NOW });
    expect(event.slot).toBe('2026-03-01T02:00:07.000Z');
    expect(event.manual).toBe(true);
    expect(manualSlot(NOW).toISOString()).toBe('2026-03-01T02:00:07.000Z');
  });

  it('keeps a manual run pinned to an explicit scheduledTime (a continuation of it)', () => {
    const event = parseJobEvent({ job: 'a', manual: true, scheduledTime: '2026-02-01T00:00:00.000Z', continuation: { sequence: 2 } }, { now: NOW });
    expect(event.slot).toBe('2026-02-01T00:00:00.000Z');
    expect(event.sequence).toBe(2);
  });

  it('takes the job name from the event when the function has none configured', () => {
    expect(parseJobEvent({ job: 'nightly-report', scheduledTime: '2026-03-01T00:00:00Z' }, { now: NOW }).job).toBe('nightly-report');
  });

  it.each([
    [null, undefined, 'event', "invalid job event field 'event': expected a JSON object, got null"],
    [[1], 'a', 'event', "job 'a': invalid event field 'event': expected a JSON object, got an array"],
    [{ scheduledTime: '2026-03-01T00:00:00Z' }, undefined, 'job', "invalid job event field 'job': expected a kebab-case job name matching /^[a-z][a-z0-9-]{0,47}$/, got nothing"],
    [{ job: 'Weekly' }, undefined, 'job', "invalid job event field 'job': expected a kebab-case job name matching /^[a-z][a-z0-9-]{0,47}$/, got 'Weekly'"],
    [{ job: 'other-job', scheduledTime: '2026-03-01T00:00:00Z' }, 'weekly-cleanup', 'job', "job 'weekly-cleanup': invalid event field 'job': expected 'weekly-cleanup', got 'other-job'"],
    [{ job: 'a' }, 'a', 'scheduledTime', "job 'a': invalid event field 'scheduledTime': expected an ISO-8601 instant such as '2026-03-01T02:00:00Z', got nothing"],
    [{ job: 'a', scheduledTime: 'yesterday' }, 'a', 'scheduledTime', "job 'a': invalid event field 'scheduledTime': expected an ISO-8601 instant such as '2026-03-01T02:00:00Z', got 'yesterday'"],
    [{ job: 'a', scheduledTime: '2026-02-30T00:00:00Z' }, 'a', 'scheduledTime', "job 'a': invalid event field 'scheduledTime': expected an ISO-8601 instant such as '2026-03-01T02:00:00Z', got '2026-02-30T00:00:00Z'"],
    [{ job: 'a', scheduledTime: '2026-03-01T00:00:00' }, 'a', 'scheduledTime', "job 'a': invalid event field 'scheduledTime': expected an ISO-8601 instant such as '2026-03-01T02:00:00Z', got '2026-03-01T00:00:00'"],
    [{ job: 'a', scheduledTime: 1772330400000 }, 'a', 'scheduledTime', "job 'a': invalid event field 'scheduledTime': expected an ISO-8601 instant such as '2026-03-01T02:00:00Z', got number 1772330400000"],
    [{ job: 'a', manual: 'yes' }, 'a', 'manual', "job 'a': invalid event field 'manual': expected true or false, got 'yes'"],
    [{ job: 'a', scheduledTime: '2026-03-01T00:00:00Z', attempt: '0' }, 'a', 'attempt', 'job \'a\': invalid event field \'attempt\': expected a positive whole number (or its string form, e.g. "1"), got \'0\''],
    [{ job: 'a', scheduledTime: '2026-03-01T00:00:00Z', attempt: 1.5 }, 'a', 'attempt', 'job \'a\': invalid event field \'attempt\': expected a positive whole number (or its string form, e.g. "1"), got number 1.5'],
    [{ job: 'a', scheduledTime: '2026-03-01T00:00:00Z', executionId: 7 }, 'a', 'executionId', "job 'a': invalid event field 'executionId': expected a string, got number 7"],
    [{ job: 'a', scheduledTime: '2026-03-01T00:00:00Z', scheduleArn: {} }, 'a', 'scheduleArn', "job 'a': invalid event field 'scheduleArn': expected a string, got an object"],
    [{ job: 'a', scheduledTime: '2026-03-01T00:00:00Z', continuation: 2 }, 'a', 'continuation', 'job \'a\': invalid event field \'continuation\': expected an object like { "sequence": 1 }, got number 2'],
    [{ job: 'a', scheduledTime: '2026-03-01T00:00:00Z', continuation: { sequence: '2' } }, 'a', 'continuation.sequence', "job 'a': invalid event field 'continuation.sequence': expected a positive whole number, got '2'"],
    [{ job: 'a', scheduledTime: '2026-03-01T00:00:00Z', continuation: { sequence: 0 } }, 'a', 'continuation.sequence', "job 'a': invalid event field 'continuation.sequence': expected a positive whole number, got number 0"],
  ])('rejects %j (expected job %s) naming field %s', (raw, expectedJob, field, message) => {
    const error = rejection(raw, expectedJob);
    expect(error.message).toBe(message);
    expect(error.field).toBe(field);
    expect(error.retryable).toBe(false);
    expect(error.name).toBe('InvalidJobEventError');
  });

  it('names the job on the error once it is known', () => {
    expect(rejection({ job: 'a', scheduledTime: 'x' }).job).toBe('a');
    expect(rejection({ job: 'A' }).job).toBeUndefined();
  });
});

describe('parseInstant', () => {
  it('accepts Scheduler and toISOString forms, fractions beyond milliseconds and offsets', () => {
    expect(parseInstant('2022-03-22T18:59:43Z')?.toISOString()).toBe('2022-03-22T18:59:43.000Z');
    expect(parseInstant('2024-02-29T23:59:59.999Z')?.toISOString()).toBe('2024-02-29T23:59:59.999Z');
    expect(parseInstant('2026-03-01T02:00:00.123456Z')?.toISOString()).toBe('2026-03-01T02:00:00.123Z');
    expect(parseInstant('2026-03-01T00:30:00-05:30')?.toISOString()).toBe('2026-03-01T06:00:00.000Z');
  });

  it.each(['2025-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-03-01T24:00:00Z', '2026-03-01 02:00:00Z', '2026-3-1T02:00:00Z', ''])(
    'rejects %j',
    (text) => expect(parseInstant(text)).toBeUndefined(),
  );
});

describe('continuationEvent', () => {
  it('keeps the original event and adds the sequence', () => {
    const raw = { job: 'a', scheduledTime: '2026-03-01T02:00:00Z', executionId: 'e', attempt: '1', payload: { x: 1 } };
    const event = parseJobEvent(raw, { now: NOW });
    expect(continuationEvent(event, raw, 3)).toEqual({ ...raw, continuation: { sequence: 3 } });
  });

  it('pins a manual run to its slot so the continuation stays in it', () => {
    const raw = { job: 'a', manual: true, payload: 5 };
    const event = parseJobEvent(raw, { now: NOW });
    expect(continuationEvent(event, raw, 1)).toEqual({
      job: 'a',
      manual: true,
      payload: 5,
      scheduledTime: '2026-03-01T02:00:07.000Z',
      continuation: { sequence: 1 },
    });
  });
});
