/**
 * The example application's nightly log archive: every night at midnight UTC, the previous day's
 * log objects (`logs/<service>/yyyy/mm/dd/...`) of the existing logs bucket are bundled per service
 * into verified, compressed archive parts under `archive/` (written in an archive storage class),
 * then the originals are deleted. `cdk-jobs restore-log` reads them back.
 *
 * It shares the bucket with the weekly 30-day cleanup: the cleanup's prefix is `logs/`, the archives
 * live under `archive/`, which the cleanup never touches.
 */
import { join } from 'node:path';
import { CfnResource, Duration, Stack, TimeZone, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { JobConfigurationError } from '../../lib/contract';
import type { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';
import { ARCHIVE_STORAGE_CLASSES } from '../../lambdas/shared/log-archive-format';

/** The log archive handler of this package. */
export const LOG_ARCHIVE_ENTRY = join(__dirname, '..', '..', 'lambdas', 'jobs', 'log-archive', 'handler.ts');

/** Props of {@link ArchiveJobs}. */
export interface ArchiveJobsProps {
  /** The platform the job runs on. */
  readonly platform: JobPlatform;
  /** The logs bucket: originals under `logs/`, archives written under `archive/`. */
  readonly logsBucket: s3.IBucket;
  /**
   * Storage class of the archive objects (their indexes stay STANDARD). `GLACIER` and
   * `DEEP_ARCHIVE` need an S3 restore before `cdk-jobs restore-log` can read them.
   * @default 'GLACIER_IR'
   */
  readonly storageClass?: string;
  /**
   * When the archive runs; it archives the UTC day before the slot.
   * @default ScheduleExpression.expression('cron(0 0 * * ? *)', TimeZone.ETC_UTC) (midnight UTC)
   */
  readonly schedule?: ScheduleExpression;
}

/** The nightly log archive job on an existing logs bucket. */
export class ArchiveJobs extends Construct {
  /** Where the originals are read and deleted. */
  static readonly LOGS_PREFIX = 'logs/';
  /** Where the archives and their indexes are written. */
  static readonly ARCHIVE_PREFIX = 'archive/';

  readonly archive: ScheduledJob;

  constructor(scope: Construct, id: string, props: ArchiveJobsProps) {
    super(scope, id);
    const storageClass = props.storageClass ?? 'GLACIER_IR';
    if (!Token.isUnresolved(storageClass) && !(ARCHIVE_STORAGE_CLASSES as readonly string[]).includes(storageClass)) {
      throw new JobConfigurationError(
        `ArchiveJobs '${this.node.path}': storageClass must be one of ${ARCHIVE_STORAGE_CLASSES.join(', ')} (got '${storageClass}')`,
      );
    }
    this.archive = new ScheduledJob(this, 'NightlyLogArchive', {
      platform: props.platform,
      jobName: 'nightly-log-archive',
      description: 'Archiving logs and removing old files, every night at midnight',
      schedule: props.schedule ?? ScheduleExpression.expression('cron(0 0 * * ? *)', TimeZone.ETC_UTC),
      entry: LOG_ARCHIVE_ENTRY,
      payload: { storageClass },
      timeout: Duration.minutes(15),
      // A part holds up to 64 MiB of originals in memory, plus its compressed copy.
      memorySize: 1024,
      environment: { LOGS_BUCKET_NAME: props.logsBucket.bucketName },
    });
    this.grantArchive(props.logsBucket, this.archive);
    this.acknowledgeGrants(props.logsBucket);
  }

  /**
   * What the job does and nothing more: list `logs/` and `archive/`; read and delete under `logs/`;
   * write and read back (verify, re-run check) under `archive/`.
   */
  private grantArchive(bucket: s3.IBucket, grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [ArchiveJobs.LOGS_PREFIX, `${ArchiveJobs.LOGS_PREFIX}*`, `${ArchiveJobs.ARCHIVE_PREFIX}*`] } },
    });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject', 's3:DeleteObject'], resourceArns: [bucket.arnForObjects(`${ArchiveJobs.LOGS_PREFIX}*`)] });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject', 's3:PutObject'], resourceArns: [bucket.arnForObjects(`${ArchiveJobs.ARCHIVE_PREFIX}*`)] });
  }

  private acknowledgeGrants(bucket: s3.IBucket): void {
    const child = bucket.node.defaultChild;
    const arn = CfnResource.isCfnResource(child) && Stack.of(child) === Stack.of(this) ? `<${Stack.of(this).getLogicalId(child)}.Arn>` : undefined;
    if (!arn) return;
    const why =
      'the job reads and deletes log keys it learns by listing, and writes one archive and index per day, service and part, so object ARNs ' +
      'are wildcards under one fixed prefix of the logs bucket.';
    Validations.of(this.archive).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::${arn}/${ArchiveJobs.LOGS_PREFIX}*]`, reason: `Read and delete under logs/ only: ${why}` },
      { id: `AwsSolutions-IAM5[Resource::${arn}/${ArchiveJobs.ARCHIVE_PREFIX}*]`, reason: `Write and read back under archive/ only: ${why}` },
    );
  }
}
