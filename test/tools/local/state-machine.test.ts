/**
 * Local mode's state-machine interpreter, run on the definition a FanOutJob synthesizes: batching,
 * concurrency, tolerance, retries and the catch path follow the construct's props, so a prop
 * changed on the construct changes what local mode does.
 */
import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import type { FanOutJobProps } from '../../../lib/fan-out-job';
import { batchItems, parseDefinition, runStateMachine, UnsupportedDefinitionError, type ExecutionEvent, type LambdaOutcome } from '../../../tools/local/state-machine';
import { FAN_OUT_FUNCTION_ARN, synthesizeFanOutDefinition } from '../../support/fan-out-definition';

const BUCKET = 'fan-out-bucket';
const IDENTITY = {
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:fan:fan-20260301T030000000Z',
  name: 'fan-20260301T030000000Z',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:fan',
};

/** A stand-in for the job's function: plan writes `count` items, work fails batches holding a failing key (`failures` times each). */
function fakeJob(count: number, options: { failing?: Map<string, number>; workMs?: number } = {}) {
  const objects = new Map<string, string>();
  const batches: string[][] = [];
  const calls: Array<{ phase: string; payload: Record<string, unknown> }> = [];
  let inFlight = 0;
  let peak = 0;
  const invokeLambda = async (arn: string, payload: unknown): Promise<LambdaOutcome> => {
    expect(arn).toBe(FAN_OUT_FUNCTION_ARN);
    const p = payload as Record<string, unknown>;
    if (p.phase === 'plan') {
      calls.push({ phase: 'plan', payload: p });
      const items = Array.from({ length: count }, (_, n) => ({ key: `k${String(n).padStart(3, '0')}` }));
      objects.set(`${BUCKET}/manifest.json`, JSON.stringify(items));
      return { ok: true, result: { next: 'RUN', run: { job: 'fan', slot: 's' }, manifest: { bucket: BUCKET, key: 'manifest.json' }, planned: count } };
    }
    if (p.phase === 'finish') {
      calls.push({ phase: 'finish', payload: p });
      const mapError = p.mapError as { Error?: string } | undefined;
      return { ok: true, result: { status: mapError?.Error ? 'FAILED' : 'SUCCEEDED' } };
    }
    const keys = (p.Items as Array<{ key: string }>).map((item) => item.key);
    expect(p.BatchInput).toEqual({ phase: 'work', run: { job: 'fan', slot: 's' } });
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setTimeout(resolve, options.workMs ?? 5));
    inFlight--;
    const failing = keys.find((key) => (options.failing?.get(key) ?? 0) > 0);
    if (failing) {
      options.failing!.set(failing, options.failing!.get(failing)! - 1);
      return { ok: false, error: 'Error', cause: `item ${failing} failed` };
    }
    batches.push(keys);
    return { ok: true, result: { processed: keys.length, alreadyDone: 0 } };
  };
  const deps = {
    invokeLambda,
    getObject: async (bucket: string, key: string) => {
      const body = objects.get(`${bucket}/${key}`);
      if (body === undefined) throw new Error('NoSuchKey');
      return body;
    },
    putObject: async (bucket: string, key: string, body: string) => {
      objects.set(`${bucket}/${key}`, body);
    },
    sleep: async () => undefined,
    random: () => 1,
  };
  return { deps, batches, calls, objects, peak: () => peak };
}

async function run(props: Partial<FanOutJobProps>, job: ReturnType<typeof fakeJob>, events: ExecutionEvent[] = []) {
  const definition = parseDefinition(synthesizeFanOutDefinition(props, BUCKET), 'state machine Fan');
  return runStateMachine(definition, { job: 'fan', scheduledTime: '2026-03-01T03:00:00Z' }, IDENTITY, { ...job.deps, onEvent: (e) => events.push(e) });
}

describe('the local state-machine interpreter on a FanOutJob definition', () => {
  it('plans, runs every batch of the manifest with the batch input and finishes; results go to the ResultWriter prefix', async () => {
    const job = fakeJob(23);
    const result = await run({ maxItemsPerBatch: 5 }, job);
    expect(result.status).toBe('SUCCEEDED');
    expect(job.batches.map((b) => b.length).sort()).toEqual([3, 5, 5, 5, 5]);
    expect(job.batches.flat().sort()).toEqual(Array.from({ length: 23 }, (_, n) => `k${String(n).padStart(3, '0')}`));
    expect(job.calls.map((c) => c.phase)).toEqual(['plan', 'finish']);
    expect(job.calls[0].payload).toEqual({ phase: 'plan', event: { job: 'fan', scheduledTime: '2026-03-01T03:00:00Z' }, executionArn: IDENTITY.executionArn });
    expect(job.calls[1].payload).toMatchObject({ phase: 'finish', mapError: {} });
    expect(JSON.parse(job.objects.get(`${BUCKET}/fan-out/fan/results/${IDENTITY.name}/SUCCEEDED_0.json`) ?? '[]')).toHaveLength(5);
    expect(result.output).toMatchObject({ finish: { status: 'SUCCEEDED' }, map: { ResultWriterDetails: { Bucket: BUCKET } } });
  });

  it('follows the props: a different batch size and concurrency change the batches and how many run at once', async () => {
    const narrow = fakeJob(40, { workMs: 20 });
    await run({ maxItemsPerBatch: 2, maxConcurrency: 3 }, narrow);
    const wide = fakeJob(40, { workMs: 20 });
    await run({ maxItemsPerBatch: 4, maxConcurrency: 8 }, wide);
    expect(narrow.batches).toHaveLength(20);
    expect(narrow.peak()).toBe(3);
    expect(wide.batches).toHaveLength(10);
    expect(wide.peak()).toBe(8);
  });

  it('retries a failed batch with the backoff of the definition, then succeeds', async () => {
    const events: ExecutionEvent[] = [];
    const job = fakeJob(6, { failing: new Map([['k002', 2]]) });
    const result = await run({ maxItemsPerBatch: 3, retry: { maxAttempts: 3, interval: Duration.seconds(1) } }, job, events);
    expect(result.status).toBe('SUCCEEDED');
    const retries = events.filter((e) => e.type === 'TaskRetry');
    // FULL jitter with random() = 1: the whole exponential delay from the 1 s interval, doubled (the default rate).
    expect(retries.map((e) => (e as { delayMs: number }).delayMs)).toEqual([1000, 2000]);
  });

  it('ends the map within the tolerance, and fails it through the catch path past the tolerance', async () => {
    // Batch k000-k004 fails on every attempt (1 + 3 retries): 5 of 20 items = 25 %.
    const within = fakeJob(20, { failing: new Map([['k000', 99]]) });
    expect((await run({ maxItemsPerBatch: 5, toleratedFailurePercentage: 25 }, within)).status).toBe('SUCCEEDED');
    expect(within.calls[1].payload).toMatchObject({ mapError: {} });

    const beyond = fakeJob(20, { failing: new Map([['k000', 99]]) });
    const failed = await run({ maxItemsPerBatch: 5, toleratedFailurePercentage: 20 }, beyond);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'FanOutRunFailed' });
    expect(beyond.calls[1].payload).toMatchObject({
      mapError: { Error: 'States.ExceedToleratedFailureThreshold', Cause: '5 of 20 items failed, more than the tolerated 20%' },
    });
  });

  it('batches by bytes as well as by count', () => {
    const items = Array.from({ length: 6 }, (_, n) => ({ key: `${n}`.repeat(40) }));
    const batches = batchItems(items, { phase: 'work' }, 10, 150);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 2]);
    expect(() => batchItems([{ key: 'x'.repeat(200) }], undefined, 10, 150)).toThrow('an item is larger than MaxInputBytesPerBatch (150 bytes) by itself');
  });

  it('refuses a definition with a state or field it does not execute, naming it', () => {
    const text = JSON.stringify({ StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 5, End: true } } });
    expect(() => parseDefinition(text, 'state machine X')).toThrow(UnsupportedDefinitionError);
    expect(() => parseDefinition(text, 'state machine X')).toThrow("state machine X: state 'Wait': type 'Wait' is not supported; local mode runs only what FanOutJob emits");
    const withOutputPath = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', OutputPath: '$.x', End: true } } });
    expect(() => parseDefinition(withOutputPath, 'state machine X')).toThrow("state 'P': field 'OutputPath' is not supported");
  });
});
