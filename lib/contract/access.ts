/**
 * Acknowledged unused access: the shape, in the synthesized template, of the granted actions a
 * function deliberately does not exercise in a simulated run (a grant used only on a failure
 * path, only by `continueLater`, only when an operator asks), each with the reason written next to
 * the grant. Written by `JobAccess.acknowledgeUnused` (`lib/access.ts`), read by local mode's
 * unused-access report. Pure: imported by the constructs and the tools alike.
 *
 * The shape: a resource Metadata entry on the function's `AWS::Lambda::Function` resource,
 *
 * ```json
 * "Metadata": {
 *   "cdk-scheduled-jobs:acknowledgedUnused": [
 *     { "actions": ["dynamodb:DeleteItem"], "reason": "releases the overlap lease, ..." },
 *     { "actions": ["lambda:InvokeFunction"], "reason": "continueLater() only, ..." }
 *   ]
 * }
 * ```
 *
 * - the key is {@link ACKNOWLEDGED_UNUSED_METADATA}; its value is an array (one element per
 *   acknowledgement, in the order they were made; the same action may appear in several);
 * - `actions`: IAM action names as they appear in the statements of the function's role policy
 *   (`service:Action`), possibly with the IAM wildcards `*` and `?` (`s3:GetObject*`); they match a
 *   granted action the way IAM matches actions (case-insensitive, `*` any run of characters, `?`
 *   one character), and each one matches at least one action the role is granted (checked at synth);
 * - `reason`: why the action is granted yet not exercised, for a reviewer (never empty).
 *
 * The job of a function is its `JOB_NAME` environment variable (platform functions, such as the
 * watchdog, have none).
 */

/** The resource Metadata key of a function's acknowledged unused actions. */
export const ACKNOWLEDGED_UNUSED_METADATA = 'cdk-scheduled-jobs:acknowledgedUnused';

/** One acknowledgement: granted actions a function does not exercise in a simulated run, and why. */
export interface AcknowledgedUnused {
  /** IAM actions (`service:Action`, wildcards `*` and `?` allowed), as granted in the role's policy. */
  readonly actions: readonly string[];
  /** Why they are granted yet not exercised. */
  readonly reason: string;
}

/** An IAM action or action pattern: `service:Action`, the action part possibly with `*` and `?`. */
export const IAM_ACTION_PATTERN = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;

/**
 * The acknowledgements of a template resource's `Metadata` (an empty list when it has none).
 * Tolerant of other metadata keys; strict about its own.
 *
 * @throws TypeError naming the resource and the malformed entry when the entry is not the shape above
 */
export function readAcknowledgedUnused(resource: string, metadata: unknown): AcknowledgedUnused[] {
  if (metadata === undefined || metadata === null || typeof metadata !== 'object') return [];
  const value = (metadata as Record<string, unknown>)[ACKNOWLEDGED_UNUSED_METADATA];
  if (value === undefined) return [];
  const where = `resource '${resource}': Metadata '${ACKNOWLEDGED_UNUSED_METADATA}'`;
  if (!Array.isArray(value)) {
    throw new TypeError(`${where} must be an array of { actions, reason }; got ${JSON.stringify(value)}`);
  }
  return value.map((entry: unknown, index) => {
    const e = entry as Partial<Record<'actions' | 'reason', unknown>> | null;
    const actions = e?.actions;
    if (!Array.isArray(actions) || actions.length === 0 || !actions.every((a) => typeof a === 'string' && IAM_ACTION_PATTERN.test(a))) {
      throw new TypeError(`${where}[${index}].actions must be a non-empty array of IAM actions ('service:Action'); got ${JSON.stringify(actions)}`);
    }
    if (typeof e?.reason !== 'string' || e.reason.trim() === '') {
      throw new TypeError(`${where}[${index}].reason must be a non-empty string; got ${JSON.stringify(e?.reason)}`);
    }
    return { actions: [...(actions as string[])], reason: e.reason };
  });
}

/**
 * True when the IAM action pattern `pattern` matches `action` the way IAM matches actions:
 * case-insensitive, `*` any run of characters, `?` exactly one. Either side may be a pattern
 * only as far as `pattern` goes: `action` is taken literally.
 */
export function iamActionMatches(pattern: string, action: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(action.toLowerCase());
}
