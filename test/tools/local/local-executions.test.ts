/**
 * Local mode's executions end to end: the job's bundled function (the real runtime) invoked as
 * Scheduler would, its start phase calling local mode's StartExecution, the synthesized definition
 * run in-process with the plan, the batches (side by side, same function) and the finish all on
 * LocalLambda, against moto's S3 and DynamoDB. A failed execution reaches the failure inbox.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { buildSync } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { normaliseFailure } from '../../../tools/cli/failure-message';
import { executionLine, LocalExecutions } from '../../../tools/local/local-executions';
import { LocalLambda } from '../../../tools/local/local-lambda';
import type { LocalFunction, LocalStackFile } from '../../../tools/local/local-stack';
import { FAN_OUT_FUNCTION_ARN, synthesizeFanOutDefinition } from '../../support/fan-out-definition';
import { useMoto } from '../../support/moto';
import { createStateTable } from '../../support/state-table';

const moto = useMoto();
const TABLE = 'LocalExecutions';
const BUCKET = 'local-fan-out';
const MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:Jobs-fan';
let stack: LocalStackFile;
let lambda: LocalLambda;
let s3: S3Client;
let sqs: SQSClient;
let documentClient: DynamoDBDocumentClient;
const output: string[] = [];

beforeAll(async () => {
  const codeDir = mkdtempSync(join(tmpdir(), 'fan-out-fixture-'));
  buildSync({ entryPoints: [resolve(__dirname, '../../fixtures/fan-out/handler.ts')], bundle: true, platform: 'node', target: 'node20', outfile: join(codeDir, 'index.js'), logLevel: 'silent' });
  const raw = new DynamoDBClient(moto.config());
  await createStateTable(raw, TABLE);
  documentClient = DynamoDBDocumentClient.from(raw);
  s3 = new S3Client(moto.config());
  sqs = new SQSClient(moto.config());
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const inbox = await sqs.send(new CreateQueueCommand({ QueueName: 'inbox' }));
  const fn: LocalFunction = {
    logicalId: 'FanFunction',
    functionName: 'fan-out-fixture',
    arn: FAN_OUT_FUNCTION_ARN,
    codeDir,
    handler: 'index.handler',
    timeoutSeconds: 60,
    memorySize: 256,
    jobName: 'fan',
    environment: {
      JOB_NAME: 'fan',
      JOBS_TABLE_NAME: TABLE,
      JOB_LEASE_SECONDS: '3600',
      FAN_OUT_BUCKET_NAME: BUCKET,
      FAN_OUT_STATE_MACHINE_ARN: MACHINE_ARN,
    },
    asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
  };
  stack = {
    format: 1,
    stackName: 'Jobs',
    stackId: 'id',
    region: 'us-east-1',
    accountId: '123456789012',
    endpoint: moto.endpoint.url,
    pid: process.pid,
    assemblyDir: '/nowhere',
    templateFile: '/nowhere/t.json',
    provisionedAt: new Date().toISOString(),
    outputs: { FailureInboxUrl: inbox.QueueUrl as string },
    resources: {},
    functions: { FanFunction: fn },
    schedules: {},
    stateMachines: {
      Machine: { logicalId: 'Machine', name: 'Jobs-fan', arn: MACHINE_ARN, definition: synthesizeFanOutDefinition({ jobName: 'fan', maxItemsPerBatch: 3, maxConcurrency: 4, toleratedFailurePercentage: 25, retry: { maxAttempts: 1 } }, BUCKET) },
    },
    jobs: { fan: { functionLogicalId: 'FanFunction' } },
  };
  lambda = new LocalLambda({ stack, output: (_fn, text) => output.push(text) });
});

async function runRecord(slot: string) {
  return (await documentClient.send(new GetCommand({ TableName: TABLE, Key: { pk: 'JOB#fan', sk: `RUN#${slot}` }, ConsistentRead: true }))).Item;
}

describe('local executions of a fan-out job', () => {
  it('runs a scheduled delivery to the end: SUCCEEDED, every item done, a second delivery a duplicate', async () => {
    const lines: string[] = [];
    const executions = new LocalExecutions({ stack, lambda, s3, sqs, sleep: async () => undefined, onEvent: (x, e) => lines.push(executionLine(x, e) ?? '') });
    const uninstall = executions.install();
    try {
      const event = { job: 'fan', scheduledTime: '2026-03-01T03:00:00Z', payload: {} };
      const first = await lambda.invoke('FanFunction', event);
      expect(first).toMatchObject({ ok: true, result: { status: 'SUCCEEDED', executionName: 'fan-20260301T030000000Z' } });
      expect(await runRecord('2026-03-01T03:00:00.000Z')).toMatchObject({ status: 'SUCCEEDED', counts: { planned: 12, succeeded: 12, failed: 0 }, result: { total: 66 } });
      const done = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'done/2026-03-01T03:00:00.000Z/' }));
      expect(done.KeyCount).toBe(12);
      expect(lines).toContain('fan-out     fan-20260301T030000000Z: 12 items in 4 batches, at most 4 at once');
      const again = await lambda.invoke('FanFunction', event);
      expect(again).toMatchObject({ ok: true, result: { status: 'DUPLICATE', reason: 'already SUCCEEDED' } });
    } finally {
      uninstall();
    }
  });

  it('ends PARTIAL within the tolerance and FAILED past it; the failed execution reaches the inbox with job, slot and cause', async () => {
    const uninstall = new LocalExecutions({ stack, lambda, s3, sqs, sleep: async () => undefined }).install();
    try {
      const partial = await lambda.invoke('FanFunction', { job: 'fan', scheduledTime: '2026-03-02T03:00:00Z', payload: { failing: ['part-04'] } });
      expect(partial).toMatchObject({ ok: true, result: { status: 'PARTIAL' } });
      expect(await runRecord('2026-03-02T03:00:00.000Z')).toMatchObject({ status: 'PARTIAL', failedItems: ['part-03', 'part-04', 'part-05'] });

      const failed = await lambda.invoke('FanFunction', { job: 'fan', scheduledTime: '2026-03-03T03:00:00Z', payload: { failing: ['part-00', 'part-06'] } });
      expect(failed).toMatchObject({ ok: true, result: { status: 'FAILED' } });
      expect(await runRecord('2026-03-03T03:00:00.000Z')).toMatchObject({ status: 'FAILED', error: { name: 'States.ExceedToleratedFailureThreshold' } });
      const messages = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.outputs.FailureInboxUrl, MaxNumberOfMessages: 10 }));
      const failures = (messages.Messages ?? []).map((m) => normaliseFailure({ messageId: m.MessageId ?? '', receiptHandle: m.ReceiptHandle ?? '', body: m.Body ?? '', attributes: {} }));
      expect(failures).toEqual([
        expect.objectContaining({ job: 'fan', slot: '2026-03-03T03:00:00.000Z', layer: 'execution', condition: 'FAILED', error: expect.stringContaining('FanOutRunFailed') }),
      ]);
    } finally {
      uninstall();
    }
  });
});
