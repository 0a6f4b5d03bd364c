/**
 * Runs a stack's Lambda functions in this process, from their bundled assets in the cloud
 * assembly: the function's resolved environment (set around each call and restored after), SDK
 * clients pointed at the emulator (`AWS_ENDPOINT_URL`, dummy credentials), a Lambda-like context
 * (remaining time from the timeout) and the timeout itself. Invocations of the same function may
 * run side by side (one environment, set while any of them runs: a fan-out map's batches); those of
 * different functions wait for each other, so that two functions' environments never mix. What a handler writes (logs, EMF metrics) goes to `output`; what
 * `output` itself writes to the process's stdout/stderr reaches them unchanged.
 */
import { Console } from 'node:console';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ScheduledJobsError } from '../../lib/contract';
import type { LocalFunction, LocalStackFile } from './local-stack';
import { findLocalFunction } from './local-stack';

/** The error of a failed invocation, in Lambda's format. */
export interface InvocationError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

export interface InvocationResult {
  readonly functionLogicalId: string;
  readonly requestId: string;
  readonly ok: boolean;
  /** What the handler returned (when ok). */
  readonly result?: unknown;
  readonly error?: InvocationError;
  readonly timedOut: boolean;
  /** Real time the handler ran. */
  readonly durationMs: number;
}

/** No function of the local stack has the name, ARN or job name asked for; the message lists them. */
export class FunctionNotFoundError extends ScheduledJobsError {}

/** A function's handler module is missing, fails to load, or does not export the handler. */
export class HandlerLoadError extends ScheduledJobsError {}

export interface LocalLambdaOptions {
  readonly stack: Pick<LocalStackFile, 'functions' | 'region' | 'endpoint' | 'stackName'>;
  /**
   * Receives everything a handler writes to stdout/stderr, as it is written. The callback may write
   * to `process.stdout`/`process.stderr` itself: those writes reach the streams, not the callback.
   * @default written to this process's stdout/stderr
   */
  readonly output?: (fn: LocalFunction, text: string) => void;
  /** Extra variables for every function (after the function's own). @default none */
  readonly environment?: Readonly<Record<string, string>>;
}

type Handler = (event: unknown, context: LambdaContext, callback?: (error?: unknown, result?: unknown) => void) => unknown;

/** The context object a handler receives (the fields of the Node.js Lambda runtime's context). */
export interface LambdaContext {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  done(error?: unknown, result?: unknown): void;
  fail(error: unknown): void;
  succeed(result: unknown): void;
}

/** The process's own stdout/stderr writers, kept before any invocation redirects them. */
const terminal = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};

/**
 * A stream for progress bars and live logs that keeps writing to the terminal while a handler's
 * output is being redirected.
 */
export function terminalStream(stream: NodeJS.WriteStream = process.stderr): NodeJS.WriteStream {
  const write = stream === process.stdout ? terminal.stdout : terminal.stderr;
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') return write;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Writes to the terminal even while a handler's output is redirected. */
export function writeTerminal(text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
  terminal[stream](text);
}

export function toInvocationError(error: unknown): InvocationError {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error), trace: [] };
}

/** The Symbol under which the job runtime finds local mode's asynchronous invoke (for `continueLater`). */
export const LOCAL_INVOKE_SYMBOL = Symbol.for('cdk-scheduled-jobs.local-invoke');

/** What the job runtime calls instead of Lambda `Invoke` (InvocationType `Event`) in local mode. */
export type LocalInvokeHook = (functionArnOrName: string, event: unknown) => Promise<void>;

/** Installs the hook the runtime uses for asynchronous invocations; returns a function that removes it. */
export function installLocalInvokeHook(hook: LocalInvokeHook): () => void {
  const global = globalThis as unknown as Record<symbol, unknown>;
  const previous = global[LOCAL_INVOKE_SYMBOL];
  global[LOCAL_INVOKE_SYMBOL] = hook;
  return () => {
    if (previous === undefined) delete global[LOCAL_INVOKE_SYMBOL];
    else global[LOCAL_INVOKE_SYMBOL] = previous;
  };
}

/** Runs functions of one local stack in-process. */
export class LocalLambda {
  private readonly modules = new Map<string, Record<string, unknown>>();
  /** The function whose invocations run now, how many, and how to restore the process after them. */
  private active: { readonly logicalId: string; running: number; readonly restore: () => void } | undefined;
  private waiting: Array<() => void> = [];

  constructor(private readonly options: LocalLambdaOptions) {}

  /** Finds a function by logical id, name, ARN or job name. */
  find(nameOrArn: string): LocalFunction {
    const fn = findLocalFunction({ functions: this.options.stack.functions } as LocalStackFile, nameOrArn);
    if (!fn) {
      throw new FunctionNotFoundError(
        `no function '${nameOrArn}' in local stack '${this.options.stack.stackName}' ` +
          `(functions: ${Object.values(this.options.stack.functions).map((f) => f.functionName).join(', ') || 'none'})`,
      );
    }
    return fn;
  }

  /**
   * Invokes a function synchronously (like `Invoke` with `RequestResponse`): waits while another
   * function's invocations run, then runs the handler with the function's environment (beside the
   * same function's other invocations, if any; the caller bounds how many).
   */
  async invoke(nameOrArn: string | LocalFunction, event: unknown): Promise<InvocationResult> {
    const fn = typeof nameOrArn === 'string' ? this.find(nameOrArn) : nameOrArn;
    while (this.active && this.active.logicalId !== fn.logicalId) {
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
    this.active ??= { logicalId: fn.logicalId, running: 0, restore: this.enter(fn) };
    const active = this.active;
    active.running++;
    try {
      return await this.run(fn, event);
    } finally {
      active.running--;
      if (active.running === 0) {
        active.restore();
        this.active = undefined;
        const waiting = this.waiting;
        this.waiting = [];
        for (const wake of waiting) wake();
      }
    }
  }

  /** The environment a function runs with (its own, plus the Lambda runtime's and the emulator's). */
  environmentOf(fn: LocalFunction): Record<string, string | undefined> {
    const { region, endpoint } = this.options.stack;
    return {
      AWS_PROFILE: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL: endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'local',
      LAMBDA_TASK_ROOT: fn.codeDir,
      _HANDLER: fn.handler,
      TZ: 'UTC',
      ...fn.environment,
      ...this.options.environment,
    };
  }

  private async loadHandler(fn: LocalFunction): Promise<Handler> {
    const lastDot = fn.handler.lastIndexOf('.');
    const modulePath = fn.handler.slice(0, lastDot);
    const exportName = fn.handler.slice(lastDot + 1);
    let exports = this.modules.get(fn.logicalId);
    if (!exports) {
      const file = ['.js', '.cjs', '.mjs'].map((ext) => join(fn.codeDir, modulePath + ext)).find((f) => existsSync(f));
      if (!file) {
        throw new HandlerLoadError(`function ${fn.functionName}: no ${modulePath}.js (or .cjs/.mjs) in ${fn.codeDir} for handler '${fn.handler}'`);
      }
      try {
        if (file.endsWith('.mjs')) {
          exports = (await import(`${pathToFileURL(file).href}?fn=${encodeURIComponent(fn.logicalId)}`)) as Record<string, unknown>;
        } else {
          // A fresh module instance per function: two functions built from the same asset keep
          // their own module-scope state (clients, caches), like separate Lambda sandboxes.
          delete require.cache[file];
          // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is only known at runtime
          exports = require(file) as Record<string, unknown>;
          delete require.cache[file];
        }
      } catch (error) {
        throw new HandlerLoadError(`function ${fn.functionName}: loading ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      this.modules.set(fn.logicalId, exports);
    }
    const handler = exports[exportName];
    if (typeof handler !== 'function') {
      throw new HandlerLoadError(`function ${fn.functionName}: '${fn.handler}' is not a function export of ${join(fn.codeDir, modulePath)}`);
    }
    return handler as Handler;
  }

  /** Sets the function's environment and captures the process's output for it; returns how to undo both. */
  private enter(fn: LocalFunction): () => void {
    const environment = this.environmentOf(fn);
    const saved: Record<string, string | undefined> = {};
    for (const key of Object.keys(environment)) saved[key] = process.env[key];
    const apply = (values: Record<string, string | undefined>) => {
      for (const [key, value] of Object.entries(values)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    };
    const output = this.options.output;
    const streams = [process.stdout, process.stderr] as const;
    const originalWrites = streams.map((s) => s.write);
    const originalConsole = globalThis.console;
    apply(environment);
    if (output) {
      // What the callback itself writes to the process's streams (a CLI printing the handler's lines
      // on stderr) goes to the streams as they were, not back into the callback.
      let forwarding = false;
      const capture = (index: number, chunk: string | Uint8Array, rest: unknown[]): boolean => {
        if (forwarding) return (originalWrites[index] as (...a: unknown[]) => boolean).call(streams[index], chunk, ...rest);
        forwarding = true;
        try {
          output(fn, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        } finally {
          forwarding = false;
        }
        const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      };
      streams.forEach((stream, index) => {
        stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => capture(index, chunk, rest)) as typeof stream.write;
      });
      // The global console too, whatever it writes to (a test runner may have replaced it).
      const sink = (index: number) =>
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            capture(index, chunk, []);
            done();
          },
        });
      globalThis.console = new Console({ stdout: sink(0), stderr: sink(1), colorMode: false });
    }
    return () => {
      streams.forEach((stream, i) => {
        stream.write = originalWrites[i];
      });
      globalThis.console = originalConsole;
      apply(saved);
    };
  }

  private async run(fn: LocalFunction, event: unknown): Promise<InvocationResult> {
    const requestId = randomUUID();
    const started = performance.now();
    const deadline = started + fn.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const handler = await this.loadHandler(fn);
      const outcome = await new Promise<{ ok: boolean; value: unknown; timedOut: boolean }>((settle) => {
        let settled = false;
        const finish = (ok: boolean, value: unknown, timedOut = false) => {
          if (settled) return;
          settled = true;
          settle({ ok, value, timedOut });
        };
        const callback = (error?: unknown, result?: unknown) => (error ? finish(false, error) : finish(true, result));
        const context: LambdaContext = {
          functionName: fn.functionName,
          functionVersion: '$LATEST',
          invokedFunctionArn: fn.arn,
          memoryLimitInMB: String(fn.memorySize),
          awsRequestId: requestId,
          logGroupName: `/aws/lambda/${fn.functionName}`,
          logStreamName: 'local',
          callbackWaitsForEmptyEventLoop: true,
          getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - performance.now())),
          done: callback,
          fail: (error) => finish(false, error),
          succeed: (result) => finish(true, result),
        };
        timer = setTimeout(() => {
          const error = new Error(`Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`);
          error.name = 'Sandbox.Timedout';
          finish(false, error, true);
        }, fn.timeoutSeconds * 1000);
        try {
          const returned = handler(structuredClone(event), context, handler.length >= 3 ? callback : undefined);
          if (returned && typeof (returned as Promise<unknown>).then === 'function') {
            (returned as Promise<unknown>).then(
              (value) => finish(true, value),
              (error: unknown) => finish(false, error),
            );
          } else if (handler.length < 3) {
            finish(true, returned);
          }
        } catch (error) {
          finish(false, error);
        }
      });
      const durationMs = Math.round(performance.now() - started);
      return outcome.ok
        ? { functionLogicalId: fn.logicalId, requestId, ok: true, result: outcome.value, timedOut: false, durationMs }
        : {
            functionLogicalId: fn.logicalId,
            requestId,
            ok: false,
            error: toInvocationError(outcome.value),
            timedOut: outcome.timedOut,
            durationMs,
          };
    } catch (error) {
      return {
        functionLogicalId: fn.logicalId,
        requestId,
        ok: false,
        error: toInvocationError(error),
        timedOut: false,
        durationMs: Math.round(performance.now() - started),
      };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
