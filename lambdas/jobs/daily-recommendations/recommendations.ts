/**
 * The daily recommendations' I/O around the pure model (`cooccurrence.ts`): thin adapters that
 * receive their clients.
 *
 * - Window: the `lookbackDays` whole UTC days before the slot's day (a re-run later the same day
 *   reads the same orders, so it writes the same table).
 * - Plan: one Query chain per day on the orders' `byDay` index (never a Scan) streamed into the
 *   co-occurrence builder; the model is written once to S3 (`model.json` beside the run's manifest).
 * - Work: per customer-hash range, one Query chain per shard on the `byCustomerShard` index, whose
 *   sort key `<customerId>#<createdAt>` returns each customer's orders together, so a worker holds
 *   the model and one customer's history at a time; one item per customer is put (replacing the
 *   previous day's), 25 per BatchWriteItem.
 * - Customers with no order in the window get no new item; their last one expires through the
 *   table's TTL (`expiresAt`, 3 days after the day it was computed for), and readers ignore items
 *   whose `expiresAt` has passed.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { FAN_OUT_PREFIX, slotToken } from '../../../lib/contract';
import { ScheduledJobsError } from '../../runtime';
import { batchWriteAll, MAX_BATCH_WRITE } from '../../shared/dynamodb-batch';
import { ordersOfDay, parseOrder, type OrdersSource } from '../sales-report/orders';
import { consecutiveDays, startOfUtcDay } from '../sales-report/period';
import { CooccurrenceBuilder, Recommender, validateModel, type CooccurrenceModel, type Recommendation } from './cooccurrence';
import { ORDERS_BY_CUSTOMER_SHARD_INDEX, shardKey, type ShardRange } from './shards';

const DAY_MS = 86_400_000;
/** Days after the day they were computed for that a customer's recommendations stay valid. */
export const RECOMMENDATIONS_VALID_DAYS = 3;

/** The orders a run reads: whole UTC days, `since` included, `until` excluded. */
export interface OrdersWindow {
  /** The day the recommendations are for (the slot's UTC day), `YYYY-MM-DD`. */
  readonly day: string;
  readonly days: readonly string[];
  /** ISO instant, included. */
  readonly since: string;
  /** ISO instant, excluded (the start of `day`). */
  readonly until: string;
}

/** The window of the slot: the `lookbackDays` whole UTC days before the slot's day. */
export function windowOf(scheduledTime: Date, lookbackDays: number): OrdersWindow {
  const until = startOfUtcDay(scheduledTime);
  const since = until - lookbackDays * DAY_MS;
  return {
    day: new Date(until).toISOString().slice(0, 10),
    days: consecutiveDays(since, lookbackDays),
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
  };
}

/** Where the plan writes the run's model: beside the run's manifest in the fan-out bucket. */
export function modelKey(job: string, slot: string): string {
  return `${FAN_OUT_PREFIX}${job}/${slotToken(slot)}/model.json`;
}

/** Streams the window's orders (one Query chain per day on the date index) into a model. */
export async function buildModel(ddb: DynamoDBDocumentClient, source: OrdersSource, window: OrdersWindow): Promise<CooccurrenceModel> {
  const builder = new CooccurrenceBuilder();
  for (const day of window.days) {
    for await (const page of ordersOfDay(ddb, source, day)) {
      for (const order of page.orders) builder.addOrder(order.lines.map((line) => line.productId));
    }
  }
  return builder.toModel();
}

/** Writes the model as JSON. */
export async function writeModel(s3: S3Client, bucket: string, key: string, model: CooccurrenceModel): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(model), ContentType: 'application/json' }));
}

/** The model file is missing or malformed. */
export class ModelReadError extends ScheduledJobsError {}

/** Reads and checks the model written by the plan. */
export async function readModel(s3: S3Client, bucket: string, key: string): Promise<CooccurrenceModel> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = await response.Body?.transformToString();
  if (!text) throw new ModelReadError(`the model s3://${bucket}/${key} is empty`);
  try {
    return validateModel(JSON.parse(text) as CooccurrenceModel);
  } catch (cause) {
    throw new ModelReadError(`the model s3://${bucket}/${key} is not a valid co-occurrence model: ${(cause as Error).message}`, { cause });
  }
}

/** One customer's products in the window. */
export interface CustomerHistory {
  readonly customerId: string;
  readonly productIds: string[];
}

/**
 * The customers of one shard with their products in the window, one customer at a time (the
 * index returns a customer's orders together), in customer-id order.
 */
export async function* customersOfShard(
  ddb: DynamoDBDocumentClient,
  ordersTable: string,
  shard: number,
  window: Pick<OrdersWindow, 'since' | 'until'>,
): AsyncGenerator<CustomerHistory> {
  let current: CustomerHistory | undefined;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: ordersTable,
        IndexName: ORDERS_BY_CUSTOMER_SHARD_INDEX,
        KeyConditionExpression: 'customerShard = :shard',
        FilterExpression: 'createdAt >= :since AND createdAt < :until',
        ExpressionAttributeValues: { ':shard': shardKey(shard), ':since': window.since, ':until': window.until },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const order = parseOrder(item);
      if (current && current.customerId !== order.customerId) {
        yield current;
        current = undefined;
      }
      current ??= { customerId: order.customerId, productIds: [] };
      for (const line of order.lines) current.productIds.push(line.productId);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  if (current) yield current;
}

/** What a worker did for one customer-hash range. */
export interface RangeResult {
  readonly key: string;
  /** Customers with orders in the window. */
  readonly customers: number;
  /** Items written (one per such customer). */
  readonly written: number;
  /** Customers whose recommendations are empty (nothing bought together with their products). */
  readonly withoutRecommendations: number;
}

/** The item of the recommendations table. */
export interface RecommendationsItem {
  readonly customerId: string;
  readonly recommendations: Recommendation[];
  /** The day they were computed for. */
  readonly day: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  /** Epoch seconds (the table's TTL attribute). */
  readonly expiresAt: number;
}

/** What {@link recommendRange} needs. */
export interface RangeDeps {
  readonly ddb: DynamoDBDocumentClient;
  /** The raw client the writes go through (`batchWriteAll`, the one retry policy for unprocessed items). */
  readonly rawDdb: DynamoDBClient;
  readonly ordersTable: string;
  readonly recommendationsTable: string;
}

/** Some items stayed unprocessed after every retry: the batch fails so the map retries it. */
export class RecommendationsWriteError extends ScheduledJobsError {}

/** Recommends for every customer of a range and writes their items. */
export async function recommendRange(
  deps: RangeDeps,
  recommender: Recommender,
  range: ShardRange,
  window: OrdersWindow,
  top: number,
): Promise<RangeResult> {
  const expiresAt = Math.floor((Date.parse(window.until) + RECOMMENDATIONS_VALID_DAYS * DAY_MS) / 1000);
  let customers = 0;
  let written = 0;
  let withoutRecommendations = 0;
  let buffer: WriteRequest[] = [];
  const flush = async () => {
    const result = await batchWriteAll(deps.rawDdb, deps.recommendationsTable, buffer);
    buffer = [];
    if (result.unprocessed.length > 0) {
      throw new RecommendationsWriteError(`range ${range.key}: ${result.unprocessed.length} item(s) still unprocessed after every retry`);
    }
    written += result.written;
  };
  for (let shard = range.from; shard <= range.to; shard++) {
    for await (const history of customersOfShard(deps.ddb, deps.ordersTable, shard, window)) {
      customers++;
      const recommendations = recommender.recommend(history.productIds, top);
      if (recommendations.length === 0) withoutRecommendations++;
      const item: RecommendationsItem = {
        customerId: history.customerId,
        recommendations,
        day: window.day,
        windowStart: window.since,
        windowEnd: window.until,
        expiresAt,
      };
      buffer.push({ PutRequest: { Item: marshall(item) } });
      if (buffer.length >= MAX_BATCH_WRITE) await flush();
    }
  }
  if (buffer.length > 0) await flush();
  return { key: range.key, customers, written, withoutRecommendations };
}
