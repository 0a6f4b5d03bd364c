/**
 * Step Functions executions in local mode: the `StartExecution` a fan-out job's function calls is
 * received here (through the runtime's local hook) and the state machine's resolved definition is
 * run in-process by `state-machine.ts`, its Lambda tasks on `LocalLambda`, its manifest and results
 * in the emulator's S3. Names are started once, as Step Functions does. A failed execution's
 * "Execution Status Change" event goes to the failure inbox, as the construct's EventBridge rule
 * sends it in AWS.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_DESCRIBE_EXECUTION_KEY, LOCAL_START_EXECUTION_KEY, PlatformOutput, type LocalDescribeExecution, type LocalStartExecution } from '../../lib/contract';
import type { LocalLambda } from './local-lambda';
import type { LocalStackFile, LocalStateMachine } from './local-stack';
import { parseDefinition, runStateMachine, type AslDefinition, type ExecutionEvent, type ExecutionResult } from './state-machine';

export interface LocalExecutionsOptions {
  readonly stack: Pick<LocalStackFile, 'stateMachines' | 'outputs' | 'region' | 'accountId'>;
  readonly lambda: LocalLambda;
  readonly s3: S3Client;
  /** Where failed executions are reported. @default not reported */
  readonly sqs?: SQSClient;
  /** Receives each execution's events (live log). @default ignored */
  readonly onEvent?: (execution: { readonly name: string; readonly stateMachine: string }, event: ExecutionEvent) => void;
  /** Wait between retries. @default real time */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Called with the IAM action and resource of each `StartExecution`/`DescribeExecution` a function
   * asks of the hooks, from inside the function's invocation (its environment is in force); throws to
   * deny it, as Step Functions would. The hooks make no HTTP request, so the request recorder does not
   * see these calls: this is where local mode checks and records them. @default allowed, not recorded
   */
  readonly authorize?: (action: string, resource: string) => void;
}

/** One execution local mode ran. */
export interface LocalExecution extends ExecutionResult {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
  readonly startedAt: string;
  readonly stoppedAt: string;
}

/** Runs the local stack's state machines in-process. */
export class LocalExecutions {
  private readonly definitions = new Map<string, AslDefinition>();
  private readonly started = new Map<string, Promise<LocalExecution>>();

  constructor(private readonly options: LocalExecutionsOptions) {}

  /** Executions started so far (by ARN), finished or not. */
  get executions(): ReadonlyMap<string, Promise<LocalExecution>> {
    return this.started;
  }

  private machine(arn: string): { machine: LocalStateMachine; definition: AslDefinition } {
    const machine = Object.values(this.options.stack.stateMachines ?? {}).find((m) => m.arn === arn);
    if (!machine) throw new Error(`StateMachineDoesNotExist: no state machine '${arn}' in the local stack`);
    let definition = this.definitions.get(arn);
    if (!definition) {
      definition = parseDefinition(machine.definition, `state machine ${machine.name}`);
      this.definitions.set(arn, definition);
    }
    return { machine, definition };
  }

  /** `StartExecution`, run to its end: a name already started answers `alreadyExists`. */
  readonly start: LocalStartExecution = async ({ stateMachineArn, name, input }) => {
    this.options.authorize?.('states:StartExecution', stateMachineArn);
    const { machine, definition } = this.machine(stateMachineArn);
    const executionArn = `arn:aws:states:${this.options.stack.region}:${this.options.stack.accountId}:execution:${machine.name}:${name}`;
    if (this.started.has(executionArn)) return { executionArn, alreadyExists: true };
    const run = this.execute(machine, definition, executionArn, name, input);
    this.started.set(executionArn, run);
    const done = await run;
    return { executionArn, status: done.status, output: done.output, ...(done.error ? { error: done.error } : {}), ...(done.cause !== undefined ? { cause: done.cause } : {}) };
  };

  /** `DescribeExecution` of an execution started here: RUNNING until it ends, then its status. */
  readonly describe: LocalDescribeExecution = async (executionArn) => {
    this.options.authorize?.('states:DescribeExecution', executionArn);
    const run = this.started.get(executionArn);
    if (!run) return undefined;
    const settled = await Promise.race([run.then((done) => done.status), Promise.resolve('RUNNING')]);
    return { status: settled };
  };

  /** Installs {@link start} and {@link describe} as the runtime's `StartExecution` and `DescribeExecution`; returns how to remove them. */
  install(): () => void {
    const global = globalThis as unknown as Record<symbol, unknown>;
    const hooks: Array<[symbol, unknown]> = [
      [Symbol.for(LOCAL_START_EXECUTION_KEY), this.start],
      [Symbol.for(LOCAL_DESCRIBE_EXECUTION_KEY), this.describe],
    ];
    const previous = hooks.map(([key]) => global[key]);
    for (const [key, hook] of hooks) global[key] = hook;
    return () => {
      hooks.forEach(([key], i) => {
        if (previous[i] === undefined) delete global[key];
        else global[key] = previous[i];
      });
    };
  }

  private async execute(machine: LocalStateMachine, definition: AslDefinition, executionArn: string, name: string, input: unknown): Promise<LocalExecution> {
    const { lambda, s3 } = this.options;
    const startedAt = new Date().toISOString();
    const result = await runStateMachine(definition, input, { executionArn, name, stateMachineArn: machine.arn }, {
      invokeLambda: async (functionArn, payload) => {
        const out = await lambda.invoke(functionArn, payload);
        if (out.ok) return { ok: true, result: out.result };
        const errorType = out.error?.errorType ?? 'Lambda.Unknown';
        return { ok: false, error: errorType, cause: JSON.stringify({ errorType, errorMessage: out.error?.errorMessage ?? '' }) };
      },
      getObject: async (bucket, key) => {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return (await out.Body?.transformToString('utf-8')) ?? '';
      },
      putObject: async (bucket, key, body) => {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
      },
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
      ...(this.options.onEvent ? { onEvent: (event: ExecutionEvent) => this.options.onEvent?.({ name, stateMachine: machine.name }, event) } : {}),
    });
    const execution: LocalExecution = { ...result, executionArn, name, stateMachineArn: machine.arn, startedAt, stoppedAt: new Date().toISOString() };
    if (result.status === 'FAILED') await this.reportFailure(execution, input);
    return execution;
  }

  /** Sends the failed execution's status-change event to the failure inbox, as the EventBridge rule does. */
  private async reportFailure(execution: LocalExecution, input: unknown): Promise<void> {
    const queueUrl = this.options.stack.outputs[PlatformOutput.FAILURE_INBOX_URL];
    if (!this.options.sqs || !queueUrl) return;
    const event = {
      version: '0',
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      time: execution.stoppedAt,
      region: this.options.stack.region,
      account: this.options.stack.accountId,
      resources: [execution.executionArn],
      detail: {
        executionArn: execution.executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: Date.parse(execution.startedAt),
        stopDate: Date.parse(execution.stoppedAt),
        input: JSON.stringify(input),
        error: execution.error ?? null,
        cause: execution.cause ?? null,
      },
    };
    await this.options.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
  }
}

/** The live-log line of an execution event (the map's start and end, failed batches, retries), or undefined. */
export function executionLine(execution: { readonly name: string; readonly stateMachine: string }, event: ExecutionEvent): string | undefined {
  const who = `fan-out     ${execution.name}`;
  switch (event.type) {
    case 'MapStarted':
      return `${who}: ${event.items} items in ${event.batches} batches, at most ${event.maxConcurrency} at once`;
    case 'BatchFailed':
      return `${who}: batch ${event.batch} (${event.items} items) failed: ${event.error}`;
    case 'MapEnded':
      return `${who}: map ${event.failed ? 'FAILED' : 'done'}: ${event.succeededItems} items done, ${event.failedItems} failed`;
    case 'TaskRetry':
      return `${who}: ${event.state} retry ${event.attempt} after ${event.error} (in ${event.delayMs} ms)`;
    default:
      return undefined;
  }
}
