/**
 * `defineFanOutJob` against a real DynamoDB API (moto_server): the three phases driven by hand, as
 * the state machine calls them; the manifest kept in memory. Duplicates, pause, PARTIAL and FAILED
 * outcomes, resume of a re-run, and the contract errors (no items, duplicate keys, wrong result count).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { manifestKey, type FanOutFinishOutput, type FanOutPlanOutput, type JobEvent } from '../../../lib/contract';
import { defineFanOutJob, JobStateStore, type FanOutItem, type FanOutJobSpec, type ManifestStore } from '../../../lambdas/runtime';
import { useMoto } from '../../support/moto';
import { createStateTable } from '../../support/state-table';

const moto = useMoto();
const TABLE = 'FanOutRuntime';
const SLOT = '2026-03-01T03:00:00.000Z';
const T0 = Date.UTC(2026, 2, 1, 3, 0, 1);
let documentClient: DynamoDBDocumentClient;
let store: JobStateStore;
let stdout: MockInstance<typeof process.stdout.write>;
let stderr: MockInstance<typeof process.stderr.write>;

class MemoryManifests implements ManifestStore {
  readonly objects = new Map<string, string>();
  async put(bucket: string, key: string, items: readonly FanOutItem[]) {
    this.objects.set(`${bucket}/${key}`, JSON.stringify(items));
  }
  async get(bucket: string, key: string) {
    const text = this.objects.get(`${bucket}/${key}`);
    if (text === undefined) throw new Error(`no manifest ${bucket}/${key}`);
    return JSON.parse(text) as FanOutItem[];
  }
}

interface Item extends FanOutItem {
  readonly n: number;
}

/** A job over `count` items whose work doubles n; `failing` keys make their batch throw. */
function job(name: string, count: number, options: { failing?: Set<string>; processed?: string[]; spec?: Partial<FanOutJobSpec<{ tag: string }, Item, number, unknown>> } = {}) {
  const manifests = new MemoryManifests();
  let now = T0;
  const handler = defineFanOutJob<{ tag: string }, Item, number, { total: number; tag: string }>({
    name,
    store,
    manifests,
    bucket: 'fan-out-bucket',
    clock: () => (now += 10),
    plan: () => Array.from({ length: count }, (_, n) => ({ key: `part-${String(n).padStart(3, '0')}`, n })),
    work: (_ctx, items) => {
      if (items.some((item) => options.failing?.has(item.key))) throw new Error(`batch with a failing item (${items.map((i) => i.key).join(',')})`);
      options.processed?.push(...items.map((item) => item.key));
      return items.map((item) => item.n * 2);
    },
    finish: async (ctx, outcome) => {
      let total = 0;
      for await (const { result } of outcome.results()) total += result ?? 0;
      return { total, tag: ctx.payload.tag };
    },
    ...(options.spec as object),
  });
  return { handler, manifests };
}

/** Drives one execution as the state machine does: plan, then batches of `batch` items, then finish. */
async function execute(handler: ReturnType<typeof defineFanOutJob>, event: JobEvent, batch = 3, tolerance = 100) {
  const plan = (await handler({ phase: 'plan', event, executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sm:x' })) as FanOutPlanOutput;
  if (plan.next !== 'RUN') return { plan };
  const items = await new MemoryManifestsReader(plan).items();
  let failedItems = 0;
  for (let i = 0; i < items.length; i += batch) {
    const Items = items.slice(i, i + batch);
    try {
      await handler({ Items, BatchInput: { phase: 'work', run: plan.run } });
    } catch {
      failedItems += Items.length;
    }
  }
  const exceeded = items.length > 0 && (failedItems / items.length) * 100 > tolerance;
  const finish = (await handler({
    phase: 'finish',
    plan,
    ...(exceeded ? { mapError: { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'too many failed items' } } : {}),
  })) as FanOutFinishOutput;
  return { plan, finish };
}

let currentManifests: MemoryManifests;
class MemoryManifestsReader {
  constructor(private readonly plan: FanOutPlanOutput) {}
  async items(): Promise<Item[]> {
    return (await currentManifests.get(this.plan.manifest!.bucket, this.plan.manifest!.key)) as Item[];
  }
}

async function runRecord(name: string, slot = SLOT) {
  const out = await documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: `JOB#${name}`, sk: `RUN#${slot}` }, ConsistentRead: true }));
  return out.Item;
}

const scheduled = (name: string): JobEvent => ({ job: name, scheduledTime: '2026-03-01T03:00:00Z', payload: { tag: 'nightly' } });

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
});

describe('defineFanOutJob', () => {
  it('plans, works in batches and finishes: SUCCEEDED with counts and the summary on the run record', async () => {
    const processed: string[] = [];
    const { handler, manifests } = job('fan-ok', 10, { processed });
    currentManifests = manifests;
    const { plan, finish } = await execute(handler, scheduled('fan-ok'));
    expect(plan).toMatchObject({ next: 'RUN', planned: 10, alreadyDone: 0, pending: 10, manifest: { bucket: 'fan-out-bucket', key: manifestKey('fan-ok', SLOT, 1) } });
    expect(finish).toEqual({ status: 'SUCCEEDED', succeeded: 10, failed: 0 });
    expect(processed).toHaveLength(10);
    expect(await runRecord('fan-ok')).toMatchObject({
      status: 'SUCCEEDED',
      attempt: 1,
      counts: { planned: 10, alreadyDone: 0, succeeded: 10, failed: 0 },
      failedItems: [],
      result: { total: 90, tag: 'nightly' },
      executionId: 'arn:aws:states:us-east-1:123456789012:execution:sm:x',
    });
    const emf = stdout.mock.calls.map(([c]) => String(c)).filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf.some((doc) => doc.Runs === 1)).toBe(true);
    expect(emf.some((doc) => doc.Failures === 0 && doc.FailedItems === 0 && typeof doc.Duration === 'number')).toBe(true);
  });

  it('treats a second plan of the same slot as a duplicate and starts nothing', async () => {
    const { handler, manifests } = job('fan-dup', 4);
    currentManifests = manifests;
    await execute(handler, scheduled('fan-dup'));
    const again = await execute(handler, scheduled('fan-dup'));
    expect(again.plan).toMatchObject({ next: 'DUPLICATE', reason: 'already SUCCEEDED' });
    expect(await runRecord('fan-dup')).toMatchObject({ status: 'SUCCEEDED', duplicates: 1 });
  });

  it('ends PARTIAL within the tolerance with the failed items listed, and a re-run of the slot does only those', async () => {
    const processed: string[] = [];
    const failing = new Set(['part-004']);
    const { handler, manifests } = job('fan-partial', 10, { failing, processed });
    currentManifests = manifests;
    const first = await execute(handler, scheduled('fan-partial'), 3, 50);
    // Batch part-003..part-005 failed: three items, 30 % <= 50 %.
    expect(first.finish).toEqual({ status: 'PARTIAL', succeeded: 7, failed: 3 });
    expect(await runRecord('fan-partial')).toMatchObject({
      status: 'PARTIAL',
      counts: { planned: 10, succeeded: 7, failed: 3 },
      failedItems: ['part-003', 'part-004', 'part-005'],
    });
    // A scheduled redelivery of a PARTIAL slot stays a duplicate; an explicit re-run resumes.
    expect((await execute(handler, scheduled('fan-partial'))).plan).toMatchObject({ next: 'DUPLICATE', reason: 'already PARTIAL' });
    failing.clear();
    const rerun = await execute(handler, { ...scheduled('fan-partial'), manual: true }, 3, 50);
    expect(rerun.plan).toMatchObject({ next: 'RUN', planned: 10, alreadyDone: 7, pending: 3, manifest: { key: manifestKey('fan-partial', SLOT, 2) } });
    expect(rerun.finish).toEqual({ status: 'SUCCEEDED', succeeded: 10, failed: 0 });
    // Every item processed exactly once across both runs; the summary counts all ten results.
    expect([...processed].sort()).toEqual(Array.from({ length: 10 }, (_, n) => `part-${String(n).padStart(3, '0')}`));
    expect(await runRecord('fan-partial')).toMatchObject({ status: 'SUCCEEDED', attempt: 2, result: { total: 90 }, counts: { alreadyDone: 7, failed: 0 } });
  });

  it('ends FAILED when the map fails past the tolerance, recording the failed items and the cause', async () => {
    const { handler, manifests } = job('fan-failed', 10, { failing: new Set(['part-000', 'part-004']) });
    currentManifests = manifests;
    const { finish } = await execute(handler, scheduled('fan-failed'), 3, 50);
    expect(finish).toEqual({ status: 'FAILED', succeeded: 4, failed: 6 });
    expect(await runRecord('fan-failed')).toMatchObject({
      status: 'FAILED',
      failedItems: ['part-000', 'part-001', 'part-002', 'part-003', 'part-004', 'part-005'],
      error: { name: 'States.ExceedToleratedFailureThreshold', message: "job 'fan-failed': the map failed: too many failed items" },
    });
  });

  it('skips the work of a retried batch whose items are already recorded done', async () => {
    const processed: string[] = [];
    const { handler, manifests } = job('fan-retry', 3, { processed });
    currentManifests = manifests;
    const plan = (await handler({ phase: 'plan', event: scheduled('fan-retry') })) as FanOutPlanOutput;
    const Items = await new MemoryManifestsReader(plan).items();
    await expect(handler({ Items, BatchInput: { phase: 'work', run: plan.run } })).resolves.toEqual({ processed: 3, alreadyDone: 0 });
    await expect(handler({ Items, BatchInput: { phase: 'work', run: plan.run } })).resolves.toEqual({ processed: 0, alreadyDone: 3 });
    expect(processed).toEqual(['part-000', 'part-001', 'part-002']);
  });

  it('records SKIPPED for a scheduled run of a paused job', async () => {
    await store.setPaused({ job: 'fan-paused', paused: true, by: 'test', at: new Date(T0) });
    const { handler, manifests } = job('fan-paused', 3);
    currentManifests = manifests;
    expect((await execute(handler, scheduled('fan-paused'))).plan).toMatchObject({ next: 'SKIPPED', reason: 'paused' });
    expect(await runRecord('fan-paused')).toMatchObject({ status: 'SKIPPED', reason: 'paused' });
  });

  it('fails the run with a message naming the job when the plan returns no items or a duplicate key', async () => {
    const empty = job('fan-empty', 0);
    await expect(empty.handler({ phase: 'plan', event: scheduled('fan-empty') })).rejects.toThrow(
      "job 'fan-empty': plan: returned no items; a fan-out plan must return at least one partition",
    );
    expect(await runRecord('fan-empty')).toMatchObject({ status: 'FAILED', error: { name: 'FanOutError' } });

    const twice = job('fan-twice', 0, { spec: { plan: () => [{ key: 'a', n: 1 }, { key: 'a', n: 2 }] } });
    await expect(twice.handler({ phase: 'plan', event: scheduled('fan-twice') })).rejects.toThrow(
      "job 'fan-twice': plan: item 1: key 'a' appears twice; item keys must be unique in a run",
    );
  });

  it('fails a batch whose work returns the wrong number of results, and rejects an unknown task input', async () => {
    const { handler, manifests } = job('fan-count', 2, { spec: { work: () => [1] } });
    currentManifests = manifests;
    const plan = (await handler({ phase: 'plan', event: scheduled('fan-count') })) as FanOutPlanOutput;
    const Items = await new MemoryManifestsReader(plan).items();
    await expect(handler({ Items, BatchInput: { phase: 'work', run: plan.run } })).rejects.toThrow("job 'fan-count': work: expected one result per item (2), got 1");
    await expect(handler({ phase: 'merge' })).rejects.toThrow("job 'fan-count': fan-out task input: expected a job event, { phase: 'plan' | 'finish', ... }");
  });
});

describe('defineFanOutJob: a job event starts the execution', () => {
  const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:jobs-fan-start';
  const sfn = mockClient(SFNClient);
  beforeEach(() => {
    sfn.reset();
    process.env.FAN_OUT_STATE_MACHINE_ARN = ARN;
  });
  afterEach(() => {
    delete process.env.FAN_OUT_STATE_MACHINE_ARN;
  });

  it('names a scheduled run after its slot, and a second delivery of a slot that ran is a duplicate', async () => {
    const { handler, manifests } = job('fan-start', 2, { spec: { sfn: new SFNClient({}) } });
    currentManifests = manifests;
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: `${ARN}:fan-start-20260301T030000000Z` }).rejects(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }));
    await expect(handler(scheduled('fan-start'))).resolves.toMatchObject({ status: 'STARTED', executionName: 'fan-start-20260301T030000000Z' });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: ARN, name: 'fan-start-20260301T030000000Z', input: JSON.stringify({ ...scheduled('fan-start'), scheduledTime: SLOT }) });
    await execute(handler, scheduled('fan-start'));
    await expect(handler(scheduled('fan-start'))).resolves.toMatchObject({ status: 'DUPLICATE', reason: 'already SUCCEEDED' });
  });

  it('starts a catch-up or a manual run under its own name, so it never collides with the scheduled execution', async () => {
    const { handler } = job('fan-catch-up', 2, { spec: { sfn: new SFNClient({}) } });
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x` });
    const catchUp = await handler({ ...scheduled('fan-catch-up'), trigger: 'catch-up' });
    expect((catchUp as { executionName: string }).executionName).toMatch(/^fan-catch-up-20260301T030000000Z-r[0-9a-z]+$/);
    const manual = await handler({ job: 'fan-catch-up', manual: true, payload: { tag: 'x' } });
    expect(manual).toMatchObject({ status: 'STARTED', executionName: expect.stringMatching(/^fan-catch-up-\d{8}T\d{9}Z-r[0-9a-z]+$/) });
    // The manual run's slot is pinned in the execution's input, so its plan sees the same slot.
    const input = JSON.parse(String(sfn.commandCalls(StartExecutionCommand)[1].args[0].input.input)) as { scheduledTime: string };
    expect((manual as { slot: string }).slot).toBe(input.scheduledTime);
  });

  it('closes the record of an execution that was aborted before it finished, so the slot can run again now', async () => {
    const { handler, manifests } = job('fan-aborted', 2, { spec: { sfn: new SFNClient({}) } });
    currentManifests = manifests;
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:sm:x';
    // The first execution planned (the record is RUNNING with its ARN), then was stopped.
    await handler({ phase: 'plan', event: scheduled('fan-aborted'), executionArn });
    sfn.on(DescribeExecutionCommand, { executionArn }).resolves({ status: 'ABORTED' });
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:again` });
    await expect(handler({ ...scheduled('fan-aborted'), manual: true })).resolves.toMatchObject({ status: 'STARTED' });
    expect(await runRecord('fan-aborted')).toMatchObject({
      status: 'FAILED',
      reason: 'execution ended',
      error: { name: 'ExecutionEnded', message: `job 'fan-aborted': execution ${executionArn} ended ABORTED before it recorded the run` },
    });
    // The re-run's plan now claims the slot as attempt 2.
    await expect(handler({ phase: 'plan', event: { ...scheduled('fan-aborted'), manual: true } })).resolves.toMatchObject({ next: 'RUN', run: { attempt: 2 } });
  });

  it('leaves the record of a still-running execution alone', async () => {
    const { handler, manifests } = job('fan-running', 2, { spec: { sfn: new SFNClient({}) } });
    currentManifests = manifests;
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:sm:y';
    await handler({ phase: 'plan', event: scheduled('fan-running'), executionArn });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }));
    await expect(handler(scheduled('fan-running'))).resolves.toMatchObject({ status: 'DUPLICATE', reason: expect.stringMatching(/^already RUNNING/) });
    expect(await runRecord('fan-running')).toMatchObject({ status: 'RUNNING' });
  });

  it('starts a failed slot again under a new name when its execution exists', async () => {
    const { handler, manifests } = job('fan-restart', 2, { failing: new Set(['part-000']), spec: { sfn: new SFNClient({}) } });
    currentManifests = manifests;
    await execute(handler, scheduled('fan-restart'), 2, 0);
    expect(await runRecord('fan-restart')).toMatchObject({ status: 'FAILED' });
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:again` });
    sfn.on(StartExecutionCommand, { name: 'fan-restart-20260301T030000000Z' }).rejects(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }));
    const out = await handler(scheduled('fan-restart'));
    expect(out).toMatchObject({ status: 'STARTED', executionArn: `${ARN}:again` });
    expect((out as { executionName: string }).executionName).toMatch(/^fan-restart-20260301T030000000Z-a[0-9a-z]+$/);
  });
});
