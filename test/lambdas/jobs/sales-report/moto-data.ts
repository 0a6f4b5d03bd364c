/**
 * The business tables and bucket on an emulator (moto), shaped like `bin/example/business-data.ts`, and a
 * fast seeder for orders. Used by the integration tests and by `bench/report.ts`.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../../../../lambdas/shared/concurrency';
import type { TestOrder } from './fakes';

export interface BusinessNames {
  readonly ordersTable: string;
  readonly customersTable: string;
  readonly bucket: string;
}

/** Creates the orders table (with its `byDay` index), the customers table and the reports bucket. */
export async function createBusinessData(ddb: DynamoDBClient, s3: S3Client, suffix: string): Promise<BusinessNames> {
  const names = { ordersTable: `orders-${suffix}`, customersTable: `customers-${suffix}`, bucket: `reports-${suffix}` };
  await ddb.send(
    new CreateTableCommand({
      TableName: names.ordersTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: 'orderDay', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byDay',
          KeySchema: [
            { AttributeName: 'orderDay', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['customerId', 'lines'] },
        },
      ],
    }),
  );
  await ddb.send(
    new CreateTableCommand({
      TableName: names.customersTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'customerId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: names.bucket }));
  return names;
}

/** Writes `orders` with BatchWriteItem, 25 a request, a few requests at once, retrying unprocessed items. */
export async function seedOrders(ddb: DynamoDBClient, table: string, orders: readonly TestOrder[]): Promise<void> {
  const doc = DynamoDBDocumentClient.from(ddb);
  const batches: TestOrder[][] = [];
  for (let i = 0; i < orders.length; i += 25) batches.push(orders.slice(i, i + 25));
  await mapWithConcurrency(batches, 4, async (batch) => {
    let requests = batch.map((o) => ({ PutRequest: { Item: o } }));
    while (requests.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  });
}
