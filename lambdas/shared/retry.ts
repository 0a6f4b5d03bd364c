/**
 * The project's one policy for AWS calls. Whole-request failures (throttling, 503 SlowDown, 5xx)
 * are retried by the SDK's own retry strategy: every client the platform creates is built with
 * {@link sdkRetryConfig}, and no call is wrapped in a retry loop of ours. What the SDK cannot
 * retry, because the request succeeded and only some items failed (keys in a DeleteObjects
 * `Errors` array, BatchWriteItem `UnprocessedItems`, BatchGetItem `UnprocessedKeys`), goes through
 * {@link retryRemaining}.
 */

/** Backoff settings: exponential with "full jitter" (a uniform delay in [0, min(cap, base * 2^n))). */
export interface BackoffOptions {
  /**
   * Attempts in total, the first one included.
   * @default 6
   */
  readonly maxAttempts?: number;
  /**
   * Base of the exponential backoff, in milliseconds.
   * @default 100
   */
  readonly baseDelayMs?: number;
  /**
   * Upper bound of one delay, in milliseconds.
   * @default 10000
   */
  readonly maxDelayMs?: number;
  /**
   * Source of randomness in [0, 1) (inject a seeded one in tests).
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * Waits the given milliseconds (inject a fake one in tests).
   * @default a setTimeout promise
   */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_BACKOFF = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 10_000 } as const;

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The delay before retry number `retry` (1 for the first retry): full jitter,
 * `random() * min(maxDelayMs, baseDelayMs * 2^(retry - 1))`.
 */
export function backoffDelay(retry: number, options: BackoffOptions = {}): number {
  const base = options.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs;
  const cap = options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** Outcome of {@link retryRemaining}. */
export interface RetryRemainingResult<F> {
  /** What still failed after the last attempt (empty when everything went through). */
  readonly remaining: F[];
  /** Attempts made (1 when the first one left nothing over). */
  readonly attempts: number;
}

/**
 * Sends `initial` with `attempt` and, while `attempt` reports a non-empty remainder, waits a
 * backoff delay and sends the remainder again, up to `maxAttempts` attempts.
 *
 * `attempt` receives the items to send and returns the items that failed (described by `F`, which
 * `toItem` turns back into an item to resend). Exceptions thrown by `attempt` are not caught: a
 * request that failed as a whole has already been retried by the SDK.
 */
export async function retryRemaining<T, F>(
  initial: T[],
  attempt: (items: T[]) => Promise<F[]>,
  toItem: (failure: F) => T,
  options: BackoffOptions = {},
): Promise<RetryRemainingResult<F>> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_BACKOFF.maxAttempts;
  const wait = options.sleep ?? sleep;
  let items = initial;
  let remaining: F[] = [];
  let attempts = 0;
  while (items.length > 0 && attempts < maxAttempts) {
    if (attempts > 0) await wait(backoffDelay(attempts, options));
    attempts++;
    remaining = await attempt(items);
    items = remaining.map(toItem);
  }
  return { remaining, attempts };
}

/**
 * SDK client settings for job code: the standard retry strategy (exponential backoff with jitter on
 * throttling, 503 SlowDown and 5xx) with more attempts than the default 3, because a nightly job
 * would rather wait than fail.
 */
export function sdkRetryConfig(maxAttempts = 8): { maxAttempts: number; retryMode: 'standard' } {
  return { maxAttempts, retryMode: 'standard' };
}
