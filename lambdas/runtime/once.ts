/**
 * One-time schedules created at runtime: "run job X once, at this instant, with this payload".
 *
 * ```ts
 * const reminders = OneTimeScheduler.fromEnvironment('payment-reminder'); // after job.grantSchedule(fn)
 * await reminders.schedule({ key: 'sub-123', at, timeZone: 'Europe/Paris', payload });
 * await reminders.reschedule({ key: 'sub-123', at: later });
 * await reminders.cancel('sub-123');
 * ```
 *
 * Each schedule is an EventBridge Scheduler `at()` schedule in the platform's one-time group, named
 * after job + key, with `ActionAfterCompletion: DELETE` (it removes itself once it has fired), no
 * flexible window, the job's delivery retry policy and the failure inbox as dead-letter queue. Its
 * input is the same job event recurring schedules send, with `scheduledTime` fixed to the `at`
 * instant: the runtime claims that slot, so a second delivery of the same schedule is a no-op.
 *
 * Throttled calls are retried by the client's own retry strategy with the same client token, so a
 * retry of a request that did succeed cannot create a second schedule. The default client uses
 * `sdkRetryConfig()`; give a client of your own the same with `new SchedulerClient(sdkRetryConfig())`.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  paginateListSchedules,
  SchedulerClient,
  UpdateScheduleCommand,
  type GetScheduleCommandOutput,
} from '@aws-sdk/client-scheduler';
import { JobEnv } from '../../lib/contract';
import { mapWithConcurrency } from '../shared/concurrency';
import { sdkRetryConfig } from '../shared/retry';
import { OneTimeBatchError, OneTimeScheduleRequestError, OneTimeSchedulerConfigError } from './once-errors';
import { oneTimeEnvNames, oneTimeNamePrefix, oneTimeScheduleName } from '../../lib/contract';
import {
  buildSchedule,
  createScheduleInput,
  keyFromDescription,
  updateScheduleInput,
  validateConfig,
  validateKey,
  type BuiltSchedule,
  type OneTimeConfig,
  type OneTimeRetryPolicy,
  type OneTimeScheduleRequest,
  type OneTimeTarget,
} from './once-request';
import { instantOfWallClock } from './once-time';

export * from './once-errors';
export { MAX_INPUT_BYTES, MAX_KEY_LENGTH, type OneTimeRetryPolicy, type OneTimeScheduleRequest, type OneTimeTarget } from './once-request';
export { oneTimeEnvNames, oneTimeNamePrefix, oneTimeScheduleName } from '../../lib/contract';

export interface OneTimeSchedulerOptions {
  /**
   * The client to call EventBridge Scheduler with; its retry strategy retries throttled calls.
   * @default a SchedulerClient shared by the module, built with `sdkRetryConfig()` (8 attempts)
   */
  readonly client?: SchedulerClient;
  /** The one-time schedule group (the platform's `OneTimeScheduleGroupName`). */
  readonly group: string;
  /** The job function, Scheduler's role and the failure inbox. */
  readonly target: OneTimeTarget;
  /** The job the schedules run. @default process.env.JOB_NAME (a job scheduling itself) */
  readonly job?: string;
  /** Scheduler's delivery retry policy. @default Scheduler's (185 attempts, 24 hours) */
  readonly retryPolicy?: OneTimeRetryPolicy;
  /** The clock `at` is checked against. @default () => new Date() */
  readonly now?: () => Date;
}

export interface FromEnvironmentOptions extends Pick<OneTimeSchedulerOptions, 'client' | 'now'> {
  /** Where to read the variables. @default process.env */
  readonly env?: Record<string, string | undefined>;
}

/** The outcome of `schedule`. */
export interface ScheduleResult {
  readonly key: string;
  /** The schedule's name in the one-time group. */
  readonly name: string;
  /** The instant asked for (to the second). */
  readonly at: Date;
  /** False when a schedule with this key already existed: nothing was changed. */
  readonly created: boolean;
}

/** The outcome of `reschedule`. */
export interface RescheduleResult extends ScheduleResult {
  /** When the schedule was due before the change; absent when there was none (it was created). */
  readonly previousAt?: Date;
}

/** A pending one-time schedule as `ListSchedules` shows it. */
export interface OneTimeScheduleSummary {
  readonly name: string;
  readonly arn?: string;
  /** ENABLED or DISABLED. */
  readonly state?: string;
  readonly createdAt?: Date;
}

/** A pending one-time schedule read with `GetSchedule`. */
export interface OneTimeScheduleDetails<P = unknown> extends OneTimeScheduleSummary {
  /** The key it was scheduled with. */
  readonly key?: string;
  /** When it fires. */
  readonly at?: Date;
  /** The zone its `at()` expression is written in. */
  readonly timeZone?: string;
  readonly expression?: string;
  readonly payload?: P;
}

export interface ScheduleManyOptions {
  /** Requests in flight at once. @default 25 */
  readonly concurrency?: number;
}

let sharedClient: SchedulerClient | undefined;
function defaultClient(): SchedulerClient {
  sharedClient ??= new SchedulerClient(sdkRetryConfig());
  return sharedClient;
}

const errorName = (error: unknown) => (error as { name?: string } | undefined)?.name;
const isConflict = (error: unknown) => errorName(error) === 'ConflictException';
const isNotFound = (error: unknown) => errorName(error) === 'ResourceNotFoundException';

/** Creates, moves, cancels and lists one job's one-time schedules. */
export class OneTimeScheduler {
  /**
   * A scheduler configured from the variables `OneTimeJob.grantSchedule(fn)` sets on `fn`
   * (see {@link oneTimeEnvNames}): `ONCE_<JOB>_GROUP`, `_TARGET_ARN`, `_ROLE_ARN`,
   * `_DEAD_LETTER_ARN`, `_RETRY_ATTEMPTS`, `_MAX_EVENT_AGE_SECONDS`.
   */
  static fromEnvironment(job: string, options: FromEnvironmentOptions = {}): OneTimeScheduler {
    const env = options.env ?? process.env;
    const names = oneTimeEnvNames(job);
    const source = `OneTimeScheduler.fromEnvironment('${job}')`;
    const required = (name: string): string => {
      const value = env[name];
      if (!value) {
        throw new OneTimeSchedulerConfigError(
          `${source}: environment variable ${name} is not set; give this function access with oneTimeJob.grantSchedule(fn)`,
        );
      }
      return value;
    };
    const optionalInt = (name: string): number | undefined => {
      const value = env[name];
      if (value === undefined || value === '') return undefined;
      const n = Number(value);
      if (!Number.isInteger(n)) {
        throw new OneTimeSchedulerConfigError(`${source}: environment variable ${name} must be an integer (got '${value}')`);
      }
      return n;
    };
    return new OneTimeScheduler(
      {
        ...options,
        job,
        group: required(names.group),
        target: {
          arn: required(names.targetArn),
          roleArn: required(names.roleArn),
          deadLetterArn: env[names.deadLetterArn] || undefined,
        },
        retryPolicy: {
          maximumRetryAttempts: optionalInt(names.retryAttempts),
          maximumEventAgeInSeconds: optionalInt(names.maxEventAgeSeconds),
        },
      },
      source,
    );
  }

  /** The job the schedules run. */
  readonly job: string;
  /** The schedule group they live in. */
  readonly group: string;
  private readonly config: OneTimeConfig;
  private readonly client: SchedulerClient;
  private readonly now: () => Date;

  constructor(options: OneTimeSchedulerOptions, source = 'OneTimeScheduler') {
    const job = options.job ?? process.env[JobEnv.JOB_NAME];
    if (!job) {
      throw new OneTimeSchedulerConfigError(`${source}: job is required (or set ${JobEnv.JOB_NAME})`);
    }
    this.config = validateConfig({ job, group: options.group, target: options.target, retryPolicy: options.retryPolicy }, source);
    this.job = job;
    this.group = options.group;
    this.client = options.client ?? defaultClient();
    this.now = options.now ?? (() => new Date());
  }

  /** The schedule name a key maps to. */
  nameFor(key: string): string {
    return oneTimeScheduleName(this.job, validateKey(this.job, key));
  }

  /**
   * Creates the schedule for `key`, unless one already exists: then nothing changes and the
   * result says `created: false` (the existing schedule is not compared: use `reschedule` to move it).
   */
  async schedule<P>(request: OneTimeScheduleRequest<P>): Promise<ScheduleResult> {
    const built = buildSchedule(this.config, request, this.now());
    return this.create(built);
  }

  /**
   * Schedules many at once: every item is validated before the first call, then at most
   * `concurrency` requests are in flight (a throttled one is retried by the client).
   * Items with the same key create one schedule. Resolves with one result per item, in order;
   * if any item still failed, rejects with OneTimeBatchError after all the others finished,
   * whose `outcomes` say which were created and which failed (safe to retry: keys are idempotent).
   */
  async scheduleMany<P>(items: ReadonlyArray<OneTimeScheduleRequest<P>>, options: ScheduleManyOptions = {}): Promise<ScheduleResult[]> {
    const concurrency = options.concurrency ?? 25;
    if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new OneTimeSchedulerConfigError(`scheduleMany for job '${this.job}': concurrency must be an integer of at least 1 (got ${concurrency})`);
    }
    const now = this.now();
    const built = items.map((item, index) => buildSchedule(this.config, item, now, index));
    // Every item's outcome is kept: a failure does not stop the others.
    const outcomes = await mapWithConcurrency(
      built,
      concurrency,
      async (b): Promise<ScheduleResult | { key: string; name: string; error: Error }> => {
        try {
          return await this.create(b);
        } catch (error) {
          return { key: b.key, name: b.name, error: error as Error };
        }
      },
    );
    const failed = outcomes.filter((o): o is { key: string; name: string; error: Error } => 'error' in o);
    if (failed.length > 0) {
      throw new OneTimeBatchError(
        `scheduleMany for job '${this.job}': ${failed.length} of ${built.length} schedules failed; ` +
          `first: key '${failed[0]!.key}': ${failed[0]!.error.message}`,
        outcomes,
        { cause: failed[0]!.error },
      );
    }
    return outcomes as ScheduleResult[];
  }

  /**
   * Deletes the schedule for `key`. True if it was pending; false if there was none (never
   * scheduled, cancelled before, or already fired and deleted by Scheduler).
   */
  async cancel(key: string): Promise<boolean> {
    const name = this.nameFor(key);
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.group }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.wrap(key, 'DeleteSchedule', error);
    }
  }

  /**
   * Moves the schedule for `key` to a new instant (and payload, if given; else it keeps its own):
   * reads it, then writes every field back (UpdateSchedule replaces the whole schedule). If there
   * is none (never scheduled, or it already fired) it is created, so this is also an upsert.
   */
  async reschedule<P>(request: OneTimeScheduleRequest<P>): Promise<RescheduleResult> {
    const now = this.now();
    // Validate everything before the first call; the payload again below if it comes from the schedule.
    let built = buildSchedule(this.config, request, now);
    const existing = await this.getRaw(built.key, built.name);
    if (!existing) {
      const created = await this.create(built);
      if (created.created) return created;
      // Created by someone else in between: move that one.
      return this.update(built, await this.getRaw(built.key, built.name));
    }
    if (request.payload === undefined || request.timeZone === undefined) {
      const details = this.details(existing);
      built = buildSchedule(
        this.config,
        { ...request, payload: request.payload ?? details.payload, timeZone: request.timeZone ?? details.timeZone },
        now,
      );
    }
    return this.update(built, existing);
  }

  /** The pending schedule for `key`, or undefined. */
  async get<P = unknown>(key: string): Promise<OneTimeScheduleDetails<P> | undefined> {
    const name = this.nameFor(key);
    const raw = await this.getRaw(key, name);
    return raw ? (this.details(raw) as OneTimeScheduleDetails<P>) : undefined;
  }

  /** This job's pending one-time schedules (one `ListSchedules` page of 100 after another, the SDK's paginator). */
  async list(): Promise<OneTimeScheduleSummary[]>;
  /** The same, each read with `GetSchedule` for its key, instant and payload (one call per schedule). */
  async list<P = unknown>(options: { details: true; concurrency?: number }): Promise<OneTimeScheduleDetails<P>[]>;
  async list(options?: { details?: boolean; concurrency?: number }): Promise<OneTimeScheduleSummary[]> {
    const summaries: OneTimeScheduleSummary[] = [];
    const prefix = oneTimeNamePrefix(this.job);
    try {
      for await (const page of paginateListSchedules({ client: this.client, pageSize: 100 }, { GroupName: this.group, NamePrefix: prefix })) {
        for (const s of page.Schedules ?? []) {
          // Defensive: an emulator may ignore NamePrefix.
          if (!s.Name?.startsWith(prefix)) continue;
          summaries.push({ name: s.Name, arn: s.Arn, state: s.State, createdAt: s.CreationDate });
        }
      }
    } catch (error) {
      throw this.wrap('*', 'ListSchedules', error);
    }
    if (!options?.details) return summaries;

    const details = await mapWithConcurrency(summaries, options.concurrency ?? 10, async (summary) => {
      const raw = await this.getRawByName(summary.name);
      return raw ? this.details(raw) : undefined;
    });
    return details.filter((d): d is OneTimeScheduleDetails => d !== undefined);
  }

  private async create(built: BuiltSchedule): Promise<ScheduleResult> {
    const token = randomUUID();
    try {
      await this.client.send(new CreateScheduleCommand(createScheduleInput(this.config, built, token)));
      return { key: built.key, name: built.name, at: built.at, created: true };
    } catch (error) {
      if (isConflict(error)) return { key: built.key, name: built.name, at: built.at, created: false };
      throw this.wrap(built.key, 'CreateSchedule', error);
    }
  }

  private async update(built: BuiltSchedule, existing: GetScheduleCommandOutput | undefined): Promise<RescheduleResult> {
    const previousAt = existing ? this.details(existing).at : undefined;
    try {
      await this.client.send(new UpdateScheduleCommand(updateScheduleInput(this.config, built, randomUUID())));
      return { key: built.key, name: built.name, at: built.at, created: false, previousAt };
    } catch (error) {
      // It fired (and was deleted) between the read and the write: create it afresh.
      if (isNotFound(error)) return this.create(built);
      throw this.wrap(built.key, 'UpdateSchedule', error);
    }
  }

  private async getRaw(key: string, name: string): Promise<GetScheduleCommandOutput | undefined> {
    try {
      return await this.client.send(new GetScheduleCommand({ Name: name, GroupName: this.group }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.wrap(key, 'GetSchedule', error);
    }
  }

  private getRawByName(name: string): Promise<GetScheduleCommandOutput | undefined> {
    return this.getRaw(name, name);
  }

  private details(raw: GetScheduleCommandOutput): OneTimeScheduleDetails {
    let event: { scheduledTime?: string; payload?: unknown } = {};
    try {
      event = JSON.parse(raw.Target?.Input ?? '{}');
    } catch {
      // Not written by this scheduler: leave the payload out.
    }
    const zone = raw.ScheduleExpressionTimezone ?? 'UTC';
    let at = event.scheduledTime ? new Date(event.scheduledTime) : undefined;
    const match = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(raw.ScheduleExpression ?? '');
    if ((!at || Number.isNaN(at.getTime())) && match) {
      const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
      at = instantOfWallClock({ year, month, day, hour, minute, second }, zone);
    }
    return {
      name: raw.Name ?? '',
      arn: raw.Arn,
      state: raw.State,
      createdAt: raw.CreationDate,
      key: keyFromDescription(this.job, raw.Description),
      at,
      timeZone: zone,
      expression: raw.ScheduleExpression,
      payload: event.payload,
    };
  }

  private wrap(key: string, operation: string, error: unknown): Error {
    if (error instanceof OneTimeScheduleRequestError) return error;
    const e = error as Error;
    const subject = key === '*' ? `one-time schedules of job '${this.job}'` : `one-time schedule for job '${this.job}' key '${key}'`;
    return new OneTimeScheduleRequestError(`${subject}: ${operation} failed: ${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`, key, {
      cause: error,
    });
  }
}
