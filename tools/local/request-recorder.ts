/**
 * The request recorder: a small HTTP proxy on 127.0.0.1 between local functions and the emulator.
 * Local mode points every local function's SDK at it (the functions' `AWS_ENDPOINT_URL`); it
 * forwards each request unchanged (but for the hop-by-hop `Expect`) to the real endpoint (moto, or
 * the user's `AWS_ENDPOINT_URL` / LocalStack), streams the answer back, and keeps a record of the
 * call: which invocation made it, the access key id it was signed with, the IAM action and the
 * resources (see `aws-request-action.ts`), the HTTP status, and for SES `SendEmail` the destination,
 * the message's headers and the `MessageId` of the answer.
 *
 * Which invocation made a call: the trace id. As Lambda does, local mode gives each invocation its
 * own X-Ray trace header (`_X_AMZN_TRACE_ID`, or the runtime's per-invocation store when one
 * process runs several invocations at once), and the SDK sends it with every call it makes during
 * that invocation (`X-Amzn-Trace-Id`). Whoever starts an invocation registers its trace id with
 * {@link RequestRecorder.invocationStarted}; a record then carries the invocation, whatever else runs
 * at the same time. Calls without a registered trace id (local mode's own clients, a test's) are
 * recorded without one.
 *
 * API, for local mode and the reports built on it (the sends of `cdk-jobs dev --json`, the
 * unused-access report):
 * - `await startRequestRecorder({ target })` starts it; `recorder.url` is the endpoint to give the
 *   functions;
 * - `recorder.records()` every record so far, in the order the answers completed;
 * - `recorder.onRecord(listener)` calls `listener(record)` for each new record (returns the
 *   function that removes it);
 * - `recorder.invocationStarted({ traceId, requestId, functionName, ... })` attributes later calls;
 * - `await recorder.close()` stops it (connections in flight are cut);
 * - `routeThrough(environment, emulatorUrl, recorder.url)` points the emulator addresses in a
 *   function's environment (queue URLs) at the recorder.
 * `cdk-jobs dev` (`runDev`) runs one for every run: `DevResult.requests` holds its records and
 * `DevOptions.onRequest` receives them as they come.
 */
import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { describeRequest, sentMessageId, type EmailRequest, type RequestAction } from './aws-request-action';

/** An invocation whose calls the recorder attributes. */
export interface RecordedInvocation {
  /** The `Root` of the invocation's trace header. */
  readonly traceId: string;
  /** The invocation's request id (`context.awsRequestId`). */
  readonly requestId: string;
  readonly functionName: string;
  /** The function's logical id in its stack. */
  readonly functionLogicalId?: string;
  /** The job the function runs, when it runs one. */
  readonly jobName?: string;
  /** When the invocation started, on local mode's clock (epoch ms; simulated during a simulation). */
  readonly startedAt: number;
}

/** One call through the recorder. */
export interface RequestRecord extends RequestAction {
  /** 1, 2, 3... in the order the calls arrived. */
  readonly seq: number;
  /** When the call arrived, on the recorder's clock (epoch ms). */
  readonly time: number;
  readonly method: string;
  /** Path and query string. */
  readonly url: string;
  /** The invocation that made the call (by its trace id), when it was registered. */
  readonly invocation?: RecordedInvocation;
  /** The HTTP status of the answer; 502 when the endpoint could not be reached. */
  readonly status: number;
  /** Real milliseconds from the request's arrival to the answer's end. */
  readonly durationMs: number;
  /** For SES `SendEmail`: the request's destination and headers, and the answer's `MessageId` (2xx only). */
  readonly email?: EmailRequest & { readonly messageId?: string };
  /** Why the call could not be forwarded. */
  readonly error?: string;
}

export interface RequestRecorderOptions {
  /** The endpoint calls go to (`http://127.0.0.1:5000`). */
  readonly target: string;
  /** The clock of `time` in records. @default Date.now (the simulated clock while one is installed) */
  readonly now?: () => number;
  /** Keep every record in memory for `records()`; `false` only calls the listeners. @default true */
  readonly keep?: boolean;
  /** A first listener. @default none */
  readonly onRecord?: (record: RequestRecord) => void;
}

/** Bodies larger than this are forwarded but not parsed (S3 object bodies). */
const MAX_PARSED_BODY = 1024 * 1024;
/** Answers kept to be parsed (SES `SendEmail`); the rest is only streamed back. */
const MAX_PARSED_ANSWER = 64 * 1024;

export class RequestRecorder {
  private readonly kept: RequestRecord[] = [];
  private readonly listeners = new Set<(record: RequestRecord) => void>();
  private readonly invocations = new Map<string, RecordedInvocation>();
  private seq = 0;

  private constructor(
    private readonly server: Server,
    private readonly agent: HttpAgent,
    private readonly options: RequestRecorderOptions,
    /** The endpoint to give local functions (`http://127.0.0.1:<port>`). */
    readonly url: string,
  ) {
    if (options.onRecord) this.listeners.add(options.onRecord);
  }

  /** Starts a recorder on a free port of 127.0.0.1. */
  static async start(options: RequestRecorderOptions): Promise<RequestRecorder> {
    const target = new URL(options.target);
    const https = target.protocol === 'https:';
    const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    const server = createServer();
    // SDK clients keep their connections open between calls (between invocations, minutes apart).
    server.keepAliveTimeout = 10 * 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const recorder = new RequestRecorder(server, agent, options, `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => recorder.handle(req, res, target, https));
    return recorder;
  }

  /** Every record so far, in the order the answers completed. */
  records(): RequestRecord[] {
    return [...this.kept];
  }

  /** Calls `listener` with each new record; returns the function that removes it. */
  onRecord(listener: (record: RequestRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The logical ids of the functions invoked so far (those the recorder was told of). */
  invokedFunctions(): Set<string> {
    return new Set([...this.invocations.values()].flatMap((i) => (i.functionLogicalId ? [i.functionLogicalId] : [])));
  }

  /** Attributes the calls that carry `invocation.traceId` to the invocation. */
  invocationStarted(invocation: RecordedInvocation): void {
    this.invocations.set(invocation.traceId, invocation);
  }

  /** Stops the recorder and cuts the connections still open. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private handle(req: IncomingMessage, res: ServerResponse, target: URL, https: boolean): void {
    const arrived = (this.options.now ?? Date.now)();
    const started = performance.now();
    const seq = ++this.seq;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks, size);
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const described = describeRequest({ method, url, headers: req.headers, body: size <= MAX_PARSED_BODY ? body.toString('utf8') : '' });
      const headers = { ...req.headers };
      delete headers.expect;
      const finish = (status: number, answer: string | undefined, error?: string) => {
        const invocation = described.traceId ? this.invocations.get(described.traceId) : undefined;
        const messageId = described.email && status >= 200 && status < 300 && answer !== undefined ? sentMessageId(answer) : undefined;
        this.emit({
          ...described,
          seq,
          time: arrived,
          method,
          url,
          ...(invocation ? { invocation } : {}),
          status,
          durationMs: Math.round(performance.now() - started),
          ...(described.email ? { email: { ...described.email, ...(messageId ? { messageId } : {}) } } : {}),
          ...(error ? { error } : {}),
        });
      };
      const upstream = (https ? httpsRequest : httpRequest)(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method, path: url, headers, agent: this.agent },
        (answer) => {
          const status = answer.statusCode ?? 0;
          res.writeHead(status, answer.statusMessage, answer.rawHeaders);
          const parts: Buffer[] | undefined = described.email ? [] : undefined;
          let kept = 0;
          answer.on('data', (chunk: Buffer) => {
            if (parts && kept < MAX_PARSED_ANSWER) {
              parts.push(chunk);
              kept += chunk.length;
            }
          });
          // Recorded before the answer ends for the caller: a record exists once its call returns.
          answer.on('end', () => finish(status, parts ? Buffer.concat(parts).toString('utf8') : undefined));
          answer.on('error', (error) => res.destroy(error));
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        finish(502, undefined, error.message);
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`request recorder: ${target.origin} could not be reached: ${error.message}`);
        } else {
          res.destroy(error);
        }
      });
      upstream.end(body);
    });
  }

  private emit(record: RequestRecord): void {
    if (this.options.keep !== false) this.kept.push(record);
    for (const listener of this.listeners) listener(record);
  }
}

/** Starts a recorder forwarding to `options.target`. */
export function startRequestRecorder(options: RequestRecorderOptions): Promise<RequestRecorder> {
  return RequestRecorder.start(options);
}

/** The `_X_AMZN_TRACE_ID` value of a new invocation and its `Root` (the X-Ray format Lambda uses). */
export function newTraceHeader(now: number, random: (bytes: number) => string): { header: string; root: string } {
  const root = `1-${Math.floor(now / 1000).toString(16).padStart(8, '0')}-${random(12)}`;
  return { header: `Root=${root};Parent=${random(8)};Sampled=0`, root };
}

/**
 * A function's environment with the emulator's address replaced by the recorder's in every value
 * (queue URLs the emulator gave at provisioning, `http://127.0.0.1:5000/123456789012/inbox`): the
 * SQS client sends to a queue URL's own host, which would otherwise bypass the recorder.
 */
export function routeThrough(environment: Readonly<Record<string, string>>, emulatorUrl: string, recorderUrl: string): Record<string, string> {
  // The origin, not followed by more port digits (`:5000` is not `:50001`).
  const from = new RegExp(`${new URL(emulatorUrl).origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\d)`, 'g');
  const to = new URL(recorderUrl).origin;
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, value.replace(from, to)]));
}
