/**
 * `cdk-jobs dev` with a FanOutJob (test/fixtures/fan-out/app.ts): the provisioner records the state
 * machine, the schedule invokes the job's function each simulated day, and the execution it starts
 * runs in-process: the run is SUCCEEDED in the simulation's runs and in the job's run records.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../../../tools/local/cloud-assembly';
import { runDev, type DevResult } from '../../../tools/local/dev';
import { useMoto } from '../../support/moto';

const projectDir = resolve(__dirname, '..', '..', '..');
const stateDir = join(projectDir, '.local', `test-fan-out-${process.pid}`);
const assemblyDir = join(stateDir, 'cdk.out');
const STACK = `FanOutSim${process.pid}`;

describe('local mode runs a fan-out job (fixture app)', () => {
  const moto = useMoto();
  const log: string[] = [];
  let result: DevResult;

  beforeAll(async () => {
    await synthesize({ projectDir, app: `FIXTURE_STACK_NAME=${STACK} npx tsx test/fixtures/fan-out/app.ts`, outDir: assemblyDir, account: '123456789012', region: 'us-east-1' });
    result = await runDev({
      projectDir,
      app: assemblyDir,
      stateDir,
      endpoint: moto.endpoint.url,
      from: '2026-03-01T00:00:00Z',
      until: '2026-03-03T00:00:00Z',
      seed: false,
      progress: false,
      region: 'us-east-1',
      output: { stdout: (t) => log.push(t), stderr: (t) => log.push(t) },
    });
  }, 300_000);

  afterAll(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('records the state machine and runs the job on each simulated day: SUCCEEDED, every item done', async () => {
    expect(Object.values(result.stack.stateMachines ?? {}).map((m) => m.name)).toEqual([expect.stringMatching(/nightly-fan-out$/)]);
    const runs = result.runs.filter((r) => r.job === 'nightly-fan-out');
    expect(runs.map((r) => [r.scheduledTime, r.status])).toEqual([
      ['2026-03-01T03:00:00Z', 'SUCCEEDED'],
      ['2026-03-02T03:00:00Z', 'SUCCEEDED'],
    ]);
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient(moto.config()));
    const record = await doc.send(new GetCommand({ TableName: result.stack.outputs.JobsTableName, Key: { pk: 'JOB#nightly-fan-out', sk: 'RUN#2026-03-02T03:00:00.000Z' } }));
    expect(record.Item).toMatchObject({ status: 'SUCCEEDED', counts: { planned: 12, succeeded: 12, failed: 0 }, result: { total: 66 } });
    expect(log.join('')).toContain('12 items in 4 batches, at most 4 at once');
  });
});
