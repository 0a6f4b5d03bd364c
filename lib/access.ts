/**
 * Acknowledged unused access, the construct side: `JobAccess.acknowledgeUnused(job, actions, reason)`
 * records, next to a grant, that the job's function is granted `actions` yet does not exercise them
 * in a simulated run (a failure path, `continueLater`, an operator's request), and why. The record
 * is resource Metadata on the function, read by local mode's unused-access report:
 *
 * ```json
 * "MyJobFunction1234": {
 *   "Type": "AWS::Lambda::Function",
 *   "Metadata": {
 *     "cdk-scheduled-jobs:acknowledgedUnused": [
 *       { "actions": ["s3:DeleteObject*"], "reason": "deletes only logs older than 30 days; a simulated week writes none that old" }
 *     ]
 *   }
 * }
 * ```
 *
 * The key is `ACKNOWLEDGED_UNUSED_METADATA`; each element is one acknowledgement, in the order they
 * were made; `actions` are IAM actions or patterns as granted in the role's policy (case-insensitive,
 * `*` and `?` as in IAM); `reason` is never empty. `readAcknowledgedUnused` (`lib/contract/access.ts`)
 * parses it. At synth, each acknowledged action must overlap an action of the function's role
 * policies: an acknowledgement of an action the role is not granted is an error naming the job.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { ACKNOWLEDGED_UNUSED_METADATA, IAM_ACTION_PATTERN, iamActionMatches, JobConfigurationError, type AcknowledgedUnused } from './contract';

/** What `acknowledgeUnused` takes: a job (anything with a `function`) or a function. */
export type AccessTarget = lambda.IFunction | { readonly function: lambda.IFunction; readonly jobName?: string; readonly node: IConstruct['node'] };

/**
 * Why a function's role may write its log group though its code never calls CloudWatch Logs: the
 * acknowledgement every bundled job and the watchdog carry for `logs:CreateLogStream` and `logs:PutLogEvents`.
 */
export const LOG_WRITE_REASON =
  "the Lambda service writes the function's logs with these actions of its role; the handler's code never calls CloudWatch Logs";

/**
 * What the on-failure destination (the failure inbox) grants a function's role: `sqs:SendMessage`
 * is what Lambda uses, with the function's role, to deliver a failed invocation's record;
 * `GetQueueAttributes` and `GetQueueUrl` come with the destination's grant. The handler's code never calls SQS.
 */
export const FAILURE_DESTINATION_ACTIONS: readonly string[] = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];

/** Why {@link FAILURE_DESTINATION_ACTIONS} are granted yet not called by the function's code. */
export const FAILURE_DESTINATION_REASON =
  "Lambda delivers a failed invocation's record to the on-failure destination (the failure inbox) with the function's role " +
  "(sqs:SendMessage; the other two come with the destination's grant); the handler's code never calls SQS";

/** The shortest reason accepted: a few words a reviewer can judge. */
const MIN_REASON_LENGTH = 10;

const validated = new WeakSet<lambda.Function>();

/** Acknowledged unused access of jobs and platform functions. */
export class JobAccess {
  /**
   * Records that `target`'s function is granted `actions` yet does not exercise them in a
   * simulated run, and why; call it next to the grant. Writes the resource Metadata
   * `cdk-scheduled-jobs:acknowledgedUnused` of the function (see the top of this file).
   *
   * @param target a job (`ScheduledJob`, `OneTimeJob`) or a `lambda.Function` of a stack
   * @param actions IAM actions or patterns (`s3:DeleteObject`, `s3:GetObject*`), each overlapping an action the function's role is granted
   * @param reason why they are granted yet not exercised (at least 10 characters)
   * @throws JobConfigurationError naming the job when the function is imported, an action is not an
   *   IAM action, or the reason is missing; at synth, when an action overlaps none the role is granted
   */
  public static acknowledgeUnused(target: AccessTarget, actions: readonly string[], reason: string): void {
    const fn = 'function' in target ? target.function : target;
    const who = describe(target);
    if (!(fn instanceof lambda.Function)) {
      throw new JobConfigurationError(
        `${who}: acknowledgeUnused needs a lambda.Function of a stack (its Metadata records the acknowledgement); the function is imported`,
      );
    }
    if (actions.length === 0) {
      throw new JobConfigurationError(`${who}: acknowledgeUnused: actions must name at least one IAM action; got none`);
    }
    for (const action of actions) {
      if (!IAM_ACTION_PATTERN.test(action)) {
        throw new JobConfigurationError(
          `${who}: acknowledgeUnused: each action must be an IAM action such as 's3:DeleteObject' (wildcards '*' and '?' allowed); got '${action}'`,
        );
      }
    }
    if (reason.trim().length < MIN_REASON_LENGTH) {
      throw new JobConfigurationError(
        `${who}: acknowledgeUnused(${actions.join(', ')}): reason must say why the access is granted yet unused (at least ${MIN_REASON_LENGTH} characters); got '${reason}'`,
      );
    }
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    const existing = (cfn.getMetadata(ACKNOWLEDGED_UNUSED_METADATA) as AcknowledgedUnused[] | undefined) ?? [];
    cfn.addMetadata(ACKNOWLEDGED_UNUSED_METADATA, [...existing, { actions: [...actions], reason: reason.trim() }]);
    if (!validated.has(fn)) {
      validated.add(fn);
      fn.node.addValidation({ validate: () => checkGranted(who, fn) });
    }
  }

  /** The acknowledgements recorded on `fn`, in the order they were made. */
  public static acknowledged(fn: lambda.IFunction): readonly AcknowledgedUnused[] {
    if (!(fn instanceof lambda.Function)) return [];
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    return (cfn.getMetadata(ACKNOWLEDGED_UNUSED_METADATA) as AcknowledgedUnused[] | undefined) ?? [];
  }
}

function describe(target: AccessTarget): string {
  const jobName = 'jobName' in target ? target.jobName : undefined;
  if (jobName !== undefined) return `job '${jobName}'`;
  return `function '${target.node.path}'`;
}

/** Every action of the IAM policies attached to `role` in its stack (inline and `iam.Policy`). */
export function grantedActions(role: iam.IRole): string[] {
  const stack = Stack.of(role);
  const roleRef = JSON.stringify(stack.resolve(role.roleName));
  const actions: string[] = [];
  const collect = (document: unknown) => {
    const statements = (stack.resolve(document) as { Statement?: Array<{ Action?: string | string[] }> } | undefined)?.Statement ?? [];
    for (const s of statements) {
      for (const a of [s.Action ?? []].flat()) if (typeof a === 'string') actions.push(a);
    }
  };
  for (const c of stack.node.findAll()) {
    if (c instanceof iam.CfnPolicy) {
      const roles = (stack.resolve(c.roles) as unknown[] | undefined) ?? [];
      if (roles.some((r) => JSON.stringify(r) === roleRef)) collect(c.policyDocument);
    } else if (c instanceof iam.CfnRole && JSON.stringify(stack.resolve(c.ref)) === roleRef) {
      // The L1 property keeps its camelCase keys when resolved.
      for (const p of (stack.resolve(c.policies) as Array<{ policyDocument?: unknown }> | undefined) ?? []) collect(p.policyDocument);
    }
  }
  return actions;
}

function checkGranted(who: string, fn: lambda.Function): string[] {
  const role = fn.role;
  // An imported role's policies are not in this template: nothing to check against.
  if (role === undefined || !Token.isUnresolved(role.roleName)) return [];
  const granted = grantedActions(role);
  const errors: string[] = [];
  for (const ack of JobAccess.acknowledged(fn)) {
    for (const action of ack.actions) {
      if (!granted.some((g) => iamActionMatches(action, g) || iamActionMatches(g, action))) {
        errors.push(
          `${who}: acknowledgeUnused('${action}') acknowledges an action its role is not granted (granted: ${[...new Set(granted)].join(', ') || 'none'}); remove the acknowledgement or grant the action`,
        );
      }
    }
  }
  return errors;
}
