/**
 * The job-state table as the CLI reads and writes it: each job's STATE summary (last run, paused),
 * its run records (`RUN#<slot>`, newest first) and the paused flag. Row shaping is pure; the
 * adapter functions receive a document client.
 */
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { PARTITION_KEY, SORT_KEY, StateKeys } from '../../lib/contract';

/** A job's STATE item, as far as the CLI shows it. */
export interface JobStateSummary {
  readonly job: string;
  readonly paused: boolean;
  readonly pausedBy?: string;
  readonly pausedAt?: string;
  readonly pauseReason?: string;
  readonly resumedBy?: string;
  readonly resumedAt?: string;
  readonly lastRunAt?: string;
  readonly lastStatus?: string;
  readonly lastSlot?: string;
  readonly lastSuccessAt?: string;
  readonly lastFailureAt?: string;
  readonly lastError?: { readonly name?: string; readonly message?: string };
}

/** One run record, as `jobs history` shows it. */
export interface RunRow {
  readonly slot: string;
  readonly status: string;
  readonly attempt?: number;
  readonly manual: boolean;
  /** `scheduled`, `manual` or `one-time` (a slot with a key). */
  readonly trigger: 'scheduled' | 'manual' | 'one-time';
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly error?: { readonly name: string; readonly message: string };
  readonly reason?: string;
  readonly duplicates?: number;
  readonly continuations?: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The summary of a STATE item (or of its absence: never ran, not paused). */
export function stateSummary(job: string, item: Record<string, unknown> | undefined): JobStateSummary {
  const i = item ?? {};
  const error = i.lastError as { name?: unknown; message?: unknown } | undefined;
  const text: Array<[keyof JobStateSummary, unknown]> = [
    ['pausedBy', i.pausedBy],
    ['pausedAt', i.pausedAt],
    ['pauseReason', i.pauseReason],
    ['resumedBy', i.resumedBy],
    ['resumedAt', i.resumedAt],
    ['lastRunAt', i.lastRunAt],
    ['lastStatus', i.lastStatus],
    ['lastSlot', i.lastSlot],
    ['lastSuccessAt', i.lastSuccessAt],
    ['lastFailureAt', i.lastFailureAt],
  ];
  return {
    job,
    paused: i.paused === true,
    ...Object.fromEntries(text.filter(([, v]) => typeof v === 'string')),
    ...(error && typeof error === 'object'
      ? { lastError: { ...(str(error.name) ? { name: str(error.name) } : {}), ...(str(error.message) ? { message: str(error.message) } : {}) } }
      : {}),
  };
}

/** A run record as a history row. */
export function runRow(item: Record<string, unknown>): RunRow {
  const slot = str(item.slot) ?? String(item[SORT_KEY] ?? '').slice(StateKeys.runPrefix.length);
  const manual = item.manual === true;
  const error = item.error as { name?: unknown; message?: unknown } | undefined;
  const optional: Record<string, unknown> = {
    attempt: num(item.attempt),
    startedAt: str(item.startedAt),
    finishedAt: str(item.finishedAt),
    durationMs: num(item.durationMs),
    reason: str(item.reason),
    duplicates: num(item.duplicates),
    continuations: num(item.continuations),
  };
  return {
    slot,
    status: str(item.status) ?? 'UNKNOWN',
    manual,
    trigger: manual ? 'manual' : slot.includes('#') ? 'one-time' : 'scheduled',
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    ...(error && typeof error === 'object'
      ? { error: { name: str(error.name) ?? 'Error', message: str(error.message) ?? '' } }
      : {}),
  } as RunRow;
}

function stateKey(job: string) {
  return { [PARTITION_KEY]: StateKeys.partition(job), [SORT_KEY]: StateKeys.state };
}

/** Reads the STATE items of `jobs` (BatchGetItem, 100 keys a call, unprocessed keys retried). */
export async function readStates(doc: DynamoDBDocumentClient, tableName: string, jobs: readonly string[]): Promise<Map<string, JobStateSummary>> {
  const items = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < jobs.length; i += 100) {
    let keys: Array<Record<string, unknown>> | undefined = jobs.slice(i, i + 100).map(stateKey);
    for (let round = 0; keys && keys.length > 0; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** round)));
      const out = await doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }));
      for (const item of out.Responses?.[tableName] ?? []) {
        const pk = String(item[PARTITION_KEY]);
        items.set(pk, item);
      }
      keys = out.UnprocessedKeys?.[tableName]?.Keys as Array<Record<string, unknown>> | undefined;
      if (round > 10 && keys && keys.length > 0) throw new Error(`BatchGetItem on ${tableName} left ${keys.length} keys unprocessed after ${round} rounds`);
    }
  }
  return new Map(jobs.map((job) => [job, stateSummary(job, items.get(StateKeys.partition(job)))]));
}

/** Reads one job's STATE. */
export async function readState(doc: DynamoDBDocumentClient, tableName: string, job: string): Promise<JobStateSummary> {
  const out = await doc.send(new GetCommand({ TableName: tableName, Key: stateKey(job), ConsistentRead: true }));
  return stateSummary(job, out.Item);
}

/** The newest `limit` run records of a job. */
export async function readHistory(doc: DynamoDBDocumentClient, tableName: string, job: string, limit: number): Promise<RunRow[]> {
  const rows: RunRow[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :run)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: { ':pk': StateKeys.partition(job), ':run': StateKeys.runPrefix },
        ScanIndexForward: false,
        Limit: limit - rows.length,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) rows.push(runRow(item));
    start = out.LastEvaluatedKey;
  } while (start && rows.length < limit);
  return rows.slice(0, limit);
}

/** What `setPaused` did. */
export interface PauseChange {
  /** False when the job already was in the asked state (nothing was written). */
  readonly changed: boolean;
  /** The job's state after the call. */
  readonly state: JobStateSummary;
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * Sets or clears the `paused` flag on the job's STATE item, recording who and when. Conditional,
 * so the first pause's who/when are kept when it is paused again. The runtime reads the flag at
 * the start of each scheduled run; nothing in CloudFormation changes.
 */
export async function setPaused(
  doc: DynamoDBDocumentClient,
  tableName: string,
  request: { readonly job: string; readonly paused: boolean; readonly by: string; readonly at: Date; readonly reason?: string },
): Promise<PauseChange> {
  const at = request.at.toISOString();
  const update = request.paused
    ? {
        UpdateExpression: `SET #paused = :true, #job = :job, #pausedBy = :by, #pausedAt = :at${request.reason ? ', #pauseReason = :reason' : ''} REMOVE ${request.reason ? '' : '#pauseReason, '}#resumedBy, #resumedAt`,
        ConditionExpression: 'attribute_not_exists(#paused) OR #paused <> :true',
        ExpressionAttributeNames: {
          '#paused': 'paused',
          '#job': 'job',
          '#pausedBy': 'pausedBy',
          '#pausedAt': 'pausedAt',
          '#pauseReason': 'pauseReason',
          '#resumedBy': 'resumedBy',
          '#resumedAt': 'resumedAt',
        },
        ExpressionAttributeValues: { ':true': true, ':job': request.job, ':by': request.by, ':at': at, ...(request.reason ? { ':reason': request.reason } : {}) },
      }
    : {
        UpdateExpression: 'SET #paused = :false, #job = :job, #resumedBy = :by, #resumedAt = :at REMOVE #pausedBy, #pausedAt, #pauseReason',
        ConditionExpression: '#paused = :true',
        ExpressionAttributeNames: {
          '#paused': 'paused',
          '#job': 'job',
          '#pausedBy': 'pausedBy',
          '#pausedAt': 'pausedAt',
          '#pauseReason': 'pauseReason',
          '#resumedBy': 'resumedBy',
          '#resumedAt': 'resumedAt',
        },
        ExpressionAttributeValues: { ':true': true, ':false': false, ':job': request.job, ':by': request.by, ':at': at },
      };
  try {
    const out = await doc.send(new UpdateCommand({ TableName: tableName, Key: stateKey(request.job), ReturnValues: 'ALL_NEW', ...update }));
    return { changed: true, state: stateSummary(request.job, out.Attributes) };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { changed: false, state: await readState(doc, tableName, request.job) };
  }
}
