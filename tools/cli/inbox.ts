/**
 * The failure inbox (SQS) as the CLI uses it: read every message while holding it invisible for a
 * short while, release what it does not delete, delete what a redrive fixed. Thin adapters: the
 * messages are normalised by `failure-message.ts`.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { InboxMessage } from './failure-message';

/** A received SQS message in the CLI's shape. */
export function inboxMessage(message: Message): InboxMessage | undefined {
  if (!message.MessageId || !message.ReceiptHandle) return undefined;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  const received = Number(message.Attributes?.ApproximateReceiveCount);
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    attributes,
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: sent } : {}),
    ...(Number.isFinite(received) && received > 0 ? { receiveCount: received } : {}),
  };
}

/** About how many messages the queue holds (visible + in flight). */
export async function approximateDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

export interface ReceiveOptions {
  /** How long each received message stays invisible to other readers, in seconds. */
  readonly visibilitySeconds: number;
  /** Stop after this many messages. */
  readonly max: number;
  /** Long-poll wait of each receive; an empty answer then means the queue has nothing visible. @default 1 */
  readonly waitSeconds?: number;
  /** Called after each batch with the number received so far. */
  readonly onProgress?: (received: number) => void;
}

/**
 * Receives the visible messages, up to `max`, each once (duplicates by message id are dropped).
 * They stay invisible for `visibilitySeconds`: release or delete them.
 */
export async function receiveAll(sqs: SQSClient, queueUrl: string, options: ReceiveOptions): Promise<InboxMessage[]> {
  const seen = new Map<string, InboxMessage>();
  while (seen.size < options.max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, options.max - seen.size),
        VisibilityTimeout: options.visibilitySeconds,
        WaitTimeSeconds: options.waitSeconds ?? 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    let fresh = 0;
    for (const raw of out.Messages ?? []) {
      const message = inboxMessage(raw);
      if (!message || seen.has(message.messageId)) continue;
      seen.set(message.messageId, message);
      fresh += 1;
    }
    options.onProgress?.(seen.size);
    if (fresh === 0) break;
  }
  return [...seen.values()];
}

/** Makes messages visible again at once (ChangeMessageVisibility to 0). Returns how many could not be released. */
export async function releaseMessages(sqs: SQSClient, queueUrl: string, messages: ReadonlyArray<Pick<InboxMessage, 'messageId' | 'receiptHandle'>>): Promise<number> {
  let failed = 0;
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    const out = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, index) => ({ Id: String(index), ReceiptHandle: m.receiptHandle, VisibilityTimeout: 0 })),
      }),
    );
    failed += out.Failed?.length ?? 0;
  }
  return failed;
}

/** Deletes one message. */
export async function deleteMessage(sqs: SQSClient, queueUrl: string, receiptHandle: string): Promise<void> {
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
}
