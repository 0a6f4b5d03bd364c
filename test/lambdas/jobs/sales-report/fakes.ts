/**
 * In-memory stand-ins for the orders table's date index and for S3, wired into aws-sdk-client-mock
 * so the report and loyalty jobs run their real code against them.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  NoSuchUpload,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

export interface TestOrderLine {
  productId: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export interface TestOrder {
  orderId: string;
  orderDay: string;
  createdAt: string;
  customerId: string;
  lines: TestOrderLine[];
}

/** An order of one line, created at `createdAt`. */
export function testOrder(orderId: string, createdAt: string, customerId: string, lines: TestOrderLine[]): TestOrder {
  return { orderId, orderDay: createdAt.slice(0, 10), createdAt, customerId, lines };
}

/**
 * Serves Query on the date index from `orders`, `pageSize` items a page, with LastEvaluatedKey /
 * ExclusiveStartKey semantics like DynamoDB's (key = index key + table key of the last item).
 */
export function fakeOrdersIndex(ddb: AwsClientStub<DynamoDBDocumentClient>, orders: TestOrder[], pageSize: number) {
  const byDay = new Map<string, TestOrder[]>();
  for (const o of orders) byDay.set(o.orderDay, [...(byDay.get(o.orderDay) ?? []), o]);
  for (const list of byDay.values()) list.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.orderId < b.orderId ? -1 : 1));
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const list = byDay.get(input.ExpressionAttributeValues?.[':day'] as string) ?? [];
    const after = input.ExclusiveStartKey?.orderId as string | undefined;
    const start = after === undefined ? 0 : list.findIndex((o) => o.orderId === after) + 1;
    const items = list.slice(start, start + pageSize);
    const last = items.at(-1);
    const more = start + pageSize < list.length;
    return {
      Items: structuredClone(items),
      Count: items.length,
      ...(more && last ? { LastEvaluatedKey: { orderId: last.orderId, orderDay: last.orderDay, createdAt: last.createdAt } } : {}),
    };
  });
}

/** A tiny S3: objects and multipart uploads in memory. */
export class FakeS3 {
  readonly objects = new Map<string, Buffer>();
  readonly uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  private nextUpload = 1;

  constructor(readonly mock: AwsClientStub<S3Client>) {
    mock.on(PutObjectCommand).callsFake((input) => {
      this.objects.set(input.Key, Buffer.from(input.Body as string | Buffer));
      return { ETag: '"put"' };
    });
    mock.on(GetObjectCommand).callsFake((input) => {
      const body = this.objects.get(input.Key);
      if (!body) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
      return { Body: { transformToString: async () => body.toString('utf8') } };
    });
    mock.on(DeleteObjectCommand).callsFake((input) => {
      this.objects.delete(input.Key);
      return {};
    });
    mock.on(CreateMultipartUploadCommand).callsFake((input) => {
      const id = `upload-${this.nextUpload++}`;
      this.uploads.set(id, { key: input.Key, parts: new Map() });
      return { UploadId: id, Bucket: input.Bucket, Key: input.Key };
    });
    mock.on(UploadPartCommand).callsFake((input) => {
      const upload = this.upload(input.UploadId);
      upload.parts.set(input.PartNumber, Buffer.from(input.Body as Buffer));
      return { ETag: `"etag-${input.UploadId}-${input.PartNumber}"` };
    });
    mock.on(CompleteMultipartUploadCommand).callsFake((input) => {
      const upload = this.upload(input.UploadId);
      const parts = input.MultipartUpload.Parts as { PartNumber: number; ETag: string }[];
      parts.forEach((p, i) => {
        if (i > 0 && p.PartNumber <= parts[i - 1].PartNumber) throw new Error('parts must be ascending');
        if (p.ETag !== `"etag-${input.UploadId}-${p.PartNumber}"`) throw new Error(`bad ETag for part ${p.PartNumber}`);
        if (i < parts.length - 1 && upload.parts.get(p.PartNumber)!.length < 5 * 1024 * 1024) throw new Error('EntityTooSmall');
      });
      this.objects.set(upload.key, Buffer.concat(parts.map((p) => upload.parts.get(p.PartNumber)!)));
      this.uploads.delete(input.UploadId);
      return {};
    });
    mock.on(AbortMultipartUploadCommand).callsFake((input) => {
      this.uploads.delete(input.UploadId);
      return {};
    });
  }

  private upload(id: string) {
    const upload = this.uploads.get(id);
    if (!upload) throw new NoSuchUpload({ message: 'The specified upload does not exist.', $metadata: {} });
    return upload;
  }

  text(key: string): string | undefined {
    return this.objects.get(key)?.toString('utf8');
  }

  json(key: string): unknown {
    const text = this.text(key);
    return text === undefined ? undefined : JSON.parse(text);
  }
}

/** Clients for the job, and the mocks that answer them (reset them in afterEach). */
export function newMocks() {
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const s3 = new S3Client({});
  return { ddb, s3, ddbMock: mockClient(ddb), s3Mock: mockClient(s3) };
}
