/**
 * The DynamoDB adapter for the job-state table: run records, the job's STATE summary, the overlap
 * lease and checkpoints. Every conditional write of the runtime lives here; the decisions they
 * enforce are made by pure code (`claim.ts`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { PARTITION_KEY, SORT_KEY, StateKeys, TTL_ATTRIBUTE, type RunStatus } from '../../lib/contract';
import { decideClaim, type RunRecordView } from './claim';
import type { ErrorRecord } from './run-record';

/** How a claim took the slot. */
export type ClaimKind = 'new' | 'retry' | 'takeover' | 'continuation';

export type ClaimResult =
  | {
      readonly claimed: true;
      readonly kind: ClaimKind;
      readonly attempt: number;
      readonly sequence: number;
      /** The record's status before this claim (absent for a new slot). */
      readonly previousStatus?: RunStatus;
    }
  | { readonly claimed: false; readonly reason: string; readonly existing?: RunRecordView };

export interface ClaimInput {
  readonly job: string;
  readonly slot: string;
  /** The continuation sequence of the event (0 when not a continuation). */
  readonly sequence: number;
  readonly manual: boolean;
  readonly now: Date;
  /** Deadline after which the claim counts as crashed (ISO). */
  readonly runningUntil: string;
  /** TTL of the run record (epoch seconds). */
  readonly expiresAt: number;
  readonly deliveryAttempt?: number;
  readonly executionId?: string;
  readonly scheduleArn?: string;
}

/** Identifies the claim that holds a RUNNING record; every later write is conditional on it. */
export interface HeldClaim {
  readonly job: string;
  readonly slot: string;
  readonly attempt: number;
  readonly sequence: number;
}

export interface CompleteRunInput extends HeldClaim {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
  readonly finishedAt: Date;
  readonly expiresAt: number;
  readonly durationMs?: number;
  readonly error?: ErrorRecord;
  readonly reason?: string;
  /** For an overlap skip: the slot holding the lease. */
  readonly heldBy?: string;
  readonly result?: unknown;
}

export interface RejectedRunInput {
  readonly job: string;
  readonly slot: string;
  readonly manual: boolean;
  readonly error: ErrorRecord;
  readonly at: Date;
  readonly expiresAt: number;
}

export interface StateUpdateInput {
  readonly job: string;
  readonly slot?: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'SKIPPED';
  readonly at: Date;
  readonly error?: ErrorRecord;
}

/** The job's STATE item, as far as the runtime reads it. */
export interface JobStateItem {
  readonly paused?: boolean;
  readonly lastRunAt?: string;
  readonly lastStatus?: RunStatus;
  readonly lastSlot?: string;
  readonly lastSuccessAt?: string;
  readonly lastError?: ErrorRecord;
  readonly [attribute: string]: unknown;
}

export type LeaseResult =
  | { readonly acquired: true }
  | { readonly acquired: false; readonly holder?: string; readonly leaseUntil?: string };

export interface LeaseInput {
  readonly job: string;
  /** The slot taking or holding the lease. */
  readonly holder: string;
  readonly now: Date;
  /** ISO instant the lease expires at. */
  readonly leaseUntil: string;
  /** TTL of the lease item (epoch seconds). */
  readonly expiresAt: number;
}

export interface CheckpointItem {
  readonly state: string;
  readonly sequence: number;
  readonly savedAt: string;
}

export interface JobStateStoreProps {
  /** A document client (created once at module scope by the caller). */
  readonly client: DynamoDBDocumentClient;
  /** The job-state table's name. */
  readonly tableName: string;
}

/** How many times a claim re-reads the record after losing a race before calling itself a duplicate. */
const MAX_CLAIM_ROUNDS = 5;

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** `#name` placeholders for every `#word` token in the expressions. */
function namesIn(...expressions: (string | undefined)[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const expression of expressions) {
    for (const match of expression?.matchAll(/#(\w+)/g) ?? []) names[match[0]] = match[1];
  }
  return names;
}

interface UpdateSpec {
  readonly set?: Record<string, unknown>;
  readonly add?: Record<string, number>;
  readonly remove?: readonly string[];
  readonly condition?: string;
  readonly conditionValues?: Record<string, unknown>;
}

/** Builds an UpdateExpression with placeholders; `undefined` values in `set` are left out. */
export function buildUpdate(spec: UpdateSpec) {
  const values: Record<string, unknown> = { ...spec.conditionValues };
  const clauses: string[] = [];
  const set = Object.entries(spec.set ?? {}).filter(([, value]) => value !== undefined);
  if (set.length > 0) {
    clauses.push(`SET ${set.map(([name]) => `#${name} = :set_${name}`).join(', ')}`);
    for (const [name, value] of set) values[`:set_${name}`] = value;
  }
  const add = Object.entries(spec.add ?? {});
  if (add.length > 0) {
    clauses.push(`ADD ${add.map(([name]) => `#${name} :add_${name}`).join(', ')}`);
    for (const [name, value] of add) values[`:add_${name}`] = value;
  }
  if (spec.remove && spec.remove.length > 0) clauses.push(`REMOVE ${spec.remove.map((name) => `#${name}`).join(', ')}`);
  const UpdateExpression = clauses.join(' ');
  return {
    UpdateExpression,
    ...(spec.condition ? { ConditionExpression: spec.condition } : {}),
    ExpressionAttributeNames: namesIn(UpdateExpression, spec.condition),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}

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

/** The module's document client, created on first use and reused across warm invocations. */
export function defaultDocumentClient(): DynamoDBDocumentClient {
  sharedClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return sharedClient;
}

/** Reads and writes one platform's job-state table. */
export class JobStateStore {
  readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;

  constructor(props: JobStateStoreProps) {
    this.client = props.client;
    this.tableName = props.tableName;
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
   * crashed one (attempt + 1), or takes the slot for the continuation it waits for. Anything else is
   * a duplicate. Each write is conditional on the exact record state the decision saw.
   */
  async claimRun(input: ClaimInput): Promise<ClaimResult> {
    const nowIso = input.now.toISOString();
    const key = this.key(input.job, StateKeys.run(input.slot));
    let existing: RunRecordView | undefined;
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      const decision = decideClaim(existing, input.sequence, nowIso);
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
                  remove: ['finishedAt', 'durationMs', 'error', 'nextSequence'],
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

  private async conditional(command: UpdateCommand | DeleteCommand): Promise<boolean> {
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
