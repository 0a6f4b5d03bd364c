import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installLocalInvokeHook, LOCAL_INVOKE_SYMBOL, LocalLambda } from '../../../tools/local/local-lambda';
import type { LocalFunction } from '../../../tools/local/local-stack';

/** A code directory with one CommonJS handler module. */
function codeDir(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-lambda-'));
  writeFileSync(join(dir, 'index.js'), source);
  return dir;
}

function fn(logicalId: string, dir: string, overrides: Partial<LocalFunction> = {}): LocalFunction {
  return {
    logicalId,
    functionName: `Jobs-${logicalId}-ABC`,
    arn: `arn:aws:lambda:eu-west-1:123456789012:function:Jobs-${logicalId}-ABC`,
    codeDir: dir,
    handler: 'index.handler',
    timeoutSeconds: 5,
    memorySize: 256,
    environment: { JOB_NAME: logicalId.toLowerCase() },
    jobName: logicalId.toLowerCase(),
    asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
    ...overrides,
  };
}

function lambdaFor(functions: LocalFunction[], output?: (f: LocalFunction, text: string) => void) {
  return new LocalLambda({
    stack: {
      stackName: 'Jobs',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      functions: Object.fromEntries(functions.map((f) => [f.logicalId, f])),
    },
    ...(output ? { output } : {}),
  });
}

const REPORT = `
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  return {
    event,
    count,
    env: {
      JOB_NAME: process.env.JOB_NAME,
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
      AWS_REGION: process.env.AWS_REGION,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
      AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      TZ: process.env.TZ,
    },
    context: {
      functionName: context.functionName,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      requestIdLength: context.awsRequestId.length,
      remaining: context.getRemainingTimeInMillis(),
    },
  };
};`;

describe('LocalLambda', () => {
  const savedJobName = process.env.JOB_NAME;
  afterEach(() => {
    if (savedJobName === undefined) delete process.env.JOB_NAME;
    else process.env.JOB_NAME = savedJobName;
  });

  it('runs the handler with the function environment, the emulator settings and a Lambda-like context', async () => {
    // Prepare
    const report = fn('Report', codeDir(REPORT));
    const lambda = lambdaFor([report]);
    process.env.JOB_NAME = 'outside';
    // Act
    const result = await lambda.invoke('Report', { job: 'report', n: 1 });
    // Assess
    expect(result.ok).toBe(true);
    const value = result.result as { event: unknown; env: Record<string, string>; context: Record<string, unknown> };
    expect(value.event).toEqual({ job: 'report', n: 1 });
    expect(value.env).toEqual({
      JOB_NAME: 'report',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_LAMBDA_FUNCTION_NAME: 'Jobs-Report-ABC',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      TZ: 'UTC',
    });
    expect(value.context).toMatchObject({
      functionName: 'Jobs-Report-ABC',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:Jobs-Report-ABC',
      memoryLimitInMB: '256',
      requestIdLength: 36,
    });
    expect(value.context.remaining).toBeGreaterThan(4000);
    expect(value.context.remaining).toBeLessThanOrEqual(5000);
    // the environment is restored afterwards
    expect(process.env.JOB_NAME).toBe('outside');
  });

  it('finds functions by name, ARN (qualified too) and job name', async () => {
    const report = fn('Report', codeDir(REPORT));
    const lambda = lambdaFor([report]);
    expect(lambda.find('Jobs-Report-ABC')).toBe(report);
    expect(lambda.find(`${report.arn}:$LATEST`)).toBe(report);
    expect(lambda.find('report')).toBe(report);
    expect(() => lambda.find('nope')).toThrow("no function 'nope' in local stack 'Jobs' (functions: Jobs-Report-ABC)");
  });

  it('keeps module state per function, even when two functions share one asset', async () => {
    const dir = codeDir(REPORT);
    const lambda = lambdaFor([fn('One', dir), fn('Two', dir)]);
    const counts = [];
    for (const name of ['One', 'One', 'Two', 'One']) {
      counts.push(((await lambda.invoke(name, {})).result as { count: number }).count);
    }
    expect(counts).toEqual([1, 2, 1, 3]);
  });

  it('serialises invocations so that environments never mix', async () => {
    const slow = codeDir(`
      exports.handler = async () => {
        const before = process.env.JOB_NAME;
        await new Promise((r) => setTimeout(r, 50));
        return [before, process.env.JOB_NAME];
      };`);
    const lambda = lambdaFor([fn('Alpha', slow), fn('Beta', slow)]);
    const results = await Promise.all([lambda.invoke('Alpha', {}), lambda.invoke('Beta', {}), lambda.invoke('Alpha', {})]);
    expect(results.map((r) => r.result)).toEqual([
      ['alpha', 'alpha'],
      ['beta', 'beta'],
      ['alpha', 'alpha'],
    ]);
  });

  it('runs invocations of the same function side by side, and another function only after them', async () => {
    const tracked = codeDir(`
      let inFlight = 0;
      let peak = 0;
      exports.handler = async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        const before = process.env.JOB_NAME;
        await new Promise((r) => setTimeout(r, 40));
        inFlight -= 1;
        return { peak, env: [before, process.env.JOB_NAME], at: Date.now() };
      };`);
    const lambda = lambdaFor([fn('Alpha', tracked), fn('Beta', tracked)]);
    const alphas = Array.from({ length: 5 }, () => lambda.invoke('Alpha', {}));
    const beta = lambda.invoke('Beta', {});
    const results = await Promise.all([...alphas, beta]);
    const values = results.map((r) => r.result as { peak: number; env: string[]; at: number });
    // All five Alpha invocations overlapped; Beta (its own module, its own environment) ran after them.
    expect(Math.max(...values.slice(0, 5).map((v) => v.peak))).toBe(5);
    expect(values.slice(0, 5).every((v) => v.env.every((e) => e === 'alpha'))).toBe(true);
    expect(values[5].env).toEqual(['beta', 'beta']);
    expect(values[5].at).toBeGreaterThanOrEqual(Math.max(...values.slice(0, 5).map((v) => v.at)));
    expect(process.env.JOB_NAME).toBeUndefined();
  });

  it('reports a thrown error in Lambda format', async () => {
    const failing = codeDir(`
      class PaymentError extends Error { constructor(m) { super(m); this.name = 'PaymentError'; } }
      exports.handler = async () => { throw new PaymentError('card declined'); };`);
    const result = await lambdaFor([fn('Failing', failing)]).invoke('Failing', {});
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(false);
    expect(result.error?.errorType).toBe('PaymentError');
    expect(result.error?.errorMessage).toBe('card declined');
    expect(result.error?.trace[0]).toBe('PaymentError: card declined');
  });

  it('stops waiting at the timeout', async () => {
    const hanging = codeDir(`exports.handler = () => new Promise((r) => setTimeout(r, 5000));`);
    const result = await lambdaFor([fn('Hanging', hanging, { timeoutSeconds: 1 })]).invoke('Hanging', {});
    expect(result).toMatchObject({ ok: false, timedOut: true, error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' } });
    expect(result.durationMs).toBeGreaterThanOrEqual(990);
  });

  it('supports callback handlers', async () => {
    const callback = codeDir(`exports.handler = (event, context, done) => { setTimeout(() => done(null, { doubled: event.n * 2 }), 5); };`);
    const result = await lambdaFor([fn('Callback', callback)]).invoke('Callback', { n: 21 });
    expect(result.result).toEqual({ doubled: 42 });
  });

  it('passes the event by value: the handler cannot change the caller\'s object', async () => {
    const mutating = codeDir(`exports.handler = async (event) => { event.changed = true; return event; };`);
    const event = { a: 1 };
    const result = await lambdaFor([fn('Mutating', mutating)]).invoke('Mutating', event);
    expect(result.result).toEqual({ a: 1, changed: true });
    expect(event).toEqual({ a: 1 });
  });

  it('sends what the handler writes to the output callback', async () => {
    const chatty = codeDir(`exports.handler = async () => { console.log('hello', 1); process.stderr.write('oops\\n'); };`);
    const written: string[] = [];
    const lambda = lambdaFor([fn('Chatty', chatty)], (f, text) => written.push(`${f.logicalId}:${text}`));
    await lambda.invoke('Chatty', {});
    expect(written).toEqual(['Chatty:hello 1\n', 'Chatty:oops\n']);
  });

  it('lets the output callback write to the process streams: its writes reach the terminal, not the callback again', async () => {
    // Prepare: the callback forwards to process.stderr, as the CLI does with --verbose
    const emf = JSON.stringify({ _aws: { Timestamp: 0, CloudWatchMetrics: [] }, itemsDeleted: 3 });
    const chatty = codeDir(`exports.handler = async () => { console.log('deleting'); process.stdout.write(${JSON.stringify(emf + '\n')}); console.error('done'); return 1; };`);
    const terminal: string[] = [];
    const saved = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => terminal.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      const lambda = lambdaFor([fn('Chatty', chatty)], (_f, text) => process.stderr.write(`[chatty] ${text}`));
      // Act
      const result = await lambda.invoke('Chatty', {});
      // Assess
      expect(result.error).toBeUndefined();
      expect(result.result).toBe(1);
    } finally {
      process.stderr.write = saved;
    }
    expect(terminal).toEqual(['[chatty] deleting\n', `[chatty] ${emf}\n`, '[chatty] done\n']);
  });

  it('reports a handler that is not exported', async () => {
    const dir = codeDir(`exports.other = async () => 1;`);
    const result = await lambdaFor([fn('Missing', dir)]).invoke('Missing', {});
    expect(result.error).toMatchObject({
      errorType: 'HandlerLoadError',
      errorMessage: `function Jobs-Missing-ABC: 'index.handler' is not a function export of ${join(dir, 'index')}`,
    });
  });
});

describe('installLocalInvokeHook', () => {
  it('installs the hook under the runtime symbol and removes it', async () => {
    const calls: unknown[] = [];
    const remove = installLocalInvokeHook(async (name, event) => {
      calls.push([name, event]);
    });
    const hook = (globalThis as unknown as Record<symbol, (n: string, e: unknown) => Promise<void>>)[Symbol.for('cdk-scheduled-jobs.local-invoke')];
    await hook('fn', { continuation: { sequence: 1 } });
    remove();
    expect(calls).toEqual([['fn', { continuation: { sequence: 1 } }]]);
    expect((globalThis as unknown as Record<symbol, unknown>)[LOCAL_INVOKE_SYMBOL]).toBeUndefined();
  });
});
