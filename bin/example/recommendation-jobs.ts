/**
 * The example application's `daily-recommendations`, 03:00 UTC every day: each customer's top 10
 * products bought together with theirs in the last 90 days, into the recommendations table of
 * {@link BusinessData}. A {@link FanOutJob}: the plan builds the co-occurrence model once, 16
 * customer-hash ranges are worked in parallel, one range per batch.
 *
 * It gets only the calls it makes: Query on the orders table's indexes (never Scan, never a
 * read of the table itself), BatchWriteItem on the recommendations table, and (from FanOutJob)
 * its own manifests and model under `fan-out/daily-recommendations/` of the platform's bucket.
 */
import { join } from 'node:path';
import { Duration, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { FanOutJob } from '../../lib/fan-out-job';
import type { JobPlatform } from '../../lib/job-platform';
import { BusinessData } from './business-data';

/** The daily-recommendations handler of this package. */
export const DAILY_RECOMMENDATIONS_ENTRY = join(__dirname, '..', '..', 'lambdas', 'jobs', 'daily-recommendations', 'handler.ts');

/** Props of {@link RecommendationJobs}. */
export interface RecommendationJobsProps {
  /** The platform the job runs on. */
  readonly platform: JobPlatform;
  /** The orders it reads and the recommendations table it writes. */
  readonly data: BusinessData;
}

/** The daily recommendations. */
export class RecommendationJobs extends Construct {
  readonly dailyRecommendations: FanOutJob;

  constructor(scope: Construct, id: string, props: RecommendationJobsProps) {
    super(scope, id);
    const { platform, data } = props;
    this.dailyRecommendations = new FanOutJob(this, 'DailyRecommendations', {
      platform,
      schedule: ScheduleExpression.expression('cron(0 3 * * ? *)', TimeZone.ETC_UTC),
      entry: DAILY_RECOMMENDATIONS_ENTRY,
      description: "Writes each customer's top 10 products bought together with theirs in the last 90 days to the recommendations table.",
      payload: { lookbackDays: 90, top: 10, partitions: 16 },
      maxConcurrency: 16,
      maxItemsPerBatch: 1,
      toleratedFailurePercentage: 0,
      timeout: Duration.minutes(15),
      memorySize: 1024,
      executionTimeout: Duration.hours(2),
      environment: {
        ORDERS_TABLE_NAME: data.ordersTable.tableName,
        RECOMMENDATIONS_TABLE_NAME: data.recommendationsTable.tableName,
      },
    });
    const job = this.dailyRecommendations;
    // Query on the indexes only: byDay for the model, byCustomerShard for the histories.
    // Exactly the two index ARNs, not the table's `index/*`.
    iam.Grant.addToPrincipal({
      grantee: job,
      actions: ['dynamodb:Query'],
      resourceArns: [BusinessData.ORDERS_BY_DAY_INDEX, BusinessData.ORDERS_BY_CUSTOMER_SHARD_INDEX].map(
        (index) => `${data.ordersTable.tableArn}/index/${index}`,
      ),
    });
    data.recommendationsTable.grant(job, 'dynamodb:BatchWriteItem');
    if (data.encryptionKey) data.encryptionKey.grantEncryptDecrypt(job);
  }
}
