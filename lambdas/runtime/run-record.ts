/**
 * Pure helpers that shape what goes into run records: the error summary, the small result, the
 * TTL and the deadline of a running invocation.
 */

/** At most this many characters of an error's stack are kept on the run record. */
export const MAX_STACK_CHARS = 2048;
/** At most this many characters of an error's message are kept on the run record. */
export const MAX_MESSAGE_CHARS = 1024;
/** A result is kept on the run record and in the outcome only when its JSON is at most this long. */
export const MAX_RESULT_BYTES = 1024;
/** Allowance for clock differences when deciding that an invocation is past its deadline. */
export const CLOCK_SKEW_MS = 5_000;

/** The error summary stored on a FAILED run record. */
export interface ErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

function trim(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Summarises anything a job may throw (Errors and non-Errors alike). */
export function errorRecord(error: unknown): ErrorRecord {
  if (error instanceof Error) {
    return {
      name: error.name || error.constructor.name || 'Error',
      message: trim(error.message, MAX_MESSAGE_CHARS),
      ...(error.stack ? { stack: trim(error.stack, MAX_STACK_CHARS) } : {}),
    };
  }
  let message: string;
  try {
    message = typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    message = String(error);
  }
  return { name: 'NonErrorThrown', message: trim(message, MAX_MESSAGE_CHARS) };
}

/**
 * The result as plain JSON data if its JSON form is at most `maxBytes` (UTF-8), else undefined.
 * Plain data keeps the run record and the outcome free of class instances, Dates and undefined.
 */
export function smallResult(result: unknown, maxBytes = MAX_RESULT_BYTES): unknown {
  if (result === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch {
    return undefined;
  }
  if (json === undefined || Buffer.byteLength(json, 'utf8') > maxBytes) return undefined;
  return JSON.parse(json);
}

/** The DynamoDB TTL value (epoch seconds) `days` after `nowMs`. */
export function expiresAt(nowMs: number, days: number): number {
  return Math.floor(nowMs / 1000) + days * 86_400;
}

/**
 * When a RUNNING record stops protecting its slot: the lease length after `nowMs`, or sooner when
 * Lambda says the invocation ends earlier (its remaining time plus clock skew), because no
 * invocation outlives its timeout. A Lambda retry of a timed-out run (which arrives a minute or more
 * later) then takes the slot over instead of being mistaken for a duplicate.
 */
export function runningUntil(nowMs: number, leaseSeconds: number, remainingMs?: number): string {
  const byLease = nowMs + leaseSeconds * 1000;
  const byLambda = remainingMs !== undefined && Number.isFinite(remainingMs) && remainingMs >= 0
    ? nowMs + remainingMs + CLOCK_SKEW_MS
    : byLease;
  return new Date(Math.min(byLease, byLambda)).toISOString();
}
