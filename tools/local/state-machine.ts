/**
 * Runs a Step Functions state machine's definition (Amazon States Language, JSONPath) in-process:
 * what local mode does with a `FanOutJob`'s synthesized state machine. It executes the states and
 * fields the construct emits (Task on a Lambda function, Choice, Pass, Succeed, Fail, and a
 * DISTRIBUTED Map reading a JSON manifest from S3 with ItemBatcher, MaxConcurrency,
 * ToleratedFailurePercentage, ResultWriter, Retry and Catch) and rejects any other state or field
 * before it starts, naming it, so local mode never silently runs something else than AWS would.
 * Lambda calls and S3 reads and writes go through adapters the caller passes; batches run with the
 * project's bounded-concurrency helper.
 */
import { ScheduledJobsError } from '../../lib/contract';
import { TaskPool } from '../../lambdas/shared/concurrency';

/** A definition uses a state type or field local mode does not execute. */
export class UnsupportedDefinitionError extends ScheduledJobsError {}

/** An error inside an execution, as Step Functions names it (`States.TaskFailed`, the function's error type, ...). */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
    this.name = 'StatesError';
  }
}

type Json = unknown;
type Obj = Record<string, Json>;

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, Obj>>;
  readonly TimeoutSeconds?: number;
  readonly Comment?: string;
}

/** What a Lambda invocation gave. */
export type LambdaOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string; readonly cause: string };

/** An event of an execution, for the live log. */
export type ExecutionEvent =
  | { readonly type: 'StateEntered'; readonly state: string }
  | { readonly type: 'TaskRetry'; readonly state: string; readonly error: string; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'MapStarted'; readonly state: string; readonly items: number; readonly batches: number; readonly maxConcurrency: number }
  | { readonly type: 'BatchFailed'; readonly state: string; readonly batch: number; readonly items: number; readonly error: string }
  | { readonly type: 'MapEnded'; readonly state: string; readonly succeededItems: number; readonly failedItems: number; readonly failed: boolean };

/** What an execution needs from its surroundings. */
export interface ExecutionDeps {
  /** Invokes a Lambda function synchronously. */
  invokeLambda(functionArn: string, payload: unknown): Promise<LambdaOutcome>;
  getObject(bucket: string, key: string): Promise<string>;
  putObject(bucket: string, key: string, body: string): Promise<void>;
  /** @default real time (setTimeout) */
  sleep?(ms: number): Promise<void>;
  /** For retry jitter. @default Math.random */
  random?(): number;
  onEvent?(event: ExecutionEvent): void;
}

export interface ExecutionIdentity {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachineArn: string;
}

export interface ExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

const COMMON = ['Type', 'Comment', 'Next', 'End'];
const SUPPORTED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Task: [...COMMON, 'Resource', 'Parameters', 'ResultPath', 'Retry', 'Catch'],
  Map: [...COMMON, 'ItemProcessor', 'ItemReader', 'ItemBatcher', 'MaxConcurrency', 'ToleratedFailurePercentage', 'ResultWriter', 'ResultPath', 'Label', 'Catch', 'Retry'],
  Choice: ['Type', 'Comment', 'Choices', 'Default'],
  Pass: [...COMMON, 'Result', 'Parameters', 'ResultPath'],
  Succeed: ['Type', 'Comment'],
  Fail: ['Type', 'Comment', 'Error', 'Cause'],
};
const CHOICE_OPERATORS = ['StringEquals', 'BooleanEquals', 'NumericEquals', 'IsPresent'];
const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+$/;
const S3_GET = /^arn:[^:]+:states:::s3:getObject$/;
const S3_PUT = /^arn:[^:]+:states:::s3:putObject$/;

/**
 * Parses and checks a definition: every state's type and fields are ones this interpreter runs.
 *
 * @throws UnsupportedDefinitionError naming the state and the field
 */
export function parseDefinition(text: string, where: string): AslDefinition {
  const definition = JSON.parse(text) as AslDefinition;
  checkStates(definition, where);
  return definition;
}

function checkStates(definition: AslDefinition, where: string): void {
  const fail = (message: string): never => {
    throw new UnsupportedDefinitionError(`${where}: ${message}; local mode runs only what FanOutJob emits`);
  };
  if (typeof definition.StartAt !== 'string' || !definition.States?.[definition.StartAt]) fail(`StartAt '${String(definition.StartAt)}' names no state`);
  for (const [name, state] of Object.entries(definition.States)) {
    const type = String(state.Type);
    const fields = SUPPORTED_FIELDS[type];
    if (!fields) fail(`state '${name}': type '${type}' is not supported`);
    for (const field of Object.keys(state)) if (!fields.includes(field)) fail(`state '${name}': field '${field}' is not supported`);
    if (type === 'Task' && !LAMBDA_ARN.test(String(state.Resource))) fail(`state '${name}': Resource '${String(state.Resource)}' is not a Lambda function ARN`);
    if (type === 'Choice') {
      for (const choice of (state.Choices as Obj[]) ?? []) {
        const operators = Object.keys(choice).filter((key) => key !== 'Variable' && key !== 'Next');
        if (operators.length !== 1 || !CHOICE_OPERATORS.includes(operators[0])) fail(`state '${name}': choice rule ${JSON.stringify(choice)} is not supported`);
      }
    }
    if (type === 'Map') {
      const processor = state.ItemProcessor as Obj & AslDefinition;
      const config = (processor?.ProcessorConfig ?? {}) as Obj;
      if (config.Mode !== 'DISTRIBUTED') fail(`state '${name}': only DISTRIBUTED maps are supported (got ${String(config.Mode)})`);
      const reader = state.ItemReader as Obj | undefined;
      if (!reader || !S3_GET.test(String(reader.Resource)) || (reader.ReaderConfig as Obj | undefined)?.InputType !== 'JSON') {
        fail(`state '${name}': only an ItemReader reading a JSON array with s3:getObject is supported`);
      }
      const writer = state.ResultWriter as Obj | undefined;
      if (writer && (!S3_PUT.test(String(writer.Resource)) || Object.keys(writer).some((k) => k !== 'Resource' && k !== 'Parameters'))) {
        fail(`state '${name}': only a ResultWriter with s3:putObject and Parameters is supported`);
      }
      checkStates({ StartAt: processor.StartAt, States: processor.States }, `${where} > ${name}`);
    }
  }
}

// ---- JSONPath (the subset the construct emits: $, $.a.b, $$.Execution.Id) ------------------------

function readPath(path: string, input: Json, context: Obj): Json {
  const [root, rest] = path.startsWith('$$') ? [context, path.slice(2)] : [input, path.slice(1)];
  if (rest === '') return root;
  if (!/^(\.[A-Za-z0-9_-]+)+$/.test(rest)) throw new StatesError('States.Runtime', `the path '${path}' is not supported by local mode`);
  let value: Json = root;
  for (const key of rest.slice(1).split('.')) {
    if (typeof value !== 'object' || value === null || !(key in (value as Obj))) {
      throw new StatesError('States.Runtime', `the JSONPath '${path}' could not be found in the input`);
    }
    value = (value as Obj)[key];
  }
  return value;
}

/** Parameters: fields ending in `.$` are paths into the input (or `$$` the context). */
function applyParameters(template: Json, input: Json, context: Obj): Json {
  if (Array.isArray(template)) return template.map((value) => applyParameters(value, input, context));
  if (typeof template !== 'object' || template === null) return template;
  const out: Obj = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) out[key.slice(0, -2)] = readPath(String(value), input, context);
    else out[key] = applyParameters(value, input, context);
  }
  return out;
}

function applyResultPath(resultPath: Json, input: Json, result: Json): Json {
  if (resultPath === undefined || resultPath === '$') return result;
  if (resultPath === null) return input;
  const path = String(resultPath);
  if (!/^\$(\.[A-Za-z0-9_-]+)+$/.test(path)) throw new StatesError('States.Runtime', `the ResultPath '${path}' is not supported by local mode`);
  const copy = structuredClone((typeof input === 'object' && input !== null ? input : {}) as Obj);
  const keys = path.slice(2).split('.');
  let target = copy;
  for (const key of keys.slice(0, -1)) {
    if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
    target = target[key] as Obj;
  }
  target[keys[keys.length - 1]] = result;
  return copy;
}

// ---- Retry / Catch -------------------------------------------------------------------------------

function matches(errorEquals: readonly string[], error: string): boolean {
  return errorEquals.some((name) => name === error || name === 'States.ALL' || (name === 'States.TaskFailed' && error !== 'States.Timeout'));
}

function retryDelayMs(retrier: Obj, retry: number, random: () => number): number {
  const interval = Number(retrier.IntervalSeconds ?? 1) * 1000;
  const rate = Number(retrier.BackoffRate ?? 2);
  let delay = interval * rate ** (retry - 1);
  if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, Number(retrier.MaxDelaySeconds) * 1000);
  if (retrier.JitterStrategy === 'FULL') delay = random() * delay;
  return Math.round(delay);
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` with the state's Retry policy (first matching retrier, its own attempt count). */
async function withRetry<T>(state: Obj, name: string, deps: ExecutionDeps, attempt: () => Promise<T>): Promise<T> {
  const retriers = (state.Retry as Obj[] | undefined) ?? [];
  const counts = retriers.map(() => 0);
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const failure = toStatesError(error);
      const index = retriers.findIndex((retrier) => matches(retrier.ErrorEquals as string[], failure.error));
      if (index < 0 || counts[index] >= Number(retriers[index].MaxAttempts ?? 3)) throw failure;
      counts[index]++;
      const delayMs = retryDelayMs(retriers[index], counts[index], deps.random ?? Math.random);
      deps.onEvent?.({ type: 'TaskRetry', state: name, error: failure.error, attempt: counts[index], delayMs });
      await (deps.sleep ?? realSleep)(delayMs);
    }
  }
}

function toStatesError(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  return new StatesError('States.Runtime', error instanceof Error ? error.message : String(error));
}

// ---- The interpreter ----------------------------------------------------------------------------

/** Runs one execution of `definition` with `input`; resolves when it ends (never rejects for an execution failure). */
export async function runStateMachine(definition: AslDefinition, input: unknown, identity: ExecutionIdentity, deps: ExecutionDeps): Promise<ExecutionResult> {
  const context: Obj = {
    Execution: { Id: identity.executionArn, Name: identity.name, Input: input, StartTime: new Date().toISOString() },
    StateMachine: { Id: identity.stateMachineArn },
  };
  try {
    const output = await runStates(definition, input, context, deps, identity);
    return { status: 'SUCCEEDED', output };
  } catch (error) {
    const failure = toStatesError(error);
    return { status: 'FAILED', error: failure.error, cause: failure.cause };
  }
}

async function runStates(definition: AslDefinition, input: Json, context: Obj, deps: ExecutionDeps, identity: ExecutionIdentity): Promise<Json> {
  let name = definition.StartAt;
  let data = input;
  for (;;) {
    const state = definition.States[name];
    deps.onEvent?.({ type: 'StateEntered', state: name });
    let next: string | undefined;
    switch (state.Type) {
      case 'Succeed':
        return data;
      case 'Fail':
        throw new StatesError(String(state.Error ?? 'States.Fail'), String(state.Cause ?? ''));
      case 'Choice': {
        const choice = ((state.Choices as Obj[]) ?? []).find((rule) => evaluateChoice(rule, data, context));
        next = choice ? String(choice.Next) : (state.Default as string | undefined);
        if (!next) throw new StatesError('States.NoChoiceMatched', `no choice rule of '${name}' matched and it has no Default`);
        break;
      }
      case 'Pass': {
        const result = state.Result !== undefined ? structuredClone(state.Result) : state.Parameters !== undefined ? applyParameters(state.Parameters, data, context) : data;
        data = applyResultPath(state.ResultPath, data, result);
        break;
      }
      case 'Task':
      case 'Map': {
        try {
          const result = state.Type === 'Task'
            ? await withRetry(state, name, deps, () => invokeTask(state, data, context, deps))
            : await withRetry(state, name, deps, () => runDistributedMap(name, state, data, context, deps, identity));
          data = applyResultPath(state.ResultPath, data, result);
        } catch (error) {
          const failure = toStatesError(error);
          const handler = ((state.Catch as Obj[] | undefined) ?? []).find((c) => matches(c.ErrorEquals as string[], failure.error));
          if (!handler) throw failure;
          data = applyResultPath(handler.ResultPath, data, { Error: failure.error, Cause: failure.cause });
          next = String(handler.Next);
          break;
        }
        break;
      }
      default:
        throw new StatesError('States.Runtime', `state '${name}' has type ${String(state.Type)}`);
    }
    if (next === undefined) {
      if (state.End === true) return data;
      next = String(state.Next);
    }
    name = next;
  }
}

function evaluateChoice(rule: Obj, data: Json, context: Obj): boolean {
  const variable = String(rule.Variable);
  if ('IsPresent' in rule) {
    try {
      readPath(variable, data, context);
      return rule.IsPresent === true;
    } catch {
      return rule.IsPresent === false;
    }
  }
  let value: Json;
  try {
    value = readPath(variable, data, context);
  } catch {
    return false;
  }
  if ('StringEquals' in rule) return value === rule.StringEquals;
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  return value === rule.NumericEquals;
}

async function invokeTask(state: Obj, data: Json, context: Obj, deps: ExecutionDeps): Promise<Json> {
  const payload = state.Parameters !== undefined ? applyParameters(state.Parameters, data, context) : data;
  const outcome = await deps.invokeLambda(String(state.Resource), payload);
  if (!outcome.ok) throw new StatesError(outcome.error, outcome.cause);
  return outcome.result;
}

/** Splits items into batches by MaxItemsPerBatch and MaxInputBytesPerBatch (the JSON of Items and BatchInput). */
export function batchItems(items: readonly Json[], batchInput: Json, maxItems: number, maxBytes: number): Json[][] {
  const batches: Json[][] = [];
  let current: Json[] = [];
  const size = (batch: Json[]) => Buffer.byteLength(JSON.stringify({ Items: batch, ...(batchInput !== undefined ? { BatchInput: batchInput } : {}) }), 'utf8');
  for (const item of items) {
    const candidate = [...current, item];
    if (current.length > 0 && (candidate.length > maxItems || size(candidate) > maxBytes)) {
      batches.push(current);
      current = [item];
    } else {
      current = candidate;
    }
    if (size(current) > maxBytes) {
      throw new StatesError('States.ItemReaderFailed', `an item is larger than MaxInputBytesPerBatch (${maxBytes} bytes) by itself`);
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

async function runDistributedMap(name: string, state: Obj, data: Json, context: Obj, deps: ExecutionDeps, identity: ExecutionIdentity): Promise<Json> {
  const reader = state.ItemReader as Obj;
  const location = applyParameters(reader.Parameters, data, context) as { Bucket: string; Key: string };
  let items: Json;
  try {
    items = JSON.parse(await deps.getObject(location.Bucket, location.Key));
  } catch (error) {
    throw new StatesError('States.ItemReaderFailed', `reading s3://${location.Bucket}/${location.Key}: ${(error as Error).message}`);
  }
  if (!Array.isArray(items)) throw new StatesError('States.ItemReaderFailed', `s3://${location.Bucket}/${location.Key} is not a JSON array`);
  const batcher = (state.ItemBatcher as Obj | undefined) ?? {};
  const batchInput = batcher.BatchInput !== undefined ? applyParameters(batcher.BatchInput, data, context) : undefined;
  const batched = state.ItemBatcher !== undefined;
  const batches = batched
    ? batchItems(items, batchInput, Number(batcher.MaxItemsPerBatch ?? Number.MAX_SAFE_INTEGER), Number(batcher.MaxInputBytesPerBatch ?? 262_144))
    : items.map((item) => [item]);
  const maxConcurrency = Number(state.MaxConcurrency ?? 0) || 10_000;
  const tolerance = Number(state.ToleratedFailurePercentage ?? 0);
  const processor = state.ItemProcessor as unknown as AslDefinition;
  deps.onEvent?.({ type: 'MapStarted', state: name, items: items.length, batches: batches.length, maxConcurrency });

  const exceeded = (failedItems: number) => items.length > 0 && (failedItems / (items as Json[]).length) * 100 > tolerance;
  const succeeded: Array<{ Input: Json; Output: Json }> = [];
  const failed: Array<{ Input: Json; Error: string; Cause: string }> = [];
  let failedItems = 0;
  let stopped = false;
  const pool = new TaskPool(maxConcurrency);
  for (let index = 0; index < batches.length && !stopped; index++) {
    const batch = batches[index];
    const childInput = batched ? { Items: batch, ...(batchInput !== undefined ? { BatchInput: batchInput } : {}) } : batch[0];
    await pool.run(async () => {
      const childContext: Obj = { ...context, Map: { Item: { Index: index, Value: childInput } } };
      try {
        const output = await runStates(processor, childInput, childContext, deps, identity);
        succeeded.push({ Input: childInput, Output: output });
      } catch (error) {
        const failure = toStatesError(error);
        failed.push({ Input: childInput, Error: failure.error, Cause: failure.cause });
        failedItems += batch.length;
        deps.onEvent?.({ type: 'BatchFailed', state: name, batch: index, items: batch.length, error: `${failure.error}: ${failure.cause}` });
        // Past the tolerance the Map Run fails: no batch starts after that.
        if (exceeded(failedItems)) stopped = true;
      }
    });
  }
  await pool.drain();
  const mapFailed = exceeded(failedItems);
  deps.onEvent?.({ type: 'MapEnded', state: name, succeededItems: items.length - failedItems, failedItems, failed: mapFailed });

  let output: Json = succeeded.map((s) => s.Output);
  const writer = state.ResultWriter as Obj | undefined;
  if (writer) {
    const target = applyParameters(writer.Parameters, data, context) as { Bucket: string; Prefix?: string };
    const base = `${target.Prefix ? `${target.Prefix.replace(/\/+$/, '')}/` : ''}${identity.name}`;
    const files = { SUCCEEDED: succeeded, FAILED: failed };
    for (const [kind, results] of Object.entries(files)) {
      await deps.putObject(target.Bucket, `${base}/${kind}_0.json`, JSON.stringify(results));
    }
    const manifest = { DestinationBucket: target.Bucket, MapRunArn: `${identity.executionArn}/${name}`, ResultFiles: { SUCCEEDED: [{ Key: `${base}/SUCCEEDED_0.json` }], FAILED: [{ Key: `${base}/FAILED_0.json` }] } };
    await deps.putObject(target.Bucket, `${base}/manifest.json`, JSON.stringify(manifest));
    output = { MapRunArn: manifest.MapRunArn, ResultWriterDetails: { Bucket: target.Bucket, Key: `${base}/manifest.json` } };
  }
  if (mapFailed) {
    throw new StatesError('States.ExceedToleratedFailureThreshold', `${failedItems} of ${items.length} items failed, more than the tolerated ${tolerance}%`);
  }
  return output;
}
