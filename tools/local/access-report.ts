/**
 * Unused access, as IAM Access Analyzer reports it, for a local run: per function (named by its
 * job), the action patterns its role grants, split into those its calls used, those the Lambda
 * service uses with the role on its behalf, those acknowledged as deliberately unused (with the
 * reason written next to the grant) and the rest, `unused`: the grants to remove or acknowledge.
 * Pure: the calls come from the request recorder, the grants from the stack record.
 */
import { iamActionMatches } from '../../lib/contract/access';
import type { LocalFunction, LocalFunctionIdentity } from './local-stack';

/** One call a function made, as the request recorder saw it. */
export interface ObservedCall {
  /** The access key id the call was signed with. */
  readonly accessKeyId?: string;
  /** The logical id of the function whose invocation made the call, when the recorder knows it. */
  readonly functionLogicalId?: string;
  /** The IAM actions the call needs. */
  readonly actions: readonly string[];
  /** The HTTP status of the answer (403: denied). */
  readonly status: number;
}

/** The access of one function over a run (an element of `access` in `cdk-jobs dev --json`). */
export interface AccessEntry {
  /** The job the function runs; for a platform function (the watchdog), its construct path or name. */
  readonly job: string;
  readonly functionName: string;
  /** Granted action patterns its calls used (with the actions they imply, see {@link IMPLIED_ACTIONS}). */
  readonly used: readonly string[];
  /** Granted action patterns neither used, nor used by the Lambda service, nor acknowledged. */
  readonly unused: readonly string[];
  /** Granted action patterns not used but acknowledged, with the reason. */
  readonly acknowledged: ReadonlyArray<{ readonly action: string; readonly reason: string }>;
  /** Granted action patterns the Lambda service uses with the role (logs, event source polling, destinations). */
  readonly service: readonly string[];
  /** Actions its calls needed and were refused (AccessDenied). */
  readonly denied: readonly string[];
  /**
   * Whether the function ran at all in the window. A function that did not (a monthly job in a
   * simulated week) says nothing about its grants, as IAM Access Analyzer reports an unused role
   * apart from unused permissions: its grants are then in {@link notExercised}, not in `unused`.
   */
  readonly invoked: boolean;
  /** For a function that did not run in the window: the grants `unused` would hold had it run and called nothing. */
  readonly notExercised: readonly string[];
}

/**
 * Actions AWS checks on the caller as part of another call, which no request of their own shows:
 * creating or updating a schedule passes its target's role (`iam:PassRole`). moto does not check them.
 */
export const IMPLIED_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'scheduler:CreateSchedule': ['iam:PassRole'],
  'scheduler:UpdateSchedule': ['iam:PassRole'],
};

/** Which function made a call: by the access key of its identity, else by the invocation the recorder attributed it to. */
function callerOf(call: ObservedCall, byKey: ReadonlyMap<string, string>): string | undefined {
  return (call.accessKeyId ? byKey.get(call.accessKeyId) : undefined) ?? call.functionLogicalId;
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/**
 * The access report of a run. Functions whose identity grants nothing checked (their role is not a
 * role of the template) are left out; entries are sorted by job.
 */
export function accessReport(
  functions: Readonly<Record<string, Pick<LocalFunction, 'logicalId' | 'functionName' | 'jobName' | 'constructPath'>>>,
  identities: Readonly<Record<string, LocalFunctionIdentity>>,
  calls: readonly ObservedCall[],
  /** The functions invoked in the window (logical ids). @default every function counts as invoked */
  invoked?: ReadonlySet<string>,
): AccessEntry[] {
  const byKey = new Map<string, string>();
  // A key shared by several functions (the administrator's) says nothing about which one called.
  const shared = new Set<string>();
  for (const [logicalId, identity] of Object.entries(identities)) {
    const key = identity.credentials.accessKeyId;
    if (byKey.has(key)) shared.add(key);
    byKey.set(key, logicalId);
  }
  for (const key of shared) byKey.delete(key);
  const actionsOf = new Map<string, { called: Set<string>; denied: Set<string> }>();
  for (const call of calls) {
    const caller = callerOf(call, byKey);
    if (!caller) continue;
    const seen = actionsOf.get(caller) ?? { called: new Set<string>(), denied: new Set<string>() };
    actionsOf.set(caller, seen);
    for (const action of call.actions) {
      if (call.status === 403) {
        seen.denied.add(action);
        continue;
      }
      seen.called.add(action);
      for (const implied of IMPLIED_ACTIONS[action] ?? []) seen.called.add(implied);
    }
  }
  const entries: AccessEntry[] = [];
  for (const [logicalId, identity] of Object.entries(identities)) {
    const fn = functions[logicalId];
    if (!fn || !identity.roleName) continue;
    const seen = actionsOf.get(logicalId) ?? { called: new Set<string>(), denied: new Set<string>() };
    const called = [...seen.called];
    const used: string[] = [];
    const service: string[] = [];
    const acknowledged: Array<{ action: string; reason: string }> = [];
    const unused: string[] = [];
    for (const granted of identity.granted) {
      // `NotAction:` grants allow everything but some actions: nothing to compare a call against.
      if (granted.startsWith('NotAction:')) continue;
      if (called.some((action) => iamActionMatches(granted, action))) {
        used.push(granted);
        continue;
      }
      if (identity.service.some((action) => iamActionMatches(granted, action))) {
        service.push(granted);
        continue;
      }
      const acknowledgement = identity.acknowledged.find((a) => iamActionMatches(a.action, granted) || iamActionMatches(granted, a.action));
      if (acknowledgement) acknowledged.push({ action: granted, reason: acknowledgement.reason });
      else unused.push(granted);
    }
    const ran = invoked === undefined || invoked.has(logicalId) || called.length > 0;
    entries.push({
      job: fn.jobName ?? fn.constructPath ?? fn.functionName,
      functionName: fn.functionName,
      used: sorted(used),
      unused: ran ? sorted(unused) : [],
      invoked: ran,
      notExercised: ran ? [] : sorted(unused),
      acknowledged: acknowledged.sort((a, b) => a.action.localeCompare(b.action)),
      service: sorted(service),
      denied: sorted(seen.denied),
    });
  }
  return entries.sort((a, b) => a.job.localeCompare(b.job) || a.functionName.localeCompare(b.functionName));
}

/**
 * The human summary's lines about access: the functions with unused access, what it is, and what
 * to do; nothing when every grant was used or acknowledged.
 */
export function accessSummary(entries: readonly AccessEntry[]): string[] {
  const unused = entries.filter((e) => e.unused.length > 0);
  const idle = entries.filter((e) => !e.invoked);
  const notRun = idle.length === 0 ? [] : [`Not run in this window, access not checked: ${idle.map((e) => e.job).join(', ')} (simulate a window holding a run)`];
  if (unused.length === 0) return notRun;
  return [
    ...notRun,
    `Unused access (granted, not used in this run, not acknowledged) in ${unused.length} of ${entries.length} functions:`,
    ...unused.map((e) => `  ${e.job}: ${e.unused.join(', ')}`),
    '  Remove the grant, or, when a path this run did not take needs it, acknowledge it next to the grant:',
    "  JobAccess.acknowledgeUnused(job, ['<action>'], '<why it is granted yet unused>'). Details: --json (access).",
  ];
}
