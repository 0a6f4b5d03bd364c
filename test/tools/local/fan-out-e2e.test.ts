/**
 * A small fan-out job end to end in local mode against moto: the state machine a FanOutJob
 * synthesizes, run by local mode's interpreter, its tasks on the real `defineFanOutJob` runtime,
 * the manifest and results in moto's S3, run records and done items in moto's DynamoDB. Failures
 * are injected into a share of the batches: the run ends PARTIAL or FAILED exactly as the
 * tolerance says, the failed items are listed, nothing is lost or done twice, and a re-run of the
 * slot finishes only what is left.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { FanOutJobProps } from '../../../lib/fan-out-job';
import { defineFanOutJob, JobStateStore, S3ManifestStore } from '../../../lambdas/runtime';
import { parseDefinition, runStateMachine, type LambdaOutcome } from '../../../tools/local/state-machine';
import { FAN_OUT_FUNCTION_ARN, synthesizeFanOutDefinition } from '../../support/fan-out-definition';
import { useMoto } from '../../support/moto';
import { createStateTable } from '../../support/state-table';

const moto = useMoto();
const TABLE = 'FanOutE2E';
const BUCKET = 'fan-out-e2e';
const SLOT = '2026-03-01T03:00:00.000Z';
let s3: S3Client;
let documentClient: DynamoDBDocumentClient;
let store: JobStateStore;
let stdout: MockInstance<typeof process.stdout.write>;
let stderr: MockInstance<typeof process.stderr.write>;

interface Item {
  readonly key: string;
}

/** A job over 40 partitions; batches holding a key in `failing` throw; `processed` counts each item's work. */
function fanOutJob(name: string, failing: Set<string>, processed: Map<string, number>) {
  return defineFanOutJob<{ factor: number }, Item, number, { total: number }>({
    name,
    store,
    s3,
    bucket: BUCKET,
    plan: () => Array.from({ length: 40 }, (_, n) => ({ key: `p${String(n).padStart(2, '0')}` })),
    work: async (ctx, items) => {
      const bad = items.find((item) => failing.has(item.key));
      if (bad) throw new Error(`injected failure on ${bad.key}`);
      for (const item of items) processed.set(item.key, (processed.get(item.key) ?? 0) + 1);
      return items.map((item) => Number(item.key.slice(1)) * ctx.payload.factor);
    },
    finish: async (_ctx, outcome) => {
      let total = 0;
      for await (const { result } of outcome.results()) total += result ?? 0;
      return { total };
    },
  });
}

async function execute(name: string, handler: ReturnType<typeof fanOutJob>, props: Partial<FanOutJobProps>, event: Record<string, unknown>, execution: string) {
  const definition = parseDefinition(synthesizeFanOutDefinition({ ...props, jobName: name }, BUCKET), `state machine ${name}`);
  return runStateMachine(
    definition,
    event,
    { executionArn: `arn:aws:states:us-east-1:123456789012:execution:${name}:${execution}`, name: execution, stateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:${name}` },
    {
      invokeLambda: async (arn, payload): Promise<LambdaOutcome> => {
        expect(arn).toBe(FAN_OUT_FUNCTION_ARN);
        try {
          return { ok: true, result: structuredClone(await handler(structuredClone(payload))) };
        } catch (error) {
          return { ok: false, error: (error as Error).name, cause: (error as Error).message };
        }
      },
      getObject: async (bucket, key) => JSON.stringify(await new S3ManifestStore(s3).get(bucket, key)),
      putObject: async (bucket, key, body) => new S3ManifestStore(s3).put(bucket, key, JSON.parse(body) as Item[]),
      sleep: async () => undefined,
    },
  );
}

async function runRecord(name: string) {
  const out = await documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: `JOB#${name}`, sk: `RUN#${SLOT}` }, ConsistentRead: true }));
  return out.Item;
}

const scheduled = (name: string) => ({ job: name, scheduledTime: '2026-03-01T03:00:00Z', payload: { factor: 2 } });
const ALL = Array.from({ length: 40 }, (_, n) => `p${String(n).padStart(2, '0')}`);
const TOTAL = ALL.reduce((sum, key) => sum + Number(key.slice(1)) * 2, 0);

beforeAll(async () => {
  const raw = new DynamoDBClient(moto.config());
  await createStateTable(raw, TABLE);
  documentClient = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  store = new JobStateStore({ client: documentClient, tableName: TABLE });
  s3 = new S3Client(moto.config());
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

beforeEach(() => {
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  stdout.mockRestore();
  stderr.mockRestore();
});

describe('a fan-out job in local mode against moto', () => {
  it('succeeds: every item done once, the manifest and the map results in S3, the summary on the run record', async () => {
    const processed = new Map<string, number>();
    const result = await execute('fan-e2e-ok', fanOutJob('fan-e2e-ok', new Set(), processed), { maxItemsPerBatch: 4, maxConcurrency: 5 }, scheduled('fan-e2e-ok'), 'first');
    expect(result.status).toBe('SUCCEEDED');
    expect([...processed.keys()].sort()).toEqual(ALL);
    expect([...processed.values()].every((n) => n === 1)).toBe(true);
    expect(await runRecord('fan-e2e-ok')).toMatchObject({ status: 'SUCCEEDED', counts: { planned: 40, succeeded: 40, failed: 0 }, result: { total: TOTAL } });
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'fan-out/fan-e2e-ok/' }))).Contents?.map((o) => o.Key) ?? [];
    expect(keys).toEqual(
      expect.arrayContaining([
        'fan-out/fan-e2e-ok/20260301T030000000Z/attempt-1/manifest.json',
        'fan-out/fan-e2e-ok/results/first/manifest.json',
        'fan-out/fan-e2e-ok/results/first/SUCCEEDED_0.json',
      ]),
    );
  });

  it('ends PARTIAL within the tolerance, lists the failed items, and a re-run of the slot does only those', async () => {
    const processed = new Map<string, number>();
    const failing = new Set(['p05', 'p21']); // two batches of 4 of 10: 8 of 40 items = 20 %
    const handler = fanOutJob('fan-e2e-partial', failing, processed);
    const first = await execute('fan-e2e-partial', handler, { maxItemsPerBatch: 4, toleratedFailurePercentage: 20 }, scheduled('fan-e2e-partial'), 'first');
    expect(first.status).toBe('SUCCEEDED');
    expect(await runRecord('fan-e2e-partial')).toMatchObject({
      status: 'PARTIAL',
      counts: { planned: 40, succeeded: 32, failed: 8 },
      failedItems: ['p04', 'p05', 'p06', 'p07', 'p20', 'p21', 'p22', 'p23'],
    });
    failing.clear();
    const rerun = await execute('fan-e2e-partial', handler, { maxItemsPerBatch: 4, toleratedFailurePercentage: 20 }, { ...scheduled('fan-e2e-partial'), manual: true }, 'rerun');
    expect(rerun.status).toBe('SUCCEEDED');
    expect(await runRecord('fan-e2e-partial')).toMatchObject({ status: 'SUCCEEDED', attempt: 2, counts: { planned: 40, alreadyDone: 32, succeeded: 40, failed: 0 }, result: { total: TOTAL } });
    // Nothing lost, nothing done twice across both runs.
    expect([...processed.keys()].sort()).toEqual(ALL);
    expect([...processed.values()].every((n) => n === 1)).toBe(true);
  });

  it('ends FAILED past the tolerance: the execution fails, the run record lists the failed items and the cause', async () => {
    const processed = new Map<string, number>();
    const result = await execute('fan-e2e-failed', fanOutJob('fan-e2e-failed', new Set(['p05', 'p21']), processed), { maxItemsPerBatch: 4, toleratedFailurePercentage: 10, maxConcurrency: 1 }, scheduled('fan-e2e-failed'), 'first');
    expect(result).toMatchObject({ status: 'FAILED', error: 'FanOutRunFailed' });
    const record = await runRecord('fan-e2e-failed');
    expect(record).toMatchObject({ status: 'FAILED', error: { name: 'States.ExceedToleratedFailureThreshold' } });
    // With one batch at a time the map stops at the second failed batch: what ran is recorded done, the rest is listed failed.
    const failed = record?.failedItems as string[];
    expect(failed).toEqual(ALL.filter((key) => !processed.has(key)));
    expect(failed).toEqual(expect.arrayContaining(['p04', 'p05', 'p06', 'p07', 'p20', 'p21', 'p22', 'p23']));
    expect(record?.counts).toMatchObject({ planned: 40, succeeded: processed.size, failed: 40 - processed.size });
  });
});
