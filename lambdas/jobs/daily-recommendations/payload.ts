/**
 * The daily recommendations' payload: its shape, defaults and validation (before any side effect).
 */
import { ScheduledJobsError } from '../../runtime';
import { SHARD_COUNT } from './shards';

/** The daily recommendations' payload. */
export interface RecommendationsPayload {
  /**
   * Whole UTC days of orders before the slot's day that the model and the histories read.
   * @default 90
   */
  readonly lookbackDays?: number;
  /**
   * Products recommended to each customer.
   * @default 10
   */
  readonly top?: number;
  /**
   * Customer-hash ranges the run is split into (the map's items), 1 to 1,024.
   * @default 16
   */
  readonly partitions?: number;
}

/** The payload with its defaults applied. */
export type ParsedRecommendationsPayload = Required<RecommendationsPayload>;

/** The payload is invalid. */
export class RecommendationsPayloadError extends ScheduledJobsError {}

const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));

/**
 * Validates `raw` (absent: every default) and applies the defaults.
 *
 * @throws RecommendationsPayloadError naming the job, the field, what was expected and what came.
 */
export function parseRecommendationsPayload(raw: unknown, job: string = process.env.JOB_NAME ?? 'daily-recommendations'): ParsedRecommendationsPayload {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new RecommendationsPayloadError(`job '${job}': payload must be an object (got ${show(raw)})`);
  const record = raw as Record<string, unknown>;
  const known = ['lookbackDays', 'top', 'partitions'];
  for (const field of Object.keys(record)) {
    if (!known.includes(field)) {
      throw new RecommendationsPayloadError(`job '${job}': payload.${field} must be absent (known fields: ${known.join(', ')}) (got ${show(record[field])})`);
    }
  }
  const integer = (field: string, min: number, max: number, fallback: number): number => {
    const value = record[field];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new RecommendationsPayloadError(`job '${job}': payload.${field} must be an integer from ${min} to ${max} (got ${show(value)})`);
    }
    return value;
  };
  return {
    lookbackDays: integer('lookbackDays', 1, 366, 90),
    top: integer('top', 1, 100, 10),
    partitions: integer('partitions', 1, SHARD_COUNT, 16),
  };
}
