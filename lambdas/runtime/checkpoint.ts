/**
 * The slot checkpoint behind `ctx.checkpoint` and `ctx.continueLater`: JSON in one state-table item
 * (`CHECKPOINT#<slot>`) with a TTL. Encoding and the size check are pure; `StoreCheckpoint` is the
 * thin adapter over the state store.
 */
import { CheckpointError } from './errors';
import { expiresAt } from './run-record';
import type { JobStateStore } from './state-store';
import type { Checkpoint } from './types';

/**
 * The largest checkpoint accepted, as UTF-8 JSON: a DynamoDB item holds at most 400 KB, and the
 * item's keys and other attributes need a little of it.
 */
export const MAX_CHECKPOINT_BYTES = 390_000;

/** Serialises a checkpoint; throws `CheckpointError` for undefined, unserialisable or oversized state. */
export function encodeCheckpoint(job: string, slot: string, state: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(state);
  } catch (cause) {
    throw new CheckpointError(
      `job '${job}': checkpoint for slot ${slot} is not JSON-serialisable: ${(cause as Error).message}`,
      job,
      { cause },
    );
  }
  if (json === undefined) {
    throw new CheckpointError(`job '${job}': checkpoint for slot ${slot}: expected a JSON-serialisable value, got ${typeof state}`, job);
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_CHECKPOINT_BYTES) {
    throw new CheckpointError(
      `job '${job}': checkpoint for slot ${slot} is ${bytes} bytes as JSON; at most ${MAX_CHECKPOINT_BYTES} fit in one ` +
        'state-table item (keep large state in S3 and checkpoint its key)',
      job,
    );
  }
  return json;
}

export interface StoreCheckpointProps {
  readonly store: JobStateStore;
  readonly job: string;
  readonly slot: string;
  /** The invocation's continuation sequence, recorded with each save. */
  readonly sequence: number;
  readonly clock: () => number;
  readonly ttlDays: number;
}

/** `ctx.checkpoint` backed by the state table. */
export class StoreCheckpoint implements Checkpoint {
  constructor(private readonly props: StoreCheckpointProps) {}

  async get<T>(): Promise<T | undefined> {
    const item = await this.props.store.getCheckpoint(this.props.job, this.props.slot);
    return item ? (JSON.parse(item.state) as T) : undefined;
  }

  async save<T>(state: T): Promise<void> {
    await this.saveAs(state, this.props.sequence);
  }

  /** Saves `state`, recording `sequence` as the invocation it is meant for. */
  async saveAs(state: unknown, sequence: number): Promise<void> {
    const { store, job, slot, clock, ttlDays } = this.props;
    const json = encodeCheckpoint(job, slot, state);
    const now = clock();
    await store.saveCheckpoint({ job, slot, state: json, sequence, savedAt: new Date(now), expiresAt: expiresAt(now, ttlDays) });
  }
}
