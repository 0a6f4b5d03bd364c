/**
 * One command's connection to the platform: resolves it once, creates the SDK clients once (for
 * AWS or for the emulator), discovers the jobs once, and closes the clients at the end.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { join, relative } from 'node:path';
import { OneTimeScheduler } from '../../lambdas/runtime/once';
import { sdkRetryConfig } from '../../lambdas/shared/retry';
import { findLocalFunction, localDir, type LocalFunction } from '../local/local-stack';
import { RunLogs } from '../local/run-logs';
import { OperationFailedError, PlatformNotFoundError } from './errors';
import { toJson } from './format';
import type { CliIo } from './io';
import { LambdaJobInvoker, LocalJobInvoker, type JobInvoker } from './invoker';
import {
  buildCatalog,
  findJob,
  functionNameOf,
  localJobFunctions,
  readScheduleGroup,
  stackJobFunctions,
  type JobCatalog,
  type JobFunctionRef,
  type JobInfo,
} from './job-catalog';
import { clientConfig, resolvePlatform, type Platform, type PlatformRequest } from './platform-resolver';
import { progressBar } from './progress';

/** The flags every command that works on a platform takes. */
export interface PlatformFlags extends PlatformRequest {
  readonly json?: boolean;
}

/** The SDK clients of a session. */
export interface CliClients {
  readonly cloudFormation: CloudFormationClient;
  readonly scheduler: SchedulerClient;
  readonly dynamodb: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
}

/** Replaces how clients are made (tests pass mocked or emulator-bound clients). */
export interface SessionDeps {
  readonly clients?: (config: ReturnType<typeof clientConfig>) => Partial<CliClients>;
}

export class CliSession {
  private platformPromise: Promise<Platform> | undefined;
  private clientSet: CliClients | undefined;
  private catalogPromise: Promise<JobCatalog> | undefined;

  constructor(
    readonly io: CliIo,
    readonly flags: PlatformFlags,
    private readonly deps: SessionDeps = {},
  ) {}

  /** Prints a line on stdout. */
  out(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** Prints a line on stderr. */
  note(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** Prints `value` as JSON on stdout. */
  json(value: unknown): void {
    this.io.stdout.write(toJson(value));
  }

  /** The platform (resolved on first use). */
  platform(): Promise<Platform> {
    this.platformPromise ??= resolvePlatform(this.flags, {
      env: this.io.env,
      cwd: this.io.cwd,
      cloudFormation: (config) => this.makeClients(config).cloudFormation,
    }).then((platform) => {
      for (const note of platform.notes) this.note(note);
      return platform;
    });
    return this.platformPromise;
  }

  private makeClients(config: ReturnType<typeof clientConfig>): CliClients {
    if (this.clientSet) return this.clientSet;
    const given = this.deps.clients?.(config) ?? {};
    // Throttling and 5xx are retried by the SDK, with the platform's own retry settings.
    const sdk = { ...config, ...sdkRetryConfig() };
    this.clientSet = {
      cloudFormation: given.cloudFormation ?? new CloudFormationClient(sdk),
      scheduler: given.scheduler ?? new SchedulerClient(sdk),
      dynamodb: given.dynamodb ?? DynamoDBDocumentClient.from(new DynamoDBClient(sdk), { marshallOptions: { removeUndefinedValues: true } }),
      sqs: given.sqs ?? new SQSClient(sdk),
      lambda: given.lambda ?? new LambdaClient(sdk),
    };
    return this.clientSet;
  }

  /** The SDK clients for the platform. */
  async clients(): Promise<CliClients> {
    const platform = await this.platform();
    return this.makeClients(clientConfig(platform));
  }

  /** Every job of the platform (discovered on first use). */
  catalog(): Promise<JobCatalog> {
    this.catalogPromise ??= this.discover();
    return this.catalogPromise;
  }

  private async discover(): Promise<JobCatalog> {
    const platform = await this.platform();
    const clients = await this.clients();
    let bar: ReturnType<typeof progressBar> | undefined;
    const schedules = await readScheduleGroup(clients.scheduler, platform.scheduleGroupName, (done, total) => {
      if (total < 10) return;
      bar ??= progressBar(this.io.stderr, 'reading schedules', total);
      bar.update(done, total);
    });
    bar?.stop();
    let others: JobFunctionRef[] = [];
    if (platform.localStack) {
      others = localJobFunctions(platform.localStack);
    } else {
      const known = new Set(schedules.map((s) => (s.Target?.Arn ? functionNameOf(s.Target.Arn) : '')));
      try {
        others = await stackJobFunctions(clients, platform.stackName, platform.tableName, known);
      } catch (error) {
        const e = error as Error;
        this.note(`note: jobs without a recurring schedule are not listed: reading the stack's functions failed (${e.name}: ${e.message})`);
      }
    }
    return buildCatalog(platform.stackName, schedules, others);
  }

  /** The job named `name`; an unknown name fails with the list of known jobs (exit code 2). */
  async job(name: string): Promise<JobInfo> {
    return findJob(await this.catalog(), name);
  }

  /**
   * What invokes functions: in this process for a local stack, the Lambda API otherwise.
   *
   * On a local stack what the handlers write (their logs, EMF metric lines) is saved in
   * `.local/logs/<job>/<time>.log`, one file per job and command, whose path is printed on stderr
   * when it is created; with `verbose` it is also printed on stderr as it comes, each line prefixed
   * with `[<job>] `.
   */
  async invoker(options: { readonly verbose?: boolean } = {}): Promise<JobInvoker> {
    const platform = await this.platform();
    const stack = platform.localStack;
    if (stack) {
      const logs = new RunLogs(join(localDir(this.io.cwd), 'logs'), () => this.io.now(), (file) =>
        this.note(`logs: ${relative(this.io.cwd, file.path) || file.path}`),
      );
      const jobOf = (fn: LocalFunction) => fn.jobName ?? fn.functionName;
      const local = new LocalJobInvoker(stack, {
        output: (fn, text) => {
          logs.write(jobOf(fn), text);
          if (options.verbose) this.io.stderr.write(prefixLines(`[${jobOf(fn)}] `, text));
        },
      });
      return {
        where: local.where,
        invoke: (functionArn, event) => {
          const fn = findLocalFunction(stack, functionArn);
          if (fn) logs.open(jobOf(fn));
          return local.invoke(functionArn, event);
        },
      };
    }
    return new LambdaJobInvoker((await this.clients()).lambda);
  }

  /** The one-time scheduler of a job (needs the platform's one-time schedule group). */
  async oneTimeScheduler(job: JobInfo): Promise<OneTimeScheduler> {
    const platform = await this.platform();
    const catalog = await this.catalog();
    if (!platform.oneTimeScheduleGroupName) {
      throw new PlatformNotFoundError(
        `stack '${platform.stackName}' has no one-time schedule group (no output OneTimeScheduleGroupName): declare a one-time job in it first`,
      );
    }
    if (!catalog.schedulerRoleArn) {
      throw new OperationFailedError(
        `stack '${platform.stackName}': no schedule in group '${platform.scheduleGroupName}' names the role Scheduler assumes, so one-time schedules cannot be made`,
      );
    }
    return new OneTimeScheduler({
      client: (await this.clients()).scheduler,
      group: platform.oneTimeScheduleGroupName,
      job: job.name,
      target: {
        arn: job.functionArn,
        roleArn: catalog.schedulerRoleArn,
        ...(platform.failureInboxArn ? { deadLetterArn: platform.failureInboxArn } : {}),
      },
      ...((job.schedule?.retryPolicy ?? job.oneTimeRetryPolicy) ? { retryPolicy: job.schedule?.retryPolicy ?? job.oneTimeRetryPolicy } : {}),
      now: () => this.io.now(),
    });
  }

  /** Closes the clients. */
  close(): void {
    if (!this.clientSet) return;
    for (const client of Object.values(this.clientSet) as Array<{ destroy?: () => void }>) client.destroy?.();
  }
}

function prefixLines(prefix: string, text: string): string {
  return text
    .split('\n')
    .map((line, i, all) => (line === '' && i === all.length - 1 ? line : `${prefix}${line}`))
    .join('\n');
}
