/**
 * A Scheduler target that invokes a Lambda function with a role shared by many schedules.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';

/** Props of {@link SharedRoleLambdaInvoke}. */
export interface SharedRoleLambdaInvokeProps extends ScheduleTargetBaseProps {
  /** The role Scheduler assumes, shared by many schedules. */
  readonly role: iam.IRole;
  /**
   * Add `lambda:InvokeFunction` on the function to the role's policy. Turn it off when the role
   * may already invoke the function (for a job of a `JobPlatform`, `grantSchedulerInvoke` decides
   * how, without one statement per job in the shared policy).
   * @default true
   */
  readonly grantInvoke?: boolean;
}

/**
 * `LambdaInvoke` whose role may only invoke the unqualified function ARN, the one the schedule
 * targets. The stock target also grants `<arn>:*` (every version and alias), which doubles a
 * policy that many schedules share.
 */
export class SharedRoleLambdaInvoke extends LambdaInvoke {
  private readonly targetFunction: lambda.IFunction;
  private readonly grantInvoke: boolean;

  constructor(func: lambda.IFunction, props: SharedRoleLambdaInvokeProps) {
    super(func, props);
    this.targetFunction = func;
    this.grantInvoke = props.grantInvoke ?? true;
  }

  protected addTargetActionToRole(role: iam.IRole): void {
    if (!this.grantInvoke) {
      return;
    }
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [this.targetFunction.functionArn],
    });
  }
}
