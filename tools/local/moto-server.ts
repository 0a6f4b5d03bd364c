/**
 * Starts and stops a local AWS API emulator (`moto_server`) on a free loopback port, or uses the
 * endpoint in `AWS_ENDPOINT_URL` (LocalStack or a moto you started yourself) when it is set.
 * Without a `moto_server` on PATH, a pinned moto is installed into the project's
 * `.local/moto-venv` on first use (see `moto-install.ts`). Used by the integration tests and by
 * local mode.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { relative } from 'node:path';
import { EmulatorUnavailableError, findMotoServer, motoVenv, type CommandRunner } from './moto-install';

export { EmulatorUnavailableError } from './moto-install';

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
  /**
   * Let moto answer this many requests without checking them, then check every request's signature
   * and action against the caller's IAM policies (moto's `INITIAL_NO_AUTH_ACTION_COUNT`; see
   * `iam-identities.ts`, which creates the administrator within these). Only for a moto this call starts.
   * @default no checks at all
   */
  readonly initialNoAuthActionCount?: number;
  /**
   * The project whose `.local/moto-venv` holds the moto installed when none is on PATH.
   * @default process.cwd()
   */
  readonly projectDir?: string;
  /**
   * Receives one line per step of installing moto (only the first run without one on PATH).
   * @default written to stderr
   */
  readonly say?: (line: string) => void;
  /**
   * Runs the commands that find and install moto (tests replace it).
   * @default a child process per command
   */
  readonly runCommand?: CommandRunner;
}
/**
 * With IAM checked, moto answers a denied request in its XML format even for JSON-protocol APIs
 * (DynamoDB, SQS, Scheduler), which the SDK cannot parse (a `SyntaxError` instead of the error), and
 * S3's denial says only "Access Denied". This makes the denial what AWS sends: `AccessDeniedException`
 * (JSON APIs) or `AccessDenied` (S3) whose message names the caller and the action,
 * `User: <arn> is not authorized to perform: <action>`; and it checks S3 signatures of keys that
 * need encoding the way S3 does.
 */
const IAM_ERRORS_PATCH = [
  'from moto.core.authorization import ActionAuthenticatorMixin',
  'from moto.core.exceptions import JsonRESTError, _RESTError',
  'from moto.iam import access_control',
  'from moto.s3.exceptions import S3AccessDeniedError',
  "JSON_CODES = {'AccessDenied': 'AccessDeniedException', 'InvalidClientTokenId': 'UnrecognizedClientException', 'SignatureDoesNotMatch': 'InvalidSignatureException'}",
  '_checked = ActionAuthenticatorMixin._authenticate_and_authorize_normal_action',
  "def _authorize(self, resource='*'):",
  '    try:',
  '        _checked(self, resource)',
  '    except _RESTError as error:',
  "        if 'json' not in (self.headers.get('Content-Type') or '') and not self.headers.get('X-Amz-Target'):",
  '            raise',
  '        converted = JsonRESTError(JSON_CODES.get(error.error_type, error.error_type), error.message)',
  '        converted.code = error.code',
  '        raise converted from error',
  'ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = _authorize',
  'class NamedS3AccessDenied(S3AccessDeniedError):',
  '    def __init__(self, message):',
  '        super().__init__()',
  '        self.message = message',
  'def _s3_denied(self):',
  "    raise NamedS3AccessDenied(f'User: {self._access_key.arn} is not authorized to perform: {self._action}')",
  'access_control.S3IAMRequest._raise_access_denied = _s3_denied',
  // moto recomputes an S3 signature from the decoded path and query, the SDK signs the encoded ones:
  // keys or prefixes with `:`, `/` or spaces would fail with SignatureDoesNotMatch. Encode them as S3 clients do.
  'from urllib.parse import quote, unquote',
  '_s3_init = access_control.S3IAMRequest.__init__',
  'def _s3_request(self, *args, **kwargs):',
  '    _s3_init(self, *args, **kwargs)',
  "    path, separator, query = self._path.partition('?')",
  "    pairs = [pair.partition('=') for pair in query.split('&')] if query else []",
  "    query = '&'.join(quote(unquote(k), safe='-_.~') + e + quote(unquote(v), safe='-_.~') for k, e, v in pairs)",
  "    self._path = quote(unquote(path), safe='/~') + separator + query",
  'access_control.S3IAMRequest.__init__ = _s3_request',
].join('\n');

/** How to run moto_server: its own entry point, or a script when requests are serialised or IAM is checked. */
export function motoCommand(
  moto: { readonly server: string; readonly python: string },
  port: number,
  options: { readonly atomic?: boolean; readonly initialNoAuthActionCount?: number } = {},
): { command: string; args: string[]; env: Record<string, string> } {
  const env: Record<string, string> = { MOTO_CALL_RESET_API: 'true', MOTO_PORT: String(port) };
  if (options.initialNoAuthActionCount !== undefined) env.INITIAL_NO_AUTH_ACTION_COUNT = String(options.initialNoAuthActionCount);
  if (!options.atomic && options.initialNoAuthActionCount === undefined) {
    return { command: moto.server, args: ['-H', '127.0.0.1', '-p', String(port)], env };
  }
  // moto's own server entry point, with werkzeug's threading turned off for `atomic`.
  const script = [
    'import sys',
    ...(options.initialNoAuthActionCount !== undefined ? [IAM_ERRORS_PATCH] : []),
    'from werkzeug.serving import run_simple',
    'from moto.server import DomainDispatcherApplication, create_backend_app',
    'app = DomainDispatcherApplication(create_backend_app)',
    `run_simple('127.0.0.1', int(sys.argv[1]), app, threaded=${options.atomic ? 'False' : 'True'})`,
  ].join('\n');
  return { command: moto.python, args: ['-c', script, String(port)], env };
}

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

/** True if `moto_server` (or `MOTO_SERVER_BIN`) can be run as it is, without installing one. */
export function motoAvailable(): boolean {
  const probe = spawnSync(process.env.MOTO_SERVER_BIN || 'moto_server', ['--help'], { stdio: 'ignore' });
  return probe.status === 0;
}

async function waitUntilUp(url: string, child: (ChildProcess & { spawnError?: Error }) | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child?.spawnError) {
      throw new EmulatorUnavailableError(`${child.spawnfile} could not be started: ${child.spawnError.message}`, { cause: child.spawnError });
    }
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
 * until it answers. Without a `moto_server` on PATH, the one in `<projectDir>/.local/moto-venv` is
 * used, installed there first when it is not yet.
 *
 * @throws EmulatorUnavailableError saying what is missing and what to install.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<LocalEndpoint> {
  const external = options.forceLocal ? undefined : (options.endpoint ?? process.env.AWS_ENDPOINT_URL);
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  if (external) {
    const url = external.replace(/\/+$/, '');
    await waitUntilUp(url, undefined, timeoutMs);
    return { url, owned: false, reset: async () => undefined, stop: async () => undefined };
  }
  const projectDir = options.projectDir ?? process.cwd();
  const moto = await findMotoServer({
    projectDir,
    ...(options.runCommand ? { run: options.runCommand } : {}),
    say: options.say ?? ((line) => process.stderr.write(`${line}\n`)),
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { command, args, env } = motoCommand(moto, port, options);
  const child: ChildProcess & { spawnError?: Error } = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  child.once('error', (error) => {
    child.spawnError = error;
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
    const venv = motoVenv(projectDir).dir;
    const reinstall = moto.source === 'venv' ? `\n(moto_server from ${relative(projectDir, venv) || venv}: delete that folder to install it again)` : '';
    throw new EmulatorUnavailableError(`${(error as Error).message}\n${stderr}${reinstall}`, { cause: error });
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

/**
 * Client settings that point an AWS SDK v3 client at a local endpoint, with dummy credentials or,
 * when the emulator enforces IAM, an identity's (the local administrator's: `LocalStackFile.iam.admin`).
 */
export function localClientConfig(
  endpoint: LocalEndpoint | string,
  region = process.env.AWS_REGION ?? 'us-east-1',
  credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string },
) {
  const url = typeof endpoint === 'string' ? endpoint : endpoint.url;
  return {
    endpoint: url,
    region,
    forcePathStyle: true,
    credentials: credentials
      ? {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
        }
      : { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}
