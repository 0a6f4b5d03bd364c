/**
 * Access to the job-state table, partition by partition. The table's items are keyed by job
 * (`pk = JOB#<job>`, the watchdog's cursors under `pk = WATCHDOG`), so every grant here is a set of
 * item actions on the table's ARN under a `dynamodb:LeadingKeys` condition naming the partitions
 * the grantee may touch: a job's role its own partition, the watchdog the jobs' partitions
 * (`JOB#*`) and its own, an operator the jobs' partitions (`JOB#*`). No grant here allows Scan (it carries
 * no partition key, so a LeadingKeys condition cannot confine it) nor any table-level action.
 *
 * The actions follow `lambdas/runtime/state-store.ts`, the one module that reads and writes the table:
 *
 * | caller    | call                                                         | action              |
 * |-----------|--------------------------------------------------------------|---------------------|
 * | job run   | getRun, getState (pause flag), getCheckpoint, lease holder   | dynamodb:GetItem    |
 * | job run   | claimRun (new slot), acquireLease, saveCheckpoint            | dynamodb:PutItem    |
 * | job run   | claimRun (retry, takeover, continuation), recordDuplicate, markContinuing, completeRun, recordRejectedRun, updateState, renewLease | dynamodb:UpdateItem |
 * | job run   | releaseLease (overlap policy `skip` only)                    | dynamodb:DeleteItem |
 * | watchdog  | readCursors (`WATCHDOG`), readRuns (`JOB#<job>`)             | dynamodb:Query      |
 * | watchdog  | recordMissedSlot (`JOB#<job>`)                               | dynamodb:PutItem    |
 * | watchdog  | advanceCursor (`WATCHDOG`)                                   | dynamodb:UpdateItem |
 * | operator  | getStates (`list`), getState (`next`, `resume`), readHistory (`history`), getRun (`backfill`) | dynamodb:BatchGetItem, GetItem, Query |
 * | operator  | setPaused (`pause`, `resume`)                                | dynamodb:UpdateItem |
 *
 * Conditional writes (`ConditionExpression`) need no action of their own; none of these callers
 * uses a transaction, a batch write, a Scan or an index.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { StateKeys, WatchdogKeys } from './contract';

/** The item actions of the state table, by who uses them (see the table at the top of this file). */
export const StateTableActions = {
  /** What every run of a job does on its own partition. */
  JOB_RUN: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  /** Releasing the overlap lease: only jobs whose overlap policy is `skip` hold one. */
  JOB_LEASE_RELEASE: ['dynamodb:DeleteItem'],
  /** A fan-out job's per-item done records: written 25 a request, checked 100 a request, counted and read back by a Query of its own partition. */
  FAN_OUT_ITEMS: ['dynamodb:BatchWriteItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  /** The watchdog on the jobs' partitions: their runs, and the slots it finds missed. */
  WATCHDOG_JOBS: ['dynamodb:Query', 'dynamodb:PutItem'],
  /** The watchdog on its own partition: its cursors. */
  WATCHDOG_OWN: ['dynamodb:Query', 'dynamodb:UpdateItem'],
  /** The read-only CLI (`list`, `next`, `history`, `failures`). */
  OPERATOR_READ: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'],
  /** What `pause` and `resume` add: the paused flag. */
  OPERATOR_WRITE: ['dynamodb:UpdateItem'],
} as const;

/** The LeadingKeys value of every job partition, for a `StringLike` condition. */
export const ANY_JOB_PARTITION = StateKeys.partition('*');

/** The watchdog's partition. */
export const WATCHDOG_PARTITION = WatchdogKeys.partition;

/** How partitions are matched: exactly (`StringEquals`), or as patterns (`StringLike`). */
export type PartitionMatch = 'StringEquals' | 'StringLike';

/**
 * The conditions confining item actions to `partitions`: every partition key of the request is one
 * of them (`ForAllValues`), and the request names at least one (`Null` false: `ForAllValues` alone
 * would also hold for a request that carries no partition key at all).
 */
export function partitionConditions(partitions: string[], match: PartitionMatch = 'StringEquals'): Record<string, Record<string, unknown>> {
  return {
    [`ForAllValues:${match}`]: { 'dynamodb:LeadingKeys': partitions },
    Null: { 'dynamodb:LeadingKeys': 'false' },
  };
}

/** What {@link grantStateItems} takes. */
export interface StateItemsGrant {
  /** The state table. */
  readonly table: dynamodb.ITable;
  /** Who gets the access. */
  readonly grantee: iam.IGrantable;
  /** Item actions (from {@link StateTableActions}). */
  readonly actions: readonly string[];
  /** The partition keys (`JOB#<job>`, `WATCHDOG`), or patterns with `match: 'StringLike'`; may be a `Lazy.list`. */
  readonly partitions: string[];
  /**
   * How `partitions` match.
   * @default 'StringEquals'
   */
  readonly match?: PartitionMatch;
}

/**
 * Grants item actions on the state table, confined to `partitions` by `dynamodb:LeadingKeys`;
 * when the table has a customer-managed key, the key's use too (decrypt for reads, encrypt and
 * decrypt for writes).
 */
export function grantStateItems(grant: StateItemsGrant): iam.Grant {
  const result = iam.Grant.addToPrincipal({
    grantee: grant.grantee,
    actions: [...grant.actions],
    resourceArns: [grant.table.tableArn],
    conditions: partitionConditions(grant.partitions, grant.match),
  });
  const key = grant.table.encryptionKey;
  if (key !== undefined) {
    const writes = grant.actions.some((a) => !/^dynamodb:(BatchGet|Get|Query)/.test(a));
    if (writes) key.grantEncryptDecrypt(grant.grantee);
    else key.grantDecrypt(grant.grantee);
  }
  return result;
}

/**
 * Grants a job's function what its runs do on its own partition (`JOB#<job>`) and nothing else:
 * GetItem, PutItem and UpdateItem, plus DeleteItem when the job holds an overlap lease.
 */
export function grantJobState(table: dynamodb.ITable, grantee: iam.IGrantable, jobName: string, options: { readonly holdsLease: boolean }): iam.Grant {
  return grantStateItems({
    table,
    grantee,
    actions: [...StateTableActions.JOB_RUN, ...(options.holdsLease ? StateTableActions.JOB_LEASE_RELEASE : [])],
    partitions: [StateKeys.partition(jobName)],
  });
}
