/**
 * `daily-recommendations`, every day at 03:00 UTC: each customer's top 10 products "bought
 * together" with what they bought in the last 90 days, excluding what they already bought, into
 * the recommendations table (one item per customer). A fan-out job (`FanOutJob`):
 *
 * - plan: builds the co-occurrence model from the window's orders, writes it to S3 once, and
 *   returns the customer-hash ranges;
 * - work: for each range of the batch, reads the model and its customers' histories and writes
 *   their items (a re-run of a range rewrites the same items);
 * - finish: the run's totals.
 *
 * To use another model, keep this shape and replace `buildModel` / `Recommender` (see
 * docs/guides/recommendations.md).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FanOutEnv } from '../../../lib/contract';
import { defineFanOutJob, JobConfigurationError } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import { BusinessEnv, requireEnv } from '../sales-report/orders';
import { Recommender, type CooccurrenceModel } from './cooccurrence';
import { parseRecommendationsPayload, type ParsedRecommendationsPayload } from './payload';
import { buildModel, modelKey, readModel, recommendRange, windowOf, writeModel, type RangeResult } from './recommendations';
import { shardRanges, type ShardRange } from './shards';

/** Environment variables of this job besides the platform's. */
export const RecommendationsEnv = {
  RECOMMENDATIONS_TABLE_NAME: 'RECOMMENDATIONS_TABLE_NAME',
} as const;

/** The run's summary (kept on the run record). */
export interface RecommendationsSummary {
  readonly day: string;
  readonly products: number;
  readonly orders: number;
  readonly ranges: number;
  readonly customers: number;
  readonly written: number;
  readonly withoutRecommendations: number;
}

// Created once per container, reused by warm invocations (path-style against an emulator).
const s3 = new S3Client({ ...sdkRetryConfig(), forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });
const rawDdb = new DynamoDBClient(sdkRetryConfig());
const ddb = DynamoDBDocumentClient.from(rawDdb);

/** The model of the slot this container last read: the batches of a run share it. */
let cached: { key: string; model: CooccurrenceModel; recommender: Recommender } | undefined;

function bucket(job: string): string {
  const name = process.env[FanOutEnv.BUCKET_NAME];
  if (!name) throw new JobConfigurationError(`job '${job}': environment variable ${FanOutEnv.BUCKET_NAME} is not set; the FanOutJob construct sets it`);
  return name;
}

export const handler = defineFanOutJob<ParsedRecommendationsPayload, ShardRange, RangeResult, RecommendationsSummary>({
  parsePayload: (raw) => parseRecommendationsPayload(raw),
  plan: async (ctx) => {
    const window = windowOf(ctx.scheduledTime, ctx.payload.lookbackDays);
    const model = await buildModel(ddb, { tableName: requireEnv(BusinessEnv.ORDERS_TABLE_NAME) }, window);
    await writeModel(s3, bucket(ctx.job), modelKey(ctx.job, ctx.slot), model);
    ctx.logger.info('model built', { day: window.day, since: window.since, products: model.products.length, orders: model.orders });
    return shardRanges(ctx.payload.partitions);
  },
  work: async (ctx, ranges) => {
    const key = modelKey(ctx.job, ctx.slot);
    if (cached?.key !== key) {
      const model = await readModel(s3, bucket(ctx.job), key);
      cached = { key, model, recommender: new Recommender(model) };
    }
    const window = windowOf(ctx.scheduledTime, ctx.payload.lookbackDays);
    const deps = {
      ddb,
      rawDdb,
      ordersTable: requireEnv(BusinessEnv.ORDERS_TABLE_NAME),
      recommendationsTable: requireEnv(RecommendationsEnv.RECOMMENDATIONS_TABLE_NAME),
    };
    const results: RangeResult[] = [];
    for (const range of ranges) results.push(await recommendRange(deps, cached.recommender, range, window, ctx.payload.top));
    return results;
  },
  finish: async (ctx, outcome) => {
    let ranges = 0;
    let customers = 0;
    let written = 0;
    let withoutRecommendations = 0;
    for await (const { result } of outcome.results()) {
      ranges++;
      customers += result?.customers ?? 0;
      written += result?.written ?? 0;
      withoutRecommendations += result?.withoutRecommendations ?? 0;
    }
    const model = cached?.key === modelKey(ctx.job, ctx.slot) ? cached.model : await readModel(s3, bucket(ctx.job), modelKey(ctx.job, ctx.slot));
    const summary = {
      day: windowOf(ctx.scheduledTime, ctx.payload.lookbackDays).day,
      products: model.products.length,
      orders: model.orders,
      ranges,
      customers,
      written,
      withoutRecommendations,
    };
    ctx.logger.info('recommendations written', { ...summary, status: outcome.status, failedRanges: outcome.failed });
    return summary;
  },
});
