/**
 * Finds the job platform a command works on. Against AWS: the CloudFormation outputs of the
 * stack (`--stack`, default `ScheduledJobs`). Locally (`--local`, `--endpoint URL` or
 * `AWS_ENDPOINT_URL`): the `.local/<stack>.json` that `jobs dev` writes, whose functions the CLI
 * runs in-process; when there is none but an endpoint is set, the CloudFormation outputs at that
 * endpoint (LocalStack).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { localStackPath, readLocalStack, type LocalStackFile } from '../local/local-stack';
import { localClientConfig } from '../local/moto-server';
import { PlatformOutput } from '../../lib/contract';
import { PlatformNotFoundError } from './errors';

/** The stack the CLI works on when `--stack` is not given (the example app's stack id). */
export const DEFAULT_STACK = 'ScheduledJobs';

/** The stack outputs the CLI reads: the contract's `PlatformOutput`. */
export const CliOutput = PlatformOutput;

/** Outputs without which the CLI cannot work. */
export const REQUIRED_OUTPUTS: readonly string[] = [CliOutput.TABLE_NAME, CliOutput.FAILURE_INBOX_URL, CliOutput.SCHEDULE_GROUP_NAME];

/** What the user asked for (`--stack`, `--endpoint`, `--local`, `--region`). */
export interface PlatformRequest {
  readonly stack: string;
  readonly endpoint?: string;
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

/** Where to look: the local stack record, or CloudFormation (at AWS or at an endpoint). */
export type PlatformSource =
  | { readonly kind: 'local'; readonly endpoint?: string; readonly fallbackToCloudFormation: boolean }
  | { readonly kind: 'cloudformation'; readonly endpoint?: string };

function clean(url: string | undefined): string | undefined {
  const trimmed = url?.trim();
  return trimmed ? trimmed.replace(/\/+$/, '') : undefined;
}

/** Decides where to look from the flags and the environment. */
export function platformSource(request: PlatformRequest, env: Readonly<Record<string, string | undefined>>): PlatformSource {
  const endpoint = clean(request.endpoint) ?? clean(env.AWS_ENDPOINT_URL);
  if (request.local || endpoint) {
    return { kind: 'local', ...(endpoint ? { endpoint } : {}), fallbackToCloudFormation: endpoint !== undefined && !request.local };
  }
  return { kind: 'cloudformation' };
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

/** SDK client settings for the platform: the emulator with dummy credentials, or AWS. */
export function clientConfig(platform: Pick<Platform, 'mode' | 'endpoint' | 'region'>) {
  if (platform.endpoint) return localClientConfig(platform.endpoint, platform.region ?? 'us-east-1');
  return platform.region ? { region: platform.region } : {};
}

export interface ResolveDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where `.local/` is. */
  readonly cwd: string;
  /** Creates the CloudFormation client (tests pass a mocked one). @default new CloudFormationClient(config) */
  readonly cloudFormation?: (config: ReturnType<typeof clientConfig>) => CloudFormationClient;
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

async function fromCloudFormation(request: PlatformRequest, endpoint: string | undefined, deps: ResolveDeps, notes: string[]): Promise<Platform> {
  const region = request.region ?? deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION;
  const base = { mode: 'aws' as const, ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) };
  const config = clientConfig(base);
  const client = deps.cloudFormation ? deps.cloudFormation(config) : new CloudFormationClient(config);
  const where = endpoint ? `at ${endpoint}` : `in ${region ?? 'the default region'}`;
  let outputs: Record<string, string> | undefined;
  try {
    outputs = await describeStackOutputs(client, request.stack);
  } catch (error) {
    const e = error as Error;
    throw new PlatformNotFoundError(
      `could not read CloudFormation stack '${request.stack}' ${where}: ${e.name}: ${e.message}` +
        (endpoint ? '' : ' (are AWS credentials and a region configured? for a local stack use --local or --endpoint)'),
      { cause: error },
    );
  }
  if (!outputs) {
    throw new PlatformNotFoundError(
      `no CloudFormation stack '${request.stack}' ${where} (deploy it with 'npx cdk deploy', or pick another stack with --stack)`,
    );
  }
  return { ...base, stackName: request.stack, ...platformFromOutputs(request.stack, outputs, where), notes };
}

/**
 * Resolves the platform for a request.
 *
 * @throws PlatformNotFoundError when it cannot be found (exit code 3).
 */
export async function resolvePlatform(request: PlatformRequest, deps: ResolveDeps): Promise<Platform> {
  const source = platformSource(request, deps.env);
  if (source.kind === 'cloudformation') return fromCloudFormation(request, undefined, deps, []);

  let file: LocalStackFile;
  try {
    file = readLocalStack(request.stack, deps.cwd);
  } catch (error) {
    if (!source.fallbackToCloudFormation) {
      throw new PlatformNotFoundError((error as Error).message, { cause: error });
    }
    try {
      return await fromCloudFormation(request, source.endpoint, deps, []);
    } catch (cfnError) {
      throw new PlatformNotFoundError(
        `no local stack '${request.stack}' (${localStackPath(request.stack, deps.cwd)} not found: start it with 'npm start') ` +
          `and ${(cfnError as Error).message}`,
        { cause: cfnError },
      );
    }
  }
  const notes: string[] = [];
  const endpoint = source.endpoint ?? clean(file.endpoint);
  if (source.endpoint && clean(file.endpoint) !== source.endpoint) {
    notes.push(`note: ${localStackPath(request.stack, deps.cwd)} was provisioned at ${file.endpoint}; using ${source.endpoint}`);
  }
  const region = request.region ?? file.region;
  return {
    mode: 'local',
    stackName: file.stackName,
    region,
    ...(endpoint ? { endpoint } : {}),
    ...platformFromOutputs(file.stackName, file.outputs, `local, ${localStackPath(request.stack, deps.cwd)}`),
    localStack: file,
    notes,
  };
}
