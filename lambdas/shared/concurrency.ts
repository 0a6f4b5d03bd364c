/**
 * Bounded concurrency, the project's one helper for it: a {@link TaskPool} runs tasks with at most
 * `limit` in flight, and {@link mapWithConcurrency} maps a list through one.
 */

/**
 * Maps `items` through `fn` with at most `limit` calls in flight, started in order; results keep
 * the input order. After the first error no new call starts; the calls already running are waited
 * for, then that first error is thrown. A caller that wants every item's outcome catches inside `fn`.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const pool = new TaskPool(limit);
  const results = new Array<R>(items.length);
  try {
    for (let index = 0; index < items.length; index++) {
      await pool.run(async () => {
        results[index] = await fn(items[index], index);
      });
    }
  } catch {
    // A task failed: start nothing more. `drain` waits for the running ones and throws that error.
  }
  await pool.drain();
  return results;
}

/**
 * A pool for streaming work: `run(task)` starts the task at once when fewer than `limit` run, and
 * otherwise waits for a free slot first (back-pressure for a producer such as a listing loop).
 * The first task error is kept and thrown by the next `run` or by `drain`; no new task starts after it.
 */
export class TaskPool {
  private readonly inFlight = new Set<Promise<void>>();
  private error: { value: unknown } | undefined;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer (got ${limit})`);
  }

  /** Tasks running now. */
  get size(): number {
    return this.inFlight.size;
  }

  /** Starts `task` once a slot is free. Resolves when it has started (not when it ends). */
  async run(task: () => Promise<void>): Promise<void> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const promise: Promise<void> = task()
      .catch((error: unknown) => {
        this.error ??= { value: error };
      })
      .finally(() => {
        this.inFlight.delete(promise);
      });
    this.inFlight.add(promise);
  }

  /** Waits for every running task, then throws the first task error, if any. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.error) throw this.error.value;
  }
}
