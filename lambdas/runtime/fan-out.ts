/**
 * `defineFanOutJob({ plan, work, finish })`: one Lambda handler for the three phases of a fan-out
 * job, dispatched by the task input the `FanOutJob` state machine sends.
 *
 * - **plan** validates the event, claims the slot (duplicates, pause and overlap as in `defineJob`),
 *   runs the job's `plan`, leaves out the items an earlier attempt of the slot already finished, and
 *   writes the rest as the JSON manifest the Distributed Map reads.
 * - **work** runs the job's `work` on one batch of items and records each item done
 *   (`PART#<slot>#<key>`, with its result); items already done are skipped, so a retried batch or a
 *   re-run never does an item twice. A throw fails the batch; the map retries it.
 * - **finish** compares the manifest with the done records, runs the job's `finish` on the outcome and
 *   records the run: SUCCEEDED, PARTIAL (failed items within the map's tolerance) or FAILED.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import {
  executionName,
  FanOutEnv,
  JobEnv,
  LOCAL_DESCRIBE_EXECUTION_KEY,
  LOCAL_START_EXECUTION_KEY,
  type LocalDescribeExecution,
  type FanOutStartOutput,
  type LocalStartExecution,
  manifestKey,
  MetricName,
  type FanOutFinishInput,
  type FanOutFinishOutput,
  type FanOutPlanInput,
  type FanOutPlanOutput,
  type FanOutRun,
  type FanOutWorkInput,
  type FanOutWorkOutput,
} from '../../lib/contract';
import { resolveConfig, type RuntimeConfig } from './config';
import type { DefineJobOptions } from './define-job';
import { FanOutError, InvalidJobEventError, InvalidPayloadError, JobConfigurationError } from './errors';
import { parseInstant, parseJobEvent } from './event';
import { collectItems, defaultS3Client, itemResult, S3ManifestStore, type FanOutItem, type ManifestStore } from './fan-out-manifest';
import { OverlapLease } from './lease';
import { decideClaim } from './claim';
import { addInvocationMetrics, createJobMetrics, flushMetrics } from './metrics';
import { sdkRetryConfig } from '../shared/retry';
import { errorRecord, expiresAt, smallResult, type ErrorRecord } from './run-record';
import { defaultDocumentClient, JobStateStore } from './state-store';
import type { JobContext } from './types';

export type { FanOutItem } from './fan-out-manifest';
export { MAX_ITEM_KEY_LENGTH, MAX_ITEM_RESULT_BYTES } from './fan-out-manifest';

/**
 * What each phase of a fan-out job receives: `defineJob`'s context without the continuation
 * (a fan-out run is never continued: the map does the long part) and without the checkpoint (the
 * done records are the fan-out's checkpoint).
 */
export type FanOutContext<P = unknown> = Omit<JobContext<P>, 'continueLater' | 'checkpoint' | 'sequence'>;

/** One item's result, as `finish` reads it back. */
export interface FanOutItemResult<R> {
  readonly key: string;
  /** What `work` returned for the item (absent when it returned `undefined`). */
  readonly result?: R;
}

/** What `finish` receives: how the run went. */
export interface FanOutOutcome<R> {
  /** SUCCEEDED when every item is done, PARTIAL when some failed within the tolerance, FAILED when the map failed. */
  readonly status: 'SUCCEEDED' | 'PARTIAL' | 'FAILED';
  /** Items the plan returned. */
  readonly planned: number;
  /** Items done by an earlier attempt of this slot (not processed again). */
  readonly alreadyDone: number;
  /** Items done, earlier attempts included. */
  readonly succeeded: number;
  /** Items not done (their batches failed after every retry, or the map stopped). */
  readonly failed: number;
  /** The keys of the failed items. */
  readonly failedKeys: readonly string[];
  /** The map's error when it failed (`States.ExceedToleratedFailureThreshold`, ...). */
  readonly mapError?: { readonly error: string; readonly cause: string };
  /** Every done item's result, streamed from the state table in key order (earlier attempts included). */
  results(): AsyncIterable<FanOutItemResult<R>>;
}

/** The job's code and options. */
export interface FanOutJobSpec<P, I extends FanOutItem, R, S> extends Omit<DefineJobOptions<P>, 'lambda'> {
  /**
   * Splits the run's work into items (partitions), each with a key unique in the run. At least one
   * item; they are written to S3 as the map's manifest (keep each item small: a prefix, a range).
   */
  readonly plan: (ctx: FanOutContext<P>) => Promise<Iterable<I> | AsyncIterable<I>> | Iterable<I> | AsyncIterable<I>;
  /**
   * Processes one batch: returns one result per item, in order (`undefined` entries allowed). Throw
   * to fail the whole batch (the map retries it with backoff); its side effects must be idempotent
   * per item, because a retried batch may repeat items that were not recorded done.
   */
  readonly work: (ctx: FanOutContext<P>, items: readonly I[]) => Promise<readonly R[]> | readonly R[];
  /**
   * Reduces the outcome into the run's summary (kept on the run record when its JSON is at most
   * 1 KB). Called for SUCCEEDED, PARTIAL and FAILED runs.
   * @default the summary is the outcome's counts
   */
  readonly finish?: (ctx: FanOutContext<P>, outcome: FanOutOutcome<R>) => Promise<S> | S;
  /**
   * The manifest bucket.
   * @default process.env.FAN_OUT_BUCKET_NAME (set by the FanOutJob construct)
   */
  readonly bucket?: string;
  /**
   * The S3 client the manifest is written and read with.
   * @default one client shared by the module
   */
  readonly s3?: S3Client;
  /**
   * Reads and writes the manifest (tests inject an in-memory one).
   * @default S3, with `s3`
   */
  readonly manifests?: ManifestStore;
  /**
   * The Step Functions client a job event starts the execution with.
   * @default one client shared by the module, created on first use
   */
  readonly sfn?: SFNClient;
  /**
   * Most failed item keys kept on the run record (all of them reach `finish`).
   * @default 100
   */
  readonly maxFailedKeysRecorded?: number;
}

/** Any output of a fan-out handler. */
export type FanOutPhaseOutput = FanOutPlanOutput | FanOutWorkOutput | FanOutFinishOutput | FanOutStartOutput;

/** The Lambda handler `defineFanOutJob` returns: the state machine's three tasks call it. */
export type FanOutHandler = (input: unknown, context?: Context) => Promise<FanOutPhaseOutput>;

interface Runtime {
  readonly config: RuntimeConfig;
  readonly store: JobStateStore;
  readonly manifests: ManifestStore;
  readonly bucket?: string;
  readonly clock: () => number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Wraps a fan-out job's `plan`, `work` and `finish` into its Lambda handler.
 *
 * @example
 * export const handler = defineFanOutJob<{ days: number }, { key: string }, number, { deleted: number }>({
 *   plan: (ctx) => dayPrefixes(ctx.scheduledTime, ctx.payload.days).map((prefix) => ({ key: prefix })),
 *   work: (ctx, items) => Promise.all(items.map((item) => deletePrefix(item.key))),
 *   finish: async (ctx, outcome) => ({ deleted: await sum(outcome.results()) }),
 * });
 */
export function defineFanOutJob<P = unknown, I extends FanOutItem = FanOutItem, R = unknown, S = unknown>(
  spec: FanOutJobSpec<P, I, R, S>,
): FanOutHandler {
  let runtime: Runtime | undefined;
  return async (input, context) => {
    runtime ??= createRuntime(spec as unknown as FanOutJobSpec<unknown, FanOutItem, unknown, unknown>);
    const phase = new Phases<P, I, R, S>(runtime, spec, context);
    if (isRecord(input) && input.phase === 'plan') return phase.plan(input as unknown as FanOutPlanInput);
    if (isRecord(input) && isRecord(input.BatchInput) && input.BatchInput.phase === 'work') return phase.work(input as unknown as FanOutWorkInput);
    if (isRecord(input) && input.phase === 'finish') return phase.finish(input as unknown as FanOutFinishInput);
    if (isRecord(input) && input.phase === undefined && input.BatchInput === undefined) return phase.start(input, spec.sfn);
    const job = runtime.config.job;
    throw new InvalidJobEventError(
      `${job ? `job '${job}': ` : ''}fan-out task input: expected a job event, { phase: 'plan' | 'finish', ... } or a map batch { Items, BatchInput: { phase: 'work', ... } }`,
      'phase',
      job,
    );
  };
}

function createRuntime(spec: FanOutJobSpec<unknown, FanOutItem, unknown, unknown>): Runtime {
  const config = resolveConfig(process.env, { name: spec.name, overlap: spec.overlap, leaseSeconds: spec.leaseSeconds, runTtlDays: spec.runTtlDays });
  const who = config.job ? `job '${config.job}': ` : '';
  let store = spec.store;
  if (!store) {
    if (!config.tableName) {
      throw new JobConfigurationError(`${who}environment variable ${JobEnv.TABLE_NAME} is not set; the FanOutJob construct sets it (or pass defineFanOutJob({ store }))`);
    }
    store = new JobStateStore({ client: defaultDocumentClient(), tableName: config.tableName });
  }
  return {
    config,
    store,
    manifests: spec.manifests ?? new S3ManifestStore(spec.s3 ?? defaultS3Client()),
    bucket: spec.bucket ?? (process.env[FanOutEnv.BUCKET_NAME] || undefined),
    clock: spec.clock ?? Date.now,
  };
}

/** Milliseconds left in the invocation, from the Lambda context when it has one. */
function remainingFrom(context: Context | undefined): number | undefined {
  if (context && typeof context.getRemainingTimeInMillis === 'function') {
    const remaining = context.getRemainingTimeInMillis();
    if (Number.isFinite(remaining)) return remaining;
  }
  return undefined;
}

/** Validates a run carried from the plan to the later phases. */
function parseRun(value: unknown, expectedJob: string | undefined, where: string): FanOutRun {
  const run = isRecord(value) ? value : undefined;
  const ok = run && typeof run.job === 'string' && typeof run.slot === 'string' && typeof run.attempt === 'number' &&
    typeof run.startedAt === 'string' && typeof run.scheduledTime === 'string' && parseInstant(run.scheduledTime) !== undefined;
  if (!ok || (expectedJob !== undefined && run.job !== expectedJob)) {
    const job = expectedJob ?? (typeof run?.job === 'string' ? run.job : undefined);
    throw new InvalidJobEventError(
      `${job ? `job '${job}': ` : ''}fan-out ${where}: expected the run the plan returned ({ job${expectedJob ? ` '${expectedJob}'` : ''}, slot, attempt, startedAt, scheduledTime })`,
      where,
      job,
    );
  }
  return run as unknown as FanOutRun;
}

class Phases<P, I extends FanOutItem, R, S> {
  private readonly receivedAt: number;

  constructor(
    private readonly rt: Runtime,
    private readonly spec: FanOutJobSpec<P, I, R, S>,
    private readonly lambdaContext: Context | undefined,
  ) {
    this.receivedAt = rt.clock();
  }

  private now(): Date {
    return new Date(this.rt.clock());
  }

  private context(run: FanOutRun, phase: string, payload: P): FanOutContext<P> {
    const { job, slot } = run;
    const logger = new Logger({ serviceName: job, persistentKeys: { job, slot, attempt: run.attempt, phase } });
    if (this.lambdaContext?.awsRequestId) logger.addContext(this.lambdaContext);
    const fallbackDeadline = this.receivedAt + 900_000;
    return {
      job,
      slot,
      scheduledTime: new Date(run.scheduledTime),
      attempt: run.attempt,
      manual: run.manual,
      payload,
      logger,
      metrics: createJobMetrics(job),
      remainingTimeMs: () => remainingFrom(this.lambdaContext) ?? Math.max(0, fallbackDeadline - this.rt.clock()),
    };
  }

  private bucket(job: string): string {
    if (!this.rt.bucket) {
      throw new JobConfigurationError(`job '${job}': environment variable ${FanOutEnv.BUCKET_NAME} is not set; the FanOutJob construct sets it (or pass defineFanOutJob({ bucket }))`);
    }
    return this.rt.bucket;
  }

  // ---- start: a job event (Scheduler, `cdk-jobs run`, a catch-up, a redrive) starts an execution ----

  async start(raw: Record<string, unknown>, client: SFNClient | undefined): Promise<FanOutStartOutput> {
    const { rt } = this;
    const event = parseJobEvent(raw, { expectedJob: rt.config.job, now: this.receivedAt });
    const { job, slot } = event;
    const stateMachineArn = process.env[FanOutEnv.STATE_MACHINE_ARN];
    if (!stateMachineArn) {
      throw new JobConfigurationError(`job '${job}': environment variable ${FanOutEnv.STATE_MACHINE_ARN} is not set; the FanOutJob construct sets it`);
    }
    // A manual run without a slot gets "now"; pin it so the execution's plan sees the same slot.
    const input = { ...raw, scheduledTime: event.scheduledTime.toISOString() };
    const logger = new Logger({ serviceName: job, persistentKeys: { job, slot } });
    await this.releaseEndedRun(job, slot, client, logger);
    // A scheduled delivery's execution is named after the slot: Step Functions starts a name once,
    // so a second delivery cannot start a second execution. A re-run asked for by slot (manual,
    // catch-up, redrive of a failed slot) gets a suffix, and the plan's slot claim decides.
    let name = executionName(job, slot, event.manual || event.rerun ? `r${this.receivedAt.toString(36)}` : undefined);
    let started = await startExecution(client, stateMachineArn, name, input);
    if (started.alreadyExists) {
      const record = await rt.store.getRun(job, slot);
      const view = record ? { status: record.status as never, attempt: Number(record.attempt ?? 1), sequence: Number(record.sequence ?? 0), ...(typeof record.runningUntil === 'string' ? { runningUntil: record.runningUntil } : {}) } : undefined;
      const decision = decideClaim(view, 0, new Date(this.receivedAt).toISOString(), { rerunSkipped: event.rerun });
      if (decision.action !== 'retry' && decision.action !== 'takeover') {
        const reason = decision.action === 'duplicate' ? decision.reason : 'its execution is starting';
        logger.info('duplicate delivery: the slot has its execution already', { executionName: name, reason });
        return { job, slot, status: 'DUPLICATE', executionName: name, reason };
      }
      name = executionName(job, slot, `a${this.receivedAt.toString(36)}`);
      started = await startExecution(client, stateMachineArn, name, input);
    }
    logger.info('started the execution', { executionName: name, executionArn: started.executionArn });
    return { job, slot, executionArn: started.executionArn, executionName: name, ...endedRun(started) };
  }

  /**
   * A run record left RUNNING by an execution that ended without finishing (aborted, or its finish
   * step's function crashed) would block the slot until its lease runs out: when that execution is
   * no longer running, the record is closed as FAILED (conditional on the same attempt), so a re-run
   * of the slot may start now.
   */
  private async releaseEndedRun(job: string, slot: string, client: SFNClient | undefined, logger: Logger): Promise<void> {
    const record = await this.rt.store.getRun(job, slot);
    const executionArn = record?.executionId;
    if (record?.status !== 'RUNNING' || typeof executionArn !== 'string' || !executionArn.includes(':execution:')) return;
    const status = await describeExecution(client, executionArn);
    if (status === undefined || status === 'RUNNING' || status === 'PENDING_REDRIVE') return;
    const at = this.now();
    const closed = await this.rt.store.completeRun({
      job,
      slot,
      attempt: Number(record.attempt ?? 1),
      sequence: Number(record.sequence ?? 0),
      status: 'FAILED',
      finishedAt: at,
      error: { name: 'ExecutionEnded', message: `job '${job}': execution ${executionArn} ended ${status} before it recorded the run` },
      reason: 'execution ended',
      expiresAt: expiresAt(at.getTime(), this.rt.config.runTtlDays),
    });
    if (!closed) return;
    logger.warn('closed the run record of an execution that ended without finishing', { executionArn, executionStatus: status });
    if (this.rt.config.overlap === 'skip') await this.lease(job, slot).release().catch(() => false);
  }

  // ---- plan -------------------------------------------------------------------------------------

  async plan(input: FanOutPlanInput): Promise<FanOutPlanOutput> {
    const { rt, spec } = this;
    const event = parseJobEvent(input.event, { expectedJob: rt.config.job, now: this.receivedAt });
    const { job, slot } = event;
    const none = { planned: 0, alreadyDone: 0, pending: 0 };
    let payload: P;
    try {
      payload = spec.parsePayload ? await spec.parsePayload(event.payload) : (event.payload as P);
    } catch (cause) {
      const error = new InvalidPayloadError(`job '${job}': payload rejected by parsePayload: ${messageOf(cause)}`, job, { cause });
      const at = this.now();
      await rt.store.recordRejectedRun({ job, slot, manual: event.manual, error: errorRecord(error), at, expiresAt: expiresAt(at.getTime(), rt.config.runTtlDays) }).catch(() => false);
      await rt.store.updateState({ job, slot, status: 'FAILED', at, error: errorRecord(error) }).catch(() => undefined);
      const metrics = createJobMetrics(job);
      addInvocationMetrics(metrics, { failures: 1 });
      flushMetrics(metrics);
      throw error;
    }

    const startedAt = this.now();
    const claim = await rt.store.claimRun({
      job,
      slot,
      sequence: 0,
      manual: event.manual,
      rerun: event.rerun,
      now: startedAt,
      // The execution holds the slot for the lease (the construct sets it to the state machine's timeout).
      runningUntil: new Date(startedAt.getTime() + rt.config.leaseSeconds * 1000).toISOString(),
      expiresAt: expiresAt(startedAt.getTime(), rt.config.runTtlDays),
      deliveryAttempt: event.deliveryAttempt,
      executionId: input.executionArn ?? event.executionId,
      scheduleArn: event.scheduleArn,
    });
    const run: FanOutRun = {
      job,
      slot,
      scheduledTime: event.scheduledTime.toISOString(),
      manual: event.manual,
      attempt: claim.claimed ? claim.attempt : 0,
      startedAt: startedAt.toISOString(),
      ...(payload !== undefined ? { payload } : {}),
    };
    const ctx = this.context(run, 'plan', payload);
    const metrics = ctx.metrics;
    try {
      if (!claim.claimed) {
        ctx.logger.info('duplicate delivery: doing nothing', { reason: claim.reason });
        await rt.store.recordDuplicate(job, slot, startedAt);
        addInvocationMetrics(metrics, { duplicates: 1 });
        return { next: 'DUPLICATE', reason: claim.reason, ...none };
      }
      const held = { job, slot, attempt: claim.attempt, sequence: 0 };
      if (!event.manual) {
        const state = await rt.store.getState(job);
        if (state?.paused === true) return await this.skip(held, ctx, 'paused');
      }
      if (rt.config.overlap === 'skip') {
        const got = await this.lease(job, slot).acquire();
        if (!got.acquired) return await this.skip(held, ctx, 'overlap', got.holder);
      }
      addInvocationMetrics(metrics, { runs: 1 });
      try {
        const items = await collectItems(job, await spec.plan(ctx));
        const done = await rt.store.doneKeys(job, slot, items.map((item) => item.key));
        const pending = items.filter((item) => !done.has(item.key));
        const manifest = { bucket: this.bucket(job), key: manifestKey(job, slot, claim.attempt) };
        await rt.manifests.put(manifest.bucket, manifest.key, pending);
        ctx.logger.info('planned the run', { planned: items.length, alreadyDone: done.size, pending: pending.length });
        return { next: 'RUN', run: { ...run, attempt: claim.attempt }, manifest, planned: items.length, alreadyDone: done.size, pending: pending.length };
      } catch (error) {
        ctx.logger.error('plan failed', { error: error as Error });
        addInvocationMetrics(metrics, { failures: 1, durationMs: rt.clock() - startedAt.getTime() });
        await this.record(held, 'FAILED', { error: errorRecord(error), durationMs: rt.clock() - startedAt.getTime() }, ctx.logger);
        throw error;
      }
    } finally {
      flushMetrics(metrics);
    }
  }

  private lease(job: string, slot: string): OverlapLease {
    return new OverlapLease({ store: this.rt.store, job, slot, leaseSeconds: this.rt.config.leaseSeconds, clock: this.rt.clock });
  }

  private async skip(held: { job: string; slot: string; attempt: number; sequence: number }, ctx: FanOutContext<P>, reason: 'paused' | 'overlap', holder?: string): Promise<FanOutPlanOutput> {
    const at = this.now();
    const recorded = await this.rt.store.completeRun({ ...held, status: 'SKIPPED', finishedAt: at, reason, heldBy: holder, expiresAt: expiresAt(at.getTime(), this.rt.config.runTtlDays) });
    if (!recorded) ctx.logger.warn('the slot was taken over before it was skipped; its record was not updated');
    await this.rt.store.updateState({ job: held.job, slot: held.slot, status: 'SKIPPED', at }).catch(() => undefined);
    addInvocationMetrics(ctx.metrics, { skipped: 1 });
    ctx.logger.info(reason === 'paused' ? 'skipped: the job is paused' : 'skipped: another run holds the overlap lease', { reason, ...(holder ? { heldBy: holder } : {}) });
    return { next: 'SKIPPED', reason, planned: 0, alreadyDone: 0, pending: 0 };
  }

  /** Ends the held claim and updates STATE and the lease (the record is best effort after a failure). */
  private async record(
    held: { job: string; slot: string; attempt: number; sequence: number },
    status: 'SUCCEEDED' | 'PARTIAL' | 'FAILED',
    extra: { error?: ErrorRecord; durationMs?: number; result?: unknown; counts?: Record<string, number>; failedItems?: readonly string[] },
    logger: Logger,
  ): Promise<void> {
    const { rt } = this;
    const at = this.now();
    try {
      const recorded = await rt.store.completeRun({ ...held, status, finishedAt: at, expiresAt: expiresAt(at.getTime(), rt.config.runTtlDays), ...extra });
      if (!recorded) logger.warn('the slot was taken over before this run finished; its record was not updated');
    } catch (error) {
      if (status !== 'FAILED') throw error;
      logger.error('could not record the failed run', { error: error as Error });
    }
    const [released, updated] = await Promise.allSettled([
      rt.config.overlap === 'skip' ? this.lease(held.job, held.slot).release() : Promise.resolve(true),
      rt.store.updateState({ job: held.job, slot: held.slot, status, at, ...(extra.error ? { error: extra.error } : {}) }),
    ]);
    if (released.status === 'rejected') logger.warn('could not release the overlap lease; it expires on its own', { error: released.reason as Error });
    if (updated.status === 'rejected') logger.warn('could not update the job STATE summary', { error: updated.reason as Error });
  }

  // ---- work -------------------------------------------------------------------------------------

  async work(input: FanOutWorkInput): Promise<FanOutWorkOutput> {
    const { rt, spec } = this;
    const run = parseRun(input.BatchInput.run, rt.config.job, 'BatchInput.run');
    const { job, slot } = run;
    if (!Array.isArray(input.Items)) {
      throw new InvalidJobEventError(`job '${job}': fan-out batch: expected Items to be an array of items`, 'Items', job);
    }
    const items = input.Items as unknown as I[];
    const ctx = this.context(run, 'work', run.payload as P);
    try {
      const done = await rt.store.doneKeys(job, slot, items.map((item) => item.key));
      const pending = items.filter((item) => !done.has(item.key));
      if (pending.length === 0) return { processed: 0, alreadyDone: items.length };
      const results = await spec.work(ctx, pending);
      if (!Array.isArray(results) || results.length !== pending.length) {
        throw new FanOutError(
          `job '${job}': work: expected one result per item (${pending.length}), got ${Array.isArray(results) ? results.length : typeof results}`,
          job,
        );
      }
      const records = pending.map((item, index) => ({ key: item.key, result: itemResult(job, item.key, results[index]) }));
      const at = this.now();
      await rt.store.markItemsDone(job, slot, records, at, expiresAt(at.getTime(), rt.config.runTtlDays));
      return { processed: pending.length, alreadyDone: items.length - pending.length };
    } catch (error) {
      ctx.logger.warn('batch failed; the map retries it', { error: error as Error, items: items.length });
      throw error;
    } finally {
      flushMetrics(ctx.metrics);
    }
  }

  // ---- finish -----------------------------------------------------------------------------------

  async finish(input: FanOutFinishInput): Promise<FanOutFinishOutput> {
    const { rt, spec } = this;
    const plan = isRecord(input.plan) ? input.plan : undefined;
    const run = parseRun(plan?.run, rt.config.job, 'plan.run');
    const { job, slot } = run;
    const manifest = plan?.manifest;
    if (!isRecord(manifest) || typeof manifest.bucket !== 'string' || typeof manifest.key !== 'string') {
      throw new InvalidJobEventError(`job '${job}': fan-out finish: expected plan.manifest { bucket, key }`, 'plan.manifest', job);
    }
    const ctx = this.context(run, 'finish', run.payload as P);
    const held = { job, slot, attempt: run.attempt, sequence: 0 };
    const durationMs = () => rt.clock() - Date.parse(run.startedAt);
    const mapError = isRecord(input.mapError) && (input.mapError.Error !== undefined || input.mapError.Cause !== undefined)
      ? { error: String(input.mapError.Error ?? 'States.Runtime'), cause: String(input.mapError.Cause ?? '') }
      : undefined;
    try {
      const pending = await rt.manifests.get(manifest.bucket, manifest.key);
      const done = await rt.store.doneKeys(job, slot, pending.map((item) => item.key));
      const failedKeys = pending.map((item) => item.key).filter((key) => !done.has(key));
      const planned = typeof plan?.planned === 'number' ? plan.planned : pending.length;
      const alreadyDone = typeof plan?.alreadyDone === 'number' ? plan.alreadyDone : 0;
      const status = mapError ? 'FAILED' : failedKeys.length > 0 ? 'PARTIAL' : 'SUCCEEDED';
      const outcome: FanOutOutcome<R> = {
        status,
        planned,
        alreadyDone,
        succeeded: planned - failedKeys.length,
        failed: failedKeys.length,
        failedKeys,
        ...(mapError ? { mapError } : {}),
        results: () => rt.store.readDoneItems(job, slot) as AsyncIterable<FanOutItemResult<R>>,
      };
      const counts = { planned, alreadyDone, succeeded: outcome.succeeded, failed: outcome.failed };
      const summary = spec.finish ? await spec.finish(ctx, outcome) : counts;
      const maxKeys = spec.maxFailedKeysRecorded ?? 100;
      const error = mapError ? { name: mapError.error, message: `job '${job}': the map failed: ${mapError.cause}`.slice(0, 1024) } : undefined;
      addInvocationMetrics(ctx.metrics, { failures: status === 'FAILED' ? 1 : 0, durationMs: durationMs() });
      ctx.metrics.addMetric(MetricName.FAILED_ITEMS, MetricUnit.Count, failedKeys.length);
      await this.record(held, status, {
        durationMs: durationMs(),
        counts,
        failedItems: failedKeys.slice(0, maxKeys),
        result: smallResult(summary),
        ...(error ? { error } : {}),
      }, ctx.logger);
      const log = status === 'FAILED' ? ctx.logger.error.bind(ctx.logger) : ctx.logger.info.bind(ctx.logger);
      log(`run ${status === 'SUCCEEDED' ? 'succeeded' : status === 'PARTIAL' ? 'ended PARTIAL' : 'failed'}`, { ...counts, durationMs: durationMs() });
      return { status, succeeded: outcome.succeeded, failed: outcome.failed };
    } catch (error) {
      ctx.logger.error('finish failed', { error: error as Error });
      addInvocationMetrics(ctx.metrics, { failures: 1, durationMs: durationMs() });
      await this.record(held, 'FAILED', { error: errorRecord(error), durationMs: durationMs() }, ctx.logger);
      throw error;
    } finally {
      flushMetrics(ctx.metrics);
    }
  }
}

let sharedSfn: SFNClient | undefined;

async function sfnClient(client: SFNClient | undefined) {
  const sdk = await import('@aws-sdk/client-sfn');
  return { sdk, sfn: client ?? (sharedSfn ??= new sdk.SFNClient(sdkRetryConfig())) };
}

/** An execution's status through local mode's hook when installed, else Step Functions; undefined when unknown. */
async function describeExecution(client: SFNClient | undefined, executionArn: string): Promise<string | undefined> {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for(LOCAL_DESCRIBE_EXECUTION_KEY)];
  if (typeof hook === 'function') return (await (hook as LocalDescribeExecution)(executionArn))?.status;
  const { sdk, sfn } = await sfnClient(client);
  try {
    return (await sfn.send(new sdk.DescribeExecutionCommand({ executionArn }))).status;
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}

interface Started {
  readonly executionArn?: string;
  readonly alreadyExists: boolean;
  readonly status?: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * The run's status when the execution already ended (local mode runs it before answering): the
 * finish's status, or why the plan stopped it, or FAILED with the execution's error. `STARTED` otherwise.
 */
function endedRun(started: Started): { status: string; reason?: string } {
  if (started.status === undefined) return { status: 'STARTED' };
  const output = isRecord(started.output) ? started.output : {};
  const finish = isRecord(output.finish) ? output.finish : undefined;
  const plan = isRecord(output.plan) ? output.plan : undefined;
  if (started.status === 'SUCCEEDED' && typeof finish?.status === 'string') return { status: finish.status };
  if (started.status === 'SUCCEEDED' && typeof plan?.next === 'string' && plan.next !== 'RUN') {
    return { status: plan.next, ...(typeof plan.reason === 'string' ? { reason: plan.reason } : {}) };
  }
  if (started.status === 'SUCCEEDED') return { status: 'SUCCEEDED' };
  return { status: 'FAILED', reason: `${started.error ?? 'States.Runtime'}: ${started.cause ?? ''}`.slice(0, 1024) };
}

/** Starts an execution through local mode's hook when installed, else through Step Functions. */
async function startExecution(
  client: SFNClient | undefined,
  stateMachineArn: string,
  name: string,
  input: unknown,
): Promise<Started> {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for(LOCAL_START_EXECUTION_KEY)];
  if (typeof hook === 'function') {
    const out = await (hook as LocalStartExecution)({ stateMachineArn, name, input });
    return { ...out, alreadyExists: out.alreadyExists === true };
  }
  const { sdk, sfn } = await sfnClient(client);
  try {
    const out = await sfn.send(new sdk.StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    return { executionArn: out.executionArn, alreadyExists: false };
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionAlreadyExists') return { alreadyExists: true };
    throw error;
  }
}
