/**
 * Reads what should run from EventBridge Scheduler itself: the enabled schedules of the platform's
 * group whose target input names a job. A thin adapter around a `SchedulerClient` it is given;
 * throttled calls are retried by that client's retry strategy (`sdkRetryConfig`).
 */
import {
  GetScheduleCommand,
  paginateListSchedules,
  ResourceNotFoundException,
  type GetScheduleCommandOutput,
  type SchedulerClient,
  type ScheduleSummary,
} from '@aws-sdk/client-scheduler';
import { JOB_NAME_PATTERN } from '../runtime/config';
import { mapWithConcurrency } from '../shared/concurrency';
import { parseCatchUpSpec, type CatchUpTarget } from '../../lib/contract';
import { WatchdogScheduleError } from './errors';
import type { JobSchedule } from './plan';

/** A schedule of the group that could not be read or understood. */
export interface ScheduleFailure {
  readonly scheduleName: string;
  /** The job, when the schedule's input named one. */
  readonly job?: string;
  readonly error: Error;
}

export interface JobSchedules {
  /** Enabled schedules that target a job, in the order Scheduler listed them. */
  readonly schedules: readonly JobSchedule[];
  /** Names of schedules left out: disabled, or with no `job` in their input (e.g. the watchdog's own). */
  readonly ignored: readonly { readonly scheduleName: string; readonly reason: string }[];
  readonly failures: readonly ScheduleFailure[];
}

export interface ListJobSchedulesOptions {
  /**
   * GetSchedule calls in flight at once.
   * @default 4
   */
  readonly concurrency?: number;
  /**
   * The watchdog's own function name: a schedule whose target is this function is the watchdog's
   * trigger, not a job, and is left out without a GetSchedule (the platform grants the watchdog
   * GetSchedule on job schedules only).
   * @default no schedule is left out by its target
   */
  readonly ownFunctionName?: string;
}

/** The function name of a Lambda function ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`). */
export function lambdaFunctionName(arn: string | undefined): string | undefined {
  const match = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(arn ?? '');
  return match ? match[1] : undefined;
}

/** A schedule's target input as an object, or `undefined` when it is not a JSON object. */
function inputObject(input: string | undefined): Record<string, unknown> | undefined {
  if (input === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return parsed as Record<string, unknown>;
}

/** The job a schedule's target input names, or `undefined` when the input is not a job event. */
export function jobOfInput(input: string | undefined): string | undefined {
  const job = inputObject(input)?.job;
  return job === undefined ? undefined : String(job);
}

/** The catch-up policy in the input and what running a missed slot needs; `undefined` when off. */
function catchUpOf(output: Omit<GetScheduleCommandOutput, '$metadata'>, where: string): CatchUpTarget | undefined {
  const input = inputObject(output.Target?.Input) ?? {};
  let policy;
  try {
    policy = parseCatchUpSpec(input.catchUp);
  } catch (error) {
    throw new WatchdogScheduleError(`${where}: Target.Input.${(error as Error).message}`, { cause: error });
  }
  if (!policy) return undefined;
  const functionArn = output.Target?.Arn;
  if (!functionArn) throw new WatchdogScheduleError(`${where}: Target.Arn is missing, so its catch-up policy cannot run a missed slot`);
  return { policy, functionArn, payload: input.payload ?? {}, ...(output.Arn ? { scheduleArn: output.Arn } : {}) };
}

/**
 * Converts a GetSchedule answer into what the planner needs; `undefined` when the schedule does
 * not target a job.
 *
 * @throws WatchdogScheduleError when the schedule names a job but cannot be checked
 */
export function toJobSchedule(output: GetScheduleCommandOutput | Omit<GetScheduleCommandOutput, '$metadata'>, group: string): JobSchedule | undefined {
  const scheduleName = output.Name ?? '(unnamed)';
  const job = jobOfInput(output.Target?.Input);
  if (job === undefined) return undefined;
  const where = `schedule '${scheduleName}' in group '${group}'`;
  if (!JOB_NAME_PATTERN.test(job)) {
    throw new WatchdogScheduleError(`${where}: Target.Input.job must match ${JOB_NAME_PATTERN.source} (got '${job}')`);
  }
  if (!output.ScheduleExpression) {
    throw new WatchdogScheduleError(`${where} (job '${job}'): ScheduleExpression is missing`);
  }
  const activeSince = output.LastModificationDate ?? output.CreationDate;
  if (!activeSince) {
    throw new WatchdogScheduleError(`${where} (job '${job}'): neither LastModificationDate nor CreationDate is set`);
  }
  const catchUp = catchUpOf(output, `${where} (job '${job}')`);
  const window = output.FlexibleTimeWindow;
  let flexibleWindowMs = 0;
  if (window?.Mode === 'FLEXIBLE') {
    const minutes = window.MaximumWindowInMinutes;
    if (minutes === undefined || !Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      throw new WatchdogScheduleError(
        `${where} (job '${job}'): FlexibleTimeWindow.MaximumWindowInMinutes must be an integer from 1 to 1440 when Mode is FLEXIBLE (got ${String(minutes)})`,
      );
    }
    flexibleWindowMs = minutes * 60_000;
  }
  return {
    job,
    scheduleName,
    expression: output.ScheduleExpression,
    timeZone: output.ScheduleExpressionTimezone || 'UTC',
    flexibleWindowMs,
    ...(output.StartDate ? { startDate: output.StartDate } : {}),
    ...(output.EndDate ? { endDate: output.EndDate } : {}),
    activeSince,
    ...(catchUp ? { catchUp } : {}),
  };
}

/** Every schedule of `group`, all pages (100 a page, the most ListSchedules returns). */
export async function listSchedules(scheduler: SchedulerClient, group: string): Promise<ScheduleSummary[]> {
  const summaries: ScheduleSummary[] = [];
  for await (const page of paginateListSchedules({ client: scheduler, pageSize: 100 }, { GroupName: group })) {
    summaries.push(...(page.Schedules ?? []));
  }
  return summaries;
}

/**
 * The enabled job schedules of `group` (ListSchedules, then GetSchedule for each enabled one).
 * A schedule deleted between the two calls is ignored; one that cannot be read or understood is a
 * failure and does not stop the others.
 */
export async function listJobSchedules(scheduler: SchedulerClient, group: string, options: ListJobSchedulesOptions = {}): Promise<JobSchedules> {
  const summaries = await listSchedules(scheduler, group);
  const ignored: { scheduleName: string; reason: string }[] = [];
  const enabled: string[] = [];
  for (const summary of summaries) {
    const name = summary.Name ?? '(unnamed)';
    if (summary.State !== 'ENABLED') {
      ignored.push({ scheduleName: name, reason: `state is ${summary.State ?? 'unknown'}` });
    } else if (options.ownFunctionName && lambdaFunctionName(summary.Target?.Arn) === options.ownFunctionName) {
      ignored.push({ scheduleName: name, reason: 'it targets the watchdog itself' });
    } else {
      enabled.push(name);
    }
  }
  const schedules: JobSchedule[] = [];
  const failures: ScheduleFailure[] = [];
  type Read =
    | { readonly kind: 'schedule'; readonly schedule: JobSchedule }
    | { readonly kind: 'ignored'; readonly scheduleName: string; readonly reason: string }
    | { readonly kind: 'failure'; readonly failure: ScheduleFailure };
  const read = await mapWithConcurrency(enabled, options.concurrency ?? 4, async (name): Promise<Read> => {
    let output: GetScheduleCommandOutput;
    try {
      output = await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: name }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        return { kind: 'ignored', scheduleName: name, reason: 'deleted while the group was read' };
      }
      return { kind: 'failure', failure: { scheduleName: name, error: asError(error) } };
    }
    // A schedule switched off between the two calls is not expected to run.
    if (output.State !== undefined && output.State !== 'ENABLED') {
      return { kind: 'ignored', scheduleName: name, reason: `state is ${output.State}` };
    }
    try {
      const schedule = toJobSchedule(output, group);
      return schedule
        ? { kind: 'schedule', schedule }
        : { kind: 'ignored', scheduleName: name, reason: 'its target input has no job' };
    } catch (error) {
      const job = jobOfInput(output.Target?.Input);
      return { kind: 'failure', failure: { scheduleName: name, ...(job ? { job } : {}), error: asError(error) } };
    }
  });
  for (const entry of read) {
    if (entry.kind === 'schedule') schedules.push(entry.schedule);
    else if (entry.kind === 'failure') failures.push(entry.failure);
    else ignored.push({ scheduleName: entry.scheduleName, reason: entry.reason });
  }
  return { schedules, ignored, failures };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
