import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStackFile } from '../../../tools/local/local-stack';
import { fixedByReinvoke, LambdaJobInvoker, LocalJobInvoker, reportFromLambda, runOutcomeOf, type InvocationReport } from '../../../tools/cli/invoker';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as InvokeCommandOutput['Payload'] & Uint8Array;
const sync = (result: unknown): InvocationReport => ({ mode: 'sync', ok: true, result });

describe('reportFromLambda', () => {
  it('reads an accepted asynchronous invoke (202) and a refused one', () => {
    expect(reportFromLambda('async', { StatusCode: 202 })).toEqual({ mode: 'async', ok: true, statusCode: 202 });
    expect(reportFromLambda('async', { StatusCode: 500 })).toEqual({ mode: 'async', ok: false, statusCode: 500 });
  });

  it('reads the returned outcome of a synchronous invoke', () => {
    expect(reportFromLambda('sync', { StatusCode: 200, Payload: bytes({ status: 'SUCCEEDED', slot: 's' }) })).toEqual({
      mode: 'sync',
      ok: true,
      statusCode: 200,
      result: { status: 'SUCCEEDED', slot: 's' },
    });
    expect(reportFromLambda('sync', { StatusCode: 200, Payload: new Uint8Array() }).result).toBeUndefined();
  });

  it('reads a function error from the error payload', () => {
    expect(
      reportFromLambda('sync', { StatusCode: 200, FunctionError: 'Unhandled', Payload: bytes({ errorType: 'TypeError', errorMessage: 'x is undefined', trace: [] }) }),
    ).toEqual({ mode: 'sync', ok: false, statusCode: 200, error: { type: 'TypeError', message: 'x is undefined' } });
    expect(reportFromLambda('sync', { StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode('Task timed out') }).error).toEqual({
      type: 'Unhandled',
      message: 'Task timed out',
    });
  });
});

describe('runOutcomeOf and fixedByReinvoke', () => {
  it('reads the run outcome a defineJob handler returns', () => {
    expect(runOutcomeOf({ job: 'a', slot: 's', status: 'SKIPPED', attempt: 1, reason: 'paused' })).toEqual({ status: 'SKIPPED', slot: 's', attempt: 1, reason: 'paused' });
    expect(runOutcomeOf({ status: 'SUCCEEDED', result: null })).toEqual({ status: 'SUCCEEDED', result: null });
    expect(runOutcomeOf('done')).toBeUndefined();
    expect(runOutcomeOf({ ok: true })).toBeUndefined();
  });

  it.each([
    [{ status: 'SUCCEEDED' }, true],
    [{ status: 'CONTINUED' }, true],
    [{ status: 'DUPLICATE', reason: 'already SUCCEEDED' }, true],
    [{ status: 'DUPLICATE', reason: 'already RUNNING (until 2026-03-01T02:16:00.000Z)' }, false],
    [{ status: 'STARTED', executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sm:x' }, true],
    [{ status: 'PARTIAL' }, false],
    [{ status: 'DUPLICATE', reason: 'already SKIPPED' }, false],
    [{ status: 'SKIPPED', reason: 'paused' }, false],
    [{ status: 'SKIPPED', reason: 'overlap' }, false],
    [{ watchdog: 'done' }, true],
  ])('a re-invoke returning %j fixed the failure: %s', (result, fixed) => {
    expect(fixedByReinvoke(sync(result))).toBe(fixed);
  });

  it('a failed or only accepted re-invoke fixed nothing', () => {
    expect(fixedByReinvoke({ mode: 'sync', ok: false, error: { type: 'E', message: 'm' } })).toBe(false);
    expect(fixedByReinvoke({ mode: 'async', ok: true, statusCode: 202 })).toBe(false);
  });
});

describe('LambdaJobInvoker', () => {
  const lambda = mockClient(LambdaClient);
  afterEach(() => lambda.reset());

  it('hands the event over with InvocationType Event, or waits with RequestResponse', async () => {
    lambda.on(InvokeCommand, { InvocationType: 'Event' }).resolves({ StatusCode: 202 });
    lambda.on(InvokeCommand, { InvocationType: 'RequestResponse' }).resolves({ StatusCode: 200, Payload: bytes({ status: 'SUCCEEDED' }) });
    const invoker = new LambdaJobInvoker(new LambdaClient({}));
    const event = { job: 'a', manual: true, payload: { n: 1 } };

    expect(await invoker.invoke('arn:fn', event, 'async')).toEqual({ mode: 'async', ok: true, statusCode: 202 });
    expect(await invoker.invoke('arn:fn', event, 'sync')).toEqual({ mode: 'sync', ok: true, statusCode: 200, result: { status: 'SUCCEEDED' } });
    const payloads = lambda.commandCalls(InvokeCommand).map((c) => [c.args[0].input.FunctionName, JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array))]);
    expect(payloads).toEqual([
      ['arn:fn', event],
      ['arn:fn', event],
    ]);
  });
});

describe('LocalJobInvoker', () => {
  /** A local stack of one function whose handler continues itself once through the local invoke hook. */
  function continuingStack() {
    const dir = mkdtempSync(join(tmpdir(), 'cli-invoker-'));
    writeFileSync(
      join(dir, 'index.js'),
      `exports.handler = async (event, context) => {
        const sequence = event.continuation ? event.continuation.sequence : 0;
        if (event.payload && event.payload.fail) throw new RangeError('no such page');
        if (sequence === 0) {
          await globalThis[Symbol.for('cdk-scheduled-jobs.local-invoke')](context.invokedFunctionArn, { ...event, continuation: { sequence: 1 } });
          return { status: 'CONTINUED', slot: 's' };
        }
        return { status: 'SUCCEEDED', slot: 's', result: { sequence, job: process.env.JOB_NAME } };
      };`,
    );
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:Jobs-pager';
    return {
      arn,
      stack: {
        stackName: 'Jobs',
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:1',
        functions: {
          Pager: {
            logicalId: 'Pager',
            functionName: 'Jobs-pager',
            arn,
            codeDir: dir,
            handler: 'index.handler',
            timeoutSeconds: 5,
            memorySize: 128,
            environment: { JOB_NAME: 'pager' },
            jobName: 'pager',
            asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
          },
        },
      } as unknown as LocalStackFile,
    };
  }

  it('runs the handler in this process and its continuation right after it', async () => {
    const { arn, stack } = continuingStack();
    const report = await new LocalJobInvoker(stack).invoke(arn, { job: 'pager', manual: true, payload: {} });

    expect(report).toEqual({
      mode: 'sync',
      ok: true,
      result: { status: 'SUCCEEDED', slot: 's', result: { sequence: 1, job: 'pager' } },
      durationMs: expect.any(Number),
      invocations: 2,
    });
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('cdk-scheduled-jobs.local-invoke')]).toBeUndefined();
  });

  it('reports the error of a failing handler', async () => {
    const { arn, stack } = continuingStack();
    const report = await new LocalJobInvoker(stack).invoke(arn, { job: 'pager', manual: true, payload: { fail: true } });

    expect(report).toEqual({ mode: 'sync', ok: false, error: { type: 'RangeError', message: 'no such page' }, durationMs: expect.any(Number), invocations: 1 });
  });
});
