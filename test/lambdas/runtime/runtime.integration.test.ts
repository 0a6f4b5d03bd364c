/**
 * The runtime against a real DynamoDB API (moto_server): the state store's conditional writes as
 * DynamoDB evaluates them, and 100 concurrent deliveries of one slot of which exactly one runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { JobEvent } from '../../../lib/contract';
import { defineJob, JobStateStore, LOCAL_INVOKE_SYMBOL } from '../../../lambdas/runtime';
import { useMoto } from '../../support/moto';
import { createStateTable } from '../../support/state-table';

// Atomic: 100 clients race on one item; DynamoDB applies each single-item write atomically, threaded moto does not.
const moto = useMoto({ atomic: true });
const TABLE = 'JobStateIntegration';
let documentClient: DynamoDBDocumentClient;
let store: JobStateStore;
let stdout: MockInstance<typeof process.stdout.write>;
let stderr: MockInstance<typeof process.stderr.write>;

const SLOT = '2026-03-01T02:00:00.000Z';
const T0 = Date.UTC(2026, 2, 1, 2, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

function lambdaContext(remainingMs = 300_000): Context {
  return {
    functionName: 'fn',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
    awsRequestId: 'req',
    getRemainingTimeInMillis: () => remainingMs,
  } as Context;
}

async function item(job: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const out = await documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: `JOB#${job}`, sk }, ConsistentRead: true }));
  return out.Item;
}

function claimInput(job: string, now: number, overrides: Partial<Parameters<JobStateStore['claimRun']>[0]> = {}) {
  return {
    job,
    slot: SLOT,
    sequence: 0,
    manual: false,
    now: new Date(now),
    runningUntil: iso(now + 60_000),
    expiresAt: Math.floor(now / 1000) + 86_400,
    ...overrides,
  };
}

/** The EMF documents written during the test. */
function emf(): Array<Record<string, unknown>> {
  return stdout.mock.calls
    .flatMap(([chunk]) => String(chunk).split('\n'))
    .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  const raw = new DynamoDBClient(moto.config());
  await createStateTable(raw, TABLE);
  documentClient = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  store = new JobStateStore({ client: documentClient, tableName: TABLE });
});

beforeEach(() => {
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  stdout.mockRestore();
  stderr.mockRestore();
  delete (globalThis as Record<symbol, unknown>)[LOCAL_INVOKE_SYMBOL];
});

describe('JobStateStore against moto', () => {
  it('claims a slot once, protects it while running, takes it over after its deadline and retries it after a failure', async () => {
    const job = 'claims';
    // A new slot is created.
    await expect(store.claimRun(claimInput(job, T0))).resolves.toEqual({ claimed: true, kind: 'new', attempt: 1, sequence: 0 });
    // A second delivery within the deadline is a duplicate.
    const duplicate = await store.claimRun(claimInput(job, T0 + 1000));
    expect(duplicate).toMatchObject({ claimed: false, reason: `already RUNNING (until ${iso(T0 + 60_000)})` });
    // After the deadline the slot is taken over as attempt 2.
    const later = T0 + 61_000;
    await expect(store.claimRun(claimInput(job, later, { runningUntil: iso(later + 60_000) }))).resolves.toEqual({
      claimed: true,
      kind: 'takeover',
      attempt: 2,
      sequence: 0,
      previousStatus: 'RUNNING',
    });
    // The crashed attempt 1 can no longer write its outcome.
    const stale = { job, slot: SLOT, attempt: 1, sequence: 0, finishedAt: new Date(later), expiresAt: 1 };
    await expect(store.completeRun({ ...stale, status: 'SUCCEEDED' })).resolves.toBe(false);
    // Attempt 2 fails; a Lambda retry runs it as attempt 3.
    await expect(
      store.completeRun({ ...stale, attempt: 2, status: 'FAILED', error: { name: 'Error', message: 'boom' } }),
    ).resolves.toBe(true);
    await expect(store.claimRun(claimInput(job, later + 60_000))).resolves.toMatchObject({ claimed: true, kind: 'retry', attempt: 3 });
    const record = await item(job, `RUN#${SLOT}`);
    expect(record).toMatchObject({ status: 'RUNNING', attempt: 3, startedAt: iso(T0), invocationStartedAt: iso(later + 60_000) });
    expect(record).not.toHaveProperty('error');
    // It succeeds; another delivery is a duplicate, counted on the record.
    await expect(store.completeRun({ ...stale, attempt: 3, status: 'SUCCEEDED', durationMs: 5 })).resolves.toBe(true);
    await expect(store.claimRun(claimInput(job, later + 70_000))).resolves.toMatchObject({ claimed: false, reason: 'already SUCCEEDED' });
    await store.recordDuplicate(job, SLOT, new Date(later + 70_000));
    await store.recordDuplicate(job, SLOT, new Date(later + 71_000));
    expect(await item(job, `RUN#${SLOT}`)).toMatchObject({ status: 'SUCCEEDED', duplicates: 2, lastDuplicateAt: iso(later + 71_000) });
    expect(await item(job, `RUN#${SLOT}`)).not.toHaveProperty('runningUntil');
  });

  it('starts a SKIPPED slot again only for an explicit re-run, as the next attempt, without the skip reason', async () => {
    const job = 'skipped-rerun';
    // A scheduled run of the slot is skipped (the job was paused).
    await store.claimRun(claimInput(job, T0));
    const held = { job, slot: SLOT, attempt: 1, sequence: 0, finishedAt: new Date(T0), expiresAt: 1 };
    await expect(store.completeRun({ ...held, status: 'SKIPPED', reason: 'paused' })).resolves.toBe(true);
    // A second scheduled delivery of the slot stays a duplicate.
    await expect(store.claimRun(claimInput(job, T0 + 1000))).resolves.toMatchObject({ claimed: false, reason: 'already SKIPPED' });
    // An operator's run of that slot (run --slot, backfill) starts it as attempt 2.
    await expect(store.claimRun(claimInput(job, T0 + 2000, { manual: true, rerun: true }))).resolves.toEqual({
      claimed: true,
      kind: 'retry',
      attempt: 2,
      sequence: 0,
      previousStatus: 'SKIPPED',
    });
    const record = await item(job, `RUN#${SLOT}`);
    expect(record).toMatchObject({ status: 'RUNNING', attempt: 2 });
    expect(record).not.toHaveProperty('reason');
    expect(record).not.toHaveProperty('finishedAt');
  });

  it('never creates a record when counting a duplicate of a slot that has none', async () => {
    await store.recordDuplicate('no-record', SLOT, new Date(T0));
    expect(await item('no-record', `RUN#${SLOT}`)).toBeUndefined();
  });

  it('hands a continuing slot only to the awaited continuation, once', async () => {
    const job = 'continuing';
    await store.claimRun(claimInput(job, T0));
    const held = { job, slot: SLOT, attempt: 1, sequence: 0 };
    await expect(store.markContinuing({ ...held, nextSequence: 1, runningUntil: iso(T0 + 900_000) })).resolves.toBe(true);
    await expect(store.markContinuing({ ...held, nextSequence: 1, runningUntil: iso(T0 + 900_000) })).resolves.toBe(false);
    // A late retry of sequence 0 is a duplicate even past the original deadline.
    await expect(store.claimRun(claimInput(job, T0 + 2_000_000))).resolves.toMatchObject({ claimed: false, reason: 'continuation 1 of this slot is pending' });
    await expect(store.claimRun(claimInput(job, T0 + 5000, { sequence: 1 }))).resolves.toEqual({
      claimed: true,
      kind: 'continuation',
      attempt: 1,
      sequence: 1,
      previousStatus: 'RUNNING',
    });
    await expect(store.claimRun(claimInput(job, T0 + 6000, { sequence: 1 }))).resolves.toMatchObject({ claimed: false });
    expect(await item(job, `RUN#${SLOT}`)).toMatchObject({ status: 'RUNNING', sequence: 1, continuations: 1 });
    expect(await item(job, `RUN#${SLOT}`)).not.toHaveProperty('nextSequence');
  });

  it('keeps the overlap lease to one slot until it is released or expires', async () => {
    const job = 'leases';
    const a = '2026-03-01T01:00:00.000Z';
    const b = '2026-03-01T02:00:00.000Z';
    const lease = (holder: string, now: number) => ({ job, holder, now: new Date(now), leaseUntil: iso(now + 60_000), expiresAt: 1 });
    await expect(store.acquireLease(lease(a, T0))).resolves.toEqual({ acquired: true });
    await expect(store.acquireLease(lease(a, T0 + 1000))).resolves.toEqual({ acquired: true }); // its own: fine
    await expect(store.acquireLease(lease(b, T0 + 2000))).resolves.toEqual({ acquired: false, holder: a, leaseUntil: iso(T0 + 61_000) });
    await expect(store.releaseLease(job, b)).resolves.toBe(false);
    await expect(store.renewLease({ job, holder: a, leaseUntil: iso(T0 + 120_000), expiresAt: 1 })).resolves.toBe(true);
    await expect(store.acquireLease(lease(b, T0 + 119_000))).resolves.toMatchObject({ acquired: false, holder: a });
    // Expired: b takes it over, and a (back from the dead) can neither renew nor release it.
    await expect(store.acquireLease(lease(b, T0 + 120_001))).resolves.toEqual({ acquired: true });
    await expect(store.renewLease({ job, holder: a, leaseUntil: iso(T0 + 999_000), expiresAt: 1 })).resolves.toBe(false);
    await expect(store.releaseLease(job, a)).resolves.toBe(false);
    expect(await item(job, 'LEASE')).toMatchObject({ holder: b });
    await expect(store.releaseLease(job, b)).resolves.toBe(true);
    expect(await item(job, 'LEASE')).toBeUndefined();
  });

  it('records a rejected event as FAILED, but never over a slot that ran', async () => {
    const job = 'rejections';
    const rejected = { job, slot: SLOT, manual: false, error: { name: 'InvalidPayloadError', message: 'bad' }, at: new Date(T0), expiresAt: 1 };
    await expect(store.recordRejectedRun(rejected)).resolves.toBe(true);
    await expect(store.recordRejectedRun(rejected)).resolves.toBe(true);
    expect(await item(job, `RUN#${SLOT}`)).toMatchObject({ status: 'FAILED', attempt: 2, reason: 'rejected' });
    const other = '2026-03-02T02:00:00.000Z';
    await store.claimRun(claimInput(job, T0, { slot: other }));
    await expect(store.recordRejectedRun({ ...rejected, slot: other })).resolves.toBe(false);
    expect(await item(job, `RUN#${other}`)).toMatchObject({ status: 'RUNNING' });
  });

  it('updates STATE without touching the paused flag', async () => {
    const job = 'paused-job';
    await documentClient.send(new PutCommand({ TableName: TABLE, Item: { pk: `JOB#${job}`, sk: 'STATE', paused: true } }));
    await store.updateState({ job, slot: SLOT, status: 'FAILED', at: new Date(T0), error: { name: 'E', message: 'm' } });
    await store.updateState({ job, slot: SLOT, status: 'SUCCEEDED', at: new Date(T0 + 1000) });
    expect(await store.getState(job)).toEqual({
      pk: `JOB#${job}`,
      sk: 'STATE',
      job,
      paused: true,
      lastRunAt: iso(T0 + 1000),
      lastStatus: 'SUCCEEDED',
      lastSlot: SLOT,
      lastSuccessAt: iso(T0 + 1000),
      lastFailureAt: iso(T0),
      lastError: { name: 'E', message: 'm' },
    });
  });

  it('saves and reads checkpoints', async () => {
    await store.saveCheckpoint({ job: 'cp', slot: SLOT, state: '{"k":1}', sequence: 2, savedAt: new Date(T0), expiresAt: 5 });
    await expect(store.getCheckpoint('cp', SLOT)).resolves.toEqual({ state: '{"k":1}', sequence: 2, savedAt: iso(T0) });
    await expect(store.getCheckpoint('cp', '2026-01-01T00:00:00.000Z')).resolves.toBeUndefined();
  });
});

describe('JobStateStore for the watchdog and operators against moto', () => {
  it('pauses once (the first pause kept), resumes once, and reads the STATE of many jobs', async () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const paused = await store.setPaused({ job: 'ops-a', paused: true, by: 'alice', at, reason: 'migration' });
    expect(paused).toMatchObject({ changed: true, item: { paused: true, pausedBy: 'alice', pauseReason: 'migration' } });
    const again = await store.setPaused({ job: 'ops-a', paused: true, by: 'bob', at: new Date('2026-03-02T00:00:00Z') });
    expect(again).toMatchObject({ changed: false, item: { paused: true, pausedBy: 'alice', pausedAt: '2026-03-01T00:00:00.000Z' } });
    const resumed = await store.setPaused({ job: 'ops-a', paused: false, by: 'carol', at: new Date('2026-03-03T00:00:00Z') });
    expect(resumed.changed).toBe(true);
    expect(resumed.item).toMatchObject({ paused: false, resumedBy: 'carol' });
    expect(resumed.item).not.toHaveProperty('pausedBy');
    expect(resumed.item).not.toHaveProperty('pauseReason');
    await expect(store.setPaused({ job: 'ops-a', paused: false, by: 'dave', at })).resolves.toMatchObject({ changed: false });
    // A job that never ran cannot be resumed, and is not created by trying.
    await expect(store.setPaused({ job: 'ops-never', paused: false, by: 'dave', at })).resolves.toEqual({ changed: false });

    await store.updateState({ job: 'ops-b', slot: SLOT, status: 'SUCCEEDED', at });
    const jobs = ['ops-a', 'ops-b', 'ops-never', ...Array.from({ length: 120 }, (_, i) => `ops-none-${i}`)];
    const states = await store.getStates(jobs);
    expect(states.size).toBe(jobs.length);
    expect(states.get('ops-a')).toMatchObject({ paused: false, resumedBy: 'carol' });
    expect(states.get('ops-b')).toMatchObject({ lastStatus: 'SUCCEEDED', lastSlot: SLOT });
    expect(states.get('ops-never')).toBeUndefined();
  });

  it('reads a job history newest first up to the limit, and the runs of a range for the watchdog', async () => {
    const job = 'ops-history';
    const slots = ['2026-03-01T02:00:00.000Z', '2026-03-02T02:00:00.000Z', '2026-03-03T02:00:00.000Z', '2026-03-04T09:13:00.000Z'];
    for (const [i, slot] of slots.entries()) {
      await documentClient.send(
        new PutCommand({ TableName: TABLE, Item: { pk: `JOB#${job}`, sk: `RUN#${slot}`, slot, status: 'SUCCEEDED', manual: i === 3 } }),
      );
    }
    const history = await store.readHistory(job, 3);
    expect(history.map((r) => r.slot)).toEqual([slots[3], slots[2], slots[1]]);
    const runs = await store.readRuns(job, new Date('2026-03-02T00:00:00Z'), new Date('2026-03-05T00:00:00Z'));
    expect(runs).toEqual({ scheduled: [new Date(slots[1]), new Date(slots[2])], manual: 1 });
  });

  it('records a missed slot once and moves a cursor forward only', async () => {
    const item = {
      job: 'ops-missed',
      slot: SLOT,
      scheduleName: 'ops-missed',
      expression: 'cron(0 2 * * ? *)',
      timeZone: 'UTC',
      detectedAt: '2026-03-01T03:00:00.000Z',
      expiresAt: 1_780_000_000,
    };
    await expect(store.recordMissedSlot(item)).resolves.toBe(true);
    await expect(store.recordMissedSlot(item)).resolves.toBe(false);
    const cursor = (iso: string) => ({ job: 'ops-missed', scheduleName: 'ops-missed', checkedUntil: new Date(iso), updatedAt: new Date(iso), expiresAt: 1 });
    await expect(store.advanceCursor(cursor('2026-03-01T02:50:00.000Z'))).resolves.toBe(true);
    await expect(store.advanceCursor(cursor('2026-03-01T02:40:00.000Z'))).resolves.toBe(false);
    await expect(store.advanceCursor(cursor('2026-03-01T02:55:00.000Z'))).resolves.toBe(true);
    const cursors = await store.readCursors();
    expect(cursors.get('ops-missed')).toEqual(new Date('2026-03-01T02:55:00.000Z'));
  });
});

describe('defineJob against moto', () => {
  it('runs exactly one of 100 concurrent deliveries of the same slot', async () => {
    // Prepare
    const job = 'concurrent-claims';
    let executions = 0;
    const handler = defineJob({ name: job, store }, async () => {
      executions++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { executions };
    });
    const event: JobEvent = { job, scheduledTime: '2026-03-01T02:00:00Z', executionId: 'x', attempt: '1', payload: {} };
    // Act
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => handler({ ...event }, lambdaContext())));
    // Assess
    expect(executions).toBe(1);
    const statuses = outcomes.map((outcome) => outcome.status);
    expect(statuses.filter((status) => status === 'SUCCEEDED')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'DUPLICATE')).toHaveLength(99);
    expect(await item(job, `RUN#${SLOT}`)).toMatchObject({ status: 'SUCCEEDED', attempt: 1, duplicates: 99, result: { executions: 1 } });
    expect(await item(job, 'LEASE')).toBeUndefined();
    expect(await item(job, 'STATE')).toMatchObject({ lastStatus: 'SUCCEEDED', lastSlot: SLOT });
    const docs = emf();
    const total = (name: string) => docs.reduce((sum, doc) => sum + (typeof doc[name] === 'number' ? (doc[name] as number) : 0), 0);
    expect(total('Runs')).toBe(1);
    expect(total('Duplicates')).toBe(99);
  });

  it('skips a second slot while the first runs, then lets the next one run', async () => {
    const job = 'overlapping';
    let release!: () => void;
    const blocker = new Promise<void>((resolve) => (release = resolve));
    const handler = defineJob({ name: job, store }, async (ctx) => {
      if (ctx.slot === '2026-03-01T01:00:00.000Z') await blocker;
      return ctx.slot;
    });
    const first = handler({ job, scheduledTime: '2026-03-01T01:00:00Z' }, lambdaContext());
    await vi.waitFor(async () => expect(await item(job, 'LEASE')).toBeDefined());
    const second = await handler({ job, scheduledTime: '2026-03-01T02:00:00Z' }, lambdaContext());
    expect(second).toMatchObject({ status: 'SKIPPED', reason: 'overlap' });
    expect(await item(job, 'RUN#2026-03-01T02:00:00.000Z')).toMatchObject({ status: 'SKIPPED', reason: 'overlap', heldBy: '2026-03-01T01:00:00.000Z' });
    release();
    await expect(first).resolves.toMatchObject({ status: 'SUCCEEDED' });
    await expect(handler({ job, scheduledTime: '2026-03-01T03:00:00Z' }, lambdaContext())).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });

  it('continues a slot across invocations through the local-invoke hook until it finishes', async () => {
    // Prepare: a job that does 3 pages per invocation of 7.
    const job = 'paged';
    const dispatched: Array<{ target: string; event: JobEvent }> = [];
    (globalThis as Record<symbol, unknown>)[LOCAL_INVOKE_SYMBOL] = (target: string, event: JobEvent) => {
      dispatched.push({ target, event });
    };
    const handler = defineJob({ name: job, store }, async (ctx) => {
      const start = (await ctx.checkpoint.get<{ page: number }>())?.page ?? 0;
      const end = Math.min(start + 3, 7);
      if (end < 7) return ctx.continueLater({ page: end });
      return { pages: 7, invocations: ctx.sequence + 1 };
    });
    // Act: run the first invocation, then each dispatched continuation in turn.
    const outcomes = [await handler({ job, scheduledTime: '2026-03-01T02:00:00Z' }, lambdaContext())];
    while (dispatched.length > 0) {
      const next = dispatched.shift()!;
      expect(next.target).toBe('arn:aws:lambda:us-east-1:123456789012:function:fn');
      outcomes.push(await handler(next.event, lambdaContext()));
    }
    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['CONTINUED', 'CONTINUED', 'SUCCEEDED']);
    expect(outcomes[2].result).toEqual({ pages: 7, invocations: 3 });
    expect(await item(job, `RUN#${SLOT}`)).toMatchObject({ status: 'SUCCEEDED', attempt: 1, sequence: 2, continuations: 2 });
    expect(await item(job, `CHECKPOINT#${SLOT}`)).toMatchObject({ state: '{"page":6}', sequence: 2 });
    expect(await item(job, 'LEASE')).toBeUndefined();
  });

  it('records a failure, rethrows it, and runs the slot again on the retry', async () => {
    const job = 'flaky';
    let calls = 0;
    const boom = new Error('first time fails');
    const handler = defineJob({ name: job, store }, async (ctx) => {
      calls++;
      if (ctx.attempt === 1) throw boom;
      return 'fine';
    });
    const event: JobEvent = { job, scheduledTime: '2026-03-01T02:00:00Z' };
    await expect(handler(event, lambdaContext())).rejects.toBe(boom);
    expect(await item(job, `RUN#${SLOT}`)).toMatchObject({ status: 'FAILED', attempt: 1, error: { name: 'Error', message: 'first time fails' } });
    expect(await item(job, 'LEASE')).toBeUndefined();
    await expect(handler(event, lambdaContext())).resolves.toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
    await expect(handler(event, lambdaContext())).resolves.toMatchObject({ status: 'DUPLICATE' });
    expect(calls).toBe(2);
    expect(await item(job, 'STATE')).toMatchObject({ lastStatus: 'SUCCEEDED', lastError: { message: 'first time fails' } });
  });
});
