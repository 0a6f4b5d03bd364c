/**
 * cdk-nag acknowledgements of the platform's wildcard resources, each with the reason it is as
 * narrow as IAM allows.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A resource as cdk-nag prints it: intrinsic references as `<Name>` / `<LogicalId.Attribute>`. */
export function nagResource(stack: Stack, value: string): string {
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Record<string, unknown>;
    if (o && 'Ref' in o) return `<${String(o.Ref)}>`;
    if (o && 'Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    if (o && 'Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
    return JSON.stringify(v);
  };
  return Token.isUnresolved(value) ? render(stack.resolve(value)) : value;
}

/** Acknowledges AwsSolutions-IAM5 for the wildcard `resourceArn` in the policies of `scope`. */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResource(Stack.of(scope), resourceArn)}]`,
    reason,
  });
}
