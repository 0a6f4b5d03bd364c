/**
 * Dispatching a continuation: an asynchronous re-invocation of the same function for the same slot.
 * In Lambda it calls Invoke with `InvocationType: 'Event'`; local mode installs a function under
 * `Symbol.for('cdk-scheduled-jobs.local-invoke')` on `globalThis` and receives the call instead.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { JobEvent } from '../../lib/contract';
import { sdkRetryConfig } from '../shared/retry';

/** The global symbol local mode uses to receive continuation invokes. */
export const LOCAL_INVOKE_SYMBOL = Symbol.for('cdk-scheduled-jobs.local-invoke');

/** The function local mode installs at `globalThis[LOCAL_INVOKE_SYMBOL]`. */
export type LocalInvoke = (functionArnOrName: string, event: JobEvent) => unknown;

/** Starts an asynchronous invocation of a function with an event. */
export interface ContinuationInvoker {
  invokeAsync(functionArnOrName: string, event: JobEvent): Promise<void>;
}

/** The local-mode hook, if one is installed. */
export function localInvokeHook(): LocalInvoke | undefined {
  const hook = (globalThis as Record<symbol, unknown>)[LOCAL_INVOKE_SYMBOL];
  return typeof hook === 'function' ? (hook as LocalInvoke) : undefined;
}

type LambdaModule = typeof import('@aws-sdk/client-lambda');
let lambdaModule: Promise<LambdaModule> | undefined;
let sharedClient: LambdaClient | undefined;

/** Loads the Lambda client only when a job continues: most invocations never need it. */
function loadLambdaModule(): Promise<LambdaModule> {
  lambdaModule ??= import('@aws-sdk/client-lambda');
  return lambdaModule;
}

/** Invokes through the local-mode hook when installed, else through the Lambda API. */
export class LambdaContinuationInvoker implements ContinuationInvoker {
  /**
   * @param client the Lambda client to use; by default one shared client, created on first use
   *   with `sdkRetryConfig()` (a throttled Invoke is retried by the SDK)
   */
  constructor(private readonly client?: LambdaClient) {}

  async invokeAsync(functionArnOrName: string, event: JobEvent): Promise<void> {
    const hook = localInvokeHook();
    if (hook) {
      await hook(functionArnOrName, event);
      return;
    }
    const sdk = await loadLambdaModule();
    const client = this.client ?? (sharedClient ??= new sdk.LambdaClient(sdkRetryConfig()));
    const out = await client.send(
      new sdk.InvokeCommand({
        FunctionName: functionArnOrName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    if (out.StatusCode !== undefined && out.StatusCode !== 202) {
      throw new Error(`Invoke of ${functionArnOrName} answered status ${out.StatusCode}, expected 202`);
    }
  }
}
