/**
 * The deployed shape of the cleanup job: `handler` (defineJob + module-scope clients) invoked with
 * a Scheduler event, against moto for the state table and the logs bucket. Checks the run record
 * the runtime keeps, for a good payload and for one `parseCleanupPayload` rejects.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../../../lib/contract';
import { listObjects } from '../../../../lambdas/shared/s3-listing';
import { useMoto } from '../../../support/moto';
import { createStateTable } from '../../../support/state-table';

const moto = useMoto();
const TABLE = 'JobsState';
const BUCKET = 'handler-logs';
const JOB = 'weekly-log-cleanup';
let handler: (event: JobEvent, context: Context) => Promise<{ status: string; result?: unknown }>;
let ddb: DynamoDBClient;
let s3: S3Client;
const saved = { ...process.env };

const context = { functionName: 'cleanup', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cleanup', awsRequestId: 'r', getRemainingTimeInMillis: () => 600_000 } as Context;

beforeAll(async () => {
  ddb = new DynamoDBClient(moto.config());
  s3 = new S3Client(moto.config());
  await createStateTable(ddb, TABLE);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const Key of ['logs/2026/01/01/a.log', 'logs/keep.log', 'other/old.log']) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint.url,
    JOBS_TABLE_NAME: TABLE,
    JOB_NAME: JOB,
    LOGS_BUCKET_NAME: BUCKET,
    POWERTOOLS_SERVICE_NAME: JOB,
    POWERTOOLS_METRICS_NAMESPACE: 'ScheduledJobs',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true); // EMF metric lines
  ({ handler } = (await import('../../../../lambdas/jobs/cleanup/handler.js')) as unknown as { handler: typeof handler });
});

afterAll(() => {
  vi.restoreAllMocks();
  process.env = saved;
});

const runRecord = async (slot: string) =>
  (await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `JOB#${JOB}` }, sk: { S: `RUN#${slot}` } }, ConsistentRead: true }))).Item;

describe('cleanup handler', () => {
  it('runs a scheduled slot: deletes by the slot, records SUCCEEDED with the result', async () => {
    // Every object was written just now; the slot is 31 days ahead, so "older than 30 days" means all of them.
    const slot = new Date(Date.now() + 31 * 86_400_000);
    slot.setUTCMilliseconds(0);
    const scheduledTime = slot.toISOString().replace('.000Z', 'Z');
    const outcome = await handler(
      { job: JOB, scheduledTime, executionId: 'e1', attempt: '1', scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/weekly-log-cleanup', payload: { olderThanDays: 30, prefixes: ['logs/'] } },
      context,
    );
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', result: { deleted: 2, listed: 2, bucket: BUCKET } });
    const left: string[] = [];
    for await (const o of listObjects(s3, { bucket: BUCKET, prefix: '' })) left.push(o.key);
    expect(left).toEqual(['other/old.log']);
    expect((await runRecord(slot.toISOString()))?.status).toEqual({ S: 'SUCCEEDED' });
  });

  it('rejects a bad payload before touching the bucket, and records why', async () => {
    const scheduledTime = '2026-11-29T02:00:00Z';
    await expect(
      handler({ job: JOB, scheduledTime, executionId: 'e2', attempt: '1', scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/x', payload: { olderThanDays: -1, prefixes: ['logs/'] } }, context),
    ).rejects.toThrow("job 'weekly-log-cleanup': payload.olderThanDays must be a positive integer (got -1)");
    const record = await runRecord('2026-11-29T02:00:00.000Z');
    expect(record?.status).toEqual({ S: 'FAILED' });
    expect(JSON.stringify(record?.error)).toContain('payload.olderThanDays must be a positive integer (got -1)');
  });
});
