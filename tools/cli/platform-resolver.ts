/**
 * Finds the job platform a command works on. With `--stack` it is that stack; without it, the
 * one job platform there is:
 * - locally (`--local`, `--endpoint URL` or `AWS_ENDPOINT_URL`): the `.local/<stack>.json` records
 *   that `cdk-jobs dev` writes (their functions run in-process); with an endpoint and no record,
 *   the CloudFormation stacks at that endpoint (LocalStack);
 * - with no flag: a local stack whose emulator answers (a running `cdk-jobs dev`, or the emulator a
 *   finished `cdk-jobs dev --until` keeps), else the CloudFormation stacks in the region;
 * - `--no-local`: only the CloudFormation stacks.
 * A CloudFormation stack is a job platform when its outputs include `PlatformOutput.TABLE_NAME`.
 */
import { CloudFormationClient, DescribeStacksCommand, paginateDescribeStacks, type Stack } from '@aws-sdk/client-cloudformation';
import { relative } from 'node:path';
import { emulatorAnswers } from '../local/kept-emulator';
import { listLocalStacks, localDir, localStackPath, readLocalStack, START_HINT, type LocalStackEntry, type LocalStackFile } from '../local/local-stack';
import { localClientConfig } from '../local/moto-server';
import { PlatformOutput } from '../../lib/contract';
import { CliUsageError, PlatformNotFoundError } from './errors';

/** The stack outputs the CLI reads: the contract's `PlatformOutput`. */
export const CliOutput = PlatformOutput;

/** Outputs without which the CLI cannot work. */
export const REQUIRED_OUTPUTS: readonly string[] = [CliOutput.TABLE_NAME, CliOutput.FAILURE_INBOX_URL, CliOutput.SCHEDULE_GROUP_NAME];

/** What the user asked for (`--stack`, `--endpoint`, `--local` / `--no-local`, `--region`). */
export interface PlatformRequest {
  /** The stack. @default the one job platform found */
  readonly stack?: string;
  readonly endpoint?: string;
  /**
   * `true`: only local stacks; `false`: only CloudFormation.
   * @default a local stack whose emulator answers, else CloudFormation
   */
  readonly local?: boolean;
  readonly region?: string;
}

/** The resolved platform. */
export interface Platform {
  /** `local`: functions run in this process from `.local/<stack>.json`; `aws`: through the Lambda API. */
  readonly mode: 'aws' | 'local';
  readonly stackName: string;
  /** The region to call; undefined = the SDK's default (AWS_REGION, profile). */
  readonly region?: string;
  /** The endpoint to call (an emulator); undefined = AWS. */
  readonly endpoint?: string;
  readonly tableName: string;
  readonly failureInboxUrl: string;
  readonly failureInboxArn?: string;
  readonly scheduleGroupName: string;
  readonly oneTimeScheduleGroupName?: string;
  /** Every output of the stack. */
  readonly outputs: Readonly<Record<string, string>>;
  /** The local stack record (local mode only). */
  readonly localStack?: LocalStackFile;
  /** Things the user should know about how the platform was found (printed on stderr). */
  readonly notes: readonly string[];
}

/**
 * Where to look: the local stack records, CloudFormation (at AWS or at an endpoint), or `auto`
 * (a local stack whose emulator answers, else CloudFormation at AWS).
 */
export type PlatformSource =
  | { readonly kind: 'local'; readonly endpoint?: string; readonly fallbackToCloudFormation: boolean }
  | { readonly kind: 'cloudformation'; readonly endpoint?: string }
  | { readonly kind: 'auto' };

function clean(url: string | undefined): string | undefined {
  const trimmed = url?.trim();
  return trimmed ? trimmed.replace(/\/+$/, '') : undefined;
}

/** Decides where to look from the flags and the environment. */
export function platformSource(request: PlatformRequest, env: Readonly<Record<string, string | undefined>>): PlatformSource {
  const endpoint = clean(request.endpoint) ?? clean(env.AWS_ENDPOINT_URL);
  if (request.local === false) return { kind: 'cloudformation', ...(endpoint ? { endpoint } : {}) };
  if (request.local || endpoint) {
    return { kind: 'local', ...(endpoint ? { endpoint } : {}), fallbackToCloudFormation: endpoint !== undefined && !request.local };
  }
  return { kind: 'auto' };
}

/**
 * Reads the platform's names out of the stack outputs.
 *
 * @throws PlatformNotFoundError naming the missing outputs.
 */
export function platformFromOutputs(
  stackName: string,
  outputs: Readonly<Record<string, string>>,
  where: string,
): Pick<Platform, 'tableName' | 'failureInboxUrl' | 'failureInboxArn' | 'scheduleGroupName' | 'oneTimeScheduleGroupName' | 'outputs'> {
  const missing = REQUIRED_OUTPUTS.filter((name) => !outputs[name]);
  if (missing.length > 0) {
    throw new PlatformNotFoundError(
      `stack '${stackName}' (${where}) is not a job platform: it has no output ${missing.join(', ')} ` +
        `(a stack with a JobPlatform has them; pick another stack with --stack)`,
    );
  }
  return {
    tableName: outputs[CliOutput.TABLE_NAME],
    failureInboxUrl: outputs[CliOutput.FAILURE_INBOX_URL],
    ...(outputs[CliOutput.FAILURE_INBOX_ARN] ? { failureInboxArn: outputs[CliOutput.FAILURE_INBOX_ARN] } : {}),
    scheduleGroupName: outputs[CliOutput.SCHEDULE_GROUP_NAME],
    ...(outputs[CliOutput.ONE_TIME_SCHEDULE_GROUP_NAME] ? { oneTimeScheduleGroupName: outputs[CliOutput.ONE_TIME_SCHEDULE_GROUP_NAME] } : {}),
    outputs: { ...outputs },
  };
}

/**
 * SDK client settings for the platform: the emulator with dummy credentials (or, when the local
 * stack's emulator enforces IAM, its administrator's), or AWS.
 */
export function clientConfig(platform: Pick<Platform, 'mode' | 'endpoint' | 'region'> & { readonly localStack?: Pick<LocalStackFile, 'iam'> }) {
  if (platform.endpoint) return localClientConfig(platform.endpoint, platform.region ?? 'us-east-1', platform.localStack?.iam?.admin);
  return platform.region ? { region: platform.region } : {};
}

export interface ResolveDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where `.local/` is. */
  readonly cwd: string;
  /** Creates the CloudFormation client (tests pass a mocked one). @default new CloudFormationClient(config) */
  readonly cloudFormation?: (config: ReturnType<typeof clientConfig>) => CloudFormationClient;
  /** Whether an emulator answers at the endpoint. @default an HTTP request to it */
  readonly probe?: (endpoint: string) => Promise<boolean>;
}

/** Reads the stack's outputs from CloudFormation. */
export async function describeStackOutputs(client: CloudFormationClient, stackName: string): Promise<Record<string, string> | undefined> {
  let out;
  try {
    out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'ValidationError' && /does not exist/i.test(e.message ?? '')) return undefined;
    throw error;
  }
  const stack = out.Stacks?.[0];
  if (!stack) return undefined;
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  return outputs;
}

/** A CloudFormation stack that holds a job platform, with its outputs. */
export interface PlatformStack {
  readonly stackName: string;
  readonly outputs: Readonly<Record<string, string>>;
}

function outputsOf(stack: Stack): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  return outputs;
}

/** Every stack of the region (or endpoint) whose outputs include the platform's table name. */
export async function findPlatformStacks(client: CloudFormationClient): Promise<PlatformStack[]> {
  const found: PlatformStack[] = [];
  for await (const page of paginateDescribeStacks({ client }, {})) {
    for (const stack of page.Stacks ?? []) {
      const outputs = outputsOf(stack);
      if (stack.StackName && outputs[CliOutput.TABLE_NAME]) found.push({ stackName: stack.StackName, outputs });
    }
  }
  return found.sort((a, b) => a.stackName.localeCompare(b.stackName));
}

async function fromCloudFormation(request: PlatformRequest, endpoint: string | undefined, deps: ResolveDeps, notes: string[]): Promise<Platform> {
  const region = request.region ?? deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION;
  const base = { mode: 'aws' as const, ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) };
  const config = clientConfig(base);
  const client = deps.cloudFormation ? deps.cloudFormation(config) : new CloudFormationClient(config);
  const where = endpoint ? `at ${endpoint}` : `in ${region ?? 'the default region'}`;
  const hint = endpoint ? '' : ' (are AWS credentials and a region configured? for a local stack use --local or --endpoint)';
  if (request.stack === undefined) {
    let stacks: PlatformStack[];
    try {
      stacks = await findPlatformStacks(client);
    } catch (error) {
      const e = error as Error;
      throw new PlatformNotFoundError(`could not list the CloudFormation stacks ${where}: ${e.name}: ${e.message}${hint}`, { cause: error });
    }
    if (stacks.length === 0) {
      throw new PlatformNotFoundError(
        `no CloudFormation stack ${where} holds a job platform (none has the output ${CliOutput.TABLE_NAME}): ` +
          `deploy one with 'npx cdk deploy', or name it with --stack` +
          (endpoint ? '' : `; for a local stack: ${START_HINT}`),
      );
    }
    if (stacks.length > 1) {
      throw new CliUsageError(
        `${stacks.length} CloudFormation stacks ${where} hold a job platform (${stacks.map((s) => s.stackName).join(', ')}): pick one with --stack`,
      );
    }
    const [only] = stacks;
    return { ...base, stackName: only.stackName, ...platformFromOutputs(only.stackName, only.outputs, where), notes };
  }
  let outputs: Record<string, string> | undefined;
  try {
    outputs = await describeStackOutputs(client, request.stack);
  } catch (error) {
    const e = error as Error;
    throw new PlatformNotFoundError(`could not read CloudFormation stack '${request.stack}' ${where}: ${e.name}: ${e.message}${hint}`, { cause: error });
  }
  if (!outputs) {
    throw new PlatformNotFoundError(
      `no CloudFormation stack '${request.stack}' ${where} (deploy it with 'npx cdk deploy', or pick another stack with --stack)`,
    );
  }
  return { ...base, stackName: request.stack, ...platformFromOutputs(request.stack, outputs, where), notes };
}

function shownPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel.startsWith('..') ? file : rel;
}

/** Why a local stack's emulator does not answer, and what to do. */
export function emulatorGoneMessage(entry: LocalStackEntry, endpoint: string, cwd: string): string {
  const { stack } = entry;
  const where = `local stack '${stack.stackName}' (${shownPath(entry.file, cwd)})`;
  if (stack.kept) {
    return (
      `the simulated run of ${where} (${stack.kept.simulated.from} -> ${stack.kept.simulated.until}) can no longer be inspected: ` +
      `its emulator at ${endpoint}, kept until ${stack.kept.until}, does not answer; run 'npx cdk-jobs dev --until <duration>' again`
    );
  }
  return `the emulator of ${where} does not answer at ${endpoint}: is 'cdk-jobs dev' still running? ${START_HINT}`;
}

function localPlatform(entry: LocalStackEntry, endpoint: string, request: PlatformRequest, deps: ResolveDeps, notes: string[]): Platform {
  const file = entry.stack;
  const region = request.region ?? file.region;
  return {
    mode: 'local',
    stackName: file.stackName,
    region,
    endpoint,
    ...platformFromOutputs(file.stackName, file.outputs, `local, ${shownPath(entry.file, deps.cwd)}`),
    localStack: file,
    notes,
  };
}

function describeLocal(entry: LocalStackEntry, cwd: string): string {
  const kept = entry.stack.kept;
  return kept
    ? `the simulated run ${kept.simulated.from} -> ${kept.simulated.until} of local stack '${entry.stack.stackName}' ` +
        `(${shownPath(entry.file, cwd)}, emulator at ${entry.stack.endpoint} kept until ${kept.until})`
    : `local stack '${entry.stack.stackName}' (${shownPath(entry.file, cwd)}, emulator at ${entry.stack.endpoint})`;
}

/** With no flag: the local stacks whose emulator answers; with `--stack`, only that one. */
async function liveLocalStacks(request: PlatformRequest, deps: ResolveDeps): Promise<{ live: LocalStackEntry[]; gone: LocalStackEntry[] }> {
  const probe = deps.probe ?? emulatorAnswers;
  const entries = listLocalStacks(localDir(deps.cwd)).filter((e) => request.stack === undefined || e.stack.stackName === request.stack);
  const answers = await Promise.all(entries.map((e) => probe(e.stack.endpoint)));
  return { live: entries.filter((_, i) => answers[i]), gone: entries.filter((_, i) => !answers[i]) };
}

async function autoResolve(request: PlatformRequest, deps: ResolveDeps): Promise<Platform> {
  const { live, gone } = await liveLocalStacks(request, deps);
  if (live.length > 1) {
    throw new CliUsageError(
      `${live.length} local stacks are running (${live.map((e) => e.stack.stackName).join(', ')}): pick one with --stack ` +
        '(or --no-local for the CloudFormation stack in AWS)',
    );
  }
  if (live.length === 1) {
    const [entry] = live;
    return localPlatform(entry, entry.stack.endpoint, request, deps, [`note: using ${describeLocal(entry, deps.cwd)}; --no-local for AWS`]);
  }
  const ended = gone.filter((e) => e.stack.kept);
  const notes = ended.map((e) => `note: ${emulatorGoneMessage(e, e.stack.endpoint, deps.cwd)}; using CloudFormation`);
  try {
    return await fromCloudFormation(request, undefined, deps, notes);
  } catch (error) {
    if (ended.length === 0 || !(error instanceof PlatformNotFoundError)) throw error;
    throw new PlatformNotFoundError(`${emulatorGoneMessage(ended[0], ended[0].stack.endpoint, deps.cwd)} (and ${error.message})`, { cause: error });
  }
}

/**
 * The local record asked for: `--stack`'s, else the only one (of those at the endpoint, when one
 * is given; of those whose emulator answers, when there are several).
 */
async function pickLocalRecord(request: PlatformRequest, endpoint: string | undefined, deps: ResolveDeps): Promise<LocalStackEntry | undefined> {
  const cwd = deps.cwd;
  if (request.stack !== undefined) return { file: localStackPath(request.stack, cwd), stack: readLocalStack(request.stack, cwd) };
  const all = listLocalStacks(localDir(cwd));
  const atEndpoint = endpoint ? all.filter((e) => clean(e.stack.endpoint) === endpoint) : [];
  let entries = atEndpoint.length > 0 ? atEndpoint : all;
  if (entries.length > 1) {
    const probe = deps.probe ?? emulatorAnswers;
    const answers = await Promise.all(entries.map((e) => probe(endpoint ?? e.stack.endpoint)));
    if (answers.filter(Boolean).length === 1) entries = entries.filter((_, i) => answers[i]);
  }
  if (entries.length > 1) {
    throw new CliUsageError(
      `${entries.length} local stacks in ${shownPath(localDir(cwd), cwd)} (${entries.map((e) => e.stack.stackName).join(', ')}): pick one with --stack`,
    );
  }
  return entries[0];
}

/**
 * Resolves the platform for a request.
 *
 * @throws PlatformNotFoundError when it cannot be found (exit code 3).
 * @throws CliUsageError when several platforms fit and `--stack` does not say which (exit code 2).
 */
export async function resolvePlatform(request: PlatformRequest, deps: ResolveDeps): Promise<Platform> {
  const source = platformSource(request, deps.env);
  if (source.kind === 'cloudformation') return fromCloudFormation(request, source.endpoint, deps, []);
  if (source.kind === 'auto') return autoResolve(request, deps);

  let entry: LocalStackEntry | undefined;
  let missing: Error | undefined;
  try {
    entry = await pickLocalRecord(request, source.endpoint, deps);
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    missing = error as Error;
  }
  if (!entry) {
    const message = missing?.message ?? `no local stack in ${shownPath(localDir(deps.cwd), deps.cwd)}: ${START_HINT}`;
    if (!source.fallbackToCloudFormation) throw new PlatformNotFoundError(message, { cause: missing });
    try {
      return await fromCloudFormation(request, source.endpoint, deps, []);
    } catch (cfnError) {
      throw new PlatformNotFoundError(`${message}; and ${(cfnError as Error).message}`, { cause: cfnError });
    }
  }
  const notes: string[] = [];
  const recorded = clean(entry.stack.endpoint) as string;
  const endpoint = source.endpoint ?? recorded;
  if (source.endpoint && recorded !== source.endpoint) {
    notes.push(`note: ${entry.file} was provisioned at ${entry.stack.endpoint}; using ${source.endpoint}`);
  }
  if (!(await (deps.probe ?? emulatorAnswers)(endpoint))) throw new PlatformNotFoundError(emulatorGoneMessage(entry, endpoint, deps.cwd));
  if (entry.stack.kept) notes.push(`note: using ${describeLocal(entry, deps.cwd)}`);
  return localPlatform(entry, endpoint, request, deps, notes);
}
