import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EmulatorUnavailableError,
  findMotoServer,
  MOTO_REQUIREMENT,
  motoVenv,
  runCommand,
  type CommandResult,
  type CommandRunner,
} from '../../../tools/local/moto-install';
import { localClientConfig, startEmulator } from '../../../tools/local/moto-server';

/** A pid no process has: a child that has exited. */
const ENDED_PID = spawnSync(process.execPath, ['-e', '']).pid as number;

const OK: CommandResult = { status: 0, stdout: '', stderr: '' };
const NOT_FOUND = (command: string): CommandResult => ({
  status: null,
  stdout: '',
  stderr: '',
  error: Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT' }),
});

type Answer = CommandResult | ((args: readonly string[]) => CommandResult);

/**
 * A command runner that records what it runs and answers from a table keyed by the command and its
 * first argument (`python3 -m`, `<venv python> -m`); what the table lacks is not found.
 */
function fakeRunner(answers: Record<string, Answer>) {
  const calls: string[] = [];
  const run: CommandRunner = async (command, args) => {
    calls.push([command, ...args].join(' '));
    const answer = answers[`${command} ${args[0] ?? ''}`.trim()] ?? answers[command];
    if (answer === undefined) return NOT_FOUND(command);
    return typeof answer === 'function' ? answer(args) : answer;
  };
  return { run, calls };
}

/** What `python3 -m venv <dir>` makes, as far as local mode looks at it: the venv's python. */
function makeVenv(args: readonly string[]): CommandResult {
  const dir = args[2];
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'bin', 'python'), '');
  return OK;
}

/** What `pip install moto[server]` leaves in the venv, as far as local mode looks at it. */
function installMoto(python: string) {
  return (): CommandResult => {
    writeFileSync(join(dirname(python), 'moto_server'), '');
    return { status: 0, stdout: 'Successfully installed moto-5.2.1', stderr: '' };
  };
}

describe('finding moto_server', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function project(): string {
    const root = resolve(__dirname, '..', '..', '..', '.local');
    mkdirSync(root, { recursive: true });
    const dir = mkdtempSync(join(root, 'moto-install-'));
    dirs.push(dir);
    return dir;
  }

  it('uses the moto_server on PATH as it is', async () => {
    const { run, calls } = fakeRunner({ moto_server: OK });
    const said: string[] = [];
    const found = await findMotoServer({ projectDir: project(), env: {}, run, say: (l) => said.push(l) });
    expect(found).toEqual({ server: 'moto_server', python: 'python3', source: 'path' });
    expect(calls).toEqual(['moto_server --help']);
    expect(said).toEqual([]);
  });

  it('uses MOTO_SERVER_BIN, and says so when it does not run', async () => {
    const dir = project();
    const { run } = fakeRunner({ '/opt/moto/bin/moto_server': OK });
    expect(await findMotoServer({ projectDir: dir, env: { MOTO_SERVER_BIN: '/opt/moto/bin/moto_server', MOTO_PYTHON_BIN: '/opt/moto/bin/python' }, run })).toEqual({
      server: '/opt/moto/bin/moto_server',
      python: '/opt/moto/bin/python',
      source: 'env',
    });
    await expect(findMotoServer({ projectDir: dir, env: { MOTO_SERVER_BIN: '/nowhere/moto_server' }, run })).rejects.toThrow(
      new EmulatorUnavailableError(
        "MOTO_SERVER_BIN is '/nowhere/moto_server', which does not run (could not run: spawn /nowhere/moto_server ENOENT): " +
          'point it at a moto_server executable, or unset it to use the one on PATH or the one local mode installs',
      ),
    );
  });

  it('without one on PATH: creates .local/moto-venv, installs the pinned moto with its pip, one line per step, and reuses it next time', async () => {
    // Prepare
    const dir = project();
    const venv = motoVenv(dir, 'linux');
    const { run, calls } = fakeRunner({
      'python3 --version': { status: 0, stdout: 'Python 3.11.7\n', stderr: '' },
      'python3 -m': makeVenv,
      [`${venv.python} -m`]: installMoto(venv.python),
    });
    const said: string[] = [];
    // Act
    const first = await findMotoServer({ projectDir: dir, env: {}, run, say: (l) => said.push(l), platform: 'linux' });
    const firstCalls = calls.splice(0);
    const second = await findMotoServer({ projectDir: dir, env: {}, run, say: (l) => said.push(l), platform: 'linux' });
    // Assess
    const expected = { server: join(dir, '.local', 'moto-venv', 'bin', 'moto_server'), python: join(dir, '.local', 'moto-venv', 'bin', 'python'), source: 'venv' };
    expect(first).toEqual(expected);
    expect(firstCalls).toEqual([
      'moto_server --help',
      'python3 --version',
      `python3 -m venv ${join(dir, '.local', 'moto-venv')}`,
      `${expected.python} -m pip install --disable-pip-version-check --no-input moto[server]==5.2.1`,
    ]);
    expect(said).toEqual([
      'moto_server is not on PATH: creating .local/moto-venv for it (python3 -m venv)',
      'installing moto[server]==5.2.1 into .local/moto-venv (pip; once, later runs reuse it)',
      'installed   moto_server 5.2.1 in .local/moto-venv',
    ]);
    expect(readFileSync(venv.marker, 'utf8')).toBe(`${MOTO_REQUIREMENT}\n`);
    expect(second).toEqual(expected);
    expect(calls).toEqual(['moto_server --help']);
  });

  it('installs again when the last install did not finish or pinned another version', async () => {
    const dir = project();
    const venv = motoVenv(dir, 'linux');
    mkdirSync(dirname(venv.server), { recursive: true });
    writeFileSync(venv.server, '');
    writeFileSync(venv.marker, 'moto[server]==5.0.0\n');
    const { run, calls } = fakeRunner({
      'python3 --version': { status: 0, stdout: 'Python 3.12.1\n', stderr: '' },
      'python3 -m': makeVenv,
      [`${venv.python} -m`]: installMoto(venv.python),
    });
    expect((await findMotoServer({ projectDir: dir, env: {}, run, platform: 'linux' })).source).toBe('venv');
    expect(calls).toHaveLength(4);
    expect(readFileSync(venv.marker, 'utf8')).toBe(`${MOTO_REQUIREMENT}\n`);
  });

  it('waits for another process installing into the same venv, and takes over the lock of one that has ended', async () => {
    // Prepare: a live process holds the lock and finishes the install 300 ms later
    const dir = project();
    const venv = motoVenv(dir, 'linux');
    mkdirSync(venv.lock, { recursive: true });
    writeFileSync(join(venv.lock, 'pid'), String(process.pid));
    setTimeout(() => {
      mkdirSync(dirname(venv.server), { recursive: true });
      writeFileSync(venv.server, '');
      writeFileSync(venv.marker, MOTO_REQUIREMENT);
      rmSync(venv.lock, { recursive: true });
    }, 300);
    const waiting = fakeRunner({});
    const said: string[] = [];
    // Act
    const found = await findMotoServer({ projectDir: dir, env: {}, run: waiting.run, say: (l) => said.push(l), platform: 'linux' });
    // Assess: nothing installed twice
    expect(found.source).toBe('venv');
    expect(waiting.calls).toEqual(['moto_server --help']);
    expect(said).toEqual(['waiting for another process that is installing moto into .local/moto-venv']);

    // A lock left by a process that has ended is taken over
    rmSync(venv.dir, { recursive: true });
    mkdirSync(venv.lock);
    writeFileSync(join(venv.lock, 'pid'), String(ENDED_PID));
    const taking = fakeRunner({
      'python3 --version': { status: 0, stdout: 'Python 3.11.7\n', stderr: '' },
      'python3 -m': makeVenv,
      [`${venv.python} -m`]: installMoto(venv.python),
    });
    expect((await findMotoServer({ projectDir: dir, env: {}, run: taking.run, platform: 'linux' })).source).toBe('venv');
    expect(taking.calls).toHaveLength(4);
    expect(existsSync(venv.lock)).toBe(false);

    // A live holder that never finishes: the error says who holds what
    mkdirSync(venv.lock);
    writeFileSync(join(venv.lock, 'pid'), String(process.pid));
    rmSync(venv.marker);
    await expect(findMotoServer({ projectDir: dir, env: {}, run: fakeRunner({}).run, platform: 'linux', lockTimeoutMs: 100 })).rejects.toThrow(
      new EmulatorUnavailableError(
        `another process (pid ${process.pid}) has been installing moto for 0 s (it holds ${venv.lock}): wait for it to finish, or end it and delete that folder, then run again`,
      ),
    );
  });

  it('says what to install when python3 is missing, too old, has no venv module, or pip fails', async () => {
    const dir = project();
    const venv = motoVenv(dir, 'linux');
    const alternatives =
      "or install moto yourself (pip install 'moto[server]==5.2.1') so that moto_server is on PATH, or set AWS_ENDPOINT_URL to a running LocalStack or moto endpoint";
    const attempt = (answers: Record<string, Answer>) => findMotoServer({ projectDir: dir, env: {}, run: fakeRunner(answers).run, platform: 'linux' });

    await expect(attempt({})).rejects.toThrow(
      new EmulatorUnavailableError(
        'moto_server is not on PATH, and local mode cannot install it into .local/moto-venv: python3 was not found on PATH. ' +
          'Install Python 3.9 or later with its venv module (Debian/Ubuntu: sudo apt-get install python3 python3-venv; macOS: brew install python) ' +
          `and run again; ${alternatives}`,
      ),
    );
    await expect(attempt({ 'python3 --version': { status: 0, stdout: 'Python 3.8.10\n', stderr: '' } })).rejects.toThrow(
      new EmulatorUnavailableError(
        'moto_server is not on PATH, and local mode cannot install it into .local/moto-venv: python3 is 3.8, and moto 5.2.1 needs Python 3.9 or later. ' +
          `Install a newer Python 3 and run again; ${alternatives}`,
      ),
    );
    const noEnsurepip = 'The virtual environment was not created successfully because ensurepip is not\navailable.  On Debian/Ubuntu systems, you need to install the python3-venv\npackage';
    await expect(
      attempt({
        'python3 --version': { status: 0, stdout: 'Python 3.11.7\n', stderr: '' },
        'python3 -m': { status: 1, stdout: noEnsurepip, stderr: '' },
      }),
    ).rejects.toThrow(
      new EmulatorUnavailableError(
        "could not create the Python virtual environment .local/moto-venv: 'python3 -m venv' failed (exit code 1). " +
          `Install Python's venv module (Debian/Ubuntu: sudo apt-get install python3-venv) and run again; ${alternatives}.\n` +
          `python3 -m venv said:\n${noEnsurepip}`,
      ),
    );
    const offline = 'ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1 (from versions: none)\nERROR: No matching distribution found for moto[server]==5.2.1';
    await expect(
      attempt({
        'python3 --version': { status: 0, stdout: 'Python 3.11.7\n', stderr: '' },
        'python3 -m': makeVenv,
        [`${venv.python} -m`]: { status: 1, stdout: 'Looking in indexes: https://pypi.org/simple\n', stderr: `${offline}\n` },
      }),
    ).rejects.toThrow(
      new EmulatorUnavailableError(
        'could not install moto[server]==5.2.1 into .local/moto-venv: pip failed (exit code 1). ' +
          `Check that PyPI is reachable (behind a proxy set HTTPS_PROXY; for a mirror set PIP_INDEX_URL) and run again; ${alternatives}.\n` +
          `pip said:\n${offline}`,
      ),
    );
    expect(existsSync(venv.marker)).toBe(false);
  });

  it('runs commands and reports one that is not found', async () => {
    expect(await runCommand(process.execPath, ['-e', "process.stdout.write('out'); process.stderr.write('err'); process.exit(3)"])).toEqual({
      status: 3,
      stdout: 'out',
      stderr: 'err',
    });
    expect((await runCommand('no-such-command-for-moto', [])).error?.code).toBe('ENOENT');
  });

  it('with a real python3: creates the venv, and local mode starts the moto_server in it', async () => {
    // Prepare: the real python3 makes the venv; pip is not run (no network in tests): the "install"
    // puts a moto_server in the venv that starts this machine's moto
    const dir = project();
    const venv = motoVenv(dir);
    const system = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' }).stdout.trim();
    expect(system, 'this machine runs the tests with a moto_server on PATH').not.toBe('');
    const ran: string[] = [];
    const run: CommandRunner = async (command, args) => {
      ran.push(command === venv.python ? `<venv python> ${args.slice(0, 2).join(' ')}` : [command, ...args.slice(0, 2)].join(' '));
      if (command === 'moto_server') return NOT_FOUND(command);
      if (command === venv.python) {
        writeFileSync(venv.server, `#!/bin/sh\nexec ${JSON.stringify(system)} "$@"\n`);
        chmodSync(venv.server, 0o755);
        return OK;
      }
      return runCommand(command, args);
    };
    const said: string[] = [];
    // Act
    const emulator = await startEmulator({ forceLocal: true, projectDir: dir, runCommand: run, say: (l) => said.push(l) });
    try {
      const listed = await new SQSClient(localClientConfig(emulator)).send(new ListQueuesCommand({}));
      // Assess
      expect(listed.QueueUrls ?? []).toEqual([]);
    } finally {
      await emulator.stop();
    }
    expect(ran).toEqual(['moto_server --help', 'python3 --version', 'python3 -m venv', '<venv python> -m pip']);
    expect(existsSync(venv.python)).toBe(true);
    expect(said).toHaveLength(3);
    // the second start reuses the venv
    ran.length = 0;
    const again = await startEmulator({ forceLocal: true, projectDir: dir, runCommand: run, say: (l) => said.push(l) });
    await again.stop();
    expect(ran).toEqual(['moto_server --help']);
  });
});
