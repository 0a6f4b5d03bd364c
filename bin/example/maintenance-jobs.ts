/**
 * The example application's nightly backup: a versioned, encrypted backup bucket with a lifecycle
 * (to an archive storage class after `archiveAfter`, expiry after `expireAfter`) and the job that
 * fills it every night: point-in-time exports of DynamoDB tables and incremental server-side
 * copies of S3 prefixes, with a manifest per night.
 *
 * Bucket layout (see `lambdas/jobs/backup/plan.ts`):
 * - `s3/<bucket>/<key>`: the copies; versioning keeps each night's earlier versions, which the
 *   lifecycle archives and then expires;
 * - `dynamodb/<table>/<YYYY-MM-DD>/`: the exports;
 * - `manifests/<YYYY-MM-DD>.json` and `manifests/latest.json`: never archived (the job reads the latest).
 */
import { join } from 'node:path';
import { CfnResource, Duration, RemovalPolicy, Stack, TimeZone, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Construct, type IConstruct } from 'constructs';
import { JobAccess } from '../../lib/access';
import { JobConfigurationError } from '../../lib/contract';
import type { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';

/** The backup handler of this package. */
export const BACKUP_ENTRY = join(__dirname, '..', '..', 'lambdas', 'jobs', 'backup', 'handler.ts');

/** An S3 location to back up. */
export interface BackupSourceProps {
  /** The bucket to copy from. */
  readonly bucket: s3.IBucket;
  /**
   * Only keys under this prefix.
   * @default '' (the whole bucket)
   */
  readonly prefix?: string;
}

/** Props of {@link MaintenanceJobs}. */
export interface MaintenanceJobsProps {
  /** The platform the backup job runs on. */
  readonly platform: JobPlatform;
  /**
   * Tables exported every night (point-in-time recovery must be on; the job checks it).
   * @default []
   */
  readonly tables?: dynamodb.ITable[];
  /**
   * S3 locations copied every night, incrementally.
   * @default []
   */
  readonly sources?: BackupSourceProps[];
  /**
   * When the backup runs.
   * @default ScheduleExpression.expression('cron(0 0 * * ? *)', TimeZone.ETC_UTC) (midnight UTC)
   */
  readonly schedule?: ScheduleExpression;
  /**
   * Backups (and earlier versions of copies) move to {@link archiveStorageClass} after this long.
   * @default Duration.days(30)
   */
  readonly archiveAfter?: Duration;
  /**
   * Backups (and earlier versions of copies) are deleted after this long; must be longer than
   * `archiveAfter`.
   * @default Duration.days(365)
   */
  readonly expireAfter?: Duration;
  /**
   * The archive storage class.
   * @default s3.StorageClass.GLACIER
   */
  readonly archiveStorageClass?: s3.StorageClass;
  /**
   * Copies in flight at once.
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * A bucket that receives the backup bucket's server access logs.
   * @default - no server access logs (acknowledged for cdk-nag: only the job role writes there,
   *   and its calls are in CloudTrail)
   */
  readonly accessLogsBucket?: s3.IBucket;
  /**
   * What happens to the backup bucket when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The backup handler file.
   * @default lambdas/jobs/backup/handler.ts of this package
   */
  readonly backupEntry?: string;
}

/** The backup bucket and the nightly backup job. */
export class MaintenanceJobs extends Construct {
  /** Prefixes of the backup bucket. */
  static readonly COPIES_PREFIX = 's3/';
  static readonly EXPORTS_PREFIX = 'dynamodb/';
  static readonly MANIFESTS_PREFIX = 'manifests/';

  readonly backupBucket: s3.Bucket;
  readonly backup: ScheduledJob;

  constructor(scope: Construct, id: string, props: MaintenanceJobsProps) {
    super(scope, id);
    const tables = props.tables ?? [];
    const sources = props.sources ?? [];
    const archiveAfter = props.archiveAfter ?? Duration.days(30);
    const expireAfter = props.expireAfter ?? Duration.days(365);
    const storageClass = props.archiveStorageClass ?? s3.StorageClass.GLACIER;
    const where = `MaintenanceJobs '${this.node.path}'`;
    if (tables.length === 0 && sources.length === 0) {
      throw new JobConfigurationError(`${where}: nothing to back up (expected at least one of tables or sources, got neither)`);
    }
    if (!Token.isUnresolved(archiveAfter.toDays()) && !Token.isUnresolved(expireAfter.toDays())) {
      if (archiveAfter.toDays() < 1) {
        throw new JobConfigurationError(`${where}: archiveAfter must be at least 1 day (got ${archiveAfter.toDays()} days)`);
      }
      if (expireAfter.toDays() <= archiveAfter.toDays()) {
        throw new JobConfigurationError(
          `${where}: expireAfter must be longer than archiveAfter (got expireAfter ${expireAfter.toDays()} days, archiveAfter ${archiveAfter.toDays()} days)`,
        );
      }
    }
    const concurrency = props.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100) {
      throw new JobConfigurationError(`${where}: concurrency must be an integer from 1 to 100 (got ${concurrency})`);
    }

    // SSE-S3, not KMS: a copy then keeps its source's ETag, so an unchanged night is listings only.
    this.backupBucket = new s3.Bucket(this, 'BackupBucket', {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: props.accessLogsBucket ? 'backup-bucket/' : undefined,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ArchiveThenExpireCopies',
          prefix: MaintenanceJobs.COPIES_PREFIX,
          transitions: [{ storageClass, transitionAfter: archiveAfter }],
          noncurrentVersionTransitions: [{ storageClass, transitionAfter: archiveAfter }],
          noncurrentVersionExpiration: expireAfter,
        },
        {
          id: 'ArchiveThenExpireExports',
          prefix: MaintenanceJobs.EXPORTS_PREFIX,
          transitions: [{ storageClass, transitionAfter: archiveAfter }],
          expiration: expireAfter,
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'ExpireManifests',
          prefix: MaintenanceJobs.MANIFESTS_PREFIX,
          expiration: expireAfter,
          noncurrentVersionExpiration: expireAfter,
        },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(2), expiredObjectDeleteMarker: true },
      ],
    });
    if (!props.accessLogsBucket) {
      Validations.of(this.backupBucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Only the backup job role writes to this bucket and its S3 calls are in CloudTrail; pass accessLogsBucket to MaintenanceJobs to turn on server access logs.',
      });
    }

    this.backup = new ScheduledJob(this, 'NightlyBackup', {
      platform: props.platform,
      schedule: props.schedule ?? ScheduleExpression.expression('cron(0 0 * * ? *)', TimeZone.ETC_UTC),
      entry: props.backupEntry ?? BACKUP_ENTRY,
      description: 'Exports DynamoDB tables and copies S3 prefixes to the backup bucket, incrementally, with a manifest per night.',
      payload: {
        ...(tables.length > 0 ? { tables: tables.map((t) => t.tableName) } : {}),
        ...(sources.length > 0 ? { sources: sources.map((s) => ({ bucket: s.bucket.bucketName, prefix: s.prefix ?? '' })) } : {}),
        concurrency,
      },
      timeout: Duration.minutes(15),
      memorySize: 512,
      environment: { BACKUP_BUCKET_NAME: this.backupBucket.bucketName },
    });

    this.grantBackupBucket(this.backupBucket, this.backup);
    for (const source of sources) this.grantSourceRead(source);
    for (const table of tables) {
      // On the table only (table.grant would add its indexes too, which the job never touches).
      iam.Grant.addToPrincipal({
        grantee: this.backup,
        actions: ['dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:ExportTableToPointInTime'],
        resourceArns: [table.tableArn],
      });
      iam.Grant.addToPrincipal({ grantee: this.backup, actions: ['dynamodb:DescribeExport'], resourceArns: [`${table.tableArn}/export/*`] });
    }
    JobAccess.acknowledgeUnused(
      this.backup,
      ['s3:AbortMultipartUpload'],
      'aborts a multipart copy whose part failed (failure path); an export to S3 needs it of its caller (DynamoDB aborts an ' +
        'export upload that fails); a run whose copies and exports succeed never calls it',
    );
    JobAccess.acknowledgeUnused(
      this.backup,
      ['s3:PutObjectAcl'],
      'DynamoDB writes a table export into the backup bucket with the permissions of the caller of ExportTableToPointInTime, ' +
        "which must include s3:PutObjectAcl; the job's own code never calls it (and the emulator writes exports without checking it)",
    );
    this.acknowledgeGrants(tables, sources);
  }

  /**
   * The backup bucket, prefix by prefix, and nothing else: list the bucket, read back the copies under
   * `s3/` (incremental: unchanged objects are not copied again), write them (CopyObject and
   * multipart copies are PutObject), abort a failed multipart copy; read and write the manifests
   * under `manifests/`; and under `dynamodb/` what an export to S3 needs of its caller (PutObject,
   * PutObjectAcl, AbortMultipartUpload). No delete: old copies expire by the lifecycle rules.
   */
  private grantBackupBucket(bucket: s3.IBucket, grantee: iam.IGrantable): void {
    const copies = bucket.arnForObjects(`${MaintenanceJobs.COPIES_PREFIX}*`);
    const exports = bucket.arnForObjects(`${MaintenanceJobs.EXPORTS_PREFIX}*`);
    const manifests = bucket.arnForObjects(`${MaintenanceJobs.MANIFESTS_PREFIX}*`);
    // Unconditioned: besides listing the copies, s3:ListBucket is what makes S3 answer a read of a
    // missing key (the first night's latest manifest, a copy not made yet) with 404 instead of 403,
    // and that check carries no s3:prefix.
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject', 's3:PutObject'], resourceArns: [copies, manifests] });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:AbortMultipartUpload'], resourceArns: [copies, exports] });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject', 's3:PutObjectAcl'], resourceArns: [exports] });
  }

  /** A source: list its prefix and read the objects under it (HeadObject, CopyObject's and UploadPartCopy's source are GetObject). */
  private grantSourceRead(source: BackupSourceProps): void {
    const prefix = source.prefix ?? '';
    iam.Grant.addToPrincipal({
      grantee: this.backup,
      actions: ['s3:ListBucket'],
      resourceArns: [source.bucket.bucketArn],
      ...(prefix !== '' ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
    });
    iam.Grant.addToPrincipal({ grantee: this.backup, actions: ['s3:GetObject'], resourceArns: [source.bucket.arnForObjects(`${prefix}*`)] });
    source.bucket.encryptionKey?.grantDecrypt(this.backup);
  }

  /** The `<LogicalId.Arn>` form cdk-nag uses for a resource of this stack, if it is one. */
  private arnReference(resource: IConstruct): string | undefined {
    const child = resource.node.defaultChild;
    if (!CfnResource.isCfnResource(child) || Stack.of(child) !== Stack.of(this)) return undefined;
    return `<${Stack.of(this).getLogicalId(child)}.Arn>`;
  }

  private acknowledgeGrants(tables: dynamodb.ITable[], sources: BackupSourceProps[]): void {
    const why =
      'the backup job copies keys it learns by listing, so object ARNs are wildcards under a fixed prefix of one bucket, and export ARNs are ' +
      'created by each run, so DescribeExport is scoped to <table>/export/*.';
    const backup = this.arnReference(this.backupBucket);
    const resources = [
      ...(backup ? [MaintenanceJobs.COPIES_PREFIX, MaintenanceJobs.EXPORTS_PREFIX, MaintenanceJobs.MANIFESTS_PREFIX].map((p) => `${backup}/${p}*`) : []),
      ...sources.map((s) => this.arnReference(s.bucket) && `${this.arnReference(s.bucket)}/${s.prefix ?? ''}*`),
      ...tables.map((t) => this.arnReference(t) && `${this.arnReference(t)}/export/*`),
    ].filter((r): r is string => r !== undefined);
    Validations.of(this.backup).acknowledge(
      ...resources.map((r) => ({ id: `AwsSolutions-IAM5[Resource::${r}]`, reason: `One prefix of one bucket, or this table's exports: ${why}` })),
    );
  }
}
