/**
 * Weekly loyalty points: adds each customer's points for last week's orders to the customers table,
 * exactly once per customer and week.
 *
 * Idempotent by construction: each customer gets one conditional UpdateItem that adds the points
 * *and* records the week in the customer's `awardedWeeks` set, on condition that the set does not
 * hold the week yet. Both change together or not at all, so a run that fails half-way, a Lambda
 * retry, a duplicate delivery or a manual rerun of the same week never adds a week twice, and a
 * rerun completes exactly the customers the failed run missed.
 *
 * The checkpoint only saves work: a run that runs short of time continues after the last customer
 * it finished (customers are processed in id order); correctness never depends on it.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { defineJob, type ContinuedLater, type JobContext } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import { BusinessEnv, ordersOfDay, ordersSourceFromEnv, requireEnv, type OrdersSource } from '../sales-report/orders';
import { addOrderPoints, loyaltyWeek, parseLoyaltyPayload, type LoyaltyPayload } from './points';
import { ScheduledJobsError } from '../../runtime';

export interface LoyaltyDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly orders: OrdersSource;
  readonly customersTable: string;
  /**
   * Customer updates in flight at once.
   * @default 25
   */
  readonly concurrency?: number;
  /**
   * Time left below which the run continues in a new invocation.
   * @default 30 seconds
   */
  readonly reserveMs?: number;
}

/** Saved when the run continues in a new invocation: the last customer id done. */
export interface LoyaltyCheckpoint {
  readonly week: string;
  readonly after: string;
}

export interface LoyaltyResult {
  readonly week: string;
  /** Customers with points this week. */
  readonly customers: number;
  /** Customers whose points were added by this run. */
  readonly awarded: number;
  /** Customers that already had this week (an earlier run added it). */
  readonly alreadyAwarded: number;
  /** Points added by this run. */
  readonly points: number;
}

/** Some customers could not be updated; the ones that were keep their points, a rerun does the rest. */
export class LoyaltyAwardError extends ScheduledJobsError {}

/** Adds `points` for `week` to one customer unless the week is already recorded on them. */
export async function awardWeek(
  ddb: DynamoDBDocumentClient,
  table: string,
  customerId: string,
  week: string,
  points: number,
): Promise<'awarded' | 'already-awarded'> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: { customerId },
        UpdateExpression: 'ADD points :points, awardedWeeks :weeks',
        ConditionExpression: 'attribute_not_exists(awardedWeeks) OR NOT contains(awardedWeeks, :week)',
        ExpressionAttributeValues: { ':points': points, ':weeks': new Set([week]), ':week': week },
      }),
    );
    return 'awarded';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'already-awarded';
    throw error;
  }
}

/** The job: last week's points for every customer who ordered. */
export async function awardWeeklyPoints(
  ctx: JobContext<LoyaltyPayload>,
  deps: LoyaltyDeps,
): Promise<LoyaltyResult | ContinuedLater> {
  const week = loyaltyWeek(ctx.scheduledTime);
  const concurrency = deps.concurrency ?? 25;
  const reserveMs = deps.reserveMs ?? 30_000;

  // 1. Points per customer from the week's orders (a Query per day on the date index).
  const points = new Map<string, number>();
  for (const day of week.days) {
    for await (const page of ordersOfDay(deps.ddb, deps.orders, day)) {
      addOrderPoints(points, page.orders, ctx.payload.centsPerPoint);
    }
  }

  // 2. One conditional update per customer, in id order, skipping those a previous invocation did.
  const saved = await ctx.checkpoint.get<LoyaltyCheckpoint>();
  const after = saved?.week === week.id ? saved.after : undefined;
  const customers = [...points.keys()].sort().filter((id) => after === undefined || id > after);
  const result = { week: week.id, customers: points.size, awarded: 0, alreadyAwarded: 0, points: 0 };
  for (let i = 0; i < customers.length; i += concurrency) {
    const batch = customers.slice(i, i + concurrency);
    const outcomes = await Promise.allSettled(
      batch.map((id) => awardWeek(deps.ddb, deps.customersTable, id, week.id, points.get(id)!)),
    );
    const failed: { id: string; reason: unknown }[] = [];
    outcomes.forEach((outcome, k) => {
      if (outcome.status === 'rejected') failed.push({ id: batch[k], reason: outcome.reason });
      else if (outcome.value === 'already-awarded') result.alreadyAwarded++;
      else {
        result.awarded++;
        result.points += points.get(batch[k])!;
      }
    });
    if (failed.length > 0) {
      const first = failed[0];
      throw new LoyaltyAwardError(
        `job '${ctx.job}': week ${week.id}: ${failed.length} of ${batch.length} customer updates failed ` +
          `(first: customer '${first.id}': ${(first.reason as Error).message}); customers already updated keep ` +
          'their points and a rerun of the week adds the rest exactly once',
        { cause: first.reason },
      );
    }
    const last = batch[batch.length - 1];
    if (i + concurrency < customers.length && ctx.remainingTimeMs() < reserveMs) {
      ctx.logger.info('loyalty points continue in a new invocation', { week: week.id, after: last });
      return ctx.continueLater<LoyaltyCheckpoint>({ week: week.id, after: last });
    }
  }
  ctx.logger.info('loyalty points awarded', result);
  return result;
}

// Clients are created once per container and reused by warm invocations.
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(sdkRetryConfig()));

export const handler = defineJob<LoyaltyPayload>({ parsePayload: parseLoyaltyPayload }, (ctx) =>
  awardWeeklyPoints(ctx, {
    ddb,
    orders: ordersSourceFromEnv(),
    customersTable: requireEnv(BusinessEnv.CUSTOMERS_TABLE_NAME),
  }),
);

