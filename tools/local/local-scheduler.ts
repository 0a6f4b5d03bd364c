/**
 * Local mode's EventBridge Scheduler: fires every enabled schedule in the emulator at exactly the
 * instants `nextRuns` gives (the template's recurring schedules and the one-time schedules created
 * at runtime, found by listing the schedule groups each tick), substitutes the context attributes,
 * delivers to the target function in-process with Lambda's asynchronous semantics (retries after
 * one and two minutes, then the on-failure destination / dead-letter queue), and deletes schedules
 * whose `ActionAfterCompletion` is `DELETE` once they have fired for the last time.
 *
 * It runs on a {@link Clock}: the real one (follows wall time until stopped) or a simulated one,
 * which jumps from one fire time to the next.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteScheduleCommand,
  GetScheduleCommand,
  paginateListSchedules,
  type GetScheduleCommandOutput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { nextRuns } from '../../lib/schedule';
import {
  failureRecord,
  functionDeadLetterAttributes,
  lambdaTargetEvent,
  retryDecision,
  scheduleDeadLetterAttributes,
  successRecord,
  type ContextAttributeValues,
} from './async-invocation';
import { schedulerTime, SimulatedClock, type Clock } from './clock';
import { arnService, deliver } from './destinations';
import type { EventSourceInvocation, EventSourceRunner } from './event-sources';
import type { InvocationError, InvocationResult, LocalLambda } from './local-lambda';
import { findLocalFunction, type LocalFunction, type LocalStackFile } from './local-stack';

/** Status of a run in the summary: the runtime's outcome, or FAILED when the invocation failed. */
/**
 * Status of a run in the summary: the runtime's outcome (`SUCCEEDED`, `SKIPPED`, `DUPLICATE`,
 * `CONTINUED`...), `FAILED` when it failed for good, `RETRYING` for a stream batch that failed and
 * will be retried.
 */
export type LocalRunStatus = string;

/** One event handled by a function: a schedule's delivery or an asynchronous invoke, with its retries. */
export interface LocalRun {
  readonly job: string;
  /** The slot, `2026-11-29T02:00:00Z`; for an asynchronous invoke, the event's `scheduledTime` if it has one. */
  readonly scheduledTime: string;
  readonly status: LocalRunStatus;
  /** Duration of the last attempt. */
  readonly durationMs: number;
  readonly attempts: number;
  /**
   * `schedule` (a delivery of a schedule), `invoke` (an asynchronous invoke, e.g. a continuation) or
   * `stream` (a batch of DynamoDB stream records from an event source mapping).
   */
  readonly trigger: 'schedule' | 'invoke' | 'stream';
  /** Records in the batch (stream runs). */
  readonly records?: number;
  /** `<group>/<name>` of the schedule, for scheduled runs. */
  readonly schedule?: string;
  readonly functionName: string;
  /** When the last attempt started (clock time, ISO). */
  readonly startedAt: string;
  readonly error?: { readonly type: string; readonly message: string };
  /** Where the failure record went (an ARN), when the run failed for good. */
  readonly failureDestination?: string;
  /** Why the runtime skipped or did not run the slot (`paused`, `overlap`, ...). */
  readonly reason?: string;
}

export interface LocalSchedulerOptions {
  readonly stack: LocalStackFile;
  readonly lambda: LocalLambda;
  readonly clock: Clock;
  readonly clients: { readonly scheduler: SchedulerClient; readonly sqs: SQSClient; readonly sns: SNSClient };
  /** Stop after this instant (epoch ms). @default run until `stop()` */
  readonly until?: number;
  /** Called after every finished run (retries included). */
  readonly onRun?: (run: LocalRun) => void;
  /**
   * Schedules fired at most once per interval (`<group>/<name>` -> milliseconds): the first slot at
   * least that long after the last one fired is delivered, the slots in between are not. Used for
   * the platform's watchdog while time travelling. @default every schedule fires at every slot
   */
  readonly sparse?: Readonly<Record<string, number>>;
  /** Event source mappings to run (DynamoDB streams), already started. @default none */
  readonly eventSources?: EventSourceRunner;
  /** Called whenever the clock moves. */
  readonly onTick?: (now: number) => void;
  /** Warnings (undeliverable records, unknown targets). @default ignored */
  readonly warn?: (message: string) => void;
  /**
   * When the schedules already in the emulator were created (rate() schedules count from it).
   * @default the clock's time when `run()` starts
   */
  readonly startedAt?: number;
  /** Real mode: how often the groups are listed and the streams read when nothing is due. @default 1000 */
  readonly pollIntervalMs?: number;
}

interface ScheduleEntry {
  readonly key: string;
  lastModified: number;
  detail: GetScheduleCommandOutput;
  /** When local mode first saw the schedule (clock time): rate() schedules count from here. */
  readonly seenAt: number;
  /** Fired instants are strictly after this. */
  cursor: number;
  /** The last slot delivered. */
  lastFired?: number;
  next: number | undefined;
}

interface Attempt {
  readonly at: number;
  readonly seq: number;
  readonly fn: LocalFunction;
  readonly event: unknown;
  readonly receivedAt: number;
  readonly attempt: number;
  readonly trigger: 'schedule' | 'invoke';
  readonly scheduledTime: string;
  readonly schedule?: string;
}

/** Reads a field of the handler's result without trusting its shape. */
function outcomeField(result: unknown, field: string): string | undefined {
  if (result && typeof result === 'object' && typeof (result as Record<string, unknown>)[field] === 'string') {
    return (result as Record<string, string>)[field];
  }
  return undefined;
}

/** The job an event is for: its `job` field, else the function's job, else the schedule's name, else the function's. */
function jobOf(event: unknown, fn: LocalFunction, schedule: string | undefined): string {
  const job = event && typeof event === 'object' ? (event as Record<string, unknown>).job : undefined;
  if (typeof job === 'string') return job;
  return fn.jobName ?? (schedule ? schedule.slice(schedule.indexOf('/') + 1) : fn.functionName);
}

function scheduledTimeOf(event: unknown): string {
  const value = event && typeof event === 'object' ? (event as Record<string, unknown>).scheduledTime : undefined;
  return typeof value === 'string' ? value : '';
}

export class LocalScheduler {
  private readonly schedules = new Map<string, ScheduleEntry>();
  private readonly queue: Attempt[] = [];
  /** Work after the due invocations: dead-letter deliveries, deleting schedules that completed. */
  private readonly pendingTasks: Array<() => Promise<void>> = [];
  private readonly runs: LocalRun[] = [];
  private seq = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly warn: (message: string) => void;

  constructor(private readonly options: LocalSchedulerOptions) {
    this.warn = options.warn ?? (() => undefined);
  }

  /** Every run so far. */
  get history(): readonly LocalRun[] {
    return this.runs;
  }

  /** Stops the loop after the current invocation. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /**
   * An asynchronous invoke (Lambda `InvocationType: Event`) of a function of the stack, handled at
   * the current clock time after the invocation in progress: what `continueLater` uses locally.
   */
  invokeAsync(functionArnOrName: string, event: unknown): void {
    const fn = findLocalFunction(this.options.stack, functionArnOrName);
    if (!fn) throw new Error(`local invoke: no function '${functionArnOrName}' in local stack '${this.options.stack.stackName}'`);
    const now = this.options.clock.now();
    this.push({ at: now, fn, event, receivedAt: now, attempt: 1, trigger: 'invoke', scheduledTime: scheduledTimeOf(event) });
    this.wake?.();
  }

  /** Runs until `until` (or until stopped) and returns every run. */
  async run(): Promise<readonly LocalRun[]> {
    const { clock } = this.options;
    const simulated = clock instanceof SimulatedClock ? clock : undefined;
    await this.refresh(this.options.startedAt ?? clock.now());
    await this.pumpEventSources();
    while (!this.stopped) {
      const due = this.nextDue();
      const until = this.options.until;
      if (due === undefined || (until !== undefined && due > until)) {
        if (simulated) break;
        if (until !== undefined && clock.now() >= until) break;
        await this.sleep(this.options.pollIntervalMs ?? 1000);
        await this.refresh(clock.now());
        await this.pumpEventSources();
        continue;
      }
      if (simulated) simulated.advanceTo(due);
      else if (due > clock.now()) {
        await this.sleep(Math.min(due - clock.now(), this.options.pollIntervalMs ?? 1000));
        await this.refresh(clock.now());
        await this.pumpEventSources();
        continue;
      }
      this.options.onTick?.(clock.now());
      this.enqueueDueDeliveries(clock.now());
      await this.drain();
      await this.refresh(clock.now());
    }
    if (simulated) {
      // Finish what already started (retries, continuations) so every fired slot has an outcome.
      for (let due = this.finishing(); !this.stopped && due !== undefined; due = this.finishing()) {
        simulated.advanceTo(due);
        this.options.onTick?.(clock.now());
        await this.drain();
      }
      if (this.options.until !== undefined) simulated.advanceTo(this.options.until);
    }
    return this.runs;
  }

  /** After the end of a simulation: when the next retry or continuation is due, if any. */
  private finishing(): number | undefined {
    const queued = this.queue[0]?.at;
    const sources = this.options.eventSources?.nextDue();
    if (queued === undefined) return sources;
    return sources === undefined ? queued : Math.min(queued, sources);
  }

  /** Delivers stream records written so far (by seeds, jobs or anyone else). */
  private async pumpEventSources(): Promise<void> {
    if (!this.options.eventSources || this.stopped) return;
    await this.options.eventSources.pump();
  }

  /** Records an event source invocation as a run (stream batches). */
  recordEventSourceInvocation(invocation: EventSourceInvocation): void {
    const { fn, result, outcome } = invocation;
    this.record({
      job: fn.jobName ?? fn.constructPath ?? fn.functionName,
      scheduledTime: '',
      status: outcome === 'succeeded' ? (outcomeField(result.result, 'status') ?? 'SUCCEEDED') : outcome === 'failed' ? 'FAILED' : 'RETRYING',
      durationMs: result.durationMs,
      attempts: invocation.attempt,
      trigger: 'stream',
      records: invocation.records,
      functionName: fn.functionName,
      startedAt: new Date(invocation.startedAt).toISOString(),
      ...(result.error ? { error: { type: result.error.errorType, message: result.error.errorMessage } } : {}),
      ...(outcome === 'failed' && invocation.source.onFailureArn ? { failureDestination: invocation.source.onFailureArn } : {}),
    });
  }

  private push(attempt: Omit<Attempt, 'seq'>): void {
    this.queue.push({ ...attempt, seq: this.seq++ });
    this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  private nextDue(): number | undefined {
    let due = this.queue[0]?.at;
    const sources = this.options.eventSources?.nextDue();
    if (sources !== undefined && (due === undefined || sources < due)) due = sources;
    for (const entry of this.schedules.values()) {
      if (entry.next !== undefined && (due === undefined || entry.next < due)) due = entry.next;
    }
    return due;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  /** Lists every schedule in the emulator and (re)reads the new and changed ones. */
  private async refresh(now: number): Promise<void> {
    const { scheduler } = this.options.clients;
    const seen = new Set<string>();
    for await (const page of paginateListSchedules({ client: scheduler, pageSize: 100 }, {})) {
      for (const summary of page.Schedules ?? []) {
        const key = `${summary.GroupName ?? 'default'}/${summary.Name}`;
        seen.add(key);
        const modified = summary.LastModificationDate?.getTime() ?? 0;
        const known = this.schedules.get(key);
        if (known && known.lastModified === modified) continue;
        let detail: GetScheduleCommandOutput;
        try {
          detail = await scheduler.send(new GetScheduleCommand({ Name: summary.Name, GroupName: summary.GroupName }));
        } catch (error) {
          if ((error as Error).name === 'ResourceNotFoundException') continue;
          throw error;
        }
        const entry: ScheduleEntry = known ?? { key, lastModified: modified, detail, seenAt: now, cursor: now, next: undefined };
        entry.lastModified = modified;
        entry.detail = detail;
        if (!known) this.schedules.set(key, entry);
        this.plan(entry);
      }
    }
    for (const key of [...this.schedules.keys()]) if (!seen.has(key)) this.schedules.delete(key);
  }

  /** Works out the next fire time of a schedule after its cursor. */
  private plan(entry: ScheduleEntry): void {
    const d = entry.detail;
    if (d.State !== 'ENABLED' || !d.ScheduleExpression) {
      entry.next = undefined;
      return;
    }
    const every = this.options.sparse?.[entry.key];
    const after = every !== undefined && entry.lastFired !== undefined ? Math.max(entry.cursor, entry.lastFired + every - 1) : entry.cursor;
    try {
      const [next] = nextRuns(d.ScheduleExpression, {
        timeZone: d.ScheduleExpressionTimezone ?? 'UTC',
        after: new Date(after),
        count: 1,
        start: d.StartDate ?? new Date(entry.seenAt),
      });
      const end = d.EndDate?.getTime();
      entry.next = next && (end === undefined || next.getTime() <= end) ? next.getTime() : undefined;
    } catch (error) {
      entry.next = undefined;
      this.warn(`schedule ${entry.key}: ${(error as Error).message} (it will not fire)`);
    }
  }

  private enqueueDueDeliveries(now: number): void {
    const due = [...this.schedules.values()]
      .filter((e) => e.next !== undefined && e.next <= now)
      .sort((a, b) => (a.next as number) - (b.next as number) || a.key.localeCompare(b.key));
    for (const entry of due) {
      const slot = entry.next as number;
      entry.cursor = slot;
      entry.lastFired = slot;
      this.plan(entry);
      this.deliver(entry, slot);
    }
  }

  /** Scheduler's delivery of one slot: substitute the context attributes and hand the event to the target. */
  private deliver(entry: ScheduleEntry, slot: number): void {
    const d = entry.detail;
    const values: ContextAttributeValues = {
      scheduleArn: d.Arn ?? '',
      scheduledTime: schedulerTime(slot),
      executionId: randomUUID(),
      attemptNumber: 1,
    };
    const targetArn = d.Target?.Arn ?? '';
    const fn = arnService(targetArn) === 'lambda' ? findLocalFunction(this.options.stack, targetArn) : undefined;
    const completed = entry.next === undefined;
    const cleanUp = async () => {
      if (completed && d.ActionAfterCompletion === 'DELETE') {
        await this.options.clients.scheduler
          .send(new DeleteScheduleCommand({ Name: d.Name, GroupName: d.GroupName }))
          .catch((error: unknown) => {
            throw new Error(`schedule ${entry.key}: deleting it after its last run failed: ${(error as Error).message}`, { cause: error });
          });
        this.schedules.delete(entry.key);
      }
    };
    if (!fn) {
      const message = `the target ${targetArn} is not a function of local stack '${this.options.stack.stackName}'`;
      this.pendingTasks.push(() => this.undeliverable(entry, values, message).then(cleanUp));
      return;
    }
    let event: unknown;
    try {
      event = lambdaTargetEvent(d.Name ?? entry.key, d.Target?.Input, values);
    } catch (error) {
      this.pendingTasks.push(() => this.undeliverable(entry, values, (error as Error).message).then(cleanUp));
      return;
    }
    this.push({
      at: slot,
      fn,
      event,
      receivedAt: this.options.clock.now(),
      attempt: 1,
      trigger: 'schedule',
      scheduledTime: values.scheduledTime,
      schedule: entry.key,
    });
    if (completed) this.pendingTasks.push(cleanUp);
  }

  /** A delivery Scheduler cannot make: its dead-letter queue gets the input. */
  private async undeliverable(entry: ScheduleEntry, values: ContextAttributeValues, message: string): Promise<void> {
    const d = entry.detail;
    this.warn(`schedule ${entry.key}: ${message}`);
    const deadLetter = d.Target?.DeadLetterConfig?.Arn;
    if (!deadLetter) return;
    await deliver(
      deadLetter,
      d.Target?.Input ?? '{}',
      this.options.clients,
      this.options.stack,
      scheduleDeadLetterAttributes({
        errorCode: 'ResourceNotFoundException',
        errorMessage: message,
        executionId: values.executionId,
        condition: 'MaximumRetryAttemptsExceeded',
        retryAttempts: 0,
        scheduledTime: values.scheduledTime,
        scheduleArn: values.scheduleArn,
        targetArn: d.Target?.Arn ?? '',
      }),
    );
  }

  /** Runs every attempt that is due now, in order (attempts may add more, e.g. continuations). */
  private async drain(): Promise<void> {
    const { clock } = this.options;
    do {
      while (!this.stopped && this.queue.length > 0 && this.queue[0].at <= clock.now()) {
        const attempt = this.queue.shift() as Attempt;
        const startedAt = clock.now();
        const result = await this.options.lambda.invoke(attempt.fn, attempt.event);
        await this.settle(attempt, result, startedAt);
      }
      while (this.pendingTasks.length > 0) {
        const task = this.pendingTasks.shift() as () => Promise<void>;
        await task().catch((error: unknown) => this.warn((error as Error).message));
      }
      // What the invocations wrote to streams is delivered right away (Lambda polls streams constantly).
      await this.pumpEventSources();
    } while (!this.stopped && this.queue.length > 0 && this.queue[0].at <= clock.now());
  }

  private async settle(attempt: Attempt, result: InvocationResult, startedAt: number): Promise<void> {
    const { clock } = this.options;
    const fn = attempt.fn;
    const base = {
      job: jobOf(attempt.event, fn, attempt.schedule),
      scheduledTime: attempt.scheduledTime,
      durationMs: result.durationMs,
      attempts: attempt.attempt,
      trigger: attempt.trigger,
      ...(attempt.schedule ? { schedule: attempt.schedule } : {}),
      functionName: fn.functionName,
      startedAt: new Date(startedAt).toISOString(),
    };
    if (result.ok) {
      const reason = outcomeField(result.result, 'reason');
      this.record({ ...base, status: outcomeField(result.result, 'status') ?? 'SUCCEEDED', ...(reason ? { reason } : {}) });
      const onSuccess = fn.asyncConfig.onSuccess?.arn;
      if (onSuccess) {
        const record = successRecord({
          requestId: result.requestId,
          functionArn: fn.arn,
          attempts: attempt.attempt,
          event: attempt.event,
          result: result.result,
          timestamp: new Date(clock.now()).toISOString(),
        });
        await this.sendRecord(onSuccess, record, fn);
      }
      return;
    }
    const error = result.error as InvocationError;
    const decision = retryDecision(fn.asyncConfig, attempt.attempt, attempt.receivedAt, clock.now());
    if (decision.retry) {
      this.push({ ...attempt, at: decision.at, attempt: attempt.attempt + 1 });
      return;
    }
    const onFailure = fn.asyncConfig.onFailure?.arn;
    if (onFailure) {
      const record = failureRecord({
        requestId: result.requestId,
        functionArn: fn.arn,
        condition: decision.condition,
        attempts: attempt.attempt,
        event: attempt.event,
        error,
        timestamp: new Date(clock.now()).toISOString(),
      });
      await this.sendRecord(onFailure, record, fn);
    }
    if (fn.deadLetterArn) {
      await deliver(fn.deadLetterArn, attempt.event, this.options.clients, this.options.stack, functionDeadLetterAttributes(result.requestId, error)).catch(
        (e: unknown) => this.warn(`function ${fn.functionName}: dead-letter delivery failed: ${(e as Error).message}`),
      );
    }
    this.record({
      ...base,
      status: 'FAILED',
      error: { type: error.errorType, message: error.errorMessage },
      ...(onFailure ?? fn.deadLetterArn ? { failureDestination: onFailure ?? fn.deadLetterArn } : {}),
    });
  }

  private async sendRecord(arn: string, record: unknown, fn: LocalFunction): Promise<void> {
    try {
      if (arnService(arn) === 'lambda') {
        this.invokeAsync(arn, record);
        return;
      }
      await deliver(arn, record, this.options.clients, this.options.stack);
    } catch (error) {
      this.warn(`function ${fn.functionName}: destination ${arn}: ${(error as Error).message}`);
    }
  }

  private record(run: LocalRun): void {
    this.runs.push(run);
    this.options.onRun?.(run);
  }
}
