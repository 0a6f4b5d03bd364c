/**
 * A one-time (delayed) job: the same function, runtime, failure capture, alarm and run history as
 * a `ScheduledJob`, but no recurring schedule. Application code creates one-time schedules for it
 * at runtime with `OneTimeScheduler` (`lambdas/runtime/once.ts`), in the platform's one-time
 * schedule group; each fires once and deletes itself.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { oneTimeEnvNames, oneTimeNamePrefix, OverlapPolicy } from './contract';
import { JobBase, type JobBaseProps } from './job-base';
import { nagResource } from './nag';

/** Props of {@link OneTimeJob}. */
export interface OneTimeJobProps extends JobBaseProps {
  /**
   * What the job does (the function's description).
   * @default - "runs once for each one-time schedule created for it"
   */
  readonly description?: string;
  /**
   * What a run does while another run of the job is going. One-time runs are independent (a
   * reminder for one customer does not wait for another's), and many can be due at the same
   * minute: with `SKIP`, all but one of them would be skipped.
   * @default OverlapPolicy.ALLOW
   */
  readonly overlap?: OverlapPolicy;
}

/** The scheduler actions `grantSchedule` allows on this job's schedules. */
export const ONE_TIME_SCHEDULE_ACTIONS: readonly string[] = [
  'scheduler:CreateSchedule',
  'scheduler:UpdateSchedule',
  'scheduler:DeleteSchedule',
  'scheduler:GetSchedule',
];

/**
 * A job run by one-time schedules created at runtime. A job is an `iam.IGrantable` (its function's
 * role); `grantSchedule(fn)` lets another function schedule it.
 *
 * @example
 * const reminder = new OneTimeJob(stack, 'PaymentReminder', {
 *   platform,
 *   entry: 'lambdas/jobs/payment-reminder/handler.ts',
 * });
 * reminder.grantSchedule(subscriptionsFunction);
 * // in subscriptionsFunction:
 * // await OneTimeScheduler.fromEnvironment('payment-reminder').schedule({ key, at, timeZone, payload });
 */
export class OneTimeJob extends JobBase {
  /** The schedule group its one-time schedules live in (the platform's one-time group). */
  public readonly scheduleGroup: scheduler.IScheduleGroup;
  /**
   * The role Scheduler assumes for the one-time schedules `grantSchedule`'s grantees create: it may
   * invoke this job's function and send what it could not deliver to the failure inbox, nothing
   * else. A grantee may pass only this role, so a schedule it creates can run only this job (the
   * platform's shared role may invoke every job).
   */
  public readonly schedulerRole: iam.IRole;

  constructor(scope: Construct, id: string, props: OneTimeJobProps) {
    super(scope, id, props, ONE_TIME_JOB);
    this.scheduleGroup = props.platform.oneTimeScheduleGroup;
    const stack = Stack.of(this);
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: `Assumed by EventBridge Scheduler to run the one-time job '${this.jobName}' of ${stack.stackName}`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': this.scheduleGroup.scheduleGroupArn },
        },
      }),
    });
    iam.Grant.addToPrincipal({ grantee: this.schedulerRole, actions: ['lambda:InvokeFunction'], resourceArns: [this.function.functionArn] });
    // The platform's shared role too (one-time schedules made by the CLI's schedule-once use it):
    // both send what they could not deliver to the failure inbox (the schedules' dead-letter
    // queue); register() lets the shared role invoke the function.
    for (const role of [this.schedulerRole, props.platform.schedulerRole]) {
      iam.Grant.addToPrincipal({ grantee: role, actions: ['sqs:SendMessage'], resourceArns: [props.platform.failureInbox.queueArn] });
    }
    this.register();
  }

  /** The prefix of every one-time schedule name of this job (`<jobName>.`). */
  public get scheduleNamePrefix(): string {
    return oneTimeNamePrefix(this.jobName);
  }

  /**
   * The ARN pattern of this job's one-time schedules:
   * `arn:<partition>:scheduler:<region>:<account>:schedule/<one-time group>/<jobName>.*`.
   */
  public get scheduleArnPattern(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroup.scheduleGroupName}/${this.scheduleNamePrefix}*`,
    });
  }

  /**
   * The variables `OneTimeScheduler.fromEnvironment(jobName)` reads (see `oneTimeEnvNames`):
   * `ONCE_<JOB>_GROUP`, `_TARGET_ARN`, `_ROLE_ARN`, `_DEAD_LETTER_ARN`, `_RETRY_ATTEMPTS`,
   * `_MAX_EVENT_AGE_SECONDS`. `grantSchedule` sets them on a `lambda.Function`; set them yourself
   * on anything else.
   */
  public schedulerEnvironment(): Record<string, string> {
    const names = oneTimeEnvNames(this.jobName);
    return {
      [names.group]: this.scheduleGroup.scheduleGroupName,
      [names.targetArn]: this.function.functionArn,
      [names.roleArn]: this.schedulerRole.roleArn,
      [names.deadLetterArn]: this.platform.failureInbox.queueArn,
      [names.retryAttempts]: String(this.deliveryRetryAttempts),
      [names.maxEventAgeSeconds]: String(this.deliveryMaxEventAge.toSeconds()),
    };
  }

  /**
   * Lets `grantee` create, move, cancel and list this job's one-time schedules, and nothing else:
   * - `scheduler:CreateSchedule`, `UpdateSchedule`, `DeleteSchedule`, `GetSchedule` on
   *   {@link scheduleArnPattern} (this job's names in the one-time group);
   * - `scheduler:ListSchedules` on `*` (the action has no resource-level permissions;
   *   `OneTimeScheduler.list` filters by the group and the job's prefix);
   * - `iam:PassRole` on this job's {@link schedulerRole} only (which may invoke this job's function
   *   and nothing else), and only to `scheduler.amazonaws.com`.
   *
   * When `grantee` is a `lambda.Function`, the variables of {@link schedulerEnvironment} are added to it.
   */
  public grantSchedule(grantee: iam.IGrantable, options: GrantScheduleOptions = {}): iam.Grant {
    const schedules = iam.Grant.addToPrincipal({
      grantee,
      actions: [...ONE_TIME_SCHEDULE_ACTIONS],
      resourceArns: [this.scheduleArnPattern],
    });
    const list =
      options.list === false ? undefined : iam.Grant.addToPrincipal({ grantee, actions: ['scheduler:ListSchedules'], resourceArns: ['*'] });
    const passRole = iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.schedulerRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });

    const fn = lambdaFunctionOf(grantee);
    if (fn) {
      for (const [key, value] of Object.entries(this.schedulerEnvironment())) {
        fn.addEnvironment(key, value);
      }
    }
    this.acknowledgeGrant(grantee, list !== undefined);
    return (list ? schedules.combine(list) : schedules).combine(passRole);
  }

  /** Records for cdk-nag why the two wildcard resources of `grantSchedule` are as narrow as IAM allows. */
  private acknowledgeGrant(grantee: iam.IGrantable, list: boolean): void {
    const principal = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) {
      return;
    }
    const listAcknowledgement = {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'scheduler:ListSchedules supports no resource-level permissions, so its only possible resource is "*"; ' +
        `it is the only action granted on "*" by ${this.node.path}.grantSchedule (the other scheduler actions are limited to this job's schedules).`,
    };
    Validations.of(principal).acknowledge(
      ...(list ? [listAcknowledgement] : []),
      {
        id: `AwsSolutions-IAM5[Resource::${nagResource(Stack.of(this), this.scheduleArnPattern)}]`,
        reason:
          `Granted by ${this.node.path}.grantSchedule: create, update, delete and get the one-time schedules of job '${this.jobName}' only ` +
          `(names '${this.scheduleNamePrefix}<key>', generated per key at runtime) in the one-time schedule group.`,
      },
    );
  }
}

/** Options of {@link OneTimeJob.grantSchedule}. */
export interface GrantScheduleOptions {
  /**
   * Also grant `scheduler:ListSchedules` (on `*`: the action has no resource-level permissions), which
   * `OneTimeScheduler.list` needs. A grantee that only schedules, moves and cancels by key does not.
   * @default true
   */
  readonly list?: boolean;
}

/** What a one-time job adds to {@link JobBase}: its description and default overlap. */
const ONE_TIME_JOB = {
  kind: 'one-time job',
  defaultOverlap: OverlapPolicy.ALLOW,
  describe: (_job: string, props: OneTimeJobProps): string => props.description ?? 'runs once for each one-time schedule created for it',
};

/** The `lambda.Function` behind a grantee (a function, or a job built around one), if any. */
function lambdaFunctionOf(grantee: iam.IGrantable): lambda.Function | undefined {
  if (grantee instanceof lambda.Function) {
    return grantee;
  }
  const inner = (grantee as { function?: unknown }).function;
  return inner instanceof lambda.Function ? inner : undefined;
}
