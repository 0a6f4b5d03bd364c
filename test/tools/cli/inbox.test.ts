import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { approximateDepth, deleteMessage, inboxMessage, receiveAll, releaseMessages } from '../../../tools/cli/inbox';

const URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/inbox';
const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({});
afterEach(() => sqsMock.reset());

const msg = (id: string) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: `{"n":"${id}"}`, Attributes: { SentTimestamp: '1790000000000', ApproximateReceiveCount: '2' } });

describe('inboxMessage', () => {
  it('keeps string attributes, the sent time and the receive count', () => {
    expect(
      inboxMessage({
        ...msg('a'),
        MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'X' }, RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '3' }, B: { DataType: 'Binary' } },
      }),
    ).toEqual({
      messageId: 'a',
      receiptHandle: 'rh-a',
      body: '{"n":"a"}',
      attributes: { ERROR_CODE: 'X', RETRY_ATTEMPTS: '3' },
      sentAt: 1_790_000_000_000,
      receiveCount: 2,
    });
    expect(inboxMessage({ Body: 'x' })).toBeUndefined();
  });
});

describe('receiveAll', () => {
  it('receives until an empty answer, each message once, with every attribute and the visibility asked for', async () => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg('a'), msg('b')] })
      .resolvesOnce({ Messages: [msg('b'), msg('c')] })
      .resolvesOnce({ Messages: [] });
    const progress: number[] = [];

    const messages = await receiveAll(sqs, URL, { visibilitySeconds: 30, max: 100, onProgress: (n) => progress.push(n) });

    expect(messages.map((m) => m.messageId)).toEqual(['a', 'b', 'c']);
    expect(progress).toEqual([2, 3, 3]);
    expect(sqsMock).toHaveReceivedCommandTimes(ReceiveMessageCommand, 3);
    expect(sqsMock).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: URL,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 30,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
    });
  });

  it('stops at max, asking only for what is left', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg('a'), msg('b')] }).resolvesOnce({ Messages: [msg('c')] });

    const messages = await receiveAll(sqs, URL, { visibilitySeconds: 30, max: 3 });

    expect(messages).toHaveLength(3);
    expect(sqsMock).toHaveReceivedNthCommandWith(ReceiveMessageCommand, 2, { MaxNumberOfMessages: 1 });
    expect(sqsMock).toHaveReceivedCommandTimes(ReceiveMessageCommand, 2);
  });

  it('stops when a receive brings nothing new', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg('a')] }).resolves({ Messages: [msg('a')] });

    expect(await receiveAll(sqs, URL, { visibilitySeconds: 1, max: 50 })).toHaveLength(1);
    expect(sqsMock).toHaveReceivedCommandTimes(ReceiveMessageCommand, 2);
  });
});

describe('release, delete, depth', () => {
  it('releases in batches of ten with visibility 0 and counts the failures', async () => {
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolvesOnce({ Successful: [], Failed: [{ Id: '3', SenderFault: true, Code: 'ReceiptHandleIsInvalid' }] }).resolves({});
    const messages = Array.from({ length: 12 }, (_, i) => ({ messageId: `m${i}`, receiptHandle: `r${i}` }));

    expect(await releaseMessages(sqs, URL, messages)).toBe(1);
    expect(sqsMock).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 2);
    expect(sqsMock).toHaveReceivedNthCommandWith(ChangeMessageVisibilityBatchCommand, 2, {
      QueueUrl: URL,
      Entries: [
        { Id: '0', ReceiptHandle: 'r10', VisibilityTimeout: 0 },
        { Id: '1', ReceiptHandle: 'r11', VisibilityTimeout: 0 },
      ],
    });
  });

  it('deletes by receipt handle and counts visible plus in-flight messages', async () => {
    sqsMock.on(DeleteMessageCommand).resolves({});
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '7', ApproximateNumberOfMessagesNotVisible: '2' } });

    await deleteMessage(sqs, URL, 'rh-a');
    expect(await approximateDepth(sqs, URL)).toBe(9);
    expect(sqsMock).toHaveReceivedCommandWith(DeleteMessageCommand, { QueueUrl: URL, ReceiptHandle: 'rh-a' });
  });
});
