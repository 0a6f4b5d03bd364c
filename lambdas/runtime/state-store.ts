/**
 * The DynamoDB adapter for the job-state table, the one module that reads and writes it: for the
 * runtime, run records, the job's STATE summary, the overlap lease and checkpoints; for the
 * watchdog, its cursors, the slots of recorded runs and the MISSED records; for operators (the
 * CLI), the STATE items of many jobs, a job's history and the paused flag. Every conditional write
 * lives here; the decisions they enforce are made by pure code (`claim.ts`). Throttled requests are
 * retried by the client's retry strategy (`sdkRetryConfig`); keys a BatchGetItem leaves
 * unprocessed by `retryRemaining`. The shapes it takes and returns are in `state-items.ts`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  PutCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { PARTITION_KEY, SORT_KEY, StateKeys, TTL_ATTRIBUTE, WatchdogKeys, type RunStatus } from '../../lib/contract';
import { retryRemaining, sdkRetryConfig, type BackoffOptions } from '../shared/retry';
import { decideClaim, type RunRecordView } from './claim';
import { StateTableError } from './errors';
import { buildUpdate, isConditionFailure } from './state-expressions';
import type {
  ClaimResult,
  ClaimInput,
  HeldClaim,
  CompleteRunInput,
  RejectedRunInput,
  StateUpdateInput,
  JobStateItem,
  LeaseResult,
  LeaseInput,
  CheckpointItem,
  MissedSlotItem,
  RecordedRuns,
  CursorUpdate,
  PauseRequest,
  PauseResult,
  DoneItem,
} from './state-items';

export { buildUpdate } from './state-expressions';
export type * from './state-items';

export interface JobStateStoreProps {
  /** A document client (created once at module scope by the caller). */
  readonly client: DynamoDBDocumentClient;
  /** The job-state table's name. */
  readonly tableName: string;
  /**
   * Retries of the keys a BatchGetItem leaves unprocessed (whole requests are retried by the
   * client's own retry strategy).
   * @default 6 attempts, full jitter from 100 ms, capped at 10 s
   */
  readonly unprocessedKeysBackoff?: BackoffOptions;
}

/** DynamoDB's limit of keys in one BatchGetItem request. */
export const MAX_BATCH_GET = 100;

/** Length of a slot ISO string (`2026-03-01T02:00:00.000Z`). */
const ISO_LENGTH = 24;

/** Sorts after every character of an ISO instant and after `#`: closes a `RUN#<iso>` range. */
const RANGE_END = '~';

/** How many times a claim re-reads the record after losing a race before calling itself a duplicate. */
const MAX_CLAIM_ROUNDS = 5;

function toView(item: Record<string, unknown> | undefined): RunRecordView | undefined {
  if (!item) return undefined;
  return {
    status: item.status as RunStatus,
    attempt: typeof item.attempt === 'number' ? item.attempt : 1,
    sequence: typeof item.sequence === 'number' ? item.sequence : 0,
    ...(typeof item.nextSequence === 'number' ? { nextSequence: item.nextSequence } : {}),
    ...(typeof item.runningUntil === 'string' ? { runningUntil: item.runningUntil } : {}),
  };
}

let sharedClient: DynamoDBDocumentClient | undefined;

/**
 * The module's document client, created on first use and reused across warm invocations; its
 * retries follow `sdkRetryConfig()`.
 */
export function defaultDocumentClient(): DynamoDBDocumentClient {
  sharedClient ??= DynamoDBDocumentClient.from(new DynamoDBClient(sdkRetryConfig()), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return sharedClient;
}

/** Reads and writes one platform's job-state table. */
export class JobStateStore {
  readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;
  private readonly unprocessedKeysBackoff: BackoffOptions;

  constructor(props: JobStateStoreProps) {
    this.client = props.client;
    this.tableName = props.tableName;
    this.unprocessedKeysBackoff = props.unprocessedKeysBackoff ?? {};
  }

  private key(job: string, sk: string) {
    return { [PARTITION_KEY]: StateKeys.partition(job), [SORT_KEY]: sk };
  }

  /** Reads a slot's run record (strongly consistent). */
  async getRun(job: string, slot: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(job, StateKeys.run(slot)), ConsistentRead: true }),
    );
    return out.Item;
  }

  /**
   * Claims the slot for this invocation: creates the run record (RUNNING), or takes over a FAILED or
   * crashed one (attempt + 1; an explicit re-run also a SKIPPED one), or takes the slot for the continuation it waits for. Anything else is
   * a duplicate. Each write is conditional on the exact record state the decision saw.
   */
  async claimRun(input: ClaimInput): Promise<ClaimResult> {
    const nowIso = input.now.toISOString();
    const key = this.key(input.job, StateKeys.run(input.slot));
    let existing: RunRecordView | undefined;
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      const decision = decideClaim(existing, input.sequence, nowIso, { rerunSkipped: input.rerun === true });
      try {
        switch (decision.action) {
          case 'duplicate':
            return { claimed: false, reason: decision.reason, existing };
          case 'create':
            await this.client.send(
              new PutCommand({
                TableName: this.tableName,
                Item: {
                  ...key,
                  job: input.job,
                  slot: input.slot,
                  status: 'RUNNING',
                  attempt: 1,
                  sequence: input.sequence,
                  manual: input.manual,
                  startedAt: nowIso,
                  invocationStartedAt: nowIso,
                  runningUntil: input.runningUntil,
                  deliveryAttempt: input.deliveryAttempt,
                  executionId: input.executionId,
                  scheduleArn: input.scheduleArn,
                  [TTL_ATTRIBUTE]: input.expiresAt,
                },
                ConditionExpression: `attribute_not_exists(#${PARTITION_KEY})`,
                ExpressionAttributeNames: { [`#${PARTITION_KEY}`]: PARTITION_KEY },
              }),
            );
            return { claimed: true, kind: 'new', attempt: 1, sequence: input.sequence };
          case 'retry':
          case 'takeover': {
            const seen = decision.expected;
            const condition =
              decision.action === 'retry'
                ? '#status = :seenStatus AND #attempt = :seenAttempt AND #sequence = :seenSequence'
                : '#status = :seenStatus AND #attempt = :seenAttempt AND #sequence = :seenSequence ' +
                  'AND #runningUntil < :now AND attribute_not_exists(#nextSequence)';
            await this.client.send(
              new UpdateCommand({
                TableName: this.tableName,
                Key: key,
                ...buildUpdate({
                  set: {
                    status: 'RUNNING',
                    invocationStartedAt: nowIso,
                    runningUntil: input.runningUntil,
                    deliveryAttempt: input.deliveryAttempt,
                    executionId: input.executionId,
                    [TTL_ATTRIBUTE]: input.expiresAt,
                  },
                  add: { attempt: 1 },
                  remove: ['finishedAt', 'durationMs', 'error', 'reason', 'heldBy', 'nextSequence', 'counts', 'failedItems'],
                  condition,
                  conditionValues: {
                    ':seenStatus': seen.status,
                    ':seenAttempt': seen.attempt,
                    ':seenSequence': seen.sequence,
                    ...(decision.action === 'takeover' ? { ':now': nowIso } : {}),
                  },
                }),
              }),
            );
            return {
              claimed: true,
              kind: decision.action,
              attempt: seen.attempt + 1,
              sequence: input.sequence,
              previousStatus: seen.status,
            };
          }
          case 'continue': {
            const seen = decision.expected;
            await this.client.send(
              new UpdateCommand({
                TableName: this.tableName,
                Key: key,
                ...buildUpdate({
                  set: {
                    sequence: input.sequence,
                    invocationStartedAt: nowIso,
                    runningUntil: input.runningUntil,
                    executionId: input.executionId,
                    [TTL_ATTRIBUTE]: input.expiresAt,
                  },
                  add: { continuations: 1 },
                  remove: ['nextSequence'],
                  condition: '#status = :running AND #attempt = :seenAttempt AND #nextSequence = :sequence',
                  conditionValues: { ':running': 'RUNNING', ':seenAttempt': seen.attempt, ':sequence': input.sequence },
                }),
              }),
            );
            return {
              claimed: true,
              kind: 'continuation',
              attempt: seen.attempt,
              sequence: input.sequence,
              previousStatus: seen.status,
            };
          }
        }
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      // Lost a race (or the record was not what we assumed): look again and decide again.
      existing = toView(await this.getRun(input.job, input.slot));
    }
    return { claimed: false, reason: `the slot changed hands ${MAX_CLAIM_ROUNDS} times while claiming it`, existing };
  }

  /** Counts a duplicate delivery on the slot's record (never creates one). */
  async recordDuplicate(job: string, slot: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(job, StateKeys.run(slot)),
          ...buildUpdate({
            set: { lastDuplicateAt: at.toISOString() },
            add: { duplicates: 1 },
            condition: `attribute_exists(#${PARTITION_KEY})`,
          }),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Marks the held claim as continuing: `nextSequence` is the only sequence that may claim the
   * slot next, and the deadline moves to give it time to start. False if the claim is no longer held.
   */
  async markContinuing(claim: HeldClaim & { readonly nextSequence: number; readonly runningUntil: string }): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(claim.job, StateKeys.run(claim.slot)),
        ...buildUpdate({
          set: { nextSequence: claim.nextSequence, runningUntil: claim.runningUntil },
          condition: `${HELD} AND attribute_not_exists(#nextSequence)`,
          conditionValues: heldValues(claim),
        }),
      }),
    );
  }

  /** Ends the held claim with its final status. False if the claim is no longer held (logged by the caller). */
  async completeRun(input: CompleteRunInput): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(input.job, StateKeys.run(input.slot)),
        ...buildUpdate({
          set: {
            status: input.status,
            finishedAt: input.finishedAt.toISOString(),
            durationMs: input.durationMs,
            error: input.error,
            reason: input.reason,
            heldBy: input.heldBy,
            result: input.result,
            counts: input.counts,
            failedItems: input.failedItems,
            [TTL_ATTRIBUTE]: input.expiresAt,
          },
          remove: ['runningUntil', 'nextSequence'],
          condition: HELD,
          conditionValues: heldValues(input),
        }),
      }),
    );
  }

  /**
   * Records an event the runtime rejected (malformed event or payload) as a FAILED run of its slot,
   * unless the slot already has a record that is not FAILED (a rejected duplicate changes nothing).
   */
  async recordRejectedRun(input: RejectedRunInput): Promise<boolean> {
    const at = input.at.toISOString();
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(input.job, StateKeys.run(input.slot)),
        ...buildUpdate({
          set: {
            job: input.job,
            slot: input.slot,
            status: 'FAILED',
            manual: input.manual,
            startedAt: at,
            finishedAt: at,
            error: input.error,
            reason: 'rejected',
            [TTL_ATTRIBUTE]: input.expiresAt,
          },
          add: { attempt: 1 },
          condition: `attribute_not_exists(#${PARTITION_KEY}) OR #status = :failed`,
          conditionValues: { ':failed': 'FAILED' },
        }),
      }),
    );
  }

  /** Reads the job's STATE item (strongly consistent). */
  async getState(job: string): Promise<JobStateItem | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(job, StateKeys.state), ConsistentRead: true }),
    );
    return out.Item as JobStateItem | undefined;
  }

  /**
   * Updates the job's STATE summary after a run ends: last run, status and slot, plus the last
   * success or the last error. Leaves every other attribute (notably `paused`) alone.
   */
  async updateState(input: StateUpdateInput): Promise<void> {
    const at = input.at.toISOString();
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(input.job, StateKeys.state),
        ...buildUpdate({
          set: {
            job: input.job,
            lastRunAt: at,
            lastStatus: input.status,
            lastSlot: input.slot,
            ...(input.status === 'SUCCEEDED' ? { lastSuccessAt: at } : {}),
            ...(input.status === 'FAILED' ? { lastFailureAt: at, lastError: input.error } : {}),
          },
        }),
      }),
    );
  }

  /** Takes the overlap lease if it is free, expired, or already held by this slot. */
  async acquireLease(input: LeaseInput): Promise<LeaseResult> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(input.job, StateKeys.lease),
            job: input.job,
            holder: input.holder,
            acquiredAt: input.now.toISOString(),
            leaseUntil: input.leaseUntil,
            [TTL_ATTRIBUTE]: input.expiresAt,
          },
          ConditionExpression: `attribute_not_exists(#${PARTITION_KEY}) OR #leaseUntil < :now OR #holder = :holder`,
          ExpressionAttributeNames: { [`#${PARTITION_KEY}`]: PARTITION_KEY, '#leaseUntil': 'leaseUntil', '#holder': 'holder' },
          ExpressionAttributeValues: { ':now': input.now.toISOString(), ':holder': input.holder },
        }),
      );
      return { acquired: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(input.job, StateKeys.lease), ConsistentRead: true }),
    );
    return {
      acquired: false,
      holder: out.Item?.holder as string | undefined,
      leaseUntil: out.Item?.leaseUntil as string | undefined,
    };
  }

  /** Extends the lease held by `holder`. False if it no longer holds it. */
  async renewLease(input: Omit<LeaseInput, 'now'>): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(input.job, StateKeys.lease),
        ...buildUpdate({
          set: { leaseUntil: input.leaseUntil, [TTL_ATTRIBUTE]: input.expiresAt },
          condition: '#holder = :holder',
          conditionValues: { ':holder': input.holder },
        }),
      }),
    );
  }

  /** Releases the lease if `holder` still holds it. False if it does not. */
  async releaseLease(job: string, holder: string): Promise<boolean> {
    return this.conditional(
      new DeleteCommand({
        TableName: this.tableName,
        Key: this.key(job, StateKeys.lease),
        ConditionExpression: '#holder = :holder',
        ExpressionAttributeNames: { '#holder': 'holder' },
        ExpressionAttributeValues: { ':holder': holder },
      }),
    );
  }

  /** Saves a slot's checkpoint (`state` is already JSON). */
  async saveCheckpoint(input: {
    readonly job: string;
    readonly slot: string;
    readonly state: string;
    readonly sequence: number;
    readonly savedAt: Date;
    readonly expiresAt: number;
  }): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...this.key(input.job, StateKeys.checkpoint(input.slot)),
          job: input.job,
          slot: input.slot,
          state: input.state,
          sequence: input.sequence,
          savedAt: input.savedAt.toISOString(),
          [TTL_ATTRIBUTE]: input.expiresAt,
        },
      }),
    );
  }

  /** Reads a slot's checkpoint (strongly consistent). */
  async getCheckpoint(job: string, slot: string): Promise<CheckpointItem | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(job, StateKeys.checkpoint(slot)), ConsistentRead: true }),
    );
    if (!out.Item || typeof out.Item.state !== 'string') return undefined;
    return { state: out.Item.state, sequence: Number(out.Item.sequence ?? 0), savedAt: String(out.Item.savedAt ?? '') };
  }

  // The watchdog's reads and writes.

  /** Every job's watchdog cursor: how far its slots have been checked. */
  async readCursors(): Promise<Map<string, Date>> {
    const cursors = new Map<string, Date>();
    const items = this.query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#job': 'job', '#until': 'checkedUntil' },
      ExpressionAttributeValues: { ':pk': WatchdogKeys.partition, ':prefix': WatchdogKeys.cursorPrefix },
      ProjectionExpression: '#sk, #job, #until',
    });
    for await (const item of items) {
      const sk = String(item[SORT_KEY] ?? '');
      const job = typeof item.job === 'string' ? item.job : sk.slice(WatchdogKeys.cursorPrefix.length);
      const until = typeof item.checkedUntil === 'string' ? new Date(item.checkedUntil) : undefined;
      if (job && until && !Number.isNaN(until.getTime())) cursors.set(job, until);
    }
    return cursors;
  }

  /** The run records of `job` with slots in `[from, to]` (all pages; only the sort key and the manual flag read). */
  async readRuns(job: string, from: Date, to: Date): Promise<RecordedRuns> {
    const scheduled: Date[] = [];
    let manual = 0;
    const items = this.query({
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#manual': 'manual' },
      ExpressionAttributeValues: {
        ':pk': StateKeys.partition(job),
        ':from': StateKeys.run(from.toISOString()),
        ':to': StateKeys.run(to.toISOString()) + RANGE_END,
      },
      ProjectionExpression: '#sk, #manual',
    });
    for await (const item of items) {
      const sk = String(item[SORT_KEY] ?? '');
      const at = new Date(sk.slice(StateKeys.runPrefix.length, StateKeys.runPrefix.length + ISO_LENGTH));
      if (Number.isNaN(at.getTime())) continue;
      if (item.manual === true) manual += 1;
      else scheduled.push(at);
    }
    scheduled.sort((a, b) => a.getTime() - b.getTime());
    return { scheduled, manual };
  }

  /**
   * Writes a missed slot unless it is already there (a slot is counted once, even when two watchdog
   * runs overlap). True when this call wrote it, false when it was already recorded.
   */
  async recordMissedSlot(item: MissedSlotItem): Promise<boolean> {
    return this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...this.key(item.job, StateKeys.missed(item.slot)),
          job: item.job,
          slot: item.slot,
          scheduleName: item.scheduleName,
          expression: item.expression,
          timeZone: item.timeZone,
          detectedAt: item.detectedAt,
          [TTL_ATTRIBUTE]: item.expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      }),
    );
  }

  /**
   * Moves a job's watchdog cursor forward (never back: an overlapping run that got further wins).
   * True when the cursor moved, false when it already stood at or past `checkedUntil`.
   */
  async advanceCursor(update: CursorUpdate): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: WatchdogKeys.partition, [SORT_KEY]: WatchdogKeys.cursor(update.job) },
        UpdateExpression: 'SET #job = :job, #schedule = :schedule, #until = :until, #updated = :updated, #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#until) OR #until < :until',
        ExpressionAttributeNames: {
          '#job': 'job',
          '#schedule': 'scheduleName',
          '#until': 'checkedUntil',
          '#updated': 'updatedAt',
          '#ttl': TTL_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          ':job': update.job,
          ':schedule': update.scheduleName,
          ':until': update.checkedUntil.toISOString(),
          ':updated': update.updatedAt.toISOString(),
          ':ttl': update.expiresAt,
        },
      }),
    );
  }

  // What operators read and change.

  /**
   * The STATE items of `jobs` (strongly consistent), 100 keys a BatchGetItem; a job that never ran
   * and was never paused maps to `undefined`.
   *
   * @throws StateTableError when DynamoDB still leaves keys unprocessed after every retry
   */
  async getStates(jobs: readonly string[]): Promise<Map<string, JobStateItem | undefined>> {
    const found = new Map<string, JobStateItem>();
    // BatchGetItem rejects a request that names a key twice.
    const unique = [...new Set(jobs)];
    for (let i = 0; i < unique.length; i += MAX_BATCH_GET) {
      const keys: Record<string, unknown>[] = unique.slice(i, i + MAX_BATCH_GET).map((job) => this.key(job, StateKeys.state));
      const { remaining } = await retryRemaining<Record<string, unknown>, Record<string, unknown>>(
        keys,
        async (toRead) => {
          const out = await this.client.send(
            new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: toRead, ConsistentRead: true } } }),
          );
          for (const item of out.Responses?.[this.tableName] ?? []) found.set(String(item[PARTITION_KEY]), item as JobStateItem);
          return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
        },
        (key) => key,
        this.unprocessedKeysBackoff,
      );
      if (remaining.length > 0) {
        throw new StateTableError(
          `BatchGetItem on table '${this.tableName}' left ${remaining.length} STATE item(s) unprocessed after every retry`,
        );
      }
    }
    return new Map(jobs.map((job) => [job, found.get(StateKeys.partition(job))]));
  }

  /** The newest `limit` run records of `job`, newest first (whole items). */
  async readHistory(job: string, limit: number): Promise<Record<string, unknown>[]> {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`history of job '${job}': limit must be a positive integer (got ${limit})`);
    }
    const rows: Record<string, unknown>[] = [];
    const items = this.query(
      {
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :run)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: { ':pk': StateKeys.partition(job), ':run': StateKeys.runPrefix },
        ScanIndexForward: false,
      },
      limit,
    );
    for await (const item of items) {
      rows.push(item);
      if (rows.length >= limit) break;
    }
    return rows;
  }

  /**
   * Sets or clears the `paused` flag on the job's STATE item, recording who and when. Conditional,
   * so the first pause's who and when are kept when the job is paused again. The runtime reads the
   * flag at the start of each scheduled run.
   */
  async setPaused(request: PauseRequest): Promise<PauseResult> {
    const at = request.at.toISOString();
    const update = request.paused
      ? buildUpdate({
          set: { paused: true, job: request.job, pausedBy: request.by, pausedAt: at, pauseReason: request.reason },
          remove: [...(request.reason ? [] : ['pauseReason']), 'resumedBy', 'resumedAt'],
          condition: 'attribute_not_exists(#paused) OR #paused <> :true',
          conditionValues: { ':true': true },
        })
      : buildUpdate({
          set: { paused: false, job: request.job, resumedBy: request.by, resumedAt: at },
          remove: ['pausedBy', 'pausedAt', 'pauseReason'],
          condition: '#paused = :true',
          conditionValues: { ':true': true },
        });
    try {
      const out = await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: this.key(request.job, StateKeys.state), ReturnValues: 'ALL_NEW', ...update }),
      );
      return { changed: true, item: out.Attributes as JobStateItem | undefined };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const item = await this.getState(request.job);
    return { changed: false, ...(item ? { item } : {}) };
  }

  /**
   * Records fan-out items as done in `slot` (`sk = PART#<slot>#<key>`, with the item's result and a
   * TTL), 25 per BatchWriteItem, retrying unprocessed items; throws `StateTableError` if some stay
   * unprocessed (the batch then fails and is retried, and items already marked are skipped).
   */
  async markItemsDone(job: string, slot: string, items: readonly DoneItem[], at: Date, expiresAt: number): Promise<void> {
    const requests = items.map((item) => ({
      PutRequest: {
        Item: {
          ...this.key(job, StateKeys.part(slot, item.key)),
          key: item.key,
          doneAt: at.toISOString(),
          ...(item.result !== undefined ? { result: item.result } : {}),
          [TTL_ATTRIBUTE]: expiresAt,
        },
      },
    }));
    for (let i = 0; i < requests.length; i += 25) {
      const { remaining } = await retryRemaining(
        requests.slice(i, i + 25),
        async (toSend) => {
          const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: toSend } }));
          return (out.UnprocessedItems?.[this.tableName] ?? []) as typeof toSend;
        },
        (request) => request,
        this.unprocessedKeysBackoff,
      );
      if (remaining.length > 0) {
        throw new StateTableError(`job '${job}': slot ${slot}: ${remaining.length} done-item records stayed unprocessed after retries`);
      }
    }
  }

  /** Which of `keys` are recorded done in `slot` (strongly consistent, 100 keys a BatchGetItem). */
  async doneKeys(job: string, slot: string, keys: readonly string[]): Promise<Set<string>> {
    const done = new Set<string>();
    const unique = [...new Set(keys)];
    const prefix = StateKeys.partPrefix(slot);
    for (let i = 0; i < unique.length; i += MAX_BATCH_GET) {
      const batch: Record<string, unknown>[] = unique.slice(i, i + MAX_BATCH_GET).map((key) => this.key(job, StateKeys.part(slot, key)));
      const { remaining } = await retryRemaining<Record<string, unknown>, Record<string, unknown>>(
        batch,
        async (toRead) => {
          const out = await this.client.send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: toRead, ConsistentRead: true, ProjectionExpression: '#sk', ExpressionAttributeNames: { '#sk': SORT_KEY } } },
            }),
          );
          for (const item of out.Responses?.[this.tableName] ?? []) done.add(String(item[SORT_KEY]).slice(prefix.length));
          return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
        },
        (key) => key,
        this.unprocessedKeysBackoff,
      );
      if (remaining.length > 0) {
        throw new StateTableError(`job '${job}': slot ${slot}: ${remaining.length} done-item keys stayed unprocessed after every retry`);
      }
    }
    return done;
  }

  /** The items recorded done in `slot`, in key order (strongly consistent reads, page after page). */
  async *readDoneItems(job: string, slot: string): AsyncGenerator<DoneItem> {
    const prefix = StateKeys.partPrefix(slot);
    const items = this.query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
      ExpressionAttributeValues: { ':pk': StateKeys.partition(job), ':prefix': prefix },
      ConsistentRead: true,
    });
    for await (const item of items) {
      const key = typeof item.key === 'string' ? item.key : String(item[SORT_KEY]).slice(prefix.length);
      yield item.result !== undefined ? { key, result: item.result } : { key };
    }
  }

  /** The items of a query on this table, page after page (the SDK's paginator). */
  private async *query(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
    pageSize?: number,
  ): AsyncGenerator<Record<string, unknown>> {
    const pages = paginateQuery({ client: this.client, ...(pageSize ? { pageSize } : {}) }, { TableName: this.tableName, ...input });
    for await (const page of pages) yield* page.Items ?? [];
  }

  private async conditional(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      // Each command type has its own send overload; the union needs the cast.
      await this.client.send(command as UpdateCommand);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

/** The condition that the record is still held by a given claim. */
const HELD = '#status = :running AND #attempt = :heldAttempt AND #sequence = :heldSequence';

function heldValues(claim: HeldClaim): Record<string, unknown> {
  return { ':running': 'RUNNING', ':heldAttempt': claim.attempt, ':heldSequence': claim.sequence };
}
