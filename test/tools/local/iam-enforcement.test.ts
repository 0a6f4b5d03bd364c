/**
 * Local mode enforces IAM (test/fixtures/iam/app.ts): the same job with and without its
 * `s3:PutObject` grant on its bucket. Without it, the run fails with AccessDenied naming the action, in the run summary,
 * the live log and the job's run record; with it, or with `iam: false`, the run succeeds.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../../../tools/local/cloud-assembly';
import { runDev, stopKept, type DevOptions, type DevResult } from '../../../tools/local/dev';
import { localClientConfig } from '../../../tools/local/moto-server';

const projectDir = resolve(__dirname, '..', '..', '..');
const stateDir = join(projectDir, '.local', `test-iam-${process.pid}`);
const assemblyDir = join(stateDir, 'cdk.out');
const PREFIX = `Iam${process.pid}`;
const FROM = '2026-12-01T00:00:00Z';
const UNTIL = '2026-12-01T01:00:00Z';

describe('local mode enforces each function role', () => {
  beforeAll(async () => {
    await synthesize({
      projectDir,
      app: `IAM_FIXTURE_PREFIX=${PREFIX} npx tsx test/fixtures/iam/app.ts`,
      outDir: assemblyDir,
      account: '123456789012',
      region: 'us-east-1',
    });
  }, 300_000);

  afterAll(async () => {
    await stopKept(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function simulate(stack: string, extra: Partial<DevOptions> = {}): Promise<{ result: DevResult; log: string }> {
    const log: string[] = [];
    const result = await runDev({
      projectDir,
      app: assemblyDir,
      stateDir,
      stack: `${PREFIX}${stack}`,
      forceLocalEmulator: true,
      from: FROM,
      until: UNTIL,
      seed: false,
      progress: false,
      keep: '0',
      region: 'us-east-1',
      output: { stdout: (t) => log.push(t), stderr: (t) => log.push(t) },
      ...extra,
    });
    return { result, log: log.join('') };
  }

  it('fails a call the role lacks with AccessDenied naming the action: run summary, live log and run record', async () => {
    const { result, log } = await simulate('Missing', { keep: '10m' });
    const runs = result.runs.filter((r) => r.job === 'note-taker');
    expect(runs.map((r) => r.status)).toEqual(['FAILED']);
    const error = runs[0].error;
    expect(error?.type).toBe('AccessDenied');
    const role = result.stack.iam?.functions[result.stack.jobs['note-taker'].functionLogicalId];
    expect(error?.message).toBe(`User: ${role?.principalArn} is not authorized to perform: s3:PutObject`);
    expect(role?.principalArn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/.+\/.+$/);
    expect(log).toContain('iam         enforced');
    expect(log).toMatch(/note-taker\s+FAILED.*AccessDenied: User: arn:aws:sts::\S+ is not authorized to perform: s3:PutObject/);
    expect(result.access?.find((e) => e.job === 'note-taker')?.denied).toEqual(['s3:PutObject']);

    // The job's run record in the state table (what `cdk-jobs history` shows), read as the administrator.
    const admin = result.stack.iam?.admin;
    const dynamodb = new DynamoDBClient(localClientConfig(result.stack.endpoint, 'us-east-1', admin));
    try {
      const items = await dynamodb.send(
        new QueryCommand({
          TableName: result.stack.outputs.JobsTableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'JOB#note-taker' } },
        }),
      );
      const text = JSON.stringify(items.Items);
      expect(text).toContain('is not authorized to perform: s3:PutObject');
      // Anyone else (an unknown key) is refused by the kept emulator too.
      const anonymous = new DynamoDBClient(localClientConfig(result.stack.endpoint, 'us-east-1'));
      await expect(anonymous.send(new QueryCommand({ TableName: result.stack.outputs.JobsTableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'x' } } }))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
      anonymous.destroy();
    } finally {
      dynamodb.destroy();
      await stopKept(stateDir);
    }
  }, 120_000);

  it('succeeds with the grant back, and reports the grant used', async () => {
    const { result, log } = await simulate('Granted');
    expect(result.runs.filter((r) => r.job === 'note-taker').map((r) => [r.status, r.error])).toEqual([['SUCCEEDED', undefined]]);
    expect(result.runs.every((r) => r.status === 'SUCCEEDED')).toBe(true);
    expect(result.exitCode).toBe(0);
    const access = result.access?.find((e) => e.job === 'note-taker');
    expect(access?.used).toContain('s3:PutObject');
    expect(access?.denied).toEqual([]);
    // grantPut also grants what the job never calls (s3:Abort*, s3:PutObjectTagging...): reported, with the hint.
    expect(access?.unused).toContain('s3:Abort*');
    expect(log).toMatch(/Unused access \(granted, not used in this run, not acknowledged\)[^\n]*\n( {2}.*\n)* {2}note-taker: [^\n]*s3:Abort\*/);
  }, 120_000);

  it('does not check anything with iam: false', async () => {
    const { result, log } = await simulate('Missing', { iam: false });
    expect(result.runs.filter((r) => r.job === 'note-taker').map((r) => r.status)).toEqual(['SUCCEEDED']);
    expect(result.stack.iam).toBeUndefined();
    expect(log).toContain('iam         not enforced (--no-iam)');
  }, 120_000);
});
