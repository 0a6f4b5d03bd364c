/**
 * DynamoDB exports for the backup job: checks point-in-time recovery, starts
 * ExportTableToPointInTime into the backup bucket (idempotent per table and slot), and reads an
 * export's status.
 */
import { createHash } from 'node:crypto';
import {
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  DescribeTableCommand,
  ExportTableToPointInTimeCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ScheduledJobsError } from '../../runtime';

/** Export status as recorded in the manifest. */
export type ExportStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** One table export, as tracked in the checkpoint and recorded in the manifest. */
export interface ExportRecord {
  readonly table: string;
  readonly tableArn: string;
  readonly exportArn: string;
  /** Where the export is written in the backup bucket. */
  readonly s3Prefix: string;
  readonly status: ExportStatus;
  readonly startedAt: string;
  readonly completedAt?: string;
  readonly itemCount?: number;
  readonly billedSizeBytes?: number;
  /** The export's own manifest (`manifest-summary.json`) key, once completed. */
  readonly exportManifest?: string;
  readonly failure?: string;
}

/** A table cannot be exported as configured (PITR off, table missing). */
export class BackupConfigurationError extends ScheduledJobsError {}

/**
 * Checks that every table exists and has point-in-time recovery enabled; returns their ARNs.
 *
 * @throws BackupConfigurationError naming the first table that cannot be exported.
 */
export async function validateTables(ddb: DynamoDBClient, job: string, tables: readonly string[]): Promise<Map<string, string>> {
  const arns = new Map<string, string>();
  for (const table of tables) {
    let status: string | undefined;
    try {
      const backups = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: table }));
      status = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
    } catch (error) {
      if ((error as Error).name === 'TableNotFoundException' || (error as Error).name === 'ResourceNotFoundException') {
        throw new BackupConfigurationError(`job '${job}': table '${table}' in payload.tables does not exist`, { cause: error });
      }
      throw error;
    }
    if (status !== 'ENABLED') {
      throw new BackupConfigurationError(
        `job '${job}': table '${table}' needs point-in-time recovery for ExportTableToPointInTime ` +
          `(PointInTimeRecoveryStatus is ${status ?? 'unknown'}; enable it on the table)`,
      );
    }
    const described = await ddb.send(new DescribeTableCommand({ TableName: table }));
    arns.set(table, described.Table?.TableArn as string);
  }
  return arns;
}

/** A client token that makes a repeated start for the same table and slot return the same export. */
export const exportClientToken = (job: string, table: string, slot: string): string =>
  createHash('sha256').update(`${job}\n${table}\n${slot}`).digest('hex').slice(0, 32);

/** Starts the export of `tableArn` into `bucket`/`s3Prefix`. */
export async function startExport(
  ddb: DynamoDBClient,
  input: { job: string; slot: string; table: string; tableArn: string; bucket: string; s3Prefix: string; format: 'DYNAMODB_JSON' | 'ION'; now: Date },
): Promise<ExportRecord> {
  const response = await ddb.send(
    new ExportTableToPointInTimeCommand({
      TableArn: input.tableArn,
      S3Bucket: input.bucket,
      S3Prefix: input.s3Prefix,
      ExportFormat: input.format,
      ClientToken: exportClientToken(input.job, input.table, input.slot),
    }),
  );
  const description = response.ExportDescription;
  return {
    table: input.table,
    tableArn: input.tableArn,
    exportArn: description?.ExportArn as string,
    s3Prefix: input.s3Prefix,
    status: 'IN_PROGRESS',
    startedAt: (description?.StartTime ?? input.now).toISOString(),
  };
}

/** Reads the export's current status and, once it is done, its counts. */
export async function refreshExport(ddb: DynamoDBClient, record: ExportRecord): Promise<ExportRecord> {
  if (record.status !== 'IN_PROGRESS') return record;
  const { ExportDescription: d } = await ddb.send(new DescribeExportCommand({ ExportArn: record.exportArn }));
  const status = (d?.ExportStatus ?? 'IN_PROGRESS') as ExportStatus;
  if (status === 'IN_PROGRESS') return record;
  return {
    ...record,
    status,
    completedAt: (d?.EndTime ?? new Date()).toISOString(),
    itemCount: d?.ItemCount,
    billedSizeBytes: d?.BilledSizeBytes,
    exportManifest: d?.ExportManifest,
    failure: status === 'FAILED' ? `${d?.FailureCode ?? 'Unknown'}: ${d?.FailureMessage ?? ''}` : undefined,
  };
}
