/**
 * The backup's fan-out handler (`defineFanOutJob`) against moto: plan, the manifest's batches and
 * finish, as the state machine calls them. Checks the copies, the night's manifest and the run
 * record; a second night (next slot) copies nothing.
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
const TABLE = 'FanOutBackupState';
const SOURCE = 'fan-out-handler-source';
const BACKUP = 'fan-out-handler-backup';
const FAN_OUT = 'fan-out-handler-backup-manifests';
const JOB = 'bucket-backup-fan-out';
const KEYS = ['data/a/1.json', 'data/a/2.json', 'data/b/1.json', 'data/top.json'];
let handler: FanOutHandler;
let s3: S3Client;
let ddb: DynamoDBClient;
const saved = { ...process.env };

beforeAll(async () => {
  ddb = new DynamoDBClient(moto.config());
  s3 = new S3Client(moto.config());
  await createStateTable(ddb, TABLE);
  for (const Bucket of [SOURCE, BACKUP, FAN_OUT]) await s3.send(new CreateBucketCommand({ Bucket }));
  for (const Key of [...KEYS, 'secret/x.json']) await s3.send(new PutObjectCommand({ Bucket: SOURCE, Key, Body: Key }));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint.url,
    JOBS_TABLE_NAME: TABLE,
    JOB_NAME: JOB,
    FAN_OUT_BUCKET_NAME: FAN_OUT,
    POWERTOOLS_SERVICE_NAME: JOB,
    POWERTOOLS_METRICS_NAMESPACE: 'ScheduledJobs',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true); // EMF metric lines
  ({ handler } = (await import('../../../../lambdas/jobs/backup/fan-out-handler.js')) as unknown as { handler: FanOutHandler });
});

afterAll(() => {
  vi.restoreAllMocks();
  process.env = saved;
});

async function night(scheduledTime: string) {
  const event = { job: JOB, scheduledTime, payload: { sources: [{ bucket: SOURCE, prefix: 'data/' }], bucket: BACKUP, partitionDepth: 1 } };
  const plan = (await handler({ phase: 'plan', event })) as FanOutPlanOutput;
  const manifest = await (await s3.send(new GetObjectCommand({ Bucket: FAN_OUT, Key: plan.manifest!.key }))).Body!.transformToString();
  const items = JSON.parse(manifest) as { key: string }[];
  for (const item of items) await handler({ Items: [item], BatchInput: { phase: 'work', run: plan.run! } });
  return { plan, items, finish: (await handler({ phase: 'finish', plan })) as FanOutFinishOutput };
}

describe('backup fan-out handler', () => {
  it('copies each partition of the source, writes the manifest and records SUCCEEDED; the next night copies nothing', async () => {
    const first = await night('2026-11-26T00:00:00Z');
    expect(first.items.map((i) => i.key)).toEqual([`${SOURCE}/shallow:data/`, `${SOURCE}/prefix:data/a/`, `${SOURCE}/prefix:data/b/`]);
    expect(first.finish).toEqual({ status: 'SUCCEEDED', succeeded: 3, failed: 0 });
    const copies: string[] = [];
    for await (const o of listObjects(s3, { bucket: BACKUP, prefix: 's3/' })) copies.push(o.key);
    expect(copies.sort()).toEqual(KEYS.map((k) => `s3/${SOURCE}/${k}`).sort());
    const manifest = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: BACKUP, Key: 'manifests/2026-11-26.json' }))).Body!.transformToString());
    expect(manifest).toMatchObject({ status: 'SUCCEEDED', s3: [{ bucket: SOURCE, prefix: 'data/', objects: 4, copied: 4, unchanged: 0, failed: 0 }] });
    const record = unmarshall(
      (await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `JOB#${JOB}` }, sk: { S: 'RUN#2026-11-26T00:00:00.000Z' } }, ConsistentRead: true }))).Item!,
    );
    expect(record).toMatchObject({ status: 'SUCCEEDED', counts: { planned: 3, succeeded: 3, failed: 0 }, result: { date: '2026-11-26', status: 'SUCCEEDED' } });

    const second = await night('2026-11-27T00:00:00Z');
    expect(second.finish.status).toBe('SUCCEEDED');
    const next = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: BACKUP, Key: 'manifests/latest.json' }))).Body!.transformToString());
    expect(next).toMatchObject({ date: '2026-11-27', s3: [{ objects: 4, copied: 0, unchanged: 4 }] });
  });
});
