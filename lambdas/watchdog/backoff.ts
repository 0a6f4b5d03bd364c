/**
 * Retries an AWS call that was throttled, with capped exponential back-off and full jitter.
 * Other errors pass through at once.
 */
import { WatchdogThrottledError } from './errors';

export interface BackoffOptions {
  /**
   * Attempts in all, the first included.
   * @default 6
   */
  readonly maxAttempts?: number;
  /**
   * Upper bound of the first delay, in ms; doubled on each retry.
   * @default 100
   */
  readonly baseDelayMs?: number;
  /**
   * Upper bound of any delay, in ms.
   * @default 5000
   */
  readonly maxDelayMs?: number;
  /**
   * Waits the given time (tests pass a recorder).
   * @default a setTimeout promise
   */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * A number in [0, 1) for the jitter.
   * @default Math.random
   */
  readonly random?: () => number;
}

const THROTTLING_ERROR_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);

/** True for the errors AWS returns when a caller is going too fast. */
export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $retryable } = error as { name?: unknown; $retryable?: { throttling?: boolean } };
  return (typeof name === 'string' && THROTTLING_ERROR_NAMES.has(name)) || $retryable?.throttling === true;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call`, retrying while it is throttled.
 *
 * @param what names the call in the error, e.g. `GetSchedule 'nightly-report'`
 * @throws WatchdogThrottledError (with the last throttling error as `cause`) when every attempt was throttled
 */
export async function withBackoff<T>(what: string, call: () => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 5000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottlingError(error)) throw error;
      if (attempt >= maxAttempts) {
        throw new WatchdogThrottledError(`${what} was still throttled after ${attempt} attempts`, { cause: error });
      }
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.floor(random() * ceiling));
    }
  }
}
