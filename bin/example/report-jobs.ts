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
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
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
      data.reportsBucket.grantPut(report, `${BusinessData.REPORTS_PREFIX}*`);
      data.reportsBucket.grantReadWrite(report, `${BusinessData.REPORT_STATE_PREFIX}*`);
      acknowledgeReportGrants(report, data.ordersTable, data.reportsBucket);
    }
    queryOrders(data, this.weeklyLoyaltyPoints);
    data.customersTable.grant(this.weeklyLoyaltyPoints, 'dynamodb:UpdateItem');
    if (data.encryptionKey) data.encryptionKey.grantEncryptDecrypt(this.weeklyLoyaltyPoints);
    acknowledgeIndexGrant(this.weeklyLoyaltyPoints, data.ordersTable);
  }
}

/** Query on the orders table and its indexes: the only read the jobs make (no Scan, no GetItem). */
function queryOrders(data: BusinessData, job: ScheduledJob): void {
  data.ordersTable.grant(job, 'dynamodb:Query');
  if (data.encryptionKey) data.encryptionKey.grantDecrypt(job);
}

function acknowledgeIndexGrant(job: ScheduledJob, table: dynamodb.TableV2): void {
  Validations.of(job).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${resolvedId(table)}.Arn>/index/*]`,
    reason: 'Granted by ordersTable.grant(job, "dynamodb:Query"): Query on the orders table and its date index (byDay), nothing else.',
  });
}

function acknowledgeReportGrants(job: ScheduledJob, table: dynamodb.TableV2, bucket: s3.Bucket): void {
  acknowledgeIndexGrant(job, table);
  const bucketId = resolvedId(bucket);
  const scope =
    `Granted by reportsBucket.grantPut(job, "${BusinessData.REPORTS_PREFIX}*") and grantReadWrite(job, "${BusinessData.REPORT_STATE_PREFIX}*"): ` +
    'the report writes any day or month key under reports/ (multipart upload, aborted on failure) and reads, writes and deletes its resume state under report-state/';
  Validations.of(job).acknowledge(
    { id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${BusinessData.REPORTS_PREFIX}*]`, reason: `${scope}.` },
    { id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${BusinessData.REPORT_STATE_PREFIX}*]`, reason: `${scope}.` },
    ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `${scope}; the action family is what the bucket grants give, limited to those prefixes of this one bucket.`,
    })),
  );
}

/** The logical id cdk-nag shows for a resource's ARN (`<LogicalId.Arn>`). */
function resolvedId(resource: dynamodb.TableV2 | s3.Bucket): string {
  return Stack.of(resource).getLogicalId(resource.node.defaultChild as CfnElement);
}
