/**
 * Synthesizes a `FanOutJob` and returns its state machine definition as local mode reads it: the
 * `DefinitionString` with the function ARN, the bucket and the partition filled in.
 */
import { TimeZone } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { FanOutJob, type FanOutJobProps } from '../../lib/fan-out-job';
import { JobPlatform } from '../../lib/job-platform';
import { createApp, createStack } from './cdk';

export const FAN_OUT_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:fan-out-fixture';

/** The resolved definition text of a FanOutJob built with `props`. */
export function synthesizeFanOutDefinition(props: Partial<FanOutJobProps>, bucketName: string, entry = 'test/fixtures/handler.ts'): string {
  const stack = createStack(createApp());
  const platform = new JobPlatform(stack, 'Platform');
  const job = new FanOutJob(stack, 'Fan', { platform, schedule: ScheduleExpression.expression('cron(0 3 * * ? *)', TimeZone.ETC_UTC), entry, ...props });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  const functionId = stack.getLogicalId(job.function.node.defaultChild as never);
  const bucketId = stack.getLogicalId(job.bucket.node.defaultChild as never);
  const machine = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const parts = (machine?.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const p = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (p.Ref === 'AWS::Partition') return 'aws';
      if (p.Ref === bucketId) return bucketName;
      if (p['Fn::GetAtt']?.[0] === functionId) return FAN_OUT_FUNCTION_ARN;
      throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
    })
    .join('');
}
