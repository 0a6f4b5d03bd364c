/**
 * The example application: the job platform, a logs bucket and the weekly job that deletes old
 * logs from it. Groups of jobs with their own resources live in their own files under `bin/example/`
 * and are added here with one line each.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, TimeZone, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';
import { ReminderJobs } from './reminder-jobs';
import { PromotionJobs } from './promotion-jobs';
import { ArchiveJobs } from './archive-jobs';
import { BusinessData } from './business-data';
import { MaintenanceJobs } from './maintenance-jobs';
import { ReportJobs } from './report-jobs';
import { RecommendationJobs } from './recommendation-jobs';

/** Props of {@link ScheduledJobsStack}. */
export interface ScheduledJobsStackProps extends StackProps {
  /**
   * Email address that receives the alarms.
   * @default - the CDK context value `alarmEmail`, else no subscription
   */
  readonly alarmEmail?: string;
}

/** The date in a log key: `logs/<service>/yyyy/mm/dd/<file>`. */
export const LOG_KEY_DATE_PATTERN = '^logs/[^/]+/(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/';
/** The log cleanup handler of this package. */
const LOG_CLEANUP_ENTRY = join(__dirname, '..', '..', 'lambdas', 'jobs', 'cleanup', 'handler.ts');

/** Days after which the weekly cleanup deletes a log object. */
export const LOG_RETENTION_DAYS = 30;

/** The prefix the weekly cleanup lists and deletes under. */
export const LOG_PREFIX = 'logs/';

export class ScheduledJobsStack extends Stack {
  public readonly platform: JobPlatform;
  /** The bucket the applications write logs to (under `logs/`). */
  public readonly logsBucket: s3.Bucket;
  /** Receives the server access logs of {@link logsBucket}. */
  public readonly accessLogsBucket: s3.Bucket;
  /** Every Sunday 02:00 UTC: deletes objects under `logs/` older than 30 days. */
  public readonly logCleanup: ScheduledJob;

  constructor(scope: Construct, id: string, props: ScheduledJobsStackProps = {}) {
    super(scope, id, props);
    const alarmEmail = props.alarmEmail ?? (this.node.tryGetContext('alarmEmail') as string | undefined);
    this.platform = new JobPlatform(this, 'Platform', { alarmEmail });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the server-access-log destination of the logs bucket; logging its own accesses would need yet another bucket, ' +
        'and S3 advises against a bucket logging to itself.',
    });

    this.logsBucket = new s3.Bucket(this, 'LogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'logs-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.logCleanup = new ScheduledJob(this, 'WeeklyLogCleanup', {
      platform: this.platform,
      schedule: ScheduleExpression.expression('cron(0 2 ? * SUN *)', TimeZone.ETC_UTC),
      entry: LOG_CLEANUP_ENTRY,
      // Logs are written date-partitioned (`logs/<service>/yyyy/mm/dd/...`, as log shippers do), so
      // the cleanup goes by the date in the key: a re-uploaded old partition still counts as old.
      payload: { olderThanDays: LOG_RETENTION_DAYS, prefixes: [LOG_PREFIX], keyDatePattern: LOG_KEY_DATE_PATTERN },
      timeout: Duration.minutes(15),
      environment: { LOGS_BUCKET_NAME: this.logsBucket.bucketName },
    });
    // It lists its prefixes and deletes the old keys it found (DeleteObjects needs s3:DeleteObject
    // per key); it reads and writes no object.
    iam.Grant.addToPrincipal({
      grantee: this.logCleanup,
      actions: ['s3:ListBucket'],
      resourceArns: [this.logsBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [LOG_PREFIX, `${LOG_PREFIX}*`] } },
    });
    iam.Grant.addToPrincipal({ grantee: this.logCleanup, actions: ['s3:DeleteObject'], resourceArns: [this.logsBucket.arnForObjects(`${LOG_PREFIX}*`)] });
    const bucketId = this.getLogicalId(this.logsBucket.node.defaultChild as s3.CfnBucket);
    Validations.of(this.logCleanup).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${LOG_PREFIX}*]`,
      reason:
        `s3:DeleteObject (only) under '${LOG_PREFIX}' of the logs bucket: the cleanup deletes the keys older than ${LOG_RETENTION_DAYS} days ` +
        'that it finds by listing that prefix, so the object ARN is a wildcard under the prefix; it cannot read, write or delete anything else.',
    });
    new ReminderJobs(this, 'Reminders', { platform: this.platform });
    new PromotionJobs(this, 'Promotions', { platform: this.platform });
    new ArchiveJobs(this, 'LogArchive', { platform: this.platform, logsBucket: this.logsBucket });
    const businessData = new BusinessData(this, 'BusinessData', { accessLogsBucket: this.accessLogsBucket });
    new ReportJobs(this, 'Reports', { platform: this.platform, data: businessData });
    new RecommendationJobs(this, 'Recommendations', { platform: this.platform, data: businessData });
    new MaintenanceJobs(this, 'Maintenance', {
      platform: this.platform,
      tables: [businessData.ordersTable, businessData.customersTable],
      sources: [{ bucket: businessData.reportsBucket, prefix: BusinessData.REPORTS_PREFIX }],
      accessLogsBucket: this.accessLogsBucket,
    });
  }
}
