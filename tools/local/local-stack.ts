/**
 * The record of a stack provisioned in the local emulator: `.local/<stack>.json`. Written by
 * `cdk-jobs dev` after provisioning; read by the `cdk-jobs` CLI (and by anything else that operates the
 * local stack) to find the emulator, the physical names and the functions to invoke in-process.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ScheduledJobsError } from '../../lib/contract';

/** Bumped when the shape changes incompatibly. */
export const LOCAL_STACK_FORMAT = 1;

/** One resource of the template, resolved to local names. */
export interface LocalResource {
  readonly type: string;
  /** What `Ref` gives: a name for tables, buckets, functions, schedules; a URL for queues; an ARN for topics. */
  readonly ref: string;
  /** The resource's name, where it has one. */
  readonly name?: string;
  readonly arn?: string;
  /** Queue URL. */
  readonly url?: string;
  /** The `Fn::GetAtt` attributes known locally. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** True when the resource exists in the emulator (false: only named, e.g. IAM roles, alarms). */
  readonly provisioned: boolean;
}

/** Where a failed (or succeeded) asynchronous invocation's record goes. */
export interface LocalDestination {
  /** ARN of an SQS queue, SNS topic, Lambda function or event bus. */
  readonly arn: string;
}

/** A Lambda function of the stack, as local mode runs it (in-process, from its bundled asset). */
export interface LocalFunction {
  readonly logicalId: string;
  readonly functionName: string;
  readonly arn: string;
  /** Absolute path of the function's code: the asset directory of the cloud assembly. */
  readonly codeDir: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  readonly runtime?: string;
  /** @default 3 (the Lambda default) */
  readonly timeoutSeconds: number;
  /** @default 128 */
  readonly memorySize: number;
  /** The function's environment with every reference resolved to local names. */
  readonly environment: Readonly<Record<string, string>>;
  /** The job this function runs (its `JOB_NAME` variable), when it is a job. */
  readonly jobName?: string;
  /** Its construct path without the stack and `/Resource` (`Reminders/SubscriptionsFunction`), from `aws:cdk:path`. */
  readonly constructPath?: string;
  /** Lambda's asynchronous invocation settings (`AWS::Lambda::EventInvokeConfig`). */
  readonly asyncConfig: {
    /** 0-2. @default 2 */
    readonly maximumRetryAttempts: number;
    /** 60-21600. @default 21600 */
    readonly maximumEventAgeSeconds: number;
    readonly onSuccess?: LocalDestination;
    readonly onFailure?: LocalDestination;
  };
  /** The function's own dead-letter queue or topic (`DeadLetterConfig.TargetArn`). */
  readonly deadLetterArn?: string;
}

/** An EventBridge Scheduler schedule from the template (as created in the emulator). */
export interface LocalSchedule {
  readonly logicalId: string;
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  readonly expression: string;
  /** @default 'UTC' */
  readonly timeZone: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly flexibleTimeWindow: { readonly mode: 'OFF' | 'FLEXIBLE'; readonly maximumWindowInMinutes?: number };
  readonly startDate?: string;
  readonly endDate?: string;
  readonly description?: string;
  readonly actionAfterCompletion?: 'NONE' | 'DELETE';
  readonly target: {
    readonly arn: string;
    /** The logical id of the target function when it is a function of this stack. */
    readonly functionLogicalId?: string;
    readonly roleArn: string;
    /** The target input with the context attributes (`<aws.scheduler.scheduled-time>`...) left in. */
    readonly input?: string;
    readonly retryPolicy?: { readonly maximumRetryAttempts?: number; readonly maximumEventAgeInSeconds?: number };
    readonly deadLetterArn?: string;
  };
}

/** A Lambda event source mapping (`AWS::Lambda::EventSourceMapping`). */
export interface LocalEventSource {
  readonly logicalId: string;
  /** The function it invokes, when it is a function of this stack. */
  readonly functionLogicalId?: string;
  readonly eventSourceArn: string;
  /** Local mode runs `dynamodb` (streams) sources. */
  readonly kind: 'dynamodb' | 'sqs' | 'kinesis' | 'other';
  readonly enabled: boolean;
  /** @default 100 */
  readonly batchSize: number;
  /** @default 'TRIM_HORIZON' */
  readonly startingPosition?: string;
  /** -1: until the record expires. @default -1 */
  readonly maximumRetryAttempts: number;
  /** @default false */
  readonly bisectBatchOnFunctionError: boolean;
  /** The function reports failed records (`FunctionResponseTypes: ReportBatchItemFailures`). */
  readonly reportBatchItemFailures: boolean;
  readonly onFailureArn?: string;
  /** Filter patterns (JSON text), `FilterCriteria.Filters[].Pattern`. */
  readonly filterPatterns: readonly string[];
}

/** A Step Functions state machine of the template: local mode runs its resolved definition in-process. */
export interface LocalStateMachine {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The `DefinitionString`, every reference resolved to local names. */
  readonly definition: string;
}

/** The contents of `.local/<stack>.json`. */
export interface LocalStackFile {
  readonly format: typeof LOCAL_STACK_FORMAT;
  readonly stackName: string;
  readonly stackId: string;
  readonly region: string;
  readonly accountId: string;
  /** The emulator endpoint everything lives in. */
  readonly endpoint: string;
  /** Process id of the `cdk-jobs dev` that provisioned (and may still run) the stack. */
  readonly pid: number;
  /** Absolute path of the cloud assembly the stack came from. */
  readonly assemblyDir: string;
  readonly templateFile: string;
  readonly provisionedAt: string;
  /** The stack outputs, resolved (`JobsTableName`, `FailureInboxUrl`, ...). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Every resource by logical id. */
  readonly resources: Readonly<Record<string, LocalResource>>;
  /** Lambda functions by logical id. */
  readonly functions: Readonly<Record<string, LocalFunction>>;
  /** Scheduler schedules of the template by logical id. */
  readonly schedules: Readonly<Record<string, LocalSchedule>>;
  /** Event source mappings by logical id (absent in records written before they were emulated). */
  readonly eventSources?: Readonly<Record<string, LocalEventSource>>;
  /** State machines by logical id (absent in records written before they were emulated). */
  readonly stateMachines?: Readonly<Record<string, LocalStateMachine>>;
  /** Job name -> its function's logical id and (when it has one) its schedule's logical id. */
  readonly jobs: Readonly<Record<string, { readonly functionLogicalId: string; readonly scheduleLogicalId?: string }>>;
  /**
   * Set when a finished simulation (`cdk-jobs dev --until`) left its emulator running so that what
   * it did can be inspected. Absent while `cdk-jobs dev` runs.
   */
  readonly kept?: KeptEmulator;
}

/** The emulator a finished simulation left running, and until when. */
export interface KeptEmulator {
  /** Process id of the emulator; it leads its own process group. */
  readonly pid: number;
  /** Process id of the reaper that stops it when the period ends. */
  readonly reaperPid?: number;
  /** When the simulation ended (ISO). */
  readonly since: string;
  /** When it is stopped (ISO). */
  readonly until: string;
  /** The simulated window (ISO instants). */
  readonly simulated: { readonly from: string; readonly until: string };
}

export class LocalStackNotFoundError extends ScheduledJobsError {}

/** The directory local mode keeps its state in: `<project>/.local`. */
export function localDir(projectDir = process.cwd()): string {
  return resolve(projectDir, '.local');
}

/** Path of the record of `stackName`: `<project>/.local/<stack>.json`. */
export function localStackPath(stackName: string, projectDir = process.cwd()): string {
  return join(localDir(projectDir), `${stackName}.json`);
}

/** Writes the record atomically (a reader never sees half a file). */
export function writeLocalStack(file: string, stack: LocalStackFile): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(stack, null, 2)}\n`);
  renameSync(temporary, file);
}

/**
 * Reads `.local/<stack>.json`.
 *
 * @throws LocalStackNotFoundError when the stack was never provisioned locally.
 */
export function readLocalStack(stackName: string, projectDir = process.cwd()): LocalStackFile {
  const file = localStackPath(stackName, projectDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LocalStackNotFoundError(`no local stack '${stackName}' (${file} not found): ${START_HINT}`, { cause: error });
  }
  const parsed = JSON.parse(text) as LocalStackFile;
  if (parsed.format !== LOCAL_STACK_FORMAT) {
    throw new LocalStackNotFoundError(`${file} has format ${String(parsed.format)}, expected ${LOCAL_STACK_FORMAT}: run 'npx cdk-jobs dev' again`);
  }
  return parsed;
}

/** How to get a local stack, for messages. */
export const START_HINT = "start one with 'npx cdk-jobs dev', or simulate with 'npx cdk-jobs dev --until 1d' and inspect the finished run";

/** A record found in `.local/`. */
export interface LocalStackEntry {
  readonly file: string;
  readonly stack: LocalStackFile;
}

/**
 * Every stack record directly in `dir` (`<project>/.local`), by stack name. Files that are not
 * records of this format are left out.
 */
export function listLocalStacks(dir: string): LocalStackEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const entries: LocalStackEntry[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      const stack = JSON.parse(readFileSync(file, 'utf8')) as LocalStackFile;
      if (stack.format === LOCAL_STACK_FORMAT && typeof stack.stackName === 'string' && `${stack.stackName}.json` === name) entries.push({ file, stack });
    } catch {
      // Not a record (or one being replaced): skip it.
    }
  }
  return entries;
}

/** Finds a function by logical id, name, ARN (qualified or not) or job name. */
export function findLocalFunction(stack: LocalStackFile, nameOrArn: string): LocalFunction | undefined {
  const byId = stack.functions[nameOrArn];
  if (byId) return byId;
  const unqualified = nameOrArn.startsWith('arn:') ? nameOrArn.split(':').slice(0, 7).join(':') : nameOrArn;
  return Object.values(stack.functions).find(
    (fn) => fn.functionName === unqualified || fn.arn === unqualified || fn.jobName === nameOrArn,
  );
}
