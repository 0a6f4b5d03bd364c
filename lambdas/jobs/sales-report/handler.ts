/**
 * Sales reports, daily and monthly: one function, two schedules. The payload says which period:
 * `{ "period": "day" }` at 00:00 UTC reports the day before, `{ "period": "month" }` at 01:00 UTC
 * on the 1st reports the month before. See `report.ts` for how the report is written.
 *
 * Environment (set by the `ReportJobs` construct): `ORDERS_TABLE_NAME`, `ORDERS_INDEX_NAME`,
 * `REPORTS_BUCKET_NAME`.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defineJob } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import { BusinessEnv, ordersSourceFromEnv, requireEnv } from './orders';
import { parseSalesReportPayload, type SalesReportPayload } from './payload';
import { runSalesReport } from './report';

// Clients are created once per container and reused by warm invocations.
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(sdkRetryConfig()));
const s3 = new S3Client(sdkRetryConfig());

export const handler = defineJob<SalesReportPayload>({ parsePayload: parseSalesReportPayload }, (ctx) =>
  runSalesReport(ctx, {
    ddb,
    s3,
    orders: ordersSourceFromEnv(),
    bucket: requireEnv(BusinessEnv.REPORTS_BUCKET_NAME),
  }),
);

