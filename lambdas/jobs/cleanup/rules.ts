/**
 * The cleanup job's pure rules: the cutoff, the dates encoded in keys, and which object is old
 * enough to go. No SDK here.
 *
 * Boundary, exactly: an object goes when it is **strictly older** than the cutoff
 * (`cutoff = slot - olderThanDays * 24 h`).
 * - By LastModified: deleted iff `lastModified < cutoff`; an object modified exactly at the cutoff
 *   is `olderThanDays` old, not older, and stays.
 * - By a date in the key: a key names a partition (a day, or an hour, ...); it is deleted iff the
 *   whole partition lies before the cutoff, i.e. `partitionEnd <= cutoff` (the partition is
 *   half-open, `[start, end)`). A partition the cutoff falls inside stays, so nothing written less
 *   than `olderThanDays` ago can go.
 */
import { ScheduledJobsError } from '../../runtime';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The instant before which objects are old enough to delete: the slot minus `olderThanDays` days. */
export function computeCutoff(slot: Date, olderThanDays: number): Date {
  return new Date(slot.getTime() - olderThanDays * DAY_MS);
}

/** A date range `[start, end)` named by a key. */
export interface KeyPartition {
  readonly start: Date;
  readonly end: Date;
}

/** Reads the partition a key names; `undefined` when the key does not match or names no valid date. */
export type KeyDateReader = (key: string) => KeyPartition | undefined;

/** The key date pattern is not a usable regular expression. */
export class KeyDatePatternError extends ScheduledJobsError {}

const GROUPS = ['year', 'month', 'day', 'hour'] as const;

/**
 * Compiles `keyDatePattern`: a regular expression (JavaScript syntax) with the named groups
 * `year` (required), then optionally `month`, `day`, `hour`, each needing the one before, e.g.
 * `^logs/(?<year>\d{4})/(?<month>\d{2})/(?<day>\d{2})/` or `dt=(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})`.
 * The finest group present sets the partition length (a year, a month, a day or an hour, in UTC).
 *
 * @throws KeyDatePatternError naming what is wrong.
 */
export function compileKeyDatePattern(pattern: string): KeyDateReader {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    throw new KeyDatePatternError(`is not a valid regular expression (${(error as Error).message})`, { cause: error });
  }
  const present = GROUPS.filter((g) => new RegExp(`\\(\\?<${g}>`).test(pattern));
  if (!present.includes('year')) throw new KeyDatePatternError("needs a named group 'year', e.g. (?<year>\\d{4})");
  const depth = present.length;
  const expected = GROUPS.slice(0, depth);
  if (present.some((g, i) => g !== expected[i])) {
    throw new KeyDatePatternError(`named groups must be a leading run of year, month, day, hour (got ${present.join(', ')})`);
  }
  return (key) => {
    const groups = regex.exec(key)?.groups;
    if (!groups) return undefined;
    const parts = expected.map((g) => Number(groups[g]));
    if (parts.some((n) => !Number.isInteger(n))) return undefined;
    const [year, month = 1, day = 1, hour = 0] = parts;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return undefined;
    const startMs = Date.UTC(year, month - 1, day, hour);
    const start = new Date(startMs);
    // Reject dates that roll over (31 April becomes 1 May).
    if (start.getUTCFullYear() !== year || start.getUTCMonth() !== month - 1 || start.getUTCDate() !== day) return undefined;
    let end: Date;
    if (depth === 1) end = new Date(Date.UTC(year + 1, 0, 1));
    else if (depth === 2) end = new Date(Date.UTC(year, month, 1));
    else if (depth === 3) end = new Date(startMs + DAY_MS);
    else end = new Date(startMs + 60 * 60 * 1000);
    return { start, end };
  };
}

/** What the rules say about one object. */
export type Verdict = 'expired' | 'keep' | 'unmatched';

/**
 * Decides one object: `expired` (delete it), `keep` (too new), or `unmatched` (key-date mode and the
 * key names no date: kept, and counted so a wrong pattern shows up in the result).
 */
export function judge(object: { key: string; lastModified: Date }, cutoff: Date, keyDate?: KeyDateReader): Verdict {
  if (keyDate) {
    const partition = keyDate(object.key);
    if (!partition) return 'unmatched';
    return partition.end.getTime() <= cutoff.getTime() ? 'expired' : 'keep';
  }
  return object.lastModified.getTime() < cutoff.getTime() ? 'expired' : 'keep';
}
