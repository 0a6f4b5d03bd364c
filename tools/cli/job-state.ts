/**
 * The job-state table as the CLI shows it: each job's STATE summary (last run, paused) and its run
 * records (`RUN#<slot>`, newest first), shaped for output by pure functions. Reads and writes go
 * through the table's one adapter, `JobStateStore`; the functions here receive a document client.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JobStateStore, type PauseRequest } from '../../lambdas/runtime/state-store';
import { SORT_KEY, StateKeys } from '../../lib/contract';

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
  /** A fan-out run's item counts (`planned`, `alreadyDone`, `succeeded`, `failed`). */
  readonly counts?: Readonly<Record<string, number>>;
  /** A fan-out run's failed item keys (the first ones the run record keeps). */
  readonly failedItems?: readonly string[];
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
    ...(isCounts(item.counts) ? { counts: item.counts } : {}),
    ...(Array.isArray(item.failedItems) ? { failedItems: item.failedItems.filter((k): k is string => typeof k === 'string') } : {}),
    ...(error && typeof error === 'object'
      ? { error: { name: str(error.name) ?? 'Error', message: str(error.message) ?? '' } }
      : {}),
  } as RunRow;
}

function isCounts(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'number');
}

function store(doc: DynamoDBDocumentClient, tableName: string): JobStateStore {
  return new JobStateStore({ client: doc, tableName });
}

/**
 * Reads the STATE items of `jobs` (BatchGetItem, 100 keys a call, unprocessed keys retried).
 *
 * @throws StateTableError when DynamoDB still leaves keys unprocessed after every retry
 */
export async function readStates(doc: DynamoDBDocumentClient, tableName: string, jobs: readonly string[]): Promise<Map<string, JobStateSummary>> {
  const items = await store(doc, tableName).getStates(jobs);
  return new Map(jobs.map((job) => [job, stateSummary(job, items.get(job))]));
}

/** Reads one job's STATE. */
export async function readState(doc: DynamoDBDocumentClient, tableName: string, job: string): Promise<JobStateSummary> {
  return stateSummary(job, await store(doc, tableName).getState(job));
}

/** The newest `limit` run records of a job, newest first. */
export async function readHistory(doc: DynamoDBDocumentClient, tableName: string, job: string, limit: number): Promise<RunRow[]> {
  return (await store(doc, tableName).readHistory(job, limit)).map(runRow);
}

/** What `setPaused` did. */
export interface PauseChange {
  /** False when the job already was in the asked state (nothing was written). */
  readonly changed: boolean;
  /** The job's state after the call. */
  readonly state: JobStateSummary;
}

/**
 * Sets or clears the `paused` flag on the job's STATE item, recording who and when. Conditional,
 * so the first pause's who/when are kept when it is paused again. The runtime reads the flag at
 * the start of each scheduled run; nothing in CloudFormation changes.
 */
export async function setPaused(doc: DynamoDBDocumentClient, tableName: string, request: PauseRequest): Promise<PauseChange> {
  const { changed, item } = await store(doc, tableName).setPaused(request);
  return { changed, state: stateSummary(request.job, item) };
}
