/**
 * Throttling of the state table is retried by the SDK's retry strategy, not by the adapter: these
 * tests run the real middleware stack (no aws-sdk-client-mock) with a request handler that answers
 * like a throttled DynamoDB.
 */
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { defaultDocumentClient, JobStateStore } from '../../../lambdas/runtime/state-store';
import { sdkRetryConfig } from '../../../lambdas/shared/retry';

function json(statusCode: number, body: unknown) {
  return {
    response: { statusCode, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from(JSON.stringify(body))]) },
  };
}

describe('the state table under throttling', () => {
  it('the default document client retries with sdkRetryConfig (8 attempts, standard mode)', async () => {
    const client = defaultDocumentClient();
    expect(await client.config.maxAttempts()).toBe(sdkRetryConfig().maxAttempts);
    expect(await client.config.retryStrategy()).toMatchObject({ mode: 'standard' });
  });

  it('a throttled Query is retried by the client and the store reads the page', async () => {
    // Prepare: throttled twice, then one page
    let attempts = 0;
    const raw = new DynamoDBClient({
      ...sdkRetryConfig(4),
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: {
        handle: async () => {
          attempts++;
          if (attempts < 3) {
            return json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' });
          }
          return json(200, { Items: [{ sk: { S: 'RUN#2026-03-01T02:00:00.000Z' } }], Count: 1 });
        },
      },
    });
    const store = new JobStateStore({ client: DynamoDBDocumentClient.from(raw), tableName: 'jobs-state' });
    // Act
    const runs = await store.readRuns('nightly-report', new Date('2026-03-01T00:00:00Z'), new Date('2026-03-02T00:00:00Z'));
    // Assess
    expect(runs.scheduled).toEqual([new Date('2026-03-01T02:00:00.000Z')]);
    expect(attempts).toBe(3);
  });
});
