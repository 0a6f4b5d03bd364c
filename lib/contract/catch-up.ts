/**
 * Catch-up, pure: the policy as a schedule's input carries it, reading it back, choosing which
 * missed slots it runs, and the event that runs one. Shared by the watchdog (for the slots it
 * records missed) and `cdk-jobs resume` (for the slots skipped or missed while paused).
 */
import type { JobEvent } from './index';

/**
 * A catch-up policy as a schedule's input carries it: `last` runs only the most recent missed
 * slot; `within` runs every missed slot at most `windowSeconds` old, oldest first.
 */
export type CatchUpSpec =
  | { readonly mode: 'last' }
  | { readonly mode: 'within'; readonly windowSeconds: number };

/** The `trigger` of a run started to catch up a missed or skipped slot. */
export const CATCH_UP_TRIGGER = 'catch-up';

/** The shortest and longest window of a `within` catch-up policy, in seconds (1 minute, 7 days). */
export const CATCH_UP_WINDOW_SECONDS = { min: 60, max: 7 * 86_400 } as const;

/** What running a job's missed slot needs, read from its schedule. */
export interface CatchUpTarget {
  /** The job's catch-up policy. */
  readonly policy: CatchUpSpec;
  /** The job function's ARN (the schedule's `Target.Arn`). */
  readonly functionArn: string;
  /** The payload of the schedule's input. */
  readonly payload: unknown;
  /** The schedule's ARN, when known. */
  readonly scheduleArn?: string;
}

/**
 * The catch-up policy of a schedule's input field `catchUp`: `undefined` when absent (off).
 *
 * @throws Error naming the field, what was expected and what came, for any other value
 */
export function parseCatchUpSpec(value: unknown): CatchUpSpec | undefined {
  if (value === undefined) return undefined;
  const expected =
    `{"mode":"last"} or {"mode":"within","windowSeconds":<whole seconds from ${CATCH_UP_WINDOW_SECONDS.min} to ${CATCH_UP_WINDOW_SECONDS.max}>}`;
  const fail = (): never => {
    throw new Error(`catchUp: expected ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail();
  const spec = value as Record<string, unknown>;
  if (spec.mode === 'last') return { mode: 'last' };
  if (spec.mode !== 'within') return fail();
  const seconds = spec.windowSeconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < CATCH_UP_WINDOW_SECONDS.min || seconds > CATCH_UP_WINDOW_SECONDS.max) {
    return fail();
  }
  return { mode: 'within', windowSeconds: seconds };
}

/**
 * The missed slots a policy runs, oldest first: none without a policy; with `last` the most recent;
 * with `within` every slot at most `windowSeconds` before `now`.
 */
export function chooseCatchUpSlots(policy: CatchUpSpec | undefined, missed: readonly Date[], now: Date): Date[] {
  if (!policy || missed.length === 0) return [];
  const sorted = [...missed].sort((a, b) => a.getTime() - b.getTime());
  if (policy.mode === 'last') return [sorted[sorted.length - 1]];
  const oldest = now.getTime() - policy.windowSeconds * 1000;
  return sorted.filter((slot) => slot.getTime() >= oldest && slot.getTime() <= now.getTime());
}

/**
 * The event that runs `slot` of `job` as a catch-up: the schedule's payload and policy, the slot as
 * its scheduled time and `trigger: 'catch-up'`. Not a manual run: the runtime's claim, pause flag
 * and overlap policy apply as to a delivery from Scheduler.
 */
export function catchUpEvent(job: string, target: CatchUpTarget, slot: Date): JobEvent {
  return {
    job,
    scheduledTime: slot.toISOString(),
    ...(target.scheduleArn ? { scheduleArn: target.scheduleArn } : {}),
    payload: target.payload,
    catchUp: target.policy,
    trigger: CATCH_UP_TRIGGER,
  };
}
