/**
 * The jobs of a platform. Scheduled jobs come from the schedules of the platform's group
 * (GetSchedule: the input's `job` and `payload`, the target function, expression, zone, state);
 * jobs without a recurring schedule (one-time jobs) from the functions that carry a `JOB_NAME`
 * and the platform's table: in local mode from `.local/<stack>.json`, against AWS from the stack's
 * functions. The parsing is pure; the adapters receive their clients.
 */
import { paginateListStackResources, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, paginateListSchedules, type GetScheduleCommandOutput, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { mapWithConcurrency } from '../../lambdas/shared/concurrency';
import { oneTimeEnvNames } from '../../lib/contract';
import { JobEnv } from '../../lib/contract';
import type { LocalStackFile } from '../local/local-stack';
import { UnknownJobError } from './errors';

/** A job's recurring schedule. */
export interface JobSchedule {
  readonly name: string;
  readonly group: string;
  readonly arn?: string;
  readonly expression: string;
  /** @default 'UTC' */
  readonly timeZone: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly description?: string;
  readonly startDate?: Date;
  readonly endDate?: Date;
  readonly createdAt?: Date;
  /** Minutes of the flexible time window (0 = off). */
  readonly flexibleWindowMinutes: number;
  readonly roleArn?: string;
  readonly deadLetterArn?: string;
  readonly retryPolicy?: RetryPolicy;
}

/** A job of the platform. */
export interface JobInfo {
  readonly name: string;
  /** `scheduled`: it has a recurring schedule; `one-time`: it runs only through one-time schedules (or by hand). */
  readonly kind: 'scheduled' | 'one-time';
  /** The function that runs it. */
  readonly functionArn: string;
  /** The payload its schedule gives it (`{}` without a schedule). */
  readonly payload: unknown;
  readonly schedule?: JobSchedule;
  /**
   * Scheduler's delivery retry policy for one-time schedules of a job without a recurring schedule,
   * as `grantSchedule` gave it to the job's grantees (`ONCE_<JOB>_RETRY_ATTEMPTS`, ...).
   */
  readonly oneTimeRetryPolicy?: RetryPolicy;
}

/** Scheduler's delivery retry policy. */
export interface RetryPolicy {
  readonly maximumRetryAttempts?: number;
  readonly maximumEventAgeInSeconds?: number;
}

/** A job found from its function rather than from a schedule. */
export interface JobFunctionRef {
  readonly name: string;
  readonly functionArn: string;
  readonly oneTimeRetryPolicy?: RetryPolicy;
}

/** Every job of a platform, by name. */
export interface JobCatalog {
  readonly stackName: string;
  readonly jobs: readonly JobInfo[];
  /** The role Scheduler assumes for the platform's schedules (for one-time schedules). */
  readonly schedulerRoleArn?: string;
}

/**
 * Where the schedule engine starts counting a schedule: its start date; for `rate()` without one,
 * its creation (a rate schedule fires every period from when it was created).
 */
export function scheduleStart(schedule: JobSchedule): Date | undefined {
  return schedule.startDate ?? (schedule.expression.startsWith('rate(') ? schedule.createdAt : undefined);
}

/** The job a schedule runs, or undefined when its input names none (the watchdog's schedule). */
export function jobFromSchedule(detail: GetScheduleCommandOutput): JobInfo | undefined {
  let input: Record<string, unknown>;
  try {
    const parsed = JSON.parse(detail.Target?.Input ?? '') as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    input = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof input.job !== 'string' || !detail.Target?.Arn || !detail.ScheduleExpression) return undefined;
  const window = detail.FlexibleTimeWindow;
  const retry = detail.Target.RetryPolicy;
  return {
    name: input.job,
    kind: 'scheduled',
    functionArn: detail.Target.Arn,
    payload: input.payload ?? {},
    schedule: {
      name: detail.Name ?? input.job,
      group: detail.GroupName ?? 'default',
      ...(detail.Arn ? { arn: detail.Arn } : {}),
      expression: detail.ScheduleExpression,
      timeZone: detail.ScheduleExpressionTimezone ?? 'UTC',
      state: detail.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      ...(detail.Description ? { description: detail.Description } : {}),
      ...(detail.StartDate ? { startDate: detail.StartDate } : {}),
      ...(detail.EndDate ? { endDate: detail.EndDate } : {}),
      ...(detail.CreationDate ? { createdAt: detail.CreationDate } : {}),
      flexibleWindowMinutes: window?.Mode === 'FLEXIBLE' ? (window.MaximumWindowInMinutes ?? 0) : 0,
      ...(detail.Target.RoleArn ? { roleArn: detail.Target.RoleArn } : {}),
      ...(detail.Target.DeadLetterConfig?.Arn ? { deadLetterArn: detail.Target.DeadLetterConfig.Arn } : {}),
      ...(retry
        ? {
            retryPolicy: {
              ...(retry.MaximumRetryAttempts !== undefined ? { maximumRetryAttempts: retry.MaximumRetryAttempts } : {}),
              ...(retry.MaximumEventAgeInSeconds !== undefined ? { maximumEventAgeInSeconds: retry.MaximumEventAgeInSeconds } : {}),
            },
          }
        : {}),
    },
  };
}

/** The function name of a function ARN (`arn:aws:lambda:r:a:function:name[:qualifier]`), or the name itself. */
export function functionNameOf(arnOrName: string): string {
  return arnOrName.startsWith('arn:') ? (arnOrName.split(':')[6] ?? arnOrName) : arnOrName;
}

/** Builds the catalog: scheduled jobs first (by name), then the others (by name). Later duplicates are dropped. */
export function buildCatalog(
  stackName: string,
  schedules: readonly GetScheduleCommandOutput[],
  others: readonly JobFunctionRef[],
): JobCatalog {
  const byName = new Map<string, JobInfo>();
  let schedulerRoleArn: string | undefined;
  for (const detail of schedules) {
    schedulerRoleArn ??= detail.Target?.RoleArn;
    const job = jobFromSchedule(detail);
    if (job && !byName.has(job.name)) byName.set(job.name, job);
  }
  const scheduled = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  const rest = others
    .filter((o) => !byName.has(o.name))
    .map(
      (o): JobInfo => ({
        name: o.name,
        kind: 'one-time',
        functionArn: o.functionArn,
        payload: {},
        ...(o.oneTimeRetryPolicy ? { oneTimeRetryPolicy: o.oneTimeRetryPolicy } : {}),
      }),
    )
    .sort((a, b) => a.name.localeCompare(b.name))
    .filter((job, i, all) => i === 0 || all[i - 1].name !== job.name);
  return { stackName, jobs: [...scheduled, ...rest], ...(schedulerRoleArn ? { schedulerRoleArn } : {}) };
}

/**
 * The job named `name`.
 *
 * @throws UnknownJobError listing the known jobs.
 */
export function findJob(catalog: JobCatalog, name: string): JobInfo {
  const job = catalog.jobs.find((j) => j.name === name);
  if (job) return job;
  const known = catalog.jobs.map((j) => j.name);
  throw new UnknownJobError(
    `unknown job '${name}' in stack '${catalog.stackName}' (known jobs: ${known.length > 0 ? known.join(', ') : 'none'})`,
    name,
    known,
  );
}

/** Every schedule of a group, read with GetSchedule (ListSchedules only summarises). */
export async function readScheduleGroup(scheduler: SchedulerClient, group: string, onProgress?: (done: number, total: number) => void): Promise<GetScheduleCommandOutput[]> {
  const names: string[] = [];
  for await (const page of paginateListSchedules({ client: scheduler, pageSize: 100 }, { GroupName: group })) {
    for (const s of page.Schedules ?? []) {
      // An emulator may ignore GroupName: keep the group's own.
      if (s.Name && (s.GroupName === undefined || s.GroupName === group)) names.push(s.Name);
    }
  }
  let done = 0;
  const details = await mapWithConcurrency(names, 8, async (name) => {
    try {
      return await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    } finally {
      onProgress?.(++done, names.length);
    }
  });
  return details.filter((d): d is GetScheduleCommandOutput => d !== undefined);
}

function intIn(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/**
 * The delivery retry policy of `job`'s one-time schedules, from the `ONCE_<JOB>_RETRY_ATTEMPTS` and
 * `ONCE_<JOB>_MAX_EVENT_AGE_SECONDS` variables `grantSchedule` sets on the job's grantees (the first
 * function that has them), or undefined when no function of the stack carries them.
 */
export function oneTimeRetryPolicy(job: string, environments: ReadonlyArray<Readonly<Record<string, string>>>): RetryPolicy | undefined {
  const names = oneTimeEnvNames(job);
  for (const env of environments) {
    const attempts = intIn(env[names.retryAttempts], 0, 185);
    const age = intIn(env[names.maxEventAgeSeconds], 60, 86_400);
    if (attempts !== undefined || age !== undefined) {
      return { ...(attempts !== undefined ? { maximumRetryAttempts: attempts } : {}), ...(age !== undefined ? { maximumEventAgeInSeconds: age } : {}) };
    }
  }
  return undefined;
}

function withRetryPolicies(refs: ReadonlyArray<{ name: string; functionArn: string }>, environments: ReadonlyArray<Readonly<Record<string, string>>>): JobFunctionRef[] {
  return refs.map((ref) => {
    const policy = oneTimeRetryPolicy(ref.name, environments);
    return policy ? { ...ref, oneTimeRetryPolicy: policy } : { ...ref };
  });
}

/** Local mode: the job functions of `.local/<stack>.json`. */
export function localJobFunctions(stack: LocalStackFile): JobFunctionRef[] {
  const out: Array<{ name: string; functionArn: string }> = [];
  for (const [name, entry] of Object.entries(stack.jobs)) {
    const fn = stack.functions[entry.functionLogicalId];
    if (fn) out.push({ name, functionArn: fn.arn });
  }
  return withRetryPolicies(out, Object.values(stack.functions).map((fn) => fn.environment));
}

/**
 * Against AWS: the stack's functions that run a job of this platform (a `JOB_NAME` variable and
 * the platform's table in `JOBS_TABLE_NAME`), except those already known from a schedule, with the
 * one-time retry policy found on the functions read (see {@link oneTimeRetryPolicy}).
 */
export async function stackJobFunctions(
  clients: { readonly cloudFormation: CloudFormationClient; readonly lambda: LambdaClient },
  stackName: string,
  tableName: string,
  knownFunctionNames: ReadonlySet<string>,
): Promise<JobFunctionRef[]> {
  const candidates: string[] = [];
  for await (const page of paginateListStackResources({ client: clients.cloudFormation }, { StackName: stackName })) {
    for (const r of page.StackResourceSummaries ?? []) {
      if (r.ResourceType === 'AWS::Lambda::Function' && r.PhysicalResourceId && !knownFunctionNames.has(r.PhysicalResourceId)) {
        candidates.push(r.PhysicalResourceId);
      }
    }
  }
  const environments: Array<Record<string, string>> = [];
  const found = await mapWithConcurrency(candidates, 4, async (name) => {
    const config = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const variables = config.Environment?.Variables ?? {};
    environments.push(variables);
    const job = variables[JobEnv.JOB_NAME];
    if (!job || variables[JobEnv.TABLE_NAME] !== tableName || !config.FunctionArn) return undefined;
    return { name: job, functionArn: config.FunctionArn };
  });
  return withRetryPolicies(
    found.filter((f): f is { name: string; functionArn: string } => f !== undefined),
    environments,
  );
}
