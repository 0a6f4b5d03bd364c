/**
 * Starts and stops a local AWS API emulator (`moto_server`) on a free loopback port, or uses the
 * endpoint in `AWS_ENDPOINT_URL` (LocalStack or a moto you started yourself) when it is set.
 * Used by the integration tests and by local mode.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A running emulator. */
export interface LocalEndpoint {
  /** The base URL to give SDK clients as `endpoint`, e.g. `http://127.0.0.1:51234`. */
  readonly url: string;
  /** True when this process started the emulator (and `stop()` will end it). */
  readonly owned: boolean;
  /** Wipes all emulator state (moto only; a no-op for an external endpoint). */
  reset(): Promise<void>;
  /** Stops the emulator if this process started it. */
  stop(): Promise<void>;
}

export class EmulatorUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmulatorUnavailableError';
  }
}

export interface StartEmulatorOptions {
  /**
   * Use this endpoint instead of starting moto.
   * @default process.env.AWS_ENDPOINT_URL
   */
  readonly endpoint?: string;
  /**
   * Always start a private moto_server, even if `AWS_ENDPOINT_URL` is set (tests use this).
   * @default false
   */
  readonly forceLocal?: boolean;
  /**
   * How long to wait for the emulator to answer.
   * @default 30000
   */
  readonly startTimeoutMs?: number;
  /**
   * Serve one request at a time. moto's threaded server applies concurrent UpdateItem calls to one
   * item without a lock (concurrent `ADD n :1` lose increments), which is weaker than DynamoDB, where
   * every single-item write is atomic. Serialising requests restores that guarantee for tests that
   * race many clients on one item; clients still interleave their requests freely.
   * @default false
   */
  readonly atomic?: boolean;
}

const MOTO_BINARY = process.env.MOTO_SERVER_BIN ?? 'moto_server';
/** The Python that has moto installed (the one `moto_server` runs on). */
const PYTHON_BINARY = process.env.MOTO_PYTHON_BIN ?? 'python3';
/** moto's own server entry point, with werkzeug's threading turned off (see `atomic`). */
const ATOMIC_MOTO_SCRIPT = [
  'import sys',
  'from werkzeug.serving import run_simple',
  'from moto.server import DomainDispatcherApplication, create_backend_app',
  'app = DomainDispatcherApplication(create_backend_app)',
  "run_simple('127.0.0.1', int(sys.argv[1]), app, threaded=False)",
].join('\n');

/** Finds a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True if `moto_server` can be run on this machine. */
export function motoAvailable(): boolean {
  const probe = spawnSync(MOTO_BINARY, ['--help'], { stdio: 'ignore' });
  return probe.status === 0;
}

async function waitUntilUp(url: string, child: ChildProcess | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new EmulatorUnavailableError(`moto_server exited with code ${child.exitCode} before it answered on ${url}`);
    }
    try {
      const response = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2000) });
      // moto answers its dashboard with 200; LocalStack and others answer something: both mean "up".
      if (response.status > 0) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new EmulatorUnavailableError(`no AWS API emulator answered on ${url} within ${timeoutMs} ms`, { cause: lastError });
}

/**
 * Starts moto_server on a free loopback port (or connects to `AWS_ENDPOINT_URL`) and waits
 * until it answers.
 *
 * @throws EmulatorUnavailableError with an install hint when neither is available.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<LocalEndpoint> {
  const external = options.forceLocal ? undefined : (options.endpoint ?? process.env.AWS_ENDPOINT_URL);
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  if (external) {
    const url = external.replace(/\/+$/, '');
    await waitUntilUp(url, undefined, timeoutMs);
    return { url, owned: false, reset: async () => undefined, stop: async () => undefined };
  }
  if (!motoAvailable()) {
    throw new EmulatorUnavailableError(
      `'${MOTO_BINARY}' was not found. Install it with: pip install 'moto[server]'  ` +
        '(or set AWS_ENDPOINT_URL to a running LocalStack or moto endpoint)',
    );
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [command, args] = options.atomic
    ? [PYTHON_BINARY, ['-c', ATOMIC_MOTO_SCRIPT, String(port)]]
    : [MOTO_BINARY, ['-H', '127.0.0.1', '-p', String(port)]];
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_CALL_RESET_API: 'true', MOTO_PORT: String(port) },
  });
  // Never outlive this process, however it ends (an uncaught error, process.exit).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitUntilUp(url, child, timeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw new EmulatorUnavailableError(`${(error as Error).message}\n${stderr}`, { cause: error });
  }
  return {
    url,
    owned: true,
    reset: async () => {
      await fetch(`${url}/moto-api/reset`, { method: 'POST' });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** Client settings that point an AWS SDK v3 client at a local endpoint with dummy credentials. */
export function localClientConfig(endpoint: LocalEndpoint | string, region = process.env.AWS_REGION ?? 'us-east-1') {
  const url = typeof endpoint === 'string' ? endpoint : endpoint.url;
  return {
    endpoint: url,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}
