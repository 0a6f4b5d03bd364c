/**
 * Delivers local mode's failure (and success) records where AWS would: an SQS queue or SNS topic
 * named by ARN, in the emulator. Thin adapters: the records are built by `async-invocation.ts`.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MessageAttributes } from './async-invocation';
import type { LocalStackFile } from './local-stack';
import { ScheduledJobsError } from '../../lib/contract';

export class DestinationError extends ScheduledJobsError {}

export interface DestinationClients {
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
}

/** The service of an ARN (`sqs`, `sns`, `lambda`, `events`...). */
export function arnService(arn: string): string {
  return arn.split(':')[2] ?? '';
}

/** The queue URL for a queue ARN: from the local stack when it is one of its queues, else asked of the emulator. */
export async function queueUrlOf(arn: string, sqs: SQSClient, stack?: Pick<LocalStackFile, 'resources'>): Promise<string> {
  const known = Object.values(stack?.resources ?? {}).find((r) => r.type === 'AWS::SQS::Queue' && r.arn === arn);
  if (known?.url) return known.url;
  const parts = arn.split(':');
  const out = await sqs.send(new GetQueueUrlCommand({ QueueName: parts[5], QueueOwnerAWSAccountId: parts[4] }));
  if (!out.QueueUrl) throw new DestinationError(`no queue URL for ${arn}`);
  return out.QueueUrl;
}

/**
 * Sends `body` (JSON) to the queue or topic `arn`.
 *
 * @throws DestinationError for a destination type local mode does not deliver to.
 */
export async function deliver(
  arn: string,
  body: unknown,
  clients: DestinationClients,
  stack?: Pick<LocalStackFile, 'resources'>,
  attributes?: MessageAttributes,
): Promise<void> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  switch (arnService(arn)) {
    case 'sqs': {
      const url = await queueUrlOf(arn, clients.sqs, stack);
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: text, ...(attributes ? { MessageAttributes: attributes } : {}) }));
      return;
    }
    case 'sns':
      await clients.sns.send(new PublishCommand({ TopicArn: arn, Message: text, ...(attributes ? { MessageAttributes: attributes } : {}) }));
      return;
    default:
      throw new DestinationError(`destination ${arn}: local mode delivers to SQS queues and SNS topics only`);
  }
}
