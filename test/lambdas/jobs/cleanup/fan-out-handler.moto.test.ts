/**
 * The cleanup's fan-out handler (`defineFanOutJob`) against moto: its three phases driven as the
 * state machine calls them (plan, batches of the S3 manifest, finish), the state table and the
 * buckets real. Checks the run record, the summary and the bucket's final state.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FanOutFinishOutput, FanOutPlanOutput } from '../../../../lib/contract';
import type { FanOutHandler } from '../../../../lambdas/runtime';
import { listObjects } from '../../../../lambdas/shared/s3-listing';
import { useMoto } from '../../../support/moto';
import { createStateTable } from '../../../support/state-table';

const moto = useMoto();
const TABLE = 'FanOutCleanupState';
const LOGS = 'fan-out-handler-logs';
const FAN_OUT = 'fan-out-handler-manifests';
const JOB = 'log-cleanup-fan-out';
const PATTERN = '^logs/[^/]+/(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/';
const KEYS = ['api', 'worker'].flatMap((s) => ['2026/09/30', '2026/10/01', '2026/10/02'].map((d) => `logs/${s}/${d}/x.log`)).concat('logs/README.txt', 'other/2026/09/01/old.log');
let handler: FanOutHandler;
let s3: S3Client;
let ddb: DynamoDBClient;
const saved = { ...process.env };

beforeAll(async () => {
  ddb = new DynamoDBClient(moto.config());
  s3 = new S3Client(moto.config());
  await createStateTable(ddb, TABLE);
  for (const Bucket of [LOGS, FAN_OUT]) await s3.send(new CreateBucketCommand({ Bucket }));
  for (const Key of KEYS) await s3.send(new PutObjectCommand({ Bucket: LOGS, Key, Body: 'x' }));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint.url,
    JOBS_TABLE_NAME: TABLE,
    JOB_NAME: JOB,
    LOGS_BUCKET_NAME: LOGS,
    FAN_OUT_BUCKET_NAME: FAN_OUT,
    POWERTOOLS_SERVICE_NAME: JOB,
    POWERTOOLS_METRICS_NAMESPACE: 'ScheduledJobs',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true); // EMF metric lines
  ({ handler } = (await import('../../../../lambdas/jobs/cleanup/fan-out-handler.js')) as unknown as { handler: FanOutHandler });
});

afterAll(() => {
  vi.restoreAllMocks();
  process.env = saved;
});

describe('cleanup fan-out handler', () => {
  it('plans the day partitions into the manifest, works them in batches and records SUCCEEDED with the totals', async () => {
    const event = { job: JOB, scheduledTime: '2026-11-01T02:00:00Z', payload: { olderThanDays: 30, prefixes: ['logs/'], keyDatePattern: PATTERN, partitionDepth: 4 } };
    const plan = (await handler({ phase: 'plan', event })) as FanOutPlanOutput;
    expect(plan).toMatchObject({ next: 'RUN', planned: 7, alreadyDone: 0, pending: 7 });
    const manifest = await (await s3.send(new GetObjectCommand({ Bucket: FAN_OUT, Key: plan.manifest!.key }))).Body!.transformToString();
    const items = JSON.parse(manifest) as { key: string }[];
    expect(items.map((i) => i.key)).toContain('prefix:logs/api/2026/09/30/');
    for (let i = 0; i < items.length; i += 3) await handler({ Items: items.slice(i, i + 3), BatchInput: { phase: 'work', run: plan.run! } });
    const finish = (await handler({ phase: 'finish', plan })) as FanOutFinishOutput;

    expect(finish).toEqual({ status: 'SUCCEEDED', succeeded: 7, failed: 0 });
    const left: string[] = [];
    for await (const o of listObjects(s3, { bucket: LOGS, prefix: '' })) left.push(o.key);
    expect(left.sort()).toEqual(KEYS.filter((k) => !/\/(09\/30|10\/01)\//.test(k)).sort());
    const record = unmarshall(
      (await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `JOB#${JOB}` }, sk: { S: 'RUN#2026-11-01T02:00:00.000Z' } }, ConsistentRead: true }))).Item!,
    );
    expect(record).toMatchObject({
      status: 'SUCCEEDED',
      counts: { planned: 7, succeeded: 7, failed: 0 },
      result: { partitions: 7, listed: 7, deleted: 4, unmatched: 1, cutoff: '2026-10-02T02:00:00.000Z' },
    });
  });
});
