/**
 * IAM helpers for infrastructure tests: the statements of a role's policies in a template, and
 * those on a given table.
 */
import type { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The logical id of a construct's default child (a role, a table, a function). */
export function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

/** Every statement of the `AWS::IAM::Policy` resources attached to `role`. */
export function statementsOfRole(stack: Stack, template: Template, role: iam.IRole): Statement[] {
  const roleId = logicalIdOf(stack, role as never);
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => ((p.Properties as { Roles: unknown[] }).Roles ?? []).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The statements of `role` whose resources name `table` (its ARN or its index ARNs). */
export function stateTableStatements(stack: Stack, template: Template, role: iam.IRole, table: dynamodb.ITable): Statement[] {
  const tableId = logicalIdOf(stack, table as never);
  return statementsOfRole(stack, template, role).filter((s) => JSON.stringify(s.Resource).includes(`"${tableId}"`));
}

/** Every action of `role`'s statements, flattened. */
export function actionsOfRole(stack: Stack, template: Template, role: iam.IRole): string[] {
  return statementsOfRole(stack, template, role).flatMap((s) => [s.Action].flat());
}
