/**
 * BatchWriteItem in batches of at most 25 requests, retrying `UnprocessedItems` with exponential
 * backoff and full jitter (whole-request throttling is retried by the SDK itself).
 */
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { retryRemaining, type BackoffOptions } from './retry';

/** DynamoDB's limit of requests in one BatchWriteItem call. */
export const MAX_BATCH_WRITE = 25;

export interface BatchWriteResult {
  /** Write requests DynamoDB applied. */
  readonly written: number;
  /** Write requests still unprocessed after every attempt. */
  readonly unprocessed: WriteRequest[];
  /** BatchWriteItem calls made (retries included). */
  readonly requests: number;
}

/** Writes `requests` (any number) to `tableName`, 25 per call, retrying unprocessed items. */
export async function batchWriteAll(
  ddb: DynamoDBClient,
  tableName: string,
  requests: readonly WriteRequest[],
  backoff: BackoffOptions = {},
): Promise<BatchWriteResult> {
  let calls = 0;
  const unprocessed: WriteRequest[] = [];
  for (let i = 0; i < requests.length; i += MAX_BATCH_WRITE) {
    const batch = requests.slice(i, i + MAX_BATCH_WRITE);
    const { remaining } = await retryRemaining<WriteRequest, WriteRequest>(
      batch,
      async (toSend) => {
        calls++;
        const response = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: toSend } }));
        return response.UnprocessedItems?.[tableName] ?? [];
      },
      (request) => request,
      backoff,
    );
    unprocessed.push(...remaining);
  }
  return { written: requests.length - unprocessed.length, unprocessed, requests: calls };
}
