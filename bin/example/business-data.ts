/**
 * The example application's business data, which the report and loyalty jobs read and write and
 * the backup job exports: the orders table (with a date index), the customers table and the
 * reports bucket.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props of {@link BusinessData}. */
export interface BusinessDataProps {
  /**
   * A customer-managed key that encrypts the tables and the reports bucket.
   * @default - AWS managed keys: `aws/dynamodb` for the tables, SSE-S3 for the bucket
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * A bucket that receives the reports bucket's server access logs.
   * @default - no server access logs (acknowledged for cdk-nag: the only writers are the job roles,
   *   whose calls are in CloudTrail)
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * What happens to the tables and the bucket when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Orders, customers, recommendations and reports.
 *
 * - Orders: partition key `orderId`; index `byDay` (partition `orderDay` = `YYYY-MM-DD` in UTC, sort
 *   `createdAt` = ISO instant) projecting `customerId` and `lines`, so "the orders of day D" is one
 *   Query, oldest first, never a Scan. Point-in-time recovery on (the backup job exports it).
 * - Orders, index `byCustomerShard` (partition `customerShard` = the customer's hash shard, sort
 *   `customerOrder` = `<customerId>#<createdAt>`): a shard's orders grouped by customer, so the daily
 *   recommendations read a customer-hash range one customer at a time. Writers of orders add both
 *   attributes (`customerIndexAttributes` in `lambdas/jobs/daily-recommendations/shards.ts`).
 * - Customers: partition key `customerId`; the loyalty job keeps `points` and `awardedWeeks` there.
 * - Recommendations: partition key `customerId`, one item per customer written by
 *   `daily-recommendations`; TTL on `expiresAt`, so a customer without recent orders loses theirs.
 * - Reports: `reports/daily/*`, `reports/monthly/*`, and `report-state/*` for reports that continue
 *   in a new invocation (expired after 7 days); incomplete multipart uploads are aborted after 2 days.
 */
export class BusinessData extends Construct {
  /** Name of the orders table's date index. */
  static readonly ORDERS_BY_DAY_INDEX = 'byDay';
  /** Name of the orders table's customer-shard index. */
  static readonly ORDERS_BY_CUSTOMER_SHARD_INDEX = 'byCustomerShard';
  /** Key prefix of the reports. */
  static readonly REPORTS_PREFIX = 'reports/';
  /** Key prefix of the resume state of reports continued across invocations. */
  static readonly REPORT_STATE_PREFIX = 'report-state/';

  /** The customer-managed key of the tables and the bucket, when one was given. */
  readonly encryptionKey?: kms.IKey;
  readonly ordersTable: dynamodb.TableV2;
  readonly customersTable: dynamodb.TableV2;
  readonly recommendationsTable: dynamodb.TableV2;
  readonly reportsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: BusinessDataProps = {}) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const encryption = props.encryptionKey
      ? dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey)
      : dynamodb.TableEncryptionV2.awsManagedKey();
    const pointInTimeRecoverySpecification = { pointInTimeRecoveryEnabled: true };

    this.ordersTable = new dynamodb.TableV2(this, 'OrdersTable', {
      partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption,
      pointInTimeRecoverySpecification,
      removalPolicy,
      globalSecondaryIndexes: [
        {
          indexName: BusinessData.ORDERS_BY_DAY_INDEX,
          partitionKey: { name: 'orderDay', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'createdAt', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: ['customerId', 'lines'],
        },
        {
          indexName: BusinessData.ORDERS_BY_CUSTOMER_SHARD_INDEX,
          partitionKey: { name: 'customerShard', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'customerOrder', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: ['customerId', 'createdAt', 'orderDay', 'lines'],
        },
      ],
    });

    this.customersTable = new dynamodb.TableV2(this, 'CustomersTable', {
      partitionKey: { name: 'customerId', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption,
      pointInTimeRecoverySpecification,
      removalPolicy,
    });

    this.recommendationsTable = new dynamodb.TableV2(this, 'RecommendationsTable', {
      partitionKey: { name: 'customerId', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption,
      pointInTimeRecoverySpecification,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
    });

    this.reportsBucket = new s3.Bucket(this, 'ReportsBucket', {
      encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: props.encryptionKey ? true : undefined,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsBucket ? 'reports-bucket/' : undefined,
      removalPolicy,
      lifecycleRules: [
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
        { id: 'ExpireReportState', prefix: BusinessData.REPORT_STATE_PREFIX, expiration: Duration.days(7) },
      ],
    });
    if (!props.accessLogsBucket) {
      Validations.of(this.reportsBucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Reports are written only by the report jobs and read by people with IAM access; every call is in ' +
          'CloudTrail. Pass accessLogsBucket to BusinessData to turn on server access logs.',
      });
    }
  }
}
