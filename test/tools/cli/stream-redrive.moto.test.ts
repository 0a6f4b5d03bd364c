/**
 * A failed DynamoDB stream batch from end to end in moto: the test app (a JobPlatform, a table with
 * a stream, a consumer whose event source mapping sends failed batches to the failure inbox) is
 * provisioned through local mode; local mode's event source emulation delivers the table's new
 * items to the consumer, which fails on a marked item, so the batch's on-failure record lands in
 * the inbox. `cdk-jobs failures` lists it, a redrive before the fix keeps it, and after the fix
 * `cdk-jobs redrive` reads the batch again from the stream, re-runs the consumer and deletes it.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../tools/cli/commands/program';
import { realClock } from '../../../tools/local/clock';
import { synthesize } from '../../../tools/local/cloud-assembly';
import { EventSourceRunner } from '../../../tools/local/event-sources';
import { LocalLambda } from '../../../tools/local/local-lambda';
import { localStackPath, writeLocalStack, type LocalFunction, type LocalStackFile } from '../../../tools/local/local-stack';
import { localClientConfig } from '../../../tools/local/moto-server';
import { provisionClients, provisionStack } from '../../../tools/local/provisioner';
import { useMoto } from '../../support/moto';
import { ACCOUNT, Capture, REGION } from './fixtures/platform';

const moto = useMoto();
const STACK = 'CliStreams';

let stack: LocalStackFile;
let projectDir: string;

async function jobs(args: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(args, { stdout, stderr, env: { JOBS_STACK: STACK }, cwd: projectDir, now: () => new Date() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function consumer(): LocalFunction {
  const fn = Object.values(stack.functions).find((f) => f.logicalId.startsWith('Consumer'));
  if (!fn) throw new Error(`stack ${STACK} has no Consumer function (functions: ${Object.keys(stack.functions).join(', ')})`);
  return fn;
}

beforeAll(async () => {
  projectDir = mkdtempSync(join(tmpdir(), 'jobs-cli-streams-'));
  const assembly = await synthesize({
    projectDir: resolve(__dirname, '..', '..', '..'),
    app: `npx tsx ${join('test', 'tools', 'cli', 'fixtures', 'stream-app.ts')}`,
    outDir: join(projectDir, 'cdk.out'),
    account: ACCOUNT,
    region: REGION,
  });
  const artifact = assembly.stacks.find((s) => s.stackName === STACK);
  if (!artifact) throw new Error(`the stream test app has no stack ${STACK}`);
  const endpoint = moto.endpoint.url;
  stack = await provisionStack({
    stack: artifact,
    assemblyDir: assembly.dir,
    endpoint,
    region: REGION,
    accountId: ACCOUNT,
    clients: provisionClients(localClientConfig(endpoint, REGION)),
  });
  writeLocalStack(localStackPath(stack.stackName, projectDir), stack);
}, 300_000);

describe('a failed stream batch', () => {
  it('lands in the inbox, is listed by failures, kept by a redrive before the fix, and redriven and deleted after it', async () => {
    const config = localClientConfig(moto.endpoint.url, REGION);
    const clients = { streams: new DynamoDBStreamsClient(config), sqs: new SQSClient(config), sns: new SNSClient(config) };
    const dynamodb = new DynamoDBClient(config);
    try {
      // Prepare: two items, one the consumer cannot apply; the mapping gives up after one attempt.
      const runner = new EventSourceRunner({ stack, lambda: new LocalLambda({ stack, output: () => undefined }), clock: realClock, clients });
      await runner.start();
      const tableName = Object.values(stack.eventSources ?? {})[0]?.eventSourceArn.split(':table/')[1]?.split('/')[0];
      expect(tableName, 'the consumer’s event source names its table').toBeDefined();
      await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: 'a' } } }));
      await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: 'b' }, fail: { BOOL: true } } }));
      expect(await runner.pump()).toBe(1);

      // Act + Assess: failures lists the batch as a stream failure.
      const listed = await jobs(['failures', '--local', '--json']);
      expect([listed.code, listed.stderr]).toEqual([0, '']);
      const rows = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
      expect(rows.map((r) => [r.layer, r.condition, r.attempts, r.functionArn, (r.stream as { batchSize: number }).batchSize])).toEqual([
        ['stream', 'RetryAttemptsExhausted', 1, consumer().arn, 2],
      ]);
      const table = await jobs(['failures', '--local']);
      expect(table.stdout.trimEnd().split('\n').slice(-1)).toEqual(['1 failure (delivery: 0, execution: 0, stream: 1)']);
      expect(table.stdout.split('\n')[1]?.split(/\s{2,}/)[0]).toBe(consumer().functionName);

      // Before the fix: the re-run fails again and the message stays.
      const dry = await jobs(['redrive', '--local', '--dry-run']);
      expect(dry.stdout).toContain(`re-invoke ${consumer().functionName} with 2 stream records`);
      const again = await jobs(['redrive', '--local']);
      expect(again.code).toBe(1);
      expect(again.stdout).toContain('FAILED (2 records): UnappliedRecordError: record ');
      expect(again.stdout).toContain('0 of 1 redriven and deleted; 1 kept in the inbox');

      // The fix is deployed: the consumer applies the batch, the message is deleted.
      const fixed: LocalStackFile = {
        ...stack,
        functions: { ...stack.functions, [consumer().logicalId]: { ...consumer(), environment: { ...consumer().environment, STREAM_FIXED: '1' } } },
      };
      writeLocalStack(localStackPath(stack.stackName, projectDir), fixed);
      const redriven = await jobs(['redrive', '--local']);
      expect([redriven.code, redriven.stdout.trimEnd().split('\n').slice(1)]).toEqual([
        0,
        [expect.stringMatching(/ stream +SUCCEEDED \(2 records\) +deleted$/), '1 of 1 redriven and deleted; 0 kept in the inbox'],
      ]);
      expect((await jobs(['failures', '--local'])).stdout).toBe('the failure inbox is empty\n');
    } finally {
      for (const client of [...Object.values(clients), dynamodb]) client.destroy();
    }
  }, 120_000);
});
