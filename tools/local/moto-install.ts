/**
 * Finds the `moto_server` local mode starts: `MOTO_SERVER_BIN`, else the one on PATH, else the one
 * in the project's own Python virtual environment (`.local/moto-venv`), which is created with
 * `python3 -m venv` and filled with a pinned moto on first use, then reused. Python 3 is the only
 * prerequisite; every failure says what was missing and what to install.
 *
 * The commands run through an injected runner, so the decisions are tested without Python or PyPI.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ScheduledJobsError } from '../../lib/contract';
import { localDir } from './local-stack';

/** The moto release local mode installs (the one the project is tested with). */
export const MOTO_VERSION = '5.2.1';

/** What pip installs: moto with its server. */
export const MOTO_REQUIREMENT = `moto[server]==${MOTO_VERSION}`;

/** The oldest Python the pinned moto supports. */
export const MIN_PYTHON: readonly [number, number] = [3, 9];

/** The emulator could not be found, installed or started. */
export class EmulatorUnavailableError extends ScheduledJobsError {}

/** What a command did. */
export interface CommandResult {
  /** The exit code; null when the command could not be started or was killed. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why the command could not be started (`ENOENT`: not found). */
  readonly error?: NodeJS.ErrnoException;
}

/** Runs a command to completion. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

const OUTPUT_LIMIT = 64 * 1024;

/** Runs a command with its output collected (the last 64 KiB of each stream). */
export const runCommand: CommandRunner = (command, args) =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString()).slice(-OUTPUT_LIMIT);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-OUTPUT_LIMIT);
    });
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ status: null, stdout, stderr, error }));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });

/** The moto that local mode runs. */
export interface MotoCommands {
  /** The `moto_server` executable. */
  readonly server: string;
  /** The Python that has this moto installed (for the single-threaded server). */
  readonly python: string;
  /** `env`: `MOTO_SERVER_BIN`; `path`: found on PATH; `venv`: the project's `.local/moto-venv`. */
  readonly source: 'env' | 'path' | 'venv';
}

export interface FindMotoOptions {
  /** The project whose `.local/moto-venv` holds the installed moto. */
  readonly projectDir: string;
  /**
   * `MOTO_SERVER_BIN` (a `moto_server` to use as it is) and `MOTO_PYTHON_BIN` (its Python).
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default runCommand */
  readonly run?: CommandRunner;
  /** Receives one line per installation step. @default discarded */
  readonly say?: (line: string) => void;
  /** @default process.platform */
  readonly platform?: NodeJS.Platform;
  /**
   * How long to wait for another process that is installing moto into the same venv.
   * @default 600000 (10 minutes)
   */
  readonly lockTimeoutMs?: number;
}

/** The project's virtual environment for moto and the files in it. */
export function motoVenv(projectDir: string, platform: NodeJS.Platform = process.platform) {
  const dir = join(localDir(projectDir), 'moto-venv');
  const bin = platform === 'win32' ? join(dir, 'Scripts') : join(dir, 'bin');
  const exe = platform === 'win32' ? '.exe' : '';
  return {
    dir,
    server: join(bin, `moto_server${exe}`),
    python: join(bin, `python${exe}`),
    /** Written after a successful install: the requirement that was installed. */
    marker: join(dir, 'installed-requirement.txt'),
    /** Held (a directory with the owner's pid) while a process installs. */
    lock: `${dir}.lock`,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the install lock (two test workers or two `cdk-jobs dev` starting at once install once);
 * a lock whose process has ended is taken over. Returns the function that releases it.
 */
async function installLock(lock: string, timeoutMs: number, waiting: () => void): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : NaN);
    if (Number.isInteger(owner) && !alive(owner)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new EmulatorUnavailableError(
        `another process (pid ${Number.isInteger(owner) ? owner : 'unknown'}) has been installing moto for ${Math.round(timeoutMs / 1000)} s ` +
          `(it holds ${lock}): wait for it to finish, or end it and delete that folder, then run again`,
      );
    }
    if (!told) waiting();
    told = true;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const ALTERNATIVES =
  `or install moto yourself (pip install '${MOTO_REQUIREMENT}') so that moto_server is on PATH, ` +
  'or set AWS_ENDPOINT_URL to a running LocalStack or moto endpoint';

/** The last lines of a command's error output (of its output when it wrote no errors), for an error message. */
function tail(result: CommandResult, lines = 5): string {
  if (result.error) return result.error.message;
  const text = result.stderr.trim() || result.stdout.trim();
  return text === '' ? 'no output' : text.split('\n').slice(-lines).join('\n');
}

function exit(result: CommandResult): string {
  return result.status === null ? 'could not run' : `exit code ${result.status}`;
}

/**
 * The `moto_server` to run, installing it into `.local/moto-venv` when there is none.
 *
 * @throws EmulatorUnavailableError naming what is missing (python3, its venv module, the pinned
 *   moto from PyPI) and what to install.
 */
export async function findMotoServer(options: FindMotoOptions): Promise<MotoCommands> {
  const env = options.env ?? process.env;
  const run = options.run ?? runCommand;
  const say = options.say ?? (() => undefined);
  const systemPython = env.MOTO_PYTHON_BIN || 'python3';

  if (env.MOTO_SERVER_BIN) {
    const probe = await run(env.MOTO_SERVER_BIN, ['--help']);
    if (probe.status !== 0) {
      throw new EmulatorUnavailableError(
        `MOTO_SERVER_BIN is '${env.MOTO_SERVER_BIN}', which does not run (${exit(probe)}: ${tail(probe, 2)}): ` +
          'point it at a moto_server executable, or unset it to use the one on PATH or the one local mode installs',
      );
    }
    return { server: env.MOTO_SERVER_BIN, python: systemPython, source: 'env' };
  }

  const onPath = await run('moto_server', ['--help']);
  if (onPath.status === 0) return { server: 'moto_server', python: systemPython, source: 'path' };

  const venv = motoVenv(options.projectDir, options.platform);
  const shown = (path: string) => relative(options.projectDir, path) || path;
  const ready = () =>
    existsSync(venv.marker) && readFileSync(venv.marker, 'utf8').trim() === MOTO_REQUIREMENT && existsSync(venv.server)
      ? ({ server: venv.server, python: venv.python, source: 'venv' } as const)
      : undefined;
  const reused = ready();
  if (reused) return reused;

  mkdirSync(localDir(options.projectDir), { recursive: true });
  const release = await installLock(venv.lock, options.lockTimeoutMs ?? 600_000, () =>
    say(`waiting for another process that is installing moto into ${shown(venv.dir)}`),
  );
  try {
    return ready() ?? (await install(venv, shown, run, say));
  } finally {
    release();
  }
}

async function install(
  venv: ReturnType<typeof motoVenv>,
  shown: (path: string) => string,
  run: CommandRunner,
  say: (line: string) => void,
): Promise<MotoCommands> {
  const version = await run('python3', ['--version']);
  if (version.status !== 0) {
    throw new EmulatorUnavailableError(
      `moto_server is not on PATH, and local mode cannot install it into ${shown(venv.dir)}: ` +
        (version.error?.code === 'ENOENT' ? 'python3 was not found on PATH' : `'python3 --version' failed (${exit(version)}: ${tail(version, 2)})`) +
        `. Install Python ${MIN_PYTHON.join('.')} or later with its venv module (Debian/Ubuntu: sudo apt-get install python3 python3-venv; ` +
        `macOS: brew install python) and run again; ${ALTERNATIVES}`,
    );
  }
  const found = /Python (\d+)\.(\d+)/.exec(`${version.stdout} ${version.stderr}`);
  if (found && (Number(found[1]) < MIN_PYTHON[0] || (Number(found[1]) === MIN_PYTHON[0] && Number(found[2]) < MIN_PYTHON[1]))) {
    throw new EmulatorUnavailableError(
      `moto_server is not on PATH, and local mode cannot install it into ${shown(venv.dir)}: python3 is ${found[1]}.${found[2]}, ` +
        `and moto ${MOTO_VERSION} needs Python ${MIN_PYTHON.join('.')} or later. Install a newer Python 3 and run again; ${ALTERNATIVES}`,
    );
  }

  say(`moto_server is not on PATH: creating ${shown(venv.dir)} for it (python3 -m venv)`);
  const created = await run('python3', ['-m', 'venv', venv.dir]);
  if (created.status !== 0 || !existsSync(venv.python)) {
    throw new EmulatorUnavailableError(
      `could not create the Python virtual environment ${shown(venv.dir)}: 'python3 -m venv' failed (${exit(created)}). ` +
        `Install Python's venv module (Debian/Ubuntu: sudo apt-get install python3-venv) and run again; ${ALTERNATIVES}.\n` +
        `python3 -m venv said:\n${tail(created)}`,
    );
  }

  say(`installing ${MOTO_REQUIREMENT} into ${shown(venv.dir)} (pip; once, later runs reuse it)`);
  const pip = await run(venv.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', MOTO_REQUIREMENT]);
  if (pip.status !== 0) {
    throw new EmulatorUnavailableError(
      `could not install ${MOTO_REQUIREMENT} into ${shown(venv.dir)}: pip failed (${exit(pip)}). ` +
        `Check that PyPI is reachable (behind a proxy set HTTPS_PROXY; for a mirror set PIP_INDEX_URL) and run again; ${ALTERNATIVES}.\n` +
        `pip said:\n${tail(pip)}`,
    );
  }
  if (!existsSync(venv.server)) {
    throw new EmulatorUnavailableError(
      `pip installed ${MOTO_REQUIREMENT} into ${shown(venv.dir)}, but there is no ${shown(venv.server)}: ` +
        `delete ${shown(venv.dir)} and run again; ${ALTERNATIVES}`,
    );
  }
  writeFileSync(venv.marker, `${MOTO_REQUIREMENT}\n`);
  say(`installed   moto_server ${MOTO_VERSION} in ${shown(venv.dir)}`);
  return { server: venv.server, python: venv.python, source: 'venv' };
}
