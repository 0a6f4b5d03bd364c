import { Readable } from 'node:stream';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { sdkRetryConfig } from '../../../lambdas/shared/retry';

// Kept apart from the aws-sdk-client-mock suites: this one needs the real middleware stack.
describe('sdkRetryConfig', () => {
  it('makes the SDK retry 503 SlowDown with its standard strategy', async () => {
    let attempts = 0;
    const s3 = new S3Client({
      ...sdkRetryConfig(5),
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: {
        handle: async () => {
          attempts++;

          if (attempts < 3) {
            return {
              response: {
                statusCode: 503,
                headers: { 'content-type': 'application/xml' },
                body: Readable.from([Buffer.from('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>')]),
              },
            };
          }
          return {
            response: {
              statusCode: 200,
              headers: { 'content-type': 'application/xml' },
              body: Readable.from([Buffer.from('<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>')]),
            },
          };
        },
      },
    });
    const response = await s3.send(new ListObjectsV2Command({ Bucket: 'b' }));
    expect(attempts).toBe(3);
    expect(response.$metadata.attempts).toBe(3);
  });
});

