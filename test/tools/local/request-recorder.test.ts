/**
 * The request recorder between local functions and moto: calls pass through unchanged, and each is
 * recorded with the invocation that made it (by its trace id), its access key id, its IAM action,
 * resources and status, and for SES SendEmail the destination, headers and MessageId.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLambda } from '../../../tools/local/local-lambda';
import type { LocalFunction } from '../../../tools/local/local-stack';
import { routeThrough, startRequestRecorder, type RecordedInvocation, type RequestRecord, type RequestRecorder } from '../../../tools/local/request-recorder';
import { useMoto } from '../../support/moto';

const moto = useMoto();

/** A function whose module-scope clients (created once, reused by warm invocations) call the emulator. */
const SOURCE = `
const { DynamoDBClient, CreateTableCommand, PutItemCommand } = require(${JSON.stringify(require.resolve('@aws-sdk/client-dynamodb'))});
const { S3Client, CreateBucketCommand, PutObjectCommand, ListObjectsV2Command } = require(${JSON.stringify(require.resolve('@aws-sdk/client-s3'))});
const { SESv2Client, CreateEmailIdentityCommand, SendEmailCommand } = require(${JSON.stringify(require.resolve('@aws-sdk/client-sesv2'))});
const ddb = new DynamoDBClient({});
const s3 = new S3Client({ forcePathStyle: true });
const ses = new SESv2Client({});
exports.handler = async (event) => {
  if (event.step === 'setup') {
    await ddb.send(new CreateTableCommand({ TableName: 'Recipients', BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] }));
    await s3.send(new CreateBucketCommand({ Bucket: 'logs' }));
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'offers@example.com' }));
    return 'ready';
  }
  await ddb.send(new PutItemCommand({ TableName: 'Recipients', Item: { id: { S: event.id } } }));
  await s3.send(new PutObjectCommand({ Bucket: 'logs', Key: 'app/' + event.id + '.log', Body: 'x'.repeat(2000) }));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'logs', Prefix: 'app/' }));
  const sent = await ses.send(new SendEmailCommand({
    FromEmailAddress: 'offers@example.com',
    Destination: { ToAddresses: [event.to] },
    Content: { Simple: { Subject: { Data: 'Offer' }, Body: { Text: { Data: 'Hello' } }, Headers: [{ Name: 'X-Recipient-Time-Zone', Value: event.zone }] } },
  }));
  return { messageId: sent.MessageId, listed: listed.KeyCount };
};`;

function fn(logicalId: string, dir: string): LocalFunction {
  return {
    logicalId,
    functionName: `Jobs-${logicalId}-ABC`,
    arn: `arn:aws:lambda:us-east-1:123456789012:function:Jobs-${logicalId}-ABC`,
    codeDir: dir,
    handler: 'index.handler',
    timeoutSeconds: 30,
    memorySize: 256,
    environment: {},
    jobName: logicalId.toLowerCase(),
    asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
  };
}

describe('RequestRecorder', () => {
  let recorder: RequestRecorder;
  const started: RecordedInvocation[] = [];
  const heard: RequestRecord[] = [];

  beforeAll(async () => {
    recorder = await startRequestRecorder({ target: moto.endpoint.url, now: () => Date.UTC(2027, 2, 28, 7, 0) });
    recorder.onRecord((r) => heard.push(r));
  });
  afterAll(async () => {
    await recorder.close();
  });

  it('forwards what functions send, and records each call with its invocation, action, resources and status', async () => {
    // Prepare: two functions (two module instances) pointed at the recorder.
    const dir = mkdtempSync(join(tmpdir(), 'recorder-'));
    writeFileSync(join(dir, 'index.js'), SOURCE);
    const functions = [fn('Promotions', dir), fn('Reminders', dir)];
    const lambda = new LocalLambda({
      stack: { stackName: 'Jobs', region: 'us-east-1', endpoint: moto.endpoint.url, functions: Object.fromEntries(functions.map((f) => [f.logicalId, f])) },
      environment: { AWS_ENDPOINT_URL: recorder.url },
      onInvocationStart: ({ fn: f, requestId, traceId }) => {
        const invocation = { traceId, requestId, functionName: f.functionName, functionLogicalId: f.logicalId, jobName: f.jobName, startedAt: 0 };
        started.push(invocation);
        recorder.invocationStarted(invocation);
      },
    });

    // Act: the second and third invocations reuse the clients the first created.
    const setup = await lambda.invoke('Promotions', { step: 'setup' });
    const first = await lambda.invoke('Promotions', { id: 'r1', to: 'ana@example.com', zone: 'Pacific/Chatham' });
    const second = await lambda.invoke('Reminders', { id: 'r2', to: 'bo@example.com', zone: 'Asia/Kathmandu' });
    const third = await lambda.invoke('Promotions', { id: 'r3', to: 'cy@example.com', zone: 'Europe/Berlin' });

    // Assess: the calls went through.
    for (const result of [setup, first, second, third]) expect(result.error).toBeUndefined();
    expect(setup.result).toBe('ready');
    expect((third.result as { listed: number }).listed).toBe(3);
    const records = recorder.records();
    expect(heard).toEqual(records);
    expect(new Set(started.map((s) => s.traceId)).size).toBe(4);

    // Each call is attributed to the invocation in which it was made.
    const byInvocation = (i: number) => records.filter((r) => r.invocation?.traceId === started[i].traceId).map((r) => `${r.action} ${r.resources.join(',')} ${r.status}`);
    expect(byInvocation(0)).toEqual(['dynamodb:CreateTable Recipients 200', 's3:CreateBucket logs 200', 'ses:CreateEmailIdentity offers@example.com 200']);
    expect(byInvocation(1)).toEqual(['dynamodb:PutItem Recipients 200', 's3:PutObject logs/app/r1.log 200', 's3:ListBucket logs 200', 'ses:SendEmail offers@example.com 200']);
    expect(byInvocation(2)).toEqual(['dynamodb:PutItem Recipients 200', 's3:PutObject logs/app/r2.log 200', 's3:ListBucket logs 200', 'ses:SendEmail offers@example.com 200']);
    expect(byInvocation(2).length + byInvocation(1).length * 2 + byInvocation(0).length).toBe(records.length);
    expect(records.filter((r) => r.invocation?.traceId === started[2].traceId).every((r) => r.invocation?.functionName === 'Jobs-Reminders-ABC')).toBe(true);

    // The access key, the clock, the order.
    expect(new Set(records.map((r) => r.accessKeyId))).toEqual(new Set(['testing']));
    expect(new Set(records.map((r) => r.time))).toEqual(new Set([Date.UTC(2027, 2, 28, 7, 0)]));
    expect(records.map((r) => r.seq).sort((a, b) => a - b)).toEqual(records.map((_, i) => i + 1));

    // SES sends: the destination, the message headers and the MessageId the function got back.
    const sends = records.filter((r) => r.action === 'ses:SendEmail');
    expect(sends.map((r) => ({ to: r.email?.to, headers: r.email?.headers, messageId: r.email?.messageId }))).toEqual(
      [first, second, third].map((result, i) => ({
        to: [['ana@example.com', 'bo@example.com', 'cy@example.com'][i]],
        headers: { 'X-Recipient-Time-Zone': ['Pacific/Chatham', 'Asia/Kathmandu', 'Europe/Berlin'][i] },
        messageId: (result.result as { messageId: string }).messageId,
      })),
    );
  }, 60_000);

  it('records a call the emulator refused with its status, and one without a trace id without an invocation', async () => {
    const answer = await fetch(`${recorder.url}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem', 'content-type': 'application/x-amz-json-1.0', authorization: 'AWS4-HMAC-SHA256 Credential=AKIDOTHER/20270328/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x' },
      body: JSON.stringify({ TableName: 'Missing', Key: { id: { S: 'x' } } }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('ResourceNotFoundException');
    const last = recorder.records().at(-1);
    expect(last).toMatchObject({ action: 'dynamodb:GetItem', resources: ['Missing'], status: 400, accessKeyId: 'AKIDOTHER' });
    expect(last?.invocation).toBeUndefined();
  });

  it('answers 502 and records the error when the endpoint cannot be reached', async () => {
    const dead = await startRequestRecorder({ target: 'http://127.0.0.1:1' });
    try {
      const answer = await fetch(`${dead.url}/2015-03-31/functions/F/invocations`, { method: 'POST', body: '{}' });
      expect(answer.status).toBe(502);
      expect(await answer.text()).toContain('could not be reached');
      expect(dead.records()).toMatchObject([{ action: 'lambda:InvokeFunction', resources: ['F'], status: 502 }]);
      expect(dead.records()[0].error).toBeTruthy();
    } finally {
      await dead.close();
    }
  });
});

describe('routeThrough', () => {
  it('points the emulator addresses in a function environment (queue URLs) at the recorder', () => {
    expect(
      routeThrough(
        { INBOX_URL: 'http://127.0.0.1:5000/123456789012/inbox', TABLE: 'Jobs', OTHER: 'http://127.0.0.1:50001/x' },
        'http://127.0.0.1:5000',
        'http://127.0.0.1:6100',
      ),
    ).toEqual({ INBOX_URL: 'http://127.0.0.1:6100/123456789012/inbox', TABLE: 'Jobs', OTHER: 'http://127.0.0.1:50001/x' });
  });
});
