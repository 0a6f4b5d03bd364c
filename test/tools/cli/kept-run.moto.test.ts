/**
 * Inspecting a finished simulation: `cdk-jobs dev --until` (the real command, in a child process)
 * leaves its emulator running for `--keep` and exits; `cdk-jobs history`, `list` and `failures`
 * then show what the simulated day did, with or without `--local`; `cdk-jobs dev --stop` stops the
 * emulator, after which the CLI says the run is gone. A second run, in-process, shows the reaper
 * stopping the emulator when the keep period ends. Nothing is left running afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../tools/cli/commands/program';
import { synthesize } from '../../../tools/local/cloud-assembly';
import { runDev } from '../../../tools/local/dev';
import { emulatorAnswers, processAlive, stopEmulatorProcess } from '../../../tools/local/kept-emulator';
import { localStackPath, START_HINT, type LocalStackFile } from '../../../tools/local/local-stack';
import { Capture } from './fixtures/platform';

const repo = resolve(__dirname, '..', '..', '..');
const STACK = 'CliJobs';
const FROM = '2026-03-27T00:00:00Z';
const UNTIL = '2026-03-28T00:00:00Z';

let projectDir: string;
let assemblyDir: string;
/** Every emulator and reaper the runs started, stopped in afterAll whatever happened. */
const started: number[] = [];

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the installed command, `bin/jobs.js`, in the project directory. */
function cdkJobs(args: readonly string[], timeoutMs = 120_000): Promise<Result & { readonly ms: number }> {
  const t0 = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repo, 'bin', 'jobs.js'), ...args], {
      cwd: projectDir,
      env: { ...process.env, NODE_NO_WARNINGS: '1', AWS_ENDPOINT_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`cdk-jobs ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

async function cli(args: readonly string[]): Promise<Result> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(args, { stdout, stderr, env: {}, cwd: projectDir });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function record(): LocalStackFile {
  return JSON.parse(readFileSync(localStackPath(STACK, projectDir), 'utf8')) as LocalStackFile;
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return !processAlive(pid);
}

beforeAll(async () => {
  projectDir = mkdtempSync(join(tmpdir(), 'cdk-jobs-kept-'));
  assemblyDir = join(projectDir, 'cdk.out');
  await synthesize({
    projectDir: repo,
    app: `npx tsx ${join('test', 'tools', 'cli', 'fixtures', 'app.ts')}`,
    outDir: assemblyDir,
    account: '123456789012',
    region: 'us-east-1',
  });
}, 300_000);

afterAll(async () => {
  for (const pid of started) if (processAlive(pid)) await stopEmulatorProcess(pid);
  rmSync(projectDir, { recursive: true, force: true });
});

describe('a finished simulation, kept for inspection', () => {
  let kept: NonNullable<LocalStackFile['kept']>;

  it('cdk-jobs dev --until exits once the day is simulated and leaves the emulator answering', async () => {
    const run = await cdkJobs(['dev', '--until', UNTIL, '--from', FROM, '--app', assemblyDir, '--no-seed', '--no-progress', '--keep', '10m']);

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const stack = record();
    expect(stack.kept).toBeDefined();
    kept = stack.kept as NonNullable<LocalStackFile['kept']>;
    started.push(kept.pid, ...(kept.reaperPid !== undefined ? [kept.reaperPid] : []));
    expect(kept.simulated).toEqual({ from: '2026-03-27T00:00:00.000Z', until: '2026-03-28T00:00:00.000Z' });
    expect(Date.parse(kept.until) - Date.parse(kept.since)).toBe(600_000);
    expect(run.stdout).toContain(`kept        the emulator at ${stack.endpoint} until ${kept.until} (--keep); inspect what the run did:`);
    expect(processAlive(kept.pid)).toBe(true);
    expect(await emulatorAnswers(stack.endpoint)).toBe(true);
  });

  it('cdk-jobs history shows the simulated runs, without and with --local', async () => {
    const history = await cli(['history', 'nightly-report', '--json']);

    expect(history.code).toBe(0);
    expect(history.stderr).toBe(
      `note: using the simulated run 2026-03-27T00:00:00.000Z -> 2026-03-28T00:00:00.000Z of local stack '${STACK}' ` +
        `(.local/${STACK}.json, emulator at ${record().endpoint} kept until ${kept.until}); --no-local for AWS\n`,
    );
    const rows = JSON.parse(history.stdout) as Array<{ slot: string; status: string; trigger: string }>;
    // 02:30 in Paris (CET, +01:00) on 27 March 2026.
    expect(rows.map((r) => [r.slot, r.status, r.trigger])).toEqual([['2026-03-27T01:30:00.000Z', 'SUCCEEDED', 'scheduled']]);

    const local = await cli(['history', 'weekday-sync', '--local', '--json']);
    expect(local.code).toBe(0);
    // 09:00 in New York (EDT, -04:00) on Friday 27 March 2026.
    expect((JSON.parse(local.stdout) as Array<{ slot: string }>).map((r) => r.slot)).toEqual(['2026-03-27T13:00:00.000Z']);
  });

  it('cdk-jobs list and failures read the same run', async () => {
    const list = await cli(['list', '--json']);
    expect(list.code).toBe(0);
    const entries = JSON.parse(list.stdout) as Array<{ job: string; lastRun: { status: string; slot: string } | null }>;
    expect(entries.map((e) => [e.job, e.lastRun?.status ?? null, e.lastRun?.slot ?? null])).toEqual([
      ['legacy-export', null, null],
      ['nightly-report', 'SUCCEEDED', '2026-03-27T01:30:00.000Z'],
      ['weekday-sync', 'SUCCEEDED', '2026-03-27T13:00:00.000Z'],
      ['reminder', null, null],
    ]);

    const failures = await cli(['failures', '--local']);
    expect({ code: failures.code, stdout: failures.stdout }).toEqual({ code: 0, stdout: 'the failure inbox is empty\n' });
  });

  it('cdk-jobs dev --stop stops the emulator; then the CLI says there is no local stack (exit 3)', async () => {
    const endpoint = record().endpoint;
    const stop = await cdkJobs(['dev', '--stop']);

    expect(stop).toMatchObject({
      code: 0,
      stderr: '',
      stdout: `stopped     the emulator at ${endpoint} kept for the simulated run of ${STACK} (2026-03-27T00:00:00.000Z -> 2026-03-28T00:00:00.000Z)\n`,
    });
    expect(processAlive(kept.pid)).toBe(false);
    expect(await emulatorAnswers(endpoint)).toBe(false);
    expect(existsSync(localStackPath(STACK, projectDir))).toBe(false);
    if (kept.reaperPid !== undefined) expect(await gone(kept.reaperPid, 5000)).toBe(true);

    const after = await cli(['history', 'nightly-report', '--local']);
    expect(after).toEqual({ code: 3, stdout: '', stderr: `cdk-jobs: PlatformNotFoundError: no local stack in .local: ${START_HINT}\n` });
  });

  it('the reaper stops the emulator when the keep period ends; the CLI then says the run is over', async () => {
    const log: string[] = [];
    const result = await runDev({
      projectDir,
      app: assemblyDir,
      from: FROM,
      until: '2026-03-27T06:00:00Z',
      seed: false,
      progress: false,
      forceLocalEmulator: true,
      keep: '2s',
      output: { stdout: (t) => log.push(t), stderr: (t) => log.push(t) },
    });
    const short = result.kept as NonNullable<LocalStackFile['kept']>;
    started.push(short.pid, ...(short.reaperPid !== undefined ? [short.reaperPid] : []));
    expect(record().kept).toEqual(short);

    expect(await gone(short.pid, 10_000)).toBe(true);
    if (short.reaperPid !== undefined) expect(await gone(short.reaperPid, 5000)).toBe(true);
    const after = await cli(['history', 'nightly-report', '--local']);
    expect(after).toEqual({
      code: 3,
      stdout: '',
      stderr:
        `cdk-jobs: PlatformNotFoundError: the simulated run of local stack '${STACK}' (.local/${STACK}.json) ` +
        `(2026-03-27T00:00:00.000Z -> 2026-03-27T06:00:00.000Z) can no longer be inspected: its emulator at ${result.stack.endpoint}, ` +
        `kept until ${short.until}, does not answer; run 'npx cdk-jobs dev --until <duration>' again\n`,
    });

    // The next run (here: --stop) clears the record of the finished run.
    const stop = await cdkJobs(['dev', '--stop']);
    expect(stop.code).toBe(0);
    expect(existsSync(localStackPath(STACK, projectDir))).toBe(false);
  });
});
