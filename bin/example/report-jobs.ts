/**
 * The example application's business jobs on the data of {@link BusinessData}:
 * - `daily-sales-report`, 00:00 UTC every day: the previous day's orders as CSV + JSON summary;
 * - `monthly-sales-report`, 01:00 UTC on the 1st: the previous month, same function and code;
 * - `weekly-loyalty-points`, 03:00 UTC every Sunday: last week's points into the customers table.
 *
 * Each job gets only the calls it makes: Query on the orders table and its index (never Scan),
 * writes under `reports/` and the resume state under `report-state/` for the reports, UpdateItem
 * on the customers table for the loyalty job.
 */
import { join } from 'node:path';
import { Duration, Stack, TimeZone, Validations, type CfnElement } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { JobAccess } from '../../lib/access';
import type { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';
import { BusinessData } from './business-data';

/** The sales-report handler of this package (daily and monthly). */
export const SALES_REPORT_ENTRY = join(__dirname, '..', '..', 'lambdas', 'jobs', 'sales-report', 'handler.ts');
/** The loyalty-points handler of this package. */
export const LOYALTY_POINTS_ENTRY = join(__dirname, '..', '..', 'lambdas', 'jobs', 'loyalty-points', 'handler.ts');

/** Props of {@link ReportJobs}. */
export interface ReportJobsProps {
  /** The platform the jobs run on. */
  readonly platform: JobPlatform;
  /** The orders, customers and reports the jobs read and write. */
  readonly data: BusinessData;
}

/** The sales reports and the loyalty-points job. */
export class ReportJobs extends Construct {
  readonly dailySalesReport: ScheduledJob;
  readonly monthlySalesReport: ScheduledJob;
  readonly weeklyLoyaltyPoints: ScheduledJob;

  constructor(scope: Construct, id: string, props: ReportJobsProps) {
    super(scope, id);
    const { platform, data } = props;
    const ordersEnvironment = {
      ORDERS_TABLE_NAME: data.ordersTable.tableName,
      ORDERS_INDEX_NAME: BusinessData.ORDERS_BY_DAY_INDEX,
    };
    const reportEnvironment = { ...ordersEnvironment, REPORTS_BUCKET_NAME: data.reportsBucket.bucketName };

    this.dailySalesReport = new ScheduledJob(this, 'DailySalesReport', {
      platform,
      schedule: ScheduleExpression.expression('cron(0 0 * * ? *)', TimeZone.ETC_UTC),
      entry: SALES_REPORT_ENTRY,
      description: "Writes the previous UTC day's orders to reports/daily/<day>.csv with a JSON summary.",
      payload: { period: 'day' },
      timeout: Duration.minutes(15),
      memorySize: 1024,
      environment: reportEnvironment,
    });
    this.monthlySalesReport = new ScheduledJob(this, 'MonthlySalesReport', {
      platform,
      schedule: ScheduleExpression.expression('cron(0 1 1 * ? *)', TimeZone.ETC_UTC),
      entry: SALES_REPORT_ENTRY,
      description: "Writes the previous UTC month's orders to reports/monthly/<month>.csv with a JSON summary.",
      payload: { period: 'month' },
      timeout: Duration.minutes(15),
      memorySize: 1024,
      environment: reportEnvironment,
    });
    this.weeklyLoyaltyPoints = new ScheduledJob(this, 'WeeklyLoyaltyPoints', {
      platform,
      schedule: ScheduleExpression.expression('cron(0 3 ? * SUN *)', TimeZone.ETC_UTC),
      entry: LOYALTY_POINTS_ENTRY,
      description: "Adds last week's loyalty points (1 per whole currency unit of each order) to each customer, once per week.",
      payload: { centsPerPoint: 100 },
      timeout: Duration.minutes(15),
      memorySize: 512,
      environment: { ...ordersEnvironment, CUSTOMERS_TABLE_NAME: data.customersTable.tableName },
    });

    for (const report of [this.dailySalesReport, this.monthlySalesReport]) {
      queryOrders(data, report);
      grantReportWrite(data, report);
    }
    queryOrders(data, this.weeklyLoyaltyPoints);
    iam.Grant.addToPrincipal({ grantee: this.weeklyLoyaltyPoints, actions: ['dynamodb:UpdateItem'], resourceArns: [data.customersTable.tableArn] });
    if (data.encryptionKey) data.encryptionKey.grantEncryptDecrypt(this.weeklyLoyaltyPoints);
  }
}

/** Query on the orders table's date index: the only read the jobs make (no Scan, no GetItem, not the table itself). */
function queryOrders(data: BusinessData, job: ScheduledJob): void {
  iam.Grant.addToPrincipal({ grantee: job, actions: ['dynamodb:Query'], resourceArns: [`${data.ordersTable.tableArn}/index/${BusinessData.ORDERS_BY_DAY_INDEX}`] });
  if (data.encryptionKey) data.encryptionKey.grantDecrypt(job);
}

/**
 * A report writes its CSV and summary under `reports/` (a multipart upload, aborted on failure)
 * and its resume state under `report-state/` (written when it continues later, read by the
 * continuation, deleted once the report is complete); it lists the bucket only so that a resume
 * state gone missing reads as NoSuchKey (404) rather than AccessDenied.
 */
function grantReportWrite(data: BusinessData, job: ScheduledJob): void {
  const bucket = data.reportsBucket;
  const reports = bucket.arnForObjects(`${BusinessData.REPORTS_PREFIX}*`);
  const state = bucket.arnForObjects(`${BusinessData.REPORT_STATE_PREFIX}*`);
  iam.Grant.addToPrincipal({ grantee: job, actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resourceArns: [reports] });
  iam.Grant.addToPrincipal({ grantee: job, actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], resourceArns: [state] });
  iam.Grant.addToPrincipal({ grantee: job, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] });
  if (data.encryptionKey) data.encryptionKey.grantEncryptDecrypt(job);
  JobAccess.acknowledgeUnused(
    job,
    ['s3:AbortMultipartUpload'],
    'aborts the multipart upload of a report that failed (failure path); a report that completes never calls it',
  );
  JobAccess.acknowledgeUnused(
    job,
    ['s3:GetObject', 's3:DeleteObject', 's3:ListBucket'],
    'the resume state under report-state/ is read and deleted only by a report that continued later (a month of orders too large ' +
      'for one invocation); a report that fits in one invocation never touches it',
  );
  const bucketId = resolvedId(bucket);
  const scope =
    'the report writes one key per day or month under reports/ (multipart) and its resume state per period under report-state/, ' +
    'so object ARNs are wildcards under those two prefixes of this one bucket';
  Validations.of(job).acknowledge(
    { id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${BusinessData.REPORTS_PREFIX}*]`, reason: `PutObject and AbortMultipartUpload only: ${scope}.` },
    { id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${BusinessData.REPORT_STATE_PREFIX}*]`, reason: `PutObject, GetObject, DeleteObject only: ${scope}.` },
  );
}

/** The logical id cdk-nag shows for a resource's ARN (`<LogicalId.Arn>`). */
function resolvedId(resource: dynamodb.TableV2 | s3.Bucket): string {
  return Stack.of(resource).getLogicalId(resource.node.defaultChild as CfnElement);
}
