import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sdkRetryConfig } from '../../../lambdas/shared/retry';
import { processIo, type CliIo } from '../../../tools/cli/io';
import { CliSession } from '../../../tools/cli/session';
import { localStackPath, writeLocalStack, type LocalStackFile } from '../../../tools/local/local-stack';
import { Capture } from './fixtures/platform';

const NOW = new Date('2026-03-27T12:00:00.000Z');
const EMF = JSON.stringify({ _aws: { Timestamp: 1774612800000, CloudWatchMetrics: [{ Namespace: 'Jobs', Dimensions: [['job']], Metrics: [{ Name: 'itemsDeleted' }] }] }, job: 'cleanup', itemsDeleted: 3 });

/** A handler that logs the way Powertools does: console lines, an EMF line on stdout, an error line. */
const HANDLER = `exports.handler = async (event) => {
  console.log(JSON.stringify({ level: 'INFO', message: 'deleting', job: event.job }));
  process.stdout.write(${JSON.stringify(`${EMF}\n`)});
  console.error('3 objects deleted');
  return { status: 'SUCCEEDED', slot: '2026-03-27T12:00:00.000Z', attempt: 1 };
};`;

/** A project directory with `.local/Jobs.json`: one job, `cleanup`, whose bundled handler is HANDLER. */
function project(endpoint: string): { dir: string; stack: LocalStackFile } {
  const root = resolve(__dirname, '..', '..', '..', '.local');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, 'session-'));
  const codeDir = join(dir, 'cdk.out', 'asset.cleanup');
  mkdirSync(codeDir, { recursive: true });
  writeFileSync(join(codeDir, 'index.js'), HANDLER);
  const stack: LocalStackFile = {
    format: 1,
    stackName: 'Jobs',
    stackId: 'id',
    region: 'us-east-1',
    accountId: '123456789012',
    endpoint,
    pid: process.pid,
    assemblyDir: join(dir, 'cdk.out'),
    templateFile: '',
    provisionedAt: '',
    outputs: { JobsTableName: 'jobs', FailureInboxUrl: 'http://127.0.0.1:1/inbox', ScheduleGroupName: 'jobs' },
    resources: {},
    functions: {
      CleanupFn: {
        logicalId: 'CleanupFn',
        functionName: 'Jobs-CleanupFn-ABC',
        arn: 'arn:aws:lambda:us-east-1:123456789012:function:Jobs-CleanupFn-ABC',
        codeDir,
        handler: 'index.handler',
        timeoutSeconds: 5,
        memorySize: 128,
        environment: { JOB_NAME: 'cleanup' },
        jobName: 'cleanup',
        asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
      },
    },
    schedules: {},
    jobs: { cleanup: { functionLogicalId: 'CleanupFn' } },
  };
  writeLocalStack(localStackPath('Jobs', dir), stack);
  return { dir, stack };
}

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Jobs-CleanupFn-ABC';
const LOGGED = `{"level":"INFO","message":"deleting","job":"cleanup"}\n${EMF}\n3 objects deleted\n`;
const LOG_FILE = join('.local', 'logs', 'cleanup', '2026-03-27T12-00-00.000Z.log');

describe('CliSession on a local stack', () => {
  // What the local stack's emulator would be: the session only checks that it answers.
  let emulator: Server;
  let endpoint = '';
  beforeAll(async () => {
    emulator = createServer((_request, response) => response.end('{}'));
    await new Promise<void>((done) => emulator.listen(0, '127.0.0.1', done));
    const address = emulator.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((done) => emulator.close(() => done())));

  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function session(io: Partial<CliIo>, existing?: string): { session: CliSession; dir: string } {
    const dir = existing ?? project(endpoint).dir;
    if (!existing) dirs.push(dir);
    return { session: new CliSession(processIo({ env: {}, cwd: dir, now: () => NOW, ...io }), { stack: 'Jobs', local: true }), dir };
  }

  it('builds every SDK client with the platform retry settings (standard mode, sdkRetryConfig attempts)', async () => {
    // Prepare
    const { session: cli } = session({ stdout: new Capture(), stderr: new Capture() });
    try {
      // Act
      const clients = await cli.clients();
      // Assess
      for (const client of Object.values(clients)) {
        expect(await client.config.maxAttempts()).toBe(sdkRetryConfig().maxAttempts);
        expect(await client.config.retryStrategy()).toMatchObject({ mode: 'standard' });
      }
    } finally {
      cli.close();
    }
  });

  it('--verbose: prints the handler lines on the process stderr as they come, without looping back into the capture', async () => {
    // Prepare: stderr is the process's own stream, as in `cdk-jobs run <job> --local --verbose`
    const stdout = new Capture();
    const { session: cli, dir } = session({ stdout });
    const terminal: string[] = [];
    const saved = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => terminal.push(String(chunk)) > 0) as typeof process.stderr.write;
    let report;
    try {
      // Act
      const invoker = await cli.invoker({ verbose: true });
      report = await invoker.invoke(ARN, { job: 'cleanup', manual: true }, 'sync');
    } finally {
      process.stderr.write = saved;
    }
    // Assess
    expect(report).toMatchObject({ mode: 'sync', ok: true, result: { status: 'SUCCEEDED' } });
    expect(terminal.join('')).toBe(
      `logs: ${LOG_FILE}\n` +
        '[cleanup] {"level":"INFO","message":"deleting","job":"cleanup"}\n' +
        `[cleanup] ${EMF}\n` +
        '[cleanup] 3 objects deleted\n',
    );
    expect(readFileSync(join(dir, LOG_FILE), 'utf8')).toBe(LOGGED);
    expect(stdout.text).toBe('');
  });

  it('without --verbose: keeps the terminal quiet, saves the output in .local/logs/<job>/<time>.log and names it in one line', async () => {
    // Prepare
    const stdout = new Capture();
    const stderr = new Capture();
    const { session: cli, dir } = session({ stdout, stderr });
    // Act
    const invoker = await cli.invoker();
    const first = await invoker.invoke(ARN, { job: 'cleanup', manual: true }, 'sync');
    const again = await invoker.invoke(ARN, { job: 'cleanup', manual: true }, 'sync');
    const laterStderr = new Capture();
    const later = await (await session({ stdout, stderr: laterStderr }, dir).session.invoker()).invoke(ARN, { job: 'cleanup' }, 'sync');
    // Assess: one file per job and command; a command at the same time gets its own
    expect([first.ok, again.ok, later.ok]).toEqual([true, true, true]);
    expect(stderr.text).toBe(`logs: ${LOG_FILE}\n`);
    expect(laterStderr.text).toBe(`logs: ${LOG_FILE.replace('.log', '-2.log')}\n`);
    expect(stdout.text).toBe('');
    expect(readFileSync(join(dir, LOG_FILE), 'utf8')).toBe(LOGGED + LOGGED);
    expect(readdirSync(join(dir, '.local', 'logs', 'cleanup')).sort()).toEqual(['2026-03-27T12-00-00.000Z-2.log', '2026-03-27T12-00-00.000Z.log']);
  });
});
