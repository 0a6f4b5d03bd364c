import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LocalStackFile } from '../../../tools/local/local-stack';
import { compiledSeedPath, findSeedFiles, runSeeds, SeedError, seedContext } from '../../../tools/local/seed';
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
  it('finds the job folders\' hooks, in name order', () => {
    const project = mkdtempSync(join(tmpdir(), 'seeds-'));
    for (const job of ['zeta', 'alpha', 'nohook', 'mid']) mkdirSync(join(project, 'lambdas', 'jobs', job), { recursive: true });
    writeFileSync(join(project, 'lambdas', 'jobs', 'zeta', 'seed.ts'), '');
    writeFileSync(join(project, 'lambdas', 'jobs', 'alpha', 'seed.js'), '');
    writeFileSync(join(project, 'lambdas', 'jobs', 'mid', 'seed.mjs'), '');
    expect(findSeedFiles(project)).toEqual([
      join(project, 'lambdas', 'jobs', 'alpha', 'seed.js'),
      join(project, 'lambdas', 'jobs', 'mid', 'seed.mjs'),
      join(project, 'lambdas', 'jobs', 'zeta', 'seed.ts'),
    ]);
    expect(findSeedFiles(join(project, 'nowhere'))).toEqual([]);
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

/** A project directory under the repository's `.local/`, so that its hooks find the repository's `node_modules`. */
function projectDir(prefix: string): string {
  const root = resolve(__dirname, '..', '..', '..', '.local');
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, prefix));
}

describe('TypeScript seed hooks', () => {
  it('load in plain Node.js, without a TypeScript loader, as in an app that installed the package', async () => {
    // Prepare: a hook with a relative TypeScript import, a package import, TypeScript-only syntax and a data file beside it
    const project = projectDir('seed-ts-');
    try {
      const job = join(project, 'lambdas', 'jobs', 'cleanup');
      mkdirSync(job, { recursive: true });
      writeFileSync(
        join(job, 'objects.ts'),
        `export enum Kind { Log = 'log', Report = 'report' }
export class Objects {
  constructor(private readonly prefix: string) {}
  keys(count: number): string[] {
    return Array.from({ length: count }, (_, i) => \`\${this.prefix}/\${i}.\${Kind.Log}\`);
  }
}
`,
      );
      writeFileSync(join(job, 'users.json'), '["ada","grace"]');
      writeFileSync(
        join(job, 'seed.ts'),
        `import { S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedContext } from 'cdk-scheduled-jobs/runtime/testing';
import { Objects } from './objects';

interface Plan { readonly keys: readonly string[] }

export async function seed(ctx: SeedContext): Promise<string> {
  const client = new S3Client(ctx.clientConfig);
  const region: string = await client.config.region();
  const plan = { keys: new Objects('logs').keys(2) } satisfies Plan;
  const users = JSON.parse(readFileSync(join(__dirname, 'users.json'), 'utf8')) as string[];
  const here = new URL(import.meta.url).pathname.endsWith('/cleanup/seed.ts');
  return \`\${plan.keys.join(',')} in \${region!} for \${users.length} users (\${here ? 'own location' : 'moved'})\`;
}
`,
      );
      const stackFile = join(project, 'stack.json');
      writeFileSync(stackFile, JSON.stringify(stack('http://127.0.0.1:1', { cleanup: {} })));
      // The seed module as the published package ships it: compiled to CommonJS, packages left to node_modules
      const loader = join(project, 'seed-loader.cjs');
      await build({
        entryPoints: [resolve(__dirname, '..', '..', '..', 'tools', 'local', 'seed.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        packages: 'external',
        outfile: loader,
        logLevel: 'silent',
      });
      const script = `
const { runSeeds } = require(${JSON.stringify(loader)});
const stack = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(stackFile)}, 'utf8'));
runSeeds(${JSON.stringify(project)}, stack, new Date('2026-11-26T22:00:00.000Z'))
  .then((lines) => process.stdout.write(JSON.stringify({ lines })))
  .catch((e) => { process.stderr.write(String(e && e.stack)); process.exitCode = 1; });
`;
      // The control: the same hook imported as it is (Node.js 24 strips types itself, but not from this hook's
      // enum and parameter properties, and it warns on stderr, so it runs in a process of its own).
      const control = `import(${JSON.stringify(join(job, 'seed.ts'))}).then(() => 'loaded', (e) => e.code ?? e.name).then((r) => process.stdout.write(r));`;
      const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NODE_') && !key.startsWith('VITEST')));
      // Act
      const direct = spawnSync(process.execPath, ['-e', control], { cwd: project, env, encoding: 'utf8' });
      const child = spawnSync(process.execPath, ['-e', script], { cwd: project, env, encoding: 'utf8' });
      // Assess: without a loader the hook cannot be imported as it is, and runSeeds still runs it
      expect(direct.stdout).not.toBe('loaded');
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual({
        lines: ['lambdas/jobs/cleanup/seed.ts: logs/0.log,logs/1.log in us-east-1 for 2 users (own location)'],
      });
      expect(existsSync(join(project, '.local', 'seed-build', 'lambdas', 'jobs', 'cleanup', 'seed.cjs'))).toBe(true);
      expect(compiledSeedPath(project, join(job, 'seed.ts'))).toBe(join(project, '.local', 'seed-build', 'lambdas', 'jobs', 'cleanup', 'seed.cjs'));
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('load again when they change, and a hook that does not compile is named with the place of the error', async () => {
    const project = projectDir('seed-ts-');
    try {
      const job = join(project, 'lambdas', 'jobs', 'report');
      mkdirSync(job, { recursive: true });
      const ctxStack = stack('http://127.0.0.1:1', {});
      writeFileSync(join(job, 'seed.ts'), "export const seed = async (): Promise<string> => 'first';\n");
      expect(await runSeeds(project, ctxStack, now)).toEqual(['lambdas/jobs/report/seed.ts: first']);
      writeFileSync(join(job, 'seed.ts'), "export const seed = async (): Promise<string> => 'second';\n");
      expect(await runSeeds(project, ctxStack, now)).toEqual(['lambdas/jobs/report/seed.ts: second']);
      writeFileSync(join(job, 'seed.ts'), 'export const seed = async (: string => 1;\n');
      await expect(runSeeds(project, ctxStack, now)).rejects.toThrow(
        new SeedError(`seed hook lambdas/jobs/report/seed.ts could not be loaded: ${join('lambdas', 'jobs', 'report', 'seed.ts')}:1:28: Unexpected ":"`),
      );
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe('seed hooks against moto', () => {
  const moto = useMoto();

  it('run in order with the context, write into the emulator, and report what they wrote', async () => {
    const config = moto.config();
    const dynamodb = new DynamoDBClient(config);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'users',
        KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const s3 = new S3Client(config);
    await s3.send(new CreateBucketCommand({ Bucket: 'logs' }));
    const project = mkdtempSync(join(resolve(__dirname, '..', '..', '..', '.local'), 'seed-project-'));
    try {
      mkdirSync(join(project, 'lambdas', 'jobs', 'birthday'), { recursive: true });
      mkdirSync(join(project, 'lambdas', 'jobs', 'cleanup'), { recursive: true });
      writeFileSync(
        join(project, 'lambdas', 'jobs', 'birthday', 'seed.ts'),
        `import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SeedContext } from '${resolve(__dirname, '..', '..', '..', 'lib', 'local', 'seed')}';
export async function seed(ctx: SeedContext): Promise<string | void> {
  const table = ctx.env('USERS_TABLE_NAME');
  if (!table) return;
  const ddb = new DynamoDBClient(ctx.clientConfig);
  await ddb.send(new PutItemCommand({ TableName: table, Item: { userId: { S: 'u-' + ctx.now.toISOString().slice(0, 10) } } }));
  return '1 user';
}
`,
      );
      writeFileSync(
        join(project, 'lambdas', 'jobs', 'cleanup', 'seed.js'),
        `const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
exports.seed = async (ctx) => {
  const bucket = ctx.env('LOGS_BUCKET_NAME');
  if (!bucket) return;
  await new S3Client(ctx.clientConfig).send(new PutObjectCommand({ Bucket: bucket, Key: 'logs/a.log', Body: 'x' }));
  return '1 log object';
};
`,
      );
      const withData = stack(moto.endpoint.url, { 'birthday-emails': { USERS_TABLE_NAME: 'users' }, cleanup: { LOGS_BUCKET_NAME: 'logs' } });
      expect(await runSeeds(project, withData, now)).toEqual(['lambdas/jobs/birthday/seed.ts: 1 user', 'lambdas/jobs/cleanup/seed.js: 1 log object']);
      const users = await dynamodb.send(new ScanCommand({ TableName: 'users' }));
      expect(users.Items).toEqual([{ userId: { S: 'u-2026-11-26' } }]);
      expect((await s3.send(new ListObjectsV2Command({ Bucket: 'logs' }))).Contents?.map((o) => o.Key)).toEqual(['logs/a.log']);
      // a stack without those tables and buckets: the hooks write nothing and say nothing
      expect(await runSeeds(project, stack(moto.endpoint.url, {}), now)).toEqual([]);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
