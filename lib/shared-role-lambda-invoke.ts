/**
 * A Scheduler target that invokes a Lambda function with a role shared by many schedules.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';

/**
 * `LambdaInvoke` whose role may only invoke the unqualified function ARN, the one the schedule
 * targets. The stock target also grants `<arn>:*` (every version and alias): with 60 jobs on one
 * shared role that doubles a policy that must stay under IAM's 10,240-character inline limit.
 */
export class SharedRoleLambdaInvoke extends LambdaInvoke {
  private readonly targetFunction: lambda.IFunction;

  constructor(func: lambda.IFunction, props: ScheduleTargetBaseProps & { readonly role: iam.IRole }) {
    super(func, props);
    this.targetFunction = func;
  }

  protected addTargetActionToRole(role: iam.IRole): void {
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [this.targetFunction.functionArn],
    });
  }
}
