import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { motoCommand, startEmulator } from '../../../tools/local/moto-server';
import { useMoto } from '../../support/moto';

describe('moto-server', () => {
  const moto = useMoto();

  it('starts moto on a loopback port and serves the AWS API', async () => {
    // Prepare
    const sqs = new SQSClient(moto.config());
    // Act
    await sqs.send(new CreateQueueCommand({ QueueName: 'probe' }));
    const listed = await sqs.send(new ListQueuesCommand({}));
    // Assess
    expect(moto.endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(moto.endpoint.owned).toBe(true);
    expect(listed.QueueUrls?.some((u) => u.endsWith('/probe'))).toBe(true);
  });

  it('reset wipes the emulator state', async () => {
    const sqs = new SQSClient(moto.config());
    await sqs.send(new CreateQueueCommand({ QueueName: 'to-be-wiped' }));
    await moto.endpoint.reset();
    const listed = await sqs.send(new ListQueuesCommand({}));
    expect(listed.QueueUrls ?? []).toEqual([]);
  });

  it('uses an external endpoint instead of starting one', async () => {
    const external = await startEmulator({ endpoint: moto.endpoint.url });
    expect(external.owned).toBe(false);
    expect(external.url).toBe(moto.endpoint.url);
    await external.stop(); // must not stop the shared one
    const sqs = new SQSClient(moto.config());
    await expect(sqs.send(new ListQueuesCommand({}))).resolves.toBeDefined();
  });
});

describe('moto-server in atomic mode', () => {
  const moto = useMoto({ atomic: true });

  it('applies 100 concurrent increments of one item without losing any, as DynamoDB does', async () => {
    // Prepare
    const raw = new DynamoDBClient(moto.config());
    await raw.send(
      new CreateTableCommand({
        TableName: 'counters',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const doc = DynamoDBDocumentClient.from(raw);
    await doc.send(new PutCommand({ TableName: 'counters', Item: { pk: 'a', n: 0 } }));
    // Act
    await Promise.all(
      Array.from({ length: 100 }, () =>
        doc.send(new UpdateCommand({ TableName: 'counters', Key: { pk: 'a' }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': 1 } })),
      ),
    );
    // Assess
    const out = await doc.send(new GetCommand({ TableName: 'counters', Key: { pk: 'a' } }));
    expect(out.Item?.n).toBe(100);
  });
});

describe('motoCommand', () => {
  const moto = { server: '/venv/bin/moto_server', python: '/venv/bin/python' };

  it("runs moto's own entry point when nothing is asked", () => {
    expect(motoCommand(moto, 5000)).toEqual({
      command: '/venv/bin/moto_server',
      args: ['-H', '127.0.0.1', '-p', '5000'],
      env: { MOTO_CALL_RESET_API: 'true', MOTO_PORT: '5000' },
    });
  });

  it('with IAM checks: sets INITIAL_NO_AUTH_ACTION_COUNT and runs threaded with the patch that makes denials what AWS sends', () => {
    const { command, args, env } = motoCommand(moto, 5000, { initialNoAuthActionCount: 3 });
    expect(command).toBe('/venv/bin/python');
    expect(env).toEqual({ MOTO_CALL_RESET_API: 'true', MOTO_PORT: '5000', INITIAL_NO_AUTH_ACTION_COUNT: '3' });
    expect(args[0]).toBe('-c');
    expect(args[1]).toContain("JSON_CODES = {'AccessDenied': 'AccessDeniedException'");
    expect(args[1]).toContain('access_control.S3IAMRequest._raise_access_denied = _s3_denied');
    expect(args[1]).toMatch(/run_simple\('127\.0\.0\.1', int\(sys\.argv\[1\]\), app, threaded=True\)$/);
    expect(args[2]).toBe('5000');
  });

  it('atomic without IAM checks: one request at a time, no patch', () => {
    const { args, env } = motoCommand(moto, 5000, { atomic: true });
    expect(env.INITIAL_NO_AUTH_ACTION_COUNT).toBeUndefined();
    expect(args[1]).not.toContain('JSON_CODES');
    expect(args[1]).toMatch(/threaded=False\)$/);
  });
});
