/**
 * What the `cdk-jobs` CLI calls, as grants for an operator's principal: `JobPlatform.grantOperatorRead`
 * (the read-only commands) and `JobPlatform.grantOperate` (the commands that change something).
 * The calls, from `tools/cli/`:
 *
 * | command(s)                       | calls                                                                 |
 * |----------------------------------|-----------------------------------------------------------------------|
 * | every command (`--stack` given)  | cloudformation:DescribeStacks on the stack                            |
 * | every command naming a job       | scheduler:ListSchedules (no resource-level permission: `*`), scheduler:GetSchedule on the platform's group; cloudformation:ListStackResources and lambda:GetFunctionConfiguration on the stack's functions (jobs without a recurring schedule) |
 * | `list`                           | dynamodb:BatchGetItem (STATE items); ListSchedules of the one-time group |
 * | `next`                           | dynamodb:GetItem (STATE); for a one-time job, GetSchedule in the one-time group |
 * | `history`                        | dynamodb:Query (the job's RUN# items)                                 |
 * | `failures`                       | sqs:GetQueueAttributes, sqs:ReceiveMessage, sqs:ChangeMessageVisibility (each message is held 30 s and released) |
 * | `run`, `backfill`                | lambda:InvokeFunction on the job's function; `backfill` dynamodb:GetItem (the slots' records) |
 * | `pause`, `resume`                | dynamodb:UpdateItem, GetItem (STATE); `resume` catch-up: GetSchedule, InvokeFunction |
 * | `redrive`                        | what `failures` reads, lambda:InvokeFunction, sqs:DeleteMessage        |
 *
 * Not granted here: `schedule-once` / `cancel-once` (grant them per job with `OneTimeJob.grantSchedule`),
 * `redrive` of a failed DynamoDB stream batch (dynamodb:GetShardIterator and GetRecords on that
 * stream, which belongs to the application), and finding the platform without `--stack` (an
 * account-wide DescribeStacks on `*`).
 */
import { ArnFormat, Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ANY_JOB_PARTITION, grantStateItems, StateTableActions } from './access-state';
import type { PlatformJob } from './job-function';
import type { JobPlatform } from './job-platform';
import { nagResource } from './nag';

/** The parts of a platform the operator grants reach. */
export interface OperatorGrantTarget {
  readonly platform: JobPlatform;
  /** The platform's jobs, as known at synth (read lazily). */
  readonly jobs: () => readonly PlatformJob[];
  /**
   * The one-time schedule group's schedules ARN pattern when the platform has the group (read
   * lazily), or, with `always`, the pattern it has or would have.
   */
  readonly oneTimeSchedules: (always?: boolean) => string | undefined;
}

/** The read-only CLI: `list`, `next`, `history`, `failures`. */
export function grantOperatorRead(target: OperatorGrantTarget, grantee: iam.IGrantable): iam.Grant {
  const { platform } = target;
  const stack = Stack.of(platform);
  const stackArn = stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${stack.stackName}/*` });
  const grants = [
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'],
      resourceArns: [stackArn],
    }),
    iam.Grant.addToPrincipal({ grantee, actions: ['scheduler:ListSchedules'], resourceArns: ['*'] }),
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['scheduler:GetSchedule'],
      resourceArns: Lazy.list({ produce: () => [platform.scheduleArn('*'), ...optional(target.oneTimeSchedules())] }),
    }),
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['lambda:GetFunctionConfiguration'],
      resourceArns: Lazy.list({ produce: () => stackFunctionArns(stack) }),
    }),
    grantStateItems({
      table: platform.table,
      grantee,
      actions: StateTableActions.OPERATOR_READ,
      partitions: [ANY_JOB_PARTITION],
      match: 'StringLike',
    }),
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility'],
      resourceArns: [platform.failureInbox.queueArn],
    }),
  ];
  acknowledge(grantee, [
    {
      resource: '*',
      reason:
        'scheduler:ListSchedules supports no resource-level permissions, so its only possible resource is "*"; it is the only action ' +
        "JobPlatform.grantOperatorRead grants on \"*\" (GetSchedule is limited to the platform's schedule groups).",
    },
    {
      resource: nagResource(stack, stackArn),
      reason:
        `cloudformation:DescribeStacks and ListStackResources (read only) on the platform's own stack '${stack.stackName}'; the "*" stands ` +
        'for the stack id CloudFormation assigns at creation, unknown at synth.',
    },
    ...optional(target.oneTimeSchedules(true)).map((arn) => ({
      resource: nagResource(stack, arn),
      reason:
        "scheduler:GetSchedule (read only) on the schedules of the platform's one-time group, which holds only its one-time jobs' " +
        'pending runs (named per key at runtime): `next` reads them for a one-time job.',
    })),
    {
      resource: nagResource(stack, platform.scheduleArn('*')),
      reason:
        "scheduler:GetSchedule (read only) on the schedules of the platform's schedule group, which holds exactly its jobs' schedules and " +
        "the watchdog's: the CLI reads each job's schedule to list it.",
    },
  ]);
  return grants.reduce((all, g) => all.combine(g));
}

/**
 * What changes something: `run`, `backfill`, `pause`, `resume`, `redrive` (on top of
 * {@link grantOperatorRead}, which it includes).
 */
export function grantOperate(target: OperatorGrantTarget, grantee: iam.IGrantable): iam.Grant {
  const { platform } = target;
  const read = grantOperatorRead(target, grantee);
  const invoke = iam.Grant.addToPrincipal({
    grantee,
    actions: ['lambda:InvokeFunction'],
    resourceArns: Lazy.list({ produce: () => target.jobs().map((job) => job.function.functionArn) }),
  });
  const pause = grantStateItems({
    table: platform.table,
    grantee,
    actions: StateTableActions.OPERATOR_WRITE,
    partitions: [ANY_JOB_PARTITION],
    match: 'StringLike',
  });
  const redrive = iam.Grant.addToPrincipal({ grantee, actions: ['sqs:DeleteMessage'], resourceArns: [platform.failureInbox.queueArn] });
  return read.combine(invoke).combine(pause).combine(redrive);
}

function optional(value: string | undefined): string[] {
  return value === undefined ? [] : [value];
}

/** The ARN of every Lambda function of `stack` (the CLI reads their configuration to find jobs without a recurring schedule). */
function stackFunctionArns(stack: Stack): string[] {
  return stack.node
    .findAll()
    .filter((c): c is lambda.CfnFunction => c instanceof lambda.CfnFunction && Stack.of(c) === stack)
    .map((fn) => fn.attrArn);
}

function acknowledge(grantee: iam.IGrantable, findings: ReadonlyArray<{ resource: string; reason: string }>): void {
  const principal = grantee.grantPrincipal;
  if (!Construct.isConstruct(principal)) return;
  Validations.of(principal).acknowledge(...findings.map((f) => ({ id: `AwsSolutions-IAM5[Resource::${f.resource}]`, reason: f.reason })));
}

/** The ARN pattern of the schedules of a schedule group. */
export function groupSchedulesArn(stack: Stack, groupName: string): string {
  return stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${groupName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
}
