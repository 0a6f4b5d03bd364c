/**
 * Invoking a job's function with an event: against AWS through the Lambda API (`Event` to hand it
 * over, `RequestResponse` to wait for the outcome), locally in this process through local mode's
 * `LocalLambda` (the bundled handler with the function's environment), where a `continueLater`
 * is run right after the invocation that asked for it. Interpreting the answers is pure.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LocalExecutions } from '../local/local-executions';
import { installLocalInvokeHook, LocalLambda, type InvocationResult } from '../local/local-lambda';
import { localClientConfig } from '../local/moto-server';
import type { LocalFunction, LocalStackFile } from '../local/local-stack';

/** What an invocation gave. */
export interface InvocationReport {
  /** `sync`: the result was waited for; `async`: the event was only handed over. */
  readonly mode: 'sync' | 'async';
  /** sync: the function returned without error; async: Lambda accepted the event. */
  readonly ok: boolean;
  readonly statusCode?: number;
  /** What the handler returned (sync only). For a job: its run outcome. */
  readonly result?: unknown;
  /** The function's error (sync only). */
  readonly error?: { readonly type: string; readonly message: string };
  /** Real time the handler ran (local only). */
  readonly durationMs?: number;
  /** How many invocations it took: 1, plus one per continuation (local only). */
  readonly invocations?: number;
}

/** Invokes functions of the platform. */
export interface JobInvoker {
  /** `aws`: Lambda API; `local`: in this process (always waits). */
  readonly where: 'aws' | 'local';
  invoke(functionArn: string, event: unknown, mode: 'sync' | 'async'): Promise<InvocationReport>;
}

/** The parts of a job's run outcome (what a `defineJob` handler returns) the CLI shows. */
export interface RunOutcomeView {
  readonly status: string;
  readonly slot?: string;
  readonly attempt?: number;
  readonly durationMs?: number;
  readonly reason?: string;
  readonly result?: unknown;
}

/** The run outcome in a handler's result, when it has the shape `defineJob` returns. */
export function runOutcomeOf(result: unknown): RunOutcomeView | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as Record<string, unknown>;
  if (typeof r.status !== 'string') return undefined;
  return {
    status: r.status,
    ...(typeof r.slot === 'string' ? { slot: r.slot } : {}),
    ...(typeof r.attempt === 'number' ? { attempt: r.attempt } : {}),
    ...(typeof r.durationMs === 'number' ? { durationMs: r.durationMs } : {}),
    ...(typeof r.reason === 'string' ? { reason: r.reason } : {}),
    ...('result' in r ? { result: r.result } : {}),
  };
}

/** Interprets a Lambda Invoke answer. */
export function reportFromLambda(
  mode: 'sync' | 'async',
  answer: { readonly StatusCode?: number; readonly FunctionError?: string; readonly Payload?: Uint8Array },
): InvocationReport {
  const statusCode = answer.StatusCode;
  if (mode === 'async') return { mode, ok: statusCode === 202, ...(statusCode !== undefined ? { statusCode } : {}) };
  const text = answer.Payload && answer.Payload.length > 0 ? new TextDecoder().decode(answer.Payload) : '';
  let payload: unknown;
  try {
    payload = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    payload = text;
  }
  if (answer.FunctionError) {
    const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
    return {
      mode,
      ok: false,
      ...(statusCode !== undefined ? { statusCode } : {}),
      error: {
        type: typeof p.errorType === 'string' ? p.errorType : answer.FunctionError,
        message: typeof p.errorMessage === 'string' ? p.errorMessage : typeof payload === 'string' ? payload : JSON.stringify(payload ?? null),
      },
    };
  }
  return { mode, ok: statusCode === undefined || (statusCode >= 200 && statusCode < 300), ...(statusCode !== undefined ? { statusCode } : {}), result: payload };
}

/**
 * Whether a re-invoke fixed the failure, so its inbox message may be deleted: the run SUCCEEDED,
 * continued (its continuation owns the slot now), a fan-out job's execution STARTED (it owns the
 * slot now; a failure of it reaches the inbox again), or the slot had already succeeded. A run that
 * failed, was skipped (paused, overlap) or found the slot still running is not fixed.
 */
export function fixedByReinvoke(report: InvocationReport): boolean {
  if (!report.ok || report.mode !== 'sync') return false;
  const outcome = runOutcomeOf(report.result);
  if (!outcome) return true; // not a job handler (the watchdog): returning without error is success
  switch (outcome.status) {
    case 'SUCCEEDED':
    case 'CONTINUED':
    case 'STARTED':
      return true;
    case 'DUPLICATE':
      return outcome.reason === 'already SUCCEEDED';
    default:
      return false;
  }
}

/** Invokes through the Lambda API. */
export class LambdaJobInvoker implements JobInvoker {
  readonly where = 'aws' as const;
  constructor(private readonly lambda: LambdaClient) {}

  async invoke(functionArn: string, event: unknown, mode: 'sync' | 'async'): Promise<InvocationReport> {
    const answer = await this.lambda.send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: mode === 'sync' ? 'RequestResponse' : 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    return reportFromLambda(mode, answer);
  }
}

export interface LocalJobInvokerOptions {
  /** Receives what handlers write. @default discarded */
  readonly output?: (fn: LocalFunction, text: string) => void;
}

/** Runs the local stack's functions in this process (always synchronously). */
export class LocalJobInvoker implements JobInvoker {
  readonly where = 'local' as const;
  private readonly lambda: LocalLambda;
  private readonly stack: LocalStackFile;

  constructor(stack: LocalStackFile, options: LocalJobInvokerOptions = {}) {
    this.stack = stack;
    this.lambda = new LocalLambda({ stack, output: options.output ?? (() => undefined) });
  }

  /** Runs a fan-out job's execution in this process when its function starts one (clients made on demand). */
  private installExecutions(): () => void {
    if (Object.keys(this.stack.stateMachines ?? {}).length === 0) return () => undefined;
    const config = localClientConfig(this.stack.endpoint, this.stack.region);
    const s3 = new S3Client(config);
    const sqs = new SQSClient(config);
    const uninstall = new LocalExecutions({ stack: this.stack, lambda: this.lambda, s3, sqs }).install();
    return () => {
      uninstall();
      s3.destroy();
      sqs.destroy();
    };
  }

  async invoke(functionArn: string, event: unknown): Promise<InvocationReport> {
    const fn = this.lambda.find(functionArn);
    const continuations: Array<{ readonly target: string; readonly event: unknown }> = [];
    const restoreHook = installLocalInvokeHook(async (target, next) => {
      continuations.push({ target, event: next });
    });
    const restoreExecutions = this.installExecutions();
    const restore = () => {
      restoreExecutions();
      restoreHook();
    };
    try {
      let result: InvocationResult = await this.lambda.invoke(fn, event);
      let invocations = 1;
      let durationMs = result.durationMs;
      while (result.ok && continuations.length > 0) {
        const next = continuations.shift() as { target: string; event: unknown };
        result = await this.lambda.invoke(next.target, next.event);
        invocations += 1;
        durationMs += result.durationMs;
      }
      return result.ok
        ? { mode: 'sync', ok: true, result: result.result, durationMs, invocations }
        : {
            mode: 'sync',
            ok: false,
            error: { type: result.error?.errorType ?? 'Error', message: result.error?.errorMessage ?? '' },
            durationMs,
            invocations,
          };
    } finally {
      restore();
    }
  }
}
