/**
 * Catch-up on `cdk-jobs resume <job>`: a job with a catch-up policy runs, per the policy, the slots
 * of its schedule between the pause and now that did not succeed (skipped while paused, or missed).
 * The choice is pure; reading the policy (GetSchedule), the statuses and invoking are thin adapters.
 * Each slot is run with its own scheduled time and `trigger: 'catch-up'`, one after the other and
 * waited for, so runs of the same job do not meet at the overlap lease.
 */
import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catchUpEvent, chooseCatchUpSlots, parseCatchUpSpec, type CatchUpSpec } from '../../../lib/contract';
import { nearestSlots, planBackfill, recurringSchedule, slotsOf } from '../backfill-plan';
import { describeReinvoke } from './redrive';
import { readSlotStatuses } from './backfill';
import { OperationFailedError } from '../errors';
import { fixedByReinvoke, type InvocationReport, type JobInvoker } from '../invoker';
import type { JobInfo } from '../job-catalog';

/**
 * The slots that may need catching up, oldest first: for `last` the latest slot of the schedule at
 * or before `now` (when it is not before the pause); for `within` every slot in
 * [max(pausedAt, now - window), now]. None for a job without a recurring schedule. Pure.
 */
export function resumeCandidates(job: JobInfo, policy: CatchUpSpec, pausedAt: Date, now: Date): Date[] {
  const schedule = recurringSchedule(job);
  if (!schedule) return [];
  const end = new Date(now.getTime() + 1);
  if (policy.mode === 'last') {
    const { before } = nearestSlots(schedule, end);
    return before && before.getTime() >= pausedAt.getTime() ? [before] : [];
  }
  const start = Math.max(pausedAt.getTime(), now.getTime() - policy.windowSeconds * 1000);
  return slotsOf(schedule, new Date(start), end);
}

/** Of the candidates, those the policy runs: not SUCCEEDED (`statuses` by slot ISO string), chosen by the policy. Pure. */
export function chooseResumeSlots(policy: CatchUpSpec, candidates: readonly Date[], statuses: ReadonlyMap<string, string>, now: Date): Date[] {
  const notSucceeded = planBackfill(candidates, statuses).toRun.map((p) => p.slot);
  return chooseCatchUpSlots(policy, notSucceeded, now);
}

/** The catch-up policy in the input of the job's schedule (GetSchedule); `undefined` when off or the job has no schedule. */
export async function readCatchUpPolicy(scheduler: SchedulerClient, job: JobInfo): Promise<CatchUpSpec | undefined> {
  if (!job.schedule) return undefined;
  const out = await scheduler.send(new GetScheduleCommand({ GroupName: job.schedule.group, Name: job.schedule.name }));
  let input: unknown;
  try {
    input = JSON.parse(out.Target?.Input ?? '{}');
  } catch {
    return undefined;
  }
  const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>).catchUp : undefined;
  try {
    return parseCatchUpSpec(value);
  } catch (error) {
    throw new OperationFailedError(`job '${job.name}': schedule '${job.schedule.name}': Target.Input.${(error as Error).message}`);
  }
}

/** How one caught-up slot went. */
export interface CaughtUpSlot {
  readonly slot: Date;
  readonly ok: boolean;
  readonly detail: string;
}

/** What resume caught up. */
export interface ResumeCatchUp {
  readonly policy: CatchUpSpec;
  readonly pausedAt: Date;
  readonly slots: readonly CaughtUpSlot[];
}

export interface CatchUpOnResumeInput {
  readonly job: JobInfo;
  readonly policy: CatchUpSpec;
  readonly pausedAt: Date;
  readonly now: Date;
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly invoker: JobInvoker;
}

/** Runs the slots the policy chooses, oldest first, each waited for before the next. */
export async function catchUpOnResume(input: CatchUpOnResumeInput): Promise<ResumeCatchUp> {
  const { job, policy, pausedAt, now } = input;
  const candidates = resumeCandidates(job, policy, pausedAt, now);
  const statuses = candidates.length > 0 ? await readSlotStatuses(input.doc, input.tableName, job.name, candidates) : new Map<string, string>();
  const chosen = chooseResumeSlots(policy, candidates, statuses, now);
  const target = { policy, functionArn: job.functionArn, payload: job.payload, ...(job.schedule?.arn ? { scheduleArn: job.schedule.arn } : {}) };
  const slots: CaughtUpSlot[] = [];
  for (const slot of chosen) {
    const report: InvocationReport = await input.invoker.invoke(job.functionArn, catchUpEvent(job.name, target, slot), 'sync');
    slots.push({ slot, ok: fixedByReinvoke(report), detail: describeReinvoke(report) });
  }
  return { policy, pausedAt, slots };
}

/** The policy in words. Pure. */
export function describePolicy(policy: CatchUpSpec): string {
  return policy.mode === 'last' ? 'CatchUp.lastMissed()' : `CatchUp.within(${policy.windowSeconds} s)`;
}

/** The human lines of what resume caught up. Pure. */
export function renderResumeCatchUp(job: string, catchUp: ResumeCatchUp): string {
  const head = `catch-up (${describePolicy(catchUp.policy)}) of the slots since the pause at ${catchUp.pausedAt.toISOString()}`;
  if (catchUp.slots.length === 0) return `${head}: nothing to run`;
  const lines = catchUp.slots.map((s) => `  ${job} ${s.slot.toISOString()}: ${s.detail}`);
  const done = catchUp.slots.filter((s) => s.ok).length;
  return [`${head}: ran ${catchUp.slots.length} slot(s), ${done} done`, ...lines].join('\n');
}
