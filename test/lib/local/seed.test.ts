import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LocalStackFile } from '../../../lib/local/local-stack';
import { findSeedFiles, runSeeds, SeedError, seedContext } from '../../../lib/local/seed';
import { demoLogKeys } from '../../../lib/local/seeds/logs';
import { demoSubscriptions } from '../../../lib/local/seeds/subscriptions';
import { demoUsers } from '../../../lib/local/seeds/users';
import { useMoto } from '../../support/moto';

const now = new Date('2026-11-26T22:00:00.000Z');

function stack(endpoint: string, environments: Record<string, Record<string, string>>): LocalStackFile {
  const functions = Object.fromEntries(
    Object.entries(environments).map(([job, environment]) => [
      `${job}Fn`,
      {
        logicalId: `${job}Fn`,
        functionName: job,
        arn: `arn:aws:lambda:us-east-1:123456789012:function:${job}`,
        codeDir: '/nowhere',
        handler: 'index.handler',
        timeoutSeconds: 3,
        memorySize: 128,
        environment: { JOB_NAME: job, ...environment },
        jobName: job,
        asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
      },
    ]),
  );
  return {
    format: 1,
    stackName: 'Jobs',
    stackId: 'id',
    region: 'us-east-1',
    accountId: '123456789012',
    endpoint,
    pid: process.pid,
    assemblyDir: '/nowhere',
    templateFile: '',
    provisionedAt: '',
    outputs: {},
    resources: {},
    functions,
    schedules: {
      ReportSchedule: {
        logicalId: 'ReportSchedule',
        name: 'report',
        groupName: 'jobs',
        arn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/report',
        expression: 'cron(0 0 * * ? *)',
        timeZone: 'UTC',
        state: 'ENABLED',
        flexibleTimeWindow: { mode: 'OFF' },
        target: { arn: 'x', roleArn: 'y', input: '{"job":"report","payload":{"days":7}}', functionLogicalId: 'reportFn' },
      },
    },
    jobs: Object.fromEntries(Object.keys(environments).map((job) => [job, { functionLogicalId: `${job}Fn`, ...(job === 'report' ? { scheduleLogicalId: 'ReportSchedule' } : {}) }])),
  };
}

describe('seed hooks', () => {
  it('finds job hooks, then the demo seeds, in name order', () => {
    const project = mkdtempSync(join(tmpdir(), 'seeds-'));
    for (const job of ['zeta', 'alpha', 'nohook']) mkdirSync(join(project, 'lambdas', 'jobs', job), { recursive: true });
    writeFileSync(join(project, 'lambdas', 'jobs', 'zeta', 'seed.ts'), '');
    writeFileSync(join(project, 'lambdas', 'jobs', 'alpha', 'seed.js'), '');
    mkdirSync(join(project, 'lib', 'local', 'seeds'), { recursive: true });
    for (const name of ['users.ts', 'logs.ts', 'types.d.ts', 'README.md']) writeFileSync(join(project, 'lib', 'local', 'seeds', name), '');
    expect(findSeedFiles(project)).toEqual([
      join(project, 'lambdas', 'jobs', 'alpha', 'seed.js'),
      join(project, 'lambdas', 'jobs', 'zeta', 'seed.ts'),
      join(project, 'lib', 'local', 'seeds', 'logs.ts'),
      join(project, 'lib', 'local', 'seeds', 'users.ts'),
    ]);
  });

  it('gives hooks the jobs, their environments and payloads, and an env lookup across functions', () => {
    const ctx = seedContext(stack('http://127.0.0.1:1', { report: { ORDERS_TABLE_NAME: 'orders' }, cleanup: { LOGS_BUCKET_NAME: 'logs' } }), now);
    expect(ctx.env('LOGS_BUCKET_NAME')).toBe('logs');
    expect(ctx.env('MISSING')).toBeUndefined();
    expect(ctx.jobs.map((j) => [j.name, j.payload])).toEqual([
      ['report', { days: 7 }],
      ['cleanup', undefined],
    ]);
    expect(ctx.clientConfig).toEqual({
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    expect(ctx.now).toBe(now);
  });

  it('names the hook that does not export seed() or that fails', async () => {
    const dir = mkdtempSync(join(resolve(__dirname, '..', '..', '..', '.local'), 'seed-hooks-'));
    writeFileSync(join(dir, 'none.js'), 'exports.other = 1;');
    writeFileSync(join(dir, 'fails.js'), "exports.seed = async () => { throw new Error('table is missing'); };");
    const ctxStack = stack('http://127.0.0.1:1', {});
    try {
      await expect(runSeeds(dir, ctxStack, now, [join(dir, 'none.js')])).rejects.toThrow(
        new SeedError("seed hook none.js must export a function 'seed(context)', got undefined"),
      );
      await expect(runSeeds(dir, ctxStack, now, [join(dir, 'fails.js')])).rejects.toThrow('seed hook fails.js failed: table is missing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('demo data', () => {
  it('gives users birthdays on each of the next 14 days, plus 29 February', () => {
    const users = demoUsers(now);
    expect(users).toHaveLength(21);
    expect(new Set(users.map((u) => u.birthMonthDay))).toEqual(
      new Set(['11-26', '11-27', '11-28', '11-29', '11-30', '12-01', '12-02', '12-03', '12-04', '12-05', '12-06', '12-07', '12-08', '12-09', '02-29']),
    );
    expect(new Set(users.map((u) => u.userId)).size).toBe(21);
  });

  it('lets subscriptions expire 4 to 10 days after the start, one cancelled', () => {
    const subscriptions = demoSubscriptions(now);
    expect(subscriptions.filter((s) => s.status === 'active').map((s) => s.expiresOn)).toEqual([
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
      '2026-12-03',
      '2026-12-04',
      '2026-12-05',
      '2026-12-06',
    ]);
    expect(subscriptions.filter((s) => s.status === 'cancelled')).toHaveLength(1);
  });

  it('dates the log keys on the days before the start', () => {
    const keys = demoLogKeys(now, 3);
    expect(keys).toEqual(['logs/2026/11/25/app.log', 'logs/2026/11/24/app.log', 'logs/2026/11/23/app.log']);
  });
});

describe('demo seeds against moto', () => {
  const moto = useMoto();

  it('write users, subscriptions and logs where the stack says, and skip what it does not have', async () => {
    const config = moto.config();
    const dynamodb = new DynamoDBClient(config);
    for (const [table, key] of [
      ['users', 'userId'],
      ['subscriptions', 'subscriptionId'],
    ]) {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: table,
          KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    }
    const s3 = new S3Client(config);
    await s3.send(new CreateBucketCommand({ Bucket: 'logs' }));
    const seeds = resolve(__dirname, '..', '..', '..', 'lib', 'local', 'seeds');
    const files = ['logs.ts', 'subscriptions.ts', 'users.ts'].map((f) => join(seeds, f));
    const lines = await runSeeds(
      resolve(__dirname, '..', '..', '..'),
      stack(moto.endpoint.url, {
        'birthday-emails': { USERS_TABLE_NAME: 'users' },
        'payment-reminder': { SUBSCRIPTIONS_TABLE_NAME: 'subscriptions' },
        cleanup: { LOGS_BUCKET_NAME: 'logs' },
      }),
      now,
      files,
    );
    expect(lines).toEqual([
      'lib/local/seeds/logs.ts: 60 log objects under logs/',
      'lib/local/seeds/subscriptions.ts: 8 subscriptions expiring over the next 10 days',
      'lib/local/seeds/users.ts: 21 users with birthdays over the next 14 days',
    ]);
    expect((await dynamodb.send(new ScanCommand({ TableName: 'users' }))).Count).toBe(21);
    expect((await dynamodb.send(new ScanCommand({ TableName: 'subscriptions' }))).Count).toBe(8);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'logs', Prefix: 'logs/' }))).KeyCount).toBe(60);

    // a stack without those tables and buckets: nothing is written, nothing is said
    expect(await runSeeds(resolve(__dirname, '..', '..', '..'), stack(moto.endpoint.url, {}), now, files)).toEqual([]);
  });
});
