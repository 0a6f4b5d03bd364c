/**
 * `cdk-jobs restore-log <key>` / `cdk-jobs restore-log --day <yyyy-mm-dd> [--service <name>]`: reads
 * originals back from the nightly log archive (`archive/<service>/yyyy/mm/dd/part-NNNNN.gz` and its
 * index) and writes them to their keys, or under `--to <prefix>`. Every original is checked against
 * its SHA-256 before it is written. Arguments are validated before any AWS call.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Command } from 'commander';
import { mapWithConcurrency } from '../../../lambdas/shared/concurrency';
import {
  ARCHIVE_PREFIX,
  archiveDayPrefix,
  decompressArchive,
  isDay,
  LOGS_PREFIX,
  parseIndex,
  parseLogKey,
  partOfIndexKey,
  unpackEntry,
  type ArchiveIndex,
} from '../../../lambdas/shared/log-archive-format';
import { sdkRetryConfig } from '../../../lambdas/shared/retry';
import { CliUsageError, ExitCode, OperationFailedError } from '../errors';
import { toJson } from '../format';
import type { CommandEnv } from './common';

/** What to restore, validated. */
export type RestoreRequest = {
  readonly bucket: string;
  /** Prefix put before each original key; absent: the original key itself. */
  readonly to?: string;
  readonly dryRun: boolean;
} & ({ readonly kind: 'key'; readonly key: string; readonly service: string; readonly day: string } | { readonly kind: 'day'; readonly day: string; readonly service?: string });

/** One original written (or, in a dry run, that would be). */
export interface RestoredObject {
  readonly key: string;
  readonly to: string;
  readonly bytes: number;
  readonly archive: string;
}

/**
 * Validates the arguments of `restore-log` (no AWS call).
 *
 * @throws CliUsageError naming the argument, what was expected and what came.
 */
export function parseRestoreRequest(key: string | undefined, options: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): RestoreRequest {
  const fail = (what: string, expected: string, got: unknown): never => {
    throw new CliUsageError(`restore-log: ${what} must be ${expected} (got ${got === undefined ? 'nothing' : JSON.stringify(got)})`);
  };
  const bucket = typeof options.bucket === 'string' ? options.bucket : env.LOGS_BUCKET_NAME;
  if (!bucket) fail('--bucket', 'the logs bucket (or set LOGS_BUCKET_NAME)', bucket);
  const to = options.to;
  if (to !== undefined) {
    if (typeof to !== 'string' || !/^[^/].*\/$/.test(to)) fail('--to', "a key prefix ending in '/', e.g. 'restored/'", to);
    if ((to as string).startsWith(ARCHIVE_PREFIX)) fail('--to', `a prefix outside ${ARCHIVE_PREFIX} (the archives live there)`, to);
    if ((to as string).startsWith(LOGS_PREFIX)) fail('--to', `a prefix outside ${LOGS_PREFIX} (omit --to to restore to the original keys)`, to);
  }
  const base = { bucket: bucket as string, ...(to !== undefined ? { to: to as string } : {}), dryRun: options.dryRun === true };
  const day = options.day;
  const service = options.service;
  if (key !== undefined) {
    if (day !== undefined || service !== undefined) fail('<key>', 'given alone (or use --day [--service] without a key)', { key, day, service });
    const parsed = parseLogKey(key);
    if (!parsed) fail('<key>', 'a log key logs/<service>/yyyy/mm/dd/<file>', key);
    return { ...base, kind: 'key', key, ...(parsed as { service: string; day: string }) };
  }
  if (day === undefined) fail('what to restore', 'a <key> or --day <yyyy-mm-dd>', undefined);
  if (typeof day !== 'string' || !isDay(day)) fail('--day', 'a calendar day yyyy-mm-dd', day);
  if (service !== undefined && (typeof service !== 'string' || !/^[^/]+$/.test(service))) fail('--service', "a service name without '/'", service);
  return { ...base, kind: 'day', day: day as string, ...(service !== undefined ? { service: service as string } : {}) };
}

/** The archive of a part could not be read (not found, or in a class that needs a restore first). */
function readFailure(bucket: string, key: string, error: unknown): OperationFailedError {
  const name = (error as { name?: string })?.name;
  const hint =
    name === 'InvalidObjectState'
      ? `: it is in an archive storage class; restore it first (aws s3api restore-object --bucket ${bucket} --key ${key} --restore-request Days=1) and run this again once it is readable`
      : `: ${(error as Error)?.message ?? String(error)}`;
  return new OperationFailedError(`restore-log: cannot read s3://${bucket}/${key}${hint}`, { cause: error });
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  } catch (error) {
    throw readFailure(bucket, key, error);
  }
}

/** The indexes of one service and day, in part order. */
async function indexesOf(s3: S3Client, bucket: string, service: string, day: string): Promise<ArchiveIndex[]> {
  const found: ArchiveIndex[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: archiveDayPrefix(service, day), ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (o.Key && partOfIndexKey(o.Key) !== undefined) found.push(parseIndex(await readText(s3, bucket, o.Key), o.Key));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return found.sort((a, b) => a.part - b.part);
}

async function servicesOf(s3: S3Client, bucket: string): Promise<string[]> {
  const services: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: ARCHIVE_PREFIX, Delimiter: '/', ContinuationToken: token }));
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) services.push(p.Prefix.slice(ARCHIVE_PREFIX.length, -1));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return services;
}

/**
 * Restores what `request` names: reads each part's index and archive, checks every original, writes
 * it (16 PutObject in flight). Returns what was written, in key order.
 *
 * @throws OperationFailedError when the key is in no archive, the day has no archive, or an archive
 *   cannot be read or does not match its index.
 */
export async function restoreLogs(s3: S3Client, request: RestoreRequest): Promise<RestoredObject[]> {
  const { bucket } = request;
  const services = request.kind === 'key' ? [request.service] : request.service ? [request.service] : await servicesOf(s3, bucket);
  const restored: RestoredObject[] = [];
  for (const service of services) {
    for (const index of await indexesOf(s3, bucket, service, request.day)) {
      const entries = request.kind === 'key' ? index.entries.filter((e) => e.key === request.key) : index.entries;
      if (entries.length === 0) continue;
      let stream: Buffer;
      try {
        const archive = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: index.archiveKey }))).Body!.transformToByteArray();
        stream = decompressArchive(index, archive);
      } catch (error) {
        throw readFailure(bucket, index.archiveKey, error);
      }
      const originals = entries.map((entry) => {
        try {
          return { entry, body: unpackEntry(entry, stream) };
        } catch (error) {
          throw new OperationFailedError(`restore-log: ${(error as Error).message} in s3://${bucket}/${index.archiveKey}`, { cause: error });
        }
      });
      await mapWithConcurrency(originals, 16, async ({ entry, body }) => {
        const to = `${request.to ?? ''}${entry.key}`;
        if (!request.dryRun) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: to, Body: body, ContentType: 'text/plain' }));
        restored.push({ key: entry.key, to, bytes: body.length, archive: index.archiveKey });
      });
    }
  }
  if (restored.length === 0) {
    const what = request.kind === 'key' ? `'${request.key}'` : `day ${request.day}${request.service ? ` of service '${request.service}'` : ''}`;
    throw new OperationFailedError(`restore-log: no archive in s3://${bucket}/${ARCHIVE_PREFIX} holds ${what}`);
  }
  return restored.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The human lines of `restore-log`. Pure. */
export function renderRestore(restored: readonly RestoredObject[], dryRun: boolean): string {
  const bytes = restored.reduce((n, r) => n + r.bytes, 0);
  const head = `${dryRun ? 'would restore' : 'restored'} ${restored.length} object(s), ${bytes} bytes`;
  const lines = restored.slice(0, 20).map((r) => `  ${r.to}  (${r.bytes} bytes from ${r.archive})`);
  if (restored.length > 20) lines.push(`  ... and ${restored.length - 20} more (--json lists all)`);
  return [head, ...lines].join('\n');
}

/** The S3 client of the command: `--endpoint` (or AWS_ENDPOINT_URL) with path-style addressing, `--region`. */
export function restoreClientConfig(options: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): S3ClientConfig {
  const endpoint = typeof options.endpoint === 'string' ? options.endpoint : env.AWS_ENDPOINT_URL;
  const region = typeof options.region === 'string' ? options.region : env.AWS_REGION;
  return { ...sdkRetryConfig(), ...(endpoint ? { endpoint, forcePathStyle: true } : {}), ...(region ? { region } : {}) };
}

/** `cdk-jobs restore-log`. `makeS3` replaces how the S3 client is made (tests). */
export function restoreLogCommand(env: CommandEnv, makeS3: (config: S3ClientConfig) => S3Client = (config) => new S3Client(config)): Command {
  return new Command('restore-log')
    .description('Restore archived log objects (one key, or a whole day) from the nightly log archive')
    .argument('[key]', 'one original key, logs/<service>/yyyy/mm/dd/<file>')
    .option('--day <yyyy-mm-dd>', 'restore every original of this UTC day')
    .option('--service <name>', 'with --day: only this service (default: every service archived that day)')
    .option('--to <prefix>', "write under this prefix (e.g. 'restored/') instead of the original keys")
    .option('--bucket <name>', 'the logs bucket (default: $LOGS_BUCKET_NAME)')
    .option('--dry-run', 'read and check the archives, write nothing')
    .option('--endpoint <url>', 'an AWS emulator (default: $AWS_ENDPOINT_URL)')
    .option('--region <region>', 'the AWS region (default: $AWS_REGION or your profile)')
    .option('--json', 'print JSON for scripts')
    .addHelpText(
      'after',
      '\nExamples:\n  npx cdk-jobs restore-log logs/api/2026/11/30/app.log --bucket my-logs\n' +
        '  npx cdk-jobs restore-log --day 2026-11-30 --service api --to restored/ --bucket my-logs\n\n' +
        'Exit codes: 0 restored, 1 an archive is missing, unreadable or does not match its index, 2 bad usage.',
    )
    .action(async (key: string | undefined, options: Record<string, unknown>) => {
      const request = parseRestoreRequest(key, options, env.io.env);
      const s3 = makeS3(restoreClientConfig(options, env.io.env));
      try {
        const restored = await restoreLogs(s3, request);
        env.io.stdout.write(options.json === true ? toJson({ dryRun: request.dryRun, restored }) : `${renderRestore(restored, request.dryRun)}\n`);
        env.setExitCode(ExitCode.OK);
      } finally {
        s3.destroy();
      }
    });
}
