/**
 * `defineJob(options, run)`: wraps a job's code into the Lambda handler that validates the event,
 * claims the slot, honours the pause flag and the overlap policy, runs the job with its context,
 * records the outcome, emits the metrics and rethrows failures.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { JobEnv, type JobEvent } from '../../lib/contract';
import { resolveConfig, type OverlapOption, type RuntimeConfig } from './config';
import { LambdaContinuationInvoker, type ContinuationInvoker } from './continuation';
import { StoreCheckpoint } from './checkpoint';
import { ContinuationError, continueLaterCalledTwice, InvalidJobEventError, InvalidPayloadError, JobConfigurationError } from './errors';
import { continuationEvent, parseInstant, parseJobEvent, type NormalisedEvent } from './event';
import { OverlapLease } from './lease';
import { addInvocationMetrics, createJobMetrics, flushMetrics } from './metrics';
import { errorRecord, expiresAt, runningUntil, smallResult } from './run-record';
import { defaultDocumentClient, JobStateStore } from './state-store';
import type { ContinuedLater, JobContext, JobFunction, RunOutcome } from './types';

/** Options of `defineJob`; all optional. */
export interface DefineJobOptions<P = unknown> {
  /**
   * The job's name; events naming another job are rejected.
   * @default process.env.JOB_NAME, else the name in each event
   */
  readonly name?: string;
  /**
   * What a run does when another slot of the job is still running: `skip` records it as SKIPPED,
   * `allow` runs it anyway.
   * @default process.env.JOB_OVERLAP_POLICY, else 'skip'
   */
  readonly overlap?: OverlapOption;
  /**
   * Checks and converts the raw payload; throw to reject it. A rejected payload is recorded as a
   * FAILED run (`InvalidPayloadError`, not retryable) and the invocation fails, so the event reaches
   * the failure inbox.
   * @default the payload is passed through unchanged
   */
  readonly parsePayload?: (raw: unknown) => P | Promise<P>;
  /**
   * The state store (tests and local mode inject one).
   * @default a store on process.env.JOBS_TABLE_NAME with a document client shared by the module
   */
  readonly store?: JobStateStore;
  /**
   * The Lambda client `continueLater` invokes with.
   * @default one client shared by the module, created on the first continuation
   */
  readonly lambda?: LambdaClient;
  /**
   * The clock, in epoch milliseconds.
   * @default Date.now
   */
  readonly clock?: () => number;
  /**
   * Overlap lease length, and the longest a RUNNING record protects its slot.
   * @default process.env.JOB_LEASE_SECONDS, else 960
   */
  readonly leaseSeconds?: number;
  /**
   * How long run records and checkpoints are kept (DynamoDB TTL).
   * @default process.env.JOB_RUN_TTL_DAYS, else 90
   */
  readonly runTtlDays?: number;
}

/** The Lambda handler `defineJob` returns. */
export type JobHandler<R = unknown> = (event: JobEvent, context: Context) => Promise<RunOutcome<R>>;

interface Runtime {
  readonly config: RuntimeConfig;
  readonly store: JobStateStore;
  readonly invoker: ContinuationInvoker;
  readonly clock: () => number;
}

function createRuntime(options: DefineJobOptions<unknown>): Runtime {
  const config = resolveConfig(process.env, {
    name: options.name,
    overlap: options.overlap,
    leaseSeconds: options.leaseSeconds,
    runTtlDays: options.runTtlDays,
  });
  let store = options.store;
  if (!store) {
    if (!config.tableName) {
      const who = config.job ? `job '${config.job}': ` : '';
      throw new JobConfigurationError(
        `${who}environment variable ${JobEnv.TABLE_NAME} is not set; the ScheduledJob construct sets it to the ` +
          "platform's job-state table (or pass defineJob({ store }))",
      );
    }
    store = new JobStateStore({ client: defaultDocumentClient(), tableName: config.tableName });
  }
  return {
    config,
    store,
    invoker: new LambdaContinuationInvoker(options.lambda),
    clock: options.clock ?? Date.now,
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Wraps `run` into a job's Lambda handler.
 *
 * @example
 * export const handler = defineJob<{ olderThanDays: number }>({}, async (ctx) => {
 *   ctx.logger.info('cleaning', { olderThanDays: ctx.payload.olderThanDays });
 *   return { deleted: 0 };
 * });
 */
export function defineJob<P = unknown, R = unknown>(options: DefineJobOptions<P>, run: JobFunction<P, R>): JobHandler<R> {
  let runtime: Runtime | undefined;
  return async (event, context) => {
    // Built on the first invocation (not at import) so a configuration error fails an invocation
    // with a clear message; a failed build is retried on the next one.
    runtime ??= createRuntime(options as DefineJobOptions<unknown>);
    return new Invocation<P, R>(runtime, options, run, event, context).execute();
  };
}

/** One invocation of a job's handler. */
class Invocation<P, R> {
  private readonly receivedAt: number;

  constructor(
    private readonly rt: Runtime,
    private readonly options: DefineJobOptions<P>,
    private readonly run: JobFunction<P, R>,
    private readonly rawEvent: JobEvent,
    private readonly lambdaContext: Context,
  ) {
    this.receivedAt = rt.clock();
  }

  private now(): Date {
    return new Date(this.rt.clock());
  }

  async execute(): Promise<RunOutcome<R>> {
    // 1. Validate the event and the payload before any side effect.
    let event: NormalisedEvent;
    try {
      event = parseJobEvent(this.rawEvent, { expectedJob: this.rt.config.job, now: this.receivedAt });
    } catch (error) {
      const job = error instanceof InvalidJobEventError ? error.job : this.rt.config.job;
      await this.reject(error, job, this.slotHint());
      throw error;
    }
    const { job, slot } = event;
    let payload: P;
    try {
      payload = this.options.parsePayload ? await this.options.parsePayload(event.payload) : (event.payload as P);
    } catch (cause) {
      const error = new InvalidPayloadError(`job '${job}': payload rejected by parsePayload: ${messageOf(cause)}`, job, { cause });
      await this.reject(error, job, { slot, manual: event.manual });
      throw error;
    }

    const logger = new Logger({ serviceName: job, persistentKeys: { job, slot } });
    if (this.lambdaContext?.awsRequestId) logger.addContext(this.lambdaContext);
    const metrics = createJobMetrics(job);
    try {
      return await this.claimAndRun(event, payload, logger, metrics);
    } finally {
      flushMetrics(metrics);
    }
  }

  /** The slot of a rejected event when it can still be told (for the record). */
  private slotHint(): { slot: string; manual: boolean } | undefined {
    const raw = this.rawEvent as unknown as Record<string, unknown> | undefined;
    const time = typeof raw?.scheduledTime === 'string' ? parseInstant(raw.scheduledTime) : undefined;
    return time ? { slot: time.toISOString(), manual: raw?.manual === true } : undefined;
  }

  /**
   * Records a rejected event (FAILED run record when the slot is known, STATE's last error) and
   * counts a failure. Best effort: the invocation fails with the rejection error either way.
   */
  private async reject(error: unknown, job: string | undefined, where: { slot: string; manual: boolean } | undefined) {
    const logger = new Logger({ serviceName: job ?? 'scheduled-jobs', persistentKeys: job ? { job } : {} });
    logger.error('rejected the event; it is not retried usefully and goes to the failure inbox', {
      error: error as Error,
      ...(where ? { slot: where.slot } : {}),
    });
    if (!job) return;
    const at = this.now();
    const record = errorRecord(error);
    try {
      if (where) {
        await this.rt.store.recordRejectedRun({
          job,
          slot: where.slot,
          manual: where.manual,
          error: record,
          at,
          expiresAt: expiresAt(at.getTime(), this.rt.config.runTtlDays),
        });
      }
      await this.rt.store.updateState({ job, slot: where?.slot, status: 'FAILED', at, error: record });
    } catch (recordError) {
      logger.error('could not record the rejected event', { error: recordError as Error });
    }
    const metrics = createJobMetrics(job);
    addInvocationMetrics(metrics, { failures: 1 });
    flushMetrics(metrics);
  }

  private async claimAndRun(
    event: NormalisedEvent,
    payload: P,
    logger: Logger,
    metrics: ReturnType<typeof createJobMetrics>,
  ): Promise<RunOutcome<R>> {
    const { rt } = this;
    const { job, slot } = event;
    const startedAt = this.now();
    const remaining = remainingFrom(this.lambdaContext);

    // 2. Claim the slot.
    const claim = await rt.store.claimRun({
      job,
      slot,
      sequence: event.sequence,
      manual: event.manual,
      rerun: event.rerun,
      now: startedAt,
      runningUntil: runningUntil(startedAt.getTime(), rt.config.leaseSeconds, remaining),
      expiresAt: expiresAt(startedAt.getTime(), rt.config.runTtlDays),
      deliveryAttempt: event.deliveryAttempt,
      executionId: event.executionId,
      scheduleArn: event.scheduleArn,
    });
    if (!claim.claimed) {
      logger.info('duplicate delivery: doing nothing', { reason: claim.reason, sequence: event.sequence });
      await rt.store.recordDuplicate(job, slot, startedAt);
      addInvocationMetrics(metrics, { duplicates: 1 });
      return { job, slot, status: 'DUPLICATE', reason: claim.reason };
    }
    const held = { job, slot, attempt: claim.attempt, sequence: claim.sequence };
    logger.appendKeys({ attempt: claim.attempt, ...(claim.sequence > 0 ? { sequence: claim.sequence } : {}) });
    if (claim.kind !== 'new') logger.info(`claimed the slot (${claim.kind})`, { previousStatus: claim.previousStatus });

    const lease = rt.config.overlap === 'skip'
      ? new OverlapLease({ store: rt.store, job, slot, leaseSeconds: rt.config.leaseSeconds, clock: rt.clock })
      : undefined;
    let leaseHeld = false;
    let continued: ContinuedLater | undefined;
    let jobStarted: number | undefined;
    let jobSucceeded = false;

    try {
      // 3. Pause (scheduled runs only: a manual run is a deliberate request; a continuation finishes
      //    the run it belongs to).
      if (!event.manual && claim.kind !== 'continuation') {
        const state = await rt.store.getState(job);
        if (state?.paused === true) return await this.skip(held, logger, metrics, 'paused');
      }

      // 4. Overlap.
      if (lease) {
        const got = await lease.acquire();
        if (!got.acquired) return await this.skip(held, logger, metrics, 'overlap', got.holder);
        leaseHeld = true;
      }

      // 5. Run.
      const ctx = this.context(event, payload, logger, metrics, claim.attempt, lease, (value) => {
        continued = value;
      });
      if (claim.kind !== 'continuation') addInvocationMetrics(metrics, { runs: 1 });
      jobStarted = rt.clock();
      const result = await this.run(ctx);
      const durationMs = rt.clock() - jobStarted;
      jobSucceeded = true;
      addInvocationMetrics(metrics, { failures: 0, durationMs });

      if (continued) {
        leaseHeld = false; // the continuation keeps the lease
        logger.info('invocation done; the slot continues', { durationMs, nextSequence: continued.sequence });
        return { job, slot, status: 'CONTINUED', attempt: claim.attempt, durationMs };
      }

      // 6. Record the success.
      const small = smallResult(result) as R | undefined;
      const finishedAt = this.now();
      const recorded = await rt.store.completeRun({
        ...held,
        status: 'SUCCEEDED',
        finishedAt,
        durationMs,
        result: small,
        expiresAt: expiresAt(finishedAt.getTime(), rt.config.runTtlDays),
      });
      if (!recorded) logger.warn('the slot was taken over before this run finished; its record was not updated');
      await this.afterRun(logger, { job, slot, status: 'SUCCEEDED', at: finishedAt }, lease);
      leaseHeld = false;
      logger.info('run succeeded', { durationMs });
      return { job, slot, status: 'SUCCEEDED', attempt: claim.attempt, durationMs, ...(small !== undefined ? { result: small } : {}) };
    } catch (error) {
      if (jobSucceeded) {
        // The job's work is done; only recording it failed. It is not marked FAILED; the invocation
        // fails so the error is seen, and a Lambda retry arriving after the record's deadline takes
        // the slot over and runs it again (runs are at-least-once; jobs are written idempotent).
        logger.error('the job succeeded but its run record could not be written', { error: error as Error });
        throw error;
      }
      const durationMs = jobStarted !== undefined ? rt.clock() - jobStarted : undefined;
      addInvocationMetrics(metrics, { failures: 1, ...(durationMs !== undefined ? { durationMs } : {}) });
      if (continued) {
        // The continuation already owns the slot: leave its record and the lease to it.
        leaseHeld = false;
        logger.error('the job threw after continueLater; the continuation owns the slot', { error: error as Error });
        throw error;
      }
      logger.error('run failed', { error: error as Error, ...(durationMs !== undefined ? { durationMs } : {}) });
      await this.recordFailure(held, error, durationMs, logger);
      await this.afterRun(logger, { job, slot, status: 'FAILED', at: this.now(), error: errorRecord(error) }, leaseHeld ? lease : undefined);
      leaseHeld = false;
      // 8. Rethrow the original error: Lambda's retries and the on-failure destination see it.
      throw error;
    } finally {
      if (leaseHeld && lease) await lease.release().catch(() => false);
    }
  }

  /** Records the held claim as FAILED; never masks the job's error. */
  private async recordFailure(held: { job: string; slot: string; attempt: number; sequence: number }, error: unknown, durationMs: number | undefined, logger: Logger) {
    const finishedAt = this.now();
    try {
      const recorded = await this.rt.store.completeRun({
        ...held,
        status: 'FAILED',
        finishedAt,
        durationMs,
        error: errorRecord(error),
        expiresAt: expiresAt(finishedAt.getTime(), this.rt.config.runTtlDays),
      });
      if (!recorded) logger.warn('the slot was taken over before this run finished; its record was not updated');
    } catch (recordError) {
      logger.error('could not record the failed run', { error: recordError as Error });
    }
  }

  /** After a run ends: release the lease and update STATE (both best effort, logged on error). */
  private async afterRun(
    logger: Logger,
    state: Parameters<JobStateStore['updateState']>[0],
    lease: OverlapLease | undefined,
  ): Promise<void> {
    const [released, updated] = await Promise.allSettled([
      lease ? lease.release() : Promise.resolve(true),
      this.rt.store.updateState(state),
    ]);
    if (released.status === 'rejected') logger.warn('could not release the overlap lease; it expires on its own', { error: released.reason as Error });
    if (updated.status === 'rejected') logger.warn('could not update the job STATE summary', { error: updated.reason as Error });
  }

  private async skip(
    held: { job: string; slot: string; attempt: number; sequence: number },
    logger: Logger,
    metrics: ReturnType<typeof createJobMetrics>,
    reason: 'paused' | 'overlap',
    holder?: string,
  ): Promise<RunOutcome<R>> {
    const at = this.now();
    const recorded = await this.rt.store.completeRun({
      ...held,
      status: 'SKIPPED',
      finishedAt: at,
      reason,
      heldBy: holder,
      expiresAt: expiresAt(at.getTime(), this.rt.config.runTtlDays),
    });
    if (!recorded) logger.warn('the slot was taken over before it was skipped; its record was not updated');
    await this.afterRun(logger, { job: held.job, slot: held.slot, status: 'SKIPPED', at }, undefined);
    addInvocationMetrics(metrics, { skipped: 1 });
    logger.info(reason === 'paused' ? 'skipped: the job is paused' : 'skipped: another run holds the overlap lease', {
      reason,
      ...(holder ? { heldBy: holder } : {}),
    });
    return { job: held.job, slot: held.slot, status: 'SKIPPED', attempt: held.attempt, reason };
  }

  private context(
    event: NormalisedEvent,
    payload: P,
    logger: Logger,
    metrics: ReturnType<typeof createJobMetrics>,
    attempt: number,
    lease: OverlapLease | undefined,
    onContinued: (value: ContinuedLater) => void,
  ): JobContext<P> {
    const { rt, lambdaContext, rawEvent } = this;
    const { job, slot, sequence } = event;
    const checkpoint = new StoreCheckpoint({ store: rt.store, job, slot, sequence, clock: rt.clock, ttlDays: rt.config.runTtlDays });
    const fallbackDeadline = this.receivedAt + rt.config.leaseSeconds * 1000;
    let continueCalled = false;

    return {
      job,
      slot,
      scheduledTime: new Date(event.scheduledTime.getTime()),
      attempt,
      manual: event.manual,
      sequence,
      payload,
      logger,
      metrics,
      remainingTimeMs: () => remainingFrom(lambdaContext) ?? Math.max(0, fallbackDeadline - rt.clock()),
      checkpoint,
      continueLater: async <T>(state: T): Promise<ContinuedLater> => {
        if (continueCalled) throw continueLaterCalledTwice(job, slot);
        continueCalled = true;
        const next = sequence + 1;
        await checkpoint.saveAs(state, next);
        const now = rt.clock();
        const marked = await rt.store.markContinuing({
          job,
          slot,
          attempt,
          sequence,
          nextSequence: next,
          runningUntil: new Date(now + rt.config.leaseSeconds * 1000).toISOString(),
        });
        if (!marked) {
          throw new ContinuationError(
            `job '${job}': slot ${slot} is no longer held by this invocation (attempt ${attempt}, sequence ${sequence}); not continuing`,
            job,
          );
        }
        if (lease && !(await lease.renew())) {
          logger.warn('could not renew the overlap lease for the continuation; another run may start meanwhile');
        }
        const target = lambdaContext?.invokedFunctionArn || lambdaContext?.functionName || process.env.AWS_LAMBDA_FUNCTION_NAME;
        if (!target) {
          throw new ContinuationError(`job '${job}': cannot continue slot ${slot}: no function ARN or name in the Lambda context`, job);
        }
        try {
          await rt.invoker.invokeAsync(target, continuationEvent(event, rawEvent, next));
        } catch (cause) {
          throw new ContinuationError(
            `job '${job}': could not re-invoke ${target} to continue slot ${slot} (sequence ${next}): ${messageOf(cause)}`,
            job,
            { cause },
          );
        }
        const value: ContinuedLater = { continuedLater: true, sequence: next };
        onContinued(value);
        logger.info('dispatched the continuation', { nextSequence: next });
        return value;
      },
    };
  }
}
