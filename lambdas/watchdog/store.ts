/**
 * The watchdog's reads and writes in the job-state table: its cursors, the jobs' run records, and
 * the missed-slot records it writes. A thin adapter around a `DynamoDBDocumentClient` it is given.
 */
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PARTITION_KEY, SORT_KEY, StateKeys, TTL_ATTRIBUTE } from '../../lib/contract';
import { withBackoff, type BackoffOptions } from './backoff';

/** Keys of the watchdog's own items: one partition, one cursor per job. */
export const WatchdogKeys = {
  partition: 'WATCHDOG',
  cursorPrefix: 'CURSOR#',
  cursor: (job: string) => `CURSOR#${job}`,
} as const;

/** Length of a slot ISO string (`2026-03-01T02:00:00.000Z`). */
const ISO_LENGTH = 24;

/** Sorts after every character of an ISO instant and after `#`: closes a `RUN#<iso>` range. */
const RANGE_END = '~';

export interface StoreOptions {
  readonly ddb: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly backoff?: BackoffOptions;
}

/** A missed slot as written to the table (`pk = JOB#<job>`, `sk = MISSED#<slot>`). */
export interface MissedSlotItem {
  readonly job: string;
  /** The slot, `toISOString()` form. */
  readonly slot: string;
  readonly scheduleName: string;
  readonly expression: string;
  readonly timeZone: string;
  /** When the watchdog found it, ISO. */
  readonly detectedAt: string;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}

/** The runs of a job in a time range, as recorded by the job runtime. */
export interface RecordedRuns {
  /** Instants of runs the schedule delivered (manual runs left out), oldest first. */
  readonly scheduled: readonly Date[];
  /** How many manual runs the range held (they say nothing about the schedule). */
  readonly manual: number;
}

function isConditionalCheckFailed(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}

/** Every job's cursor: how far its slots have been checked. */
export async function readCursors({ ddb, tableName, backoff }: StoreOptions): Promise<Map<string, Date>> {
  const cursors = new Map<string, Date>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const exclusiveStartKey = startKey;
    const page = await withBackoff(
      `Query of the watchdog cursors in table '${tableName}'`,
      () =>
        ddb.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#job': 'job', '#until': 'checkedUntil' },
            ExpressionAttributeValues: { ':pk': WatchdogKeys.partition, ':prefix': WatchdogKeys.cursorPrefix },
            ProjectionExpression: '#sk, #job, #until',
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        ),
      backoff,
    );
    for (const item of page.Items ?? []) {
      const sk = String(item[SORT_KEY] ?? '');
      const job = typeof item.job === 'string' ? item.job : sk.slice(WatchdogKeys.cursorPrefix.length);
      const until = typeof item.checkedUntil === 'string' ? new Date(item.checkedUntil) : undefined;
      if (job && until && !Number.isNaN(until.getTime())) cursors.set(job, until);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return cursors;
}

/**
 * The run records of `job` with slots in `[from, to]` (all pages, only the sort key and the manual
 * flag read).
 */
export async function readRuns({ ddb, tableName, backoff }: StoreOptions, job: string, from: Date, to: Date): Promise<RecordedRuns> {
  const scheduled: Date[] = [];
  let manual = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const exclusiveStartKey = startKey;
    const page = await withBackoff(
      `Query of the runs of job '${job}' in table '${tableName}'`,
      () =>
        ddb.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#manual': 'manual' },
            ExpressionAttributeValues: {
              ':pk': StateKeys.partition(job),
              ':from': StateKeys.run(from.toISOString()),
              ':to': StateKeys.run(to.toISOString()) + RANGE_END,
            },
            ProjectionExpression: '#sk, #manual',
            ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        ),
      backoff,
    );
    for (const item of page.Items ?? []) {
      const sk = String(item[SORT_KEY] ?? '');
      const at = new Date(sk.slice(StateKeys.runPrefix.length, StateKeys.runPrefix.length + ISO_LENGTH));
      if (Number.isNaN(at.getTime())) continue;
      if (item.manual === true) manual += 1;
      else scheduled.push(at);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  scheduled.sort((a, b) => a.getTime() - b.getTime());
  return { scheduled, manual };
}

/**
 * Writes a missed slot unless it is already there (a slot is counted once, even when two watchdog
 * runs overlap).
 *
 * @returns true when this call wrote it, false when it was already recorded
 */
export async function recordMissedSlot({ ddb, tableName, backoff }: StoreOptions, item: MissedSlotItem): Promise<boolean> {
  try {
    await withBackoff(
      `Put of missed slot ${item.slot} of job '${item.job}' in table '${tableName}'`,
      () =>
        ddb.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [PARTITION_KEY]: StateKeys.partition(item.job),
              [SORT_KEY]: StateKeys.missed(item.slot),
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
        ),
      backoff,
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

export interface CursorUpdate {
  readonly job: string;
  readonly scheduleName: string;
  readonly checkedUntil: Date;
  readonly updatedAt: Date;
  /** TTL, epoch seconds: the cursor of a job that was removed goes away by itself. */
  readonly expiresAt: number;
}

/**
 * Moves a job's cursor forward (never back: an overlapping run that got further wins).
 *
 * @returns true when the cursor moved, false when it already stood at or past `checkedUntil`
 */
export async function advanceCursor({ ddb, tableName, backoff }: StoreOptions, update: CursorUpdate): Promise<boolean> {
  try {
    await withBackoff(
      `Update of the watchdog cursor of job '${update.job}' in table '${tableName}'`,
      () =>
        ddb.send(
          new UpdateCommand({
            TableName: tableName,
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
        ),
      backoff,
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
