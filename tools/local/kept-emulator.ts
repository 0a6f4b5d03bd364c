/**
 * The emulator of a simulation that outlives it. `cdk-jobs dev --until` starts moto_server in its
 * own process group (Ctrl-C in the terminal does not reach it, and it can outlive the run), with a
 * small detached reaper beside it. When the simulation ends, the run records `kept` in
 * `.local/<stack>.json` and exits; the emulator keeps answering, so the CLI can show what the run
 * did, until the reaper stops it at the end of the keep period. The record stays, so the CLI can
 * say that the run is over; the next `cdk-jobs dev` (or `cdk-jobs dev --stop`) removes it. The
 * reaper also stops the emulator at once (and removes the run's record) when the run dies
 * without keeping it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { listLocalStacks, type LocalStackEntry } from './local-stack';
import { findMotoServer } from './moto-install';
import { EmulatorUnavailableError, freePort, motoCommand, type LocalEndpoint } from './moto-server';


/** True when something answers HTTP at `url` (moto answers `/moto-api/`; any answer counts). */
export async function emulatorAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, '')}/moto-api/`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status > 0;
  } catch {
    return false;
  }
}

/** True when a process with this id exists and has not exited (an exited one nobody reaped is not alive). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Linux: field 3 of /proc/<pid>/stat is the state; Z is a zombie.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Sends `signal` to the process group `pid` leads (or to the process alone where groups are not supported). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Stops the emulator group `pid` leads: SIGTERM, then SIGKILL after `graceMs`. Resolves once it is gone. */
export async function stopEmulatorProcess(pid: number, graceMs = 3000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (processAlive(pid)) signalGroup(pid, 'SIGKILL');
}

/**
 * The reaper, run as `node -e <script> <parentPid> <emulatorPid> <url> <stateDir>`. Every second:
 * done when the emulator is gone; when a record in `stateDir` keeps this emulator (`kept.pid`),
 * stops it once `kept.until` has passed; otherwise waits while the run is alive, and stops it
 * when the run is gone without keeping it (removing the run's record at this emulator too).
 */
export const REAPER_SCRIPT = `
const fs = require('node:fs');
const path = require('node:path');
const [parentPid, emulatorPid] = process.argv.slice(1, 3).map(Number);
const [url, stateDir] = process.argv.slice(3, 5);
const alive = (pid) => {
  try { process.kill(pid, 0); } catch (e) { return e.code === 'EPERM'; }
  try { return !/^\\d+ \\(.*\\) Z/.test(fs.readFileSync('/proc/' + pid + '/stat', 'utf8')); } catch { return true; }
};
const signal = (s) => { try { process.kill(-emulatorPid, s); } catch { try { process.kill(emulatorPid, s); } catch {} } };
const records = () => {
  let names = [];
  try { names = fs.readdirSync(stateDir).filter((n) => n.endsWith('.json')); } catch {}
  const out = [];
  for (const name of names) {
    try { out.push({ file: path.join(stateDir, name), stack: JSON.parse(fs.readFileSync(path.join(stateDir, name), 'utf8')) }); } catch {}
  }
  return out;
};
const keptUntil = () => {
  let until;
  for (const r of records()) if (r.stack.kept && r.stack.kept.pid === emulatorPid) until = Math.max(until || 0, Date.parse(r.stack.kept.until));
  return until;
};
const stop = () => {
  for (const r of records()) {
    const ours = !r.stack.kept && r.stack.pid === parentPid && r.stack.endpoint === url;
    if (ours) try { fs.rmSync(r.file, { force: true }); } catch {}
  }
  signal('SIGTERM');
  setTimeout(() => { if (alive(emulatorPid)) signal('SIGKILL'); process.exit(0); }, 3000);
};
const tick = () => {
  if (!alive(emulatorPid)) return process.exit(0);
  const until = keptUntil();
  if (until !== undefined) return Date.now() < until ? setTimeout(tick, Math.min(1000, until - Date.now())) : stop();
  if (alive(parentPid)) return setTimeout(tick, 1000);
  stop();
};
tick();
`;

/** Starts the reaper of `emulatorPid` (detached, no stdio, not holding this process). */
export function startReaper(emulatorPid: number, url: string, stateDir: string, parentPid = process.pid): ChildProcess {
  const reaper = spawn(process.execPath, ['-e', REAPER_SCRIPT, String(parentPid), String(emulatorPid), url, stateDir], {
    detached: true,
    stdio: 'ignore',
    env: {},
  });
  reaper.unref();
  return reaper;
}

/** An emulator this process started in its own process group, which may be kept after the run. */
export interface DetachedEmulator extends LocalEndpoint {
  readonly pid: number;
  /** Process id of its reaper. */
  readonly reaperPid?: number;
  /** Lets the emulator outlive this process (its reaper stops it when the record's keep period ends). */
  keep(): void;
}

export interface DetachedEmulatorOptions {
  /** Where the records are (`.local`): the reaper reads the keep period there. */
  readonly stateDir: string;
  /** Where moto_server's output goes. */
  readonly logFile: string;
  /** @default 30000 */
  readonly startTimeoutMs?: number;
  /** The project whose `.local/moto-venv` holds moto when `moto_server` is not on PATH. */
  readonly projectDir: string;
  /** Receives one line per step when moto has to be installed first. @default discarded */
  readonly say?: (line: string) => void;
  /** moto's `INITIAL_NO_AUTH_ACTION_COUNT` (see `StartEmulatorOptions`). @default no checks at all */
  readonly initialNoAuthActionCount?: number;
}

/**
 * Starts moto_server on a free loopback port in its own process group, with its reaper, and waits
 * until it answers. Until {@link DetachedEmulator.keep} is called it is stopped when this process
 * exits.
 *
 * @throws EmulatorUnavailableError when moto_server is not installed and cannot be installed.
 */
export async function startDetachedEmulator(options: DetachedEmulatorOptions): Promise<DetachedEmulator> {
  const moto = await findMotoServer({ projectDir: options.projectDir, ...(options.say ? { say: options.say } : {}) });
  const port = await freePort();
  const { command: motoBinary, args, env } = motoCommand(moto, port, options);
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(motoBinary, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...env },
    });
  } finally {
    closeSync(log);
  }
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const pid = child.pid;
  if (pid === undefined) throw new EmulatorUnavailableError(`could not start '${motoBinary}'`, { cause: spawnError });
  // Until kept, never outlive this process, however it ends (an uncaught error, process.exit).
  const killOnExit = () => signalGroup(pid, 'SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  const reaper = startReaper(pid, url, options.stateDir);

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await emulatorAnswers(url, 1000))) {
    if (spawnError || child.exitCode !== null || Date.now() > deadline) {
      signalGroup(pid, 'SIGKILL');
      const output = readFileSync(options.logFile, 'utf8').slice(-4000);
      let why = `moto_server did not answer on ${url} within ${options.startTimeoutMs ?? 30_000} ms`;
      if (child.exitCode !== null) why = `moto_server exited with code ${child.exitCode} before it answered on ${url}`;
      if (spawnError) why = `could not start '${motoBinary}': ${spawnError.message}`;
      throw new EmulatorUnavailableError(`${why}\n${output}`, { cause: spawnError });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    owned: true,
    pid,
    ...(reaper.pid !== undefined ? { reaperPid: reaper.pid } : {}),
    reset: async () => {
      await fetch(`${url}/moto-api/reset`, { method: 'POST' });
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await stopEmulatorProcess(pid);
      await exited;
    },
    keep: () => {
      process.off('exit', killOnExit);
      child.unref();
    },
  };
}

/** A kept emulator's record that {@link stopKeptEmulators} removed. */
export interface StoppedEmulator extends LocalStackEntry {
  /** False when the emulator had already stopped (its keep period was over). */
  readonly wasRunning: boolean;
}

/**
 * Stops the emulators that finished simulations keep (records with `kept` in `stateDir`) and
 * removes their records. An emulator is signalled only while its endpoint still answers (a
 * stale record's process id may belong to something else by now).
 *
 * @returns the records that were removed.
 */
export async function stopKeptEmulators(stateDir: string): Promise<StoppedEmulator[]> {
  const stopped: StoppedEmulator[] = [];
  for (const entry of listLocalStacks(stateDir)) {
    const kept = entry.stack.kept;
    if (!kept) continue;
    const wasRunning = processAlive(kept.pid) && (await emulatorAnswers(entry.stack.endpoint));
    if (wasRunning) await stopEmulatorProcess(kept.pid);
    rmSync(entry.file, { force: true });
    stopped.push({ ...entry, wasRunning });
  }
  return stopped;
}
