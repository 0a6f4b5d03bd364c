/**
 * Fault injection for AWS SDK v3 clients: a middleware that fails a chosen share of HTTP requests
 * with the errors AWS really sends under load (S3 `503 SlowDown`, `500 InternalError`; DynamoDB
 * `ProvisionedThroughputExceededException`, `500 InternalServerError`), deterministically from a
 * seed. The failure is produced where the HTTP response would arrive, so the SDK's own
 * deserialisation and retry strategy see exactly what they would see from AWS.
 *
 * Optionally it also makes S3 DeleteObjects fail individual keys (reported in `Errors`, not deleted),
 * the partial failure the SDK does not retry.
 *
 * `countRequests` installs only the counting part (HTTP attempts per command, retries included).
 */
import { Readable } from 'node:stream';

/** A client with a middleware stack (every AWS SDK v3 client). */
interface StackClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  middlewareStack: { add(mw: any, options: any): void; remove(nameOrMw: string): boolean };
}

export type FaultKind = 'throttle' | 'server-error';

export interface FaultInjectionOptions {
  /** Share of HTTP requests to fail, 0 to 1. */
  readonly rate: number;
  /** Seed of the pseudo-random choice: the same seed fails the same request numbers. */
  readonly seed: number;
  /**
   * Kinds of failure, chosen uniformly among these for each failed request.
   * @default ['throttle', 'server-error']
   */
  readonly kinds?: readonly FaultKind[];
  /**
   * Only requests of these commands are failed (e.g. `['DeleteObjectsCommand']`).
   * @default every command
   */
  readonly commands?: readonly string[];
  /**
   * `before`: the request never reaches the service. `after`: the service handles it and the client
   * still gets the error (the harder case: the work was done, the caller cannot know).
   * @default 'before'
   */
  readonly when?: 'before' | 'after';
  /**
   * Share of the keys of each DeleteObjects request that S3 "fails" (`InternalError` in `Errors`,
   * the key left in place).
   * @default 0
   */
  readonly partialDeleteRate?: number;
}

export interface RequestCounter {
  /** HTTP attempts sent or failed by the middleware, by command name (SDK retries included). */
  readonly byCommand: Record<string, number>;
  /** Operations (`client.send` calls), by command name: what the code asked for, before SDK retries. */
  readonly operations: Record<string, number>;
  /** All HTTP attempts. */
  total(): number;
  /** Sets every count to zero. */
  reset(): void;
  /** Removes the middleware from the client. */
  remove(): void;
}

export interface FaultInjector extends RequestCounter {
  /** Requests failed on purpose, by command name. */
  readonly injected: Record<string, number>;
  /** Keys of DeleteObjects requests failed on purpose. */
  readonly injectedKeyFailures: () => number;
  /** All requests failed on purpose. */
  injectedTotal(): number;
}

/** mulberry32: a small, fast, seeded PRNG returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

function errorResponse(kind: FaultKind, jsonProtocol: boolean) {
  let statusCode: number;
  let body: string;
  let contentType: string;
  if (jsonProtocol) {
    contentType = 'application/x-amz-json-1.0';
    if (kind === 'throttle') {
      statusCode = 400;
      body = JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
      });
    } else {
      statusCode = 500;
      body = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error (injected)' });
    }
  } else {
    contentType = 'application/xml';
    const [code, message] = kind === 'throttle' ? ['SlowDown', 'Please reduce your request rate.'] : ['InternalError', 'We encountered an internal error. Please try again.'];
    statusCode = kind === 'throttle' ? 503 : 500;
    body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message} (injected)</Message><RequestId>INJECTED</RequestId></Error>`;
  }
  return {
    statusCode,
    reason: undefined,
    headers: { 'content-type': contentType, 'x-amzn-requestid': 'INJECTED', 'x-amz-request-id': 'INJECTED' },
    body: Readable.from([Buffer.from(body)]),
  };
}

const COUNT_NAME = 'testRequestCounter';
const OPERATION_NAME = 'testOperationCounter';
const FAULT_NAME = 'testFaultInjection';
const PARTIAL_NAME = 'testPartialDeleteFaults';

/** Counts HTTP attempts (retries included) and operations per command. */
export function countRequests(client: StackClient): RequestCounter {
  const byCommand: Record<string, number> = {};
  const operations: Record<string, number> = {};
  client.middlewareStack.add(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (next: any, context: any) => async (args: any) => {
      operations[context.commandName] = (operations[context.commandName] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', priority: 'high', name: OPERATION_NAME, override: true },
  );
  client.middlewareStack.add(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (next: any, context: any) => async (args: any) => {
      byCommand[context.commandName] = (byCommand[context.commandName] ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: COUNT_NAME, override: true },
  );
  return {
    byCommand,
    operations,
    total: () => sum(byCommand),
    reset: () => {
      for (const record of [byCommand, operations]) for (const k of Object.keys(record)) delete record[k];
    },
    remove: () => {
      client.middlewareStack.remove(COUNT_NAME);
      client.middlewareStack.remove(OPERATION_NAME);
    },
  };
}

/** Installs the fault-injecting middleware on `client`. */
export function injectFaults(client: StackClient, options: FaultInjectionOptions): FaultInjector {
  if (!(options.rate >= 0 && options.rate <= 1)) throw new RangeError(`fault rate must be within 0..1 (got ${options.rate})`);
  const random = seededRandom(options.seed);
  const kinds = options.kinds ?? ['throttle', 'server-error'];
  const counter = countRequests(client);
  const injected: Record<string, number> = {};
  let keyFailures = 0;
  const applies = (command: string) => !options.commands || options.commands.includes(command);

  client.middlewareStack.add(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (next: any, context: any) => async (args: any) => {
      const command: string = context.commandName;
      if (!applies(command) || random() >= options.rate) return next(args);
      injected[command] = (injected[command] ?? 0) + 1;
      const kind = kinds[Math.floor(random() * kinds.length)];
      const jsonProtocol = typeof args.request?.headers?.['x-amz-target'] === 'string';
      if ((options.when ?? 'before') === 'after') await next(args);
      return { response: errorResponse(kind, jsonProtocol), output: undefined };
    },
    { step: 'deserialize', priority: 'low', name: FAULT_NAME, override: true },
  );

  const partialRate = options.partialDeleteRate ?? 0;
  if (partialRate > 0) {
    client.middlewareStack.add(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (next: any, context: any) => async (args: any) => {
        if (context.commandName !== 'DeleteObjectsCommand') return next(args);
        const objects: { Key: string }[] = args.input.Delete?.Objects ?? [];
        const failing = objects.filter(() => random() < partialRate);
        if (failing.length === 0) return next(args);
        keyFailures += failing.length;
        const failingKeys = new Set(failing.map((o) => o.Key));
        const kept = objects.filter((o) => !failingKeys.has(o.Key));
        const errors = failing.map((o) => ({ Key: o.Key, Code: 'InternalError', Message: 'We encountered an internal error. Please try again. (injected)' }));
        if (kept.length === 0) return { output: { $metadata: { httpStatusCode: 200 }, Errors: errors } };
        const result = await next({ ...args, input: { ...args.input, Delete: { ...args.input.Delete, Objects: kept } } });
        return { ...result, output: { ...result.output, Errors: [...(result.output.Errors ?? []), ...errors] } };
      },
      { step: 'initialize', priority: 'high', name: PARTIAL_NAME, override: true },
    );
  }

  return {
    ...counter,
    injected,
    injectedKeyFailures: () => keyFailures,
    injectedTotal: () => sum(injected),
    reset: () => {
      counter.reset();
      for (const k of Object.keys(injected)) delete injected[k];
      keyFailures = 0;
    },
    remove: () => {
      counter.remove();
      client.middlewareStack.remove(FAULT_NAME);
      client.middlewareStack.remove(PARTIAL_NAME);
    },
  };
}
