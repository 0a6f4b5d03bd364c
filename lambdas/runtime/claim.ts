/**
 * Deciding what an invocation may do with its slot, given the slot's run record (if any). Pure:
 * the state store performs the decision with a conditional write that re-checks exactly what the
 * decision was based on, so two invocations can never both act on the same view.
 */
import type { RunStatus } from '../../lib/contract';

/** The parts of a run record a claim is decided on. */
export interface RunRecordView {
  readonly status: RunStatus;
  /** How many times the slot has been started (1, then +1 per retry or takeover). */
  readonly attempt: number;
  /** The continuation sequence currently holding the slot (0 = the first invocation). */
  readonly sequence: number;
  /** Set by `continueLater`: the sequence of the dispatched continuation, until it claims the slot. */
  readonly nextSequence?: number;
  /** ISO instant after which a RUNNING record is considered crashed (its invocation cannot be alive). */
  readonly runningUntil?: string;
}

export type ClaimDecision =
  /** No record: create it (RUNNING, attempt 1). */
  | { readonly action: 'create' }
  /** The slot failed at this sequence (a Lambda retry), or an explicit re-run of a skipped slot: start it again with attempt + 1. */
  | { readonly action: 'retry'; readonly expected: RunRecordView }
  /** The slot's invocation crashed or timed out (RUNNING past `runningUntil`): take it over, attempt + 1. */
  | { readonly action: 'takeover'; readonly expected: RunRecordView }
  /** The continuation the slot is waiting for: take the slot at this sequence. */
  | { readonly action: 'continue'; readonly expected: RunRecordView }
  /** Anything else: a duplicate delivery; do nothing but record it. */
  | { readonly action: 'duplicate'; readonly reason: string };

/** How an invocation asks for its slot. */
export interface ClaimOptions {
  /**
   * An explicit re-run of the slot (an operator's `cdk-jobs run --slot`, a backfill): it may start a
   * slot recorded SKIPPED again, as attempt + 1. A scheduled delivery never does: a second delivery
   * of a skipped slot stays a duplicate.
   * @default false
   */
  readonly rerunSkipped?: boolean;
}

/**
 * What an invocation carrying continuation `sequence` (0 when not a continuation) may do, given the
 * slot's record `existing` at `nowIso`.
 */
export function decideClaim(existing: RunRecordView | undefined, sequence: number, nowIso: string, options: ClaimOptions = {}): ClaimDecision {
  if (!existing) return { action: 'create' };
  switch (existing.status) {
    case 'RUNNING':
      if (existing.nextSequence !== undefined) {
        if (sequence === existing.nextSequence) return { action: 'continue', expected: existing };
        return { action: 'duplicate', reason: `continuation ${existing.nextSequence} of this slot is pending` };
      }
      if (sequence !== existing.sequence) {
        return { action: 'duplicate', reason: `stale delivery of sequence ${sequence}: the slot is running at sequence ${existing.sequence}` };
      }
      if (existing.runningUntil !== undefined && existing.runningUntil < nowIso) {
        return { action: 'takeover', expected: existing };
      }
      return { action: 'duplicate', reason: `already RUNNING (until ${existing.runningUntil ?? 'unknown'})` };
    case 'FAILED':
      if (sequence !== existing.sequence) {
        return { action: 'duplicate', reason: `stale delivery of sequence ${sequence}: the slot failed at sequence ${existing.sequence}` };
      }
      return { action: 'retry', expected: existing };
    case 'SKIPPED':
    case 'PARTIAL':
      // A PARTIAL fan-out run is re-run explicitly, like a skipped slot: the re-run does the items left.
      if (options.rerunSkipped && sequence === 0) return { action: 'retry', expected: existing };
      return { action: 'duplicate', reason: `already ${existing.status}` };
    default:
      return { action: 'duplicate', reason: `already ${existing.status}` };
  }
}
