import {
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ExportTableToPointInTimeCommand,
} from '@aws-sdk/client-dynamodb';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
  type _Object,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupIncompleteError, runBackup, type BackupManifest } from '../../../../lambdas/jobs/backup/backup';
import { BackupConfigurationError } from '../../../../lambdas/jobs/backup/exports';
import { parseBackupPayload, type ParsedBackupPayload } from '../../../../lambdas/jobs/backup/payload';
import type { TestContextOptions } from '../../../../lambdas/runtime/testing';
import { planParts } from '../../../../lambdas/jobs/backup/plan';
import { fakeContext } from '../../shared/fake-context';

const s3Mock = mockClient(S3Client);
const ddbMock = mockClient(DynamoDBClient);
const s3 = new S3Client({});
const ddb = new DynamoDBClient({});
const SLOT = '2026-11-27T00:00:00.000Z';
const GiB = 1024 ** 3;

const payload = (extra: Record<string, unknown> = {}) =>
  parseBackupPayload({ sources: [{ bucket: 'data', prefix: 'docs/' }], bucket: 'backups', ...extra }, 'nightly-backup', {});
const ctxFor = (p = payload(), extra: Partial<TestContextOptions<ParsedBackupPayload>> = {}) =>
  fakeContext<ParsedBackupPayload>({ job: 'nightly-backup', slot: SLOT, payload: p, ...extra });
const deps = (extra: Record<string, unknown> = {}) => ({ s3, ddb, sleep: async () => undefined, ...extra });

const o = (Key: string, Size: number, ETag: string): _Object => ({ Key, Size, ETag, LastModified: new Date('2026-11-01T00:00:00Z') });

/** Serves listings per bucket, honouring StartAfter, in pages of `pageSize`. */
function serveListings(listings: Record<string, _Object[]>, pageSize = 1000) {
  s3Mock.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix?: string; StartAfter?: string; ContinuationToken?: string }) => {
    const all = (listings[input.Bucket] ?? []).filter((x) => x.Key!.startsWith(input.Prefix ?? '')).sort((a, b) => (a.Key! < b.Key! ? -1 : 1));
    const after = input.ContinuationToken ?? input.StartAfter;
    const rest = after ? all.filter((x) => x.Key! > after) : all;
    const page = rest.slice(0, pageSize);
    const truncated = rest.length > pageSize;
    return { Contents: page, IsTruncated: truncated, NextContinuationToken: truncated ? page.at(-1)!.Key : undefined };
  });
}

const noManifestYet = () =>
  s3Mock.on(GetObjectCommand, { Key: 'manifests/latest.json' }).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
const body = (text: string) => ({ transformToString: async () => text });
const putManifest = (key: string) => {
  const call = s3Mock.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key === key).at(-1);
  return call ? (JSON.parse(call.args[0].input.Body as string) as BackupManifest) : undefined;
};
const copiedKeys = () => s3Mock.commandCalls(CopyObjectCommand).map((c) => c.args[0].input.Key);

beforeEach(() => {
  noManifestYet();
  s3Mock.on(PutObjectCommand).resolves({});
});
afterEach(() => {
  s3Mock.reset();
  ddbMock.reset();
});

describe('runBackup: S3 copies', () => {
  it('copies new and changed objects, skips unchanged ones without a request, and writes the manifest', async () => {
    serveListings({
      data: [o('docs/a', 10, '"aa"'), o('docs/b', 20, '"bb"'), o('docs/c', 30, '"cc"'), o('other/x', 1, '"xx"')],
      backups: [o('s3/data/docs/a', 10, '"aa"'), o('s3/data/docs/b', 21, '"old"')],
    });
    s3Mock.on(CopyObjectCommand).callsFake((input: { CopySourceIfMatch: string }) => ({ CopyObjectResult: { ETag: input.CopySourceIfMatch } }));

    const manifest = (await runBackup(ctxFor(), deps())) as BackupManifest;

    expect(copiedKeys()).toEqual(['s3/data/docs/b', 's3/data/docs/c']);
    expect(s3Mock.commandCalls(CopyObjectCommand)[0].args[0].input).toEqual({
      Bucket: 'backups',
      Key: 's3/data/docs/b',
      CopySource: 'data/docs/b',
      CopySourceIfMatch: '"bb"',
      MetadataDirective: 'COPY',
    });
    expect(s3Mock).not.toHaveReceivedCommand(HeadObjectCommand);
    expect(manifest.s3[0]).toEqual({
      bucket: 'data',
      prefix: 'docs/',
      destinationPrefix: 's3/data/docs/',
      objects: 3,
      bytes: 60,
      copied: 2,
      copiedBytes: 50,
      unchanged: 1,
      changedDuringBackup: 0,
      failed: 0,
      failures: [],
    });
    expect(manifest).toMatchObject({ status: 'SUCCEEDED', date: '2026-11-27', slot: SLOT, invocations: 1, destinationBucket: 'backups' });
    expect(putManifest('manifests/2026-11-27.json')).toEqual(manifest);
    expect(putManifest('manifests/latest.json')).toEqual(manifest);
  });

  it('URL-encodes the copy source key', async () => {
    serveListings({ data: [o('docs/a b+ü.txt', 1, '"e"')] });
    s3Mock.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"e"' } });
    await runBackup(ctxFor(), deps());
    expect(s3Mock.commandCalls(CopyObjectCommand)[0].args[0].input.CopySource).toBe('data/docs/a%20b%2B%C3%BC.txt');
  });

  it('for a same-size copy with another ETag, compares the source ETag recorded on it', async () => {
    serveListings({
      data: [o('docs/kept', 10, '"abc-2"'), o('docs/stale', 10, '"def-2"')],
      backups: [o('s3/data/docs/kept', 10, '"zzz"'), o('s3/data/docs/stale', 10, '"yyy"')],
    });
    s3Mock.on(HeadObjectCommand, { Bucket: 'backups', Key: 's3/data/docs/kept' }).resolves({ Metadata: { 'backup-source-etag': 'abc-2' } });
    s3Mock.on(HeadObjectCommand, { Bucket: 'backups', Key: 's3/data/docs/stale' }).resolves({ Metadata: { 'backup-source-etag': 'old-2' } });
    s3Mock.on(HeadObjectCommand, { Bucket: 'data', Key: 'docs/stale' }).resolves({ ContentType: 'text/plain', Metadata: { owner: 'me' } });
    s3Mock.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"new"' } });

    const manifest = (await runBackup(ctxFor(), deps())) as BackupManifest;

    // The multipart-ETag source is copied once, with its properties restated and its ETag recorded.
    expect(s3Mock.commandCalls(CopyObjectCommand).map((c) => c.args[0].input)).toEqual([
      {
        Bucket: 'backups',
        Key: 's3/data/docs/stale',
        CopySource: 'data/docs/stale',
        CopySourceIfMatch: '"def-2"',
        MetadataDirective: 'REPLACE',
        ContentType: 'text/plain',
        ContentEncoding: undefined,
        ContentDisposition: undefined,
        ContentLanguage: undefined,
        CacheControl: undefined,
        Expires: undefined,
        Metadata: { owner: 'me', 'backup-source-etag': 'def-2' },
      },
    ]);
    expect(manifest.s3[0]).toMatchObject({ unchanged: 1, copied: 1 });
  });

  it('records the source ETag when a plain copy comes back with another ETag (KMS)', async () => {
    serveListings({ data: [o('docs/k', 5, '"plain"')] });
    s3Mock.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"kms-etag"' } });
    s3Mock.on(HeadObjectCommand).resolves({ ContentType: 'application/json' });
    await runBackup(ctxFor(), deps());
    const inputs = s3Mock.commandCalls(CopyObjectCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.MetadataDirective)).toEqual(['COPY', 'REPLACE']);
    expect(inputs[1].Metadata).toEqual({ 'backup-source-etag': 'plain' });
    expect(s3Mock.commandCalls(HeadObjectCommand)[0].args[0].input).toEqual({ Bucket: 'data', Key: 'docs/k', IfMatch: '"plain"' });
  });

  it('copies an object above 5 GiB with UploadPartCopy in ranges, then completes the upload', async () => {
    const size = 6 * GiB + 7;
    serveListings({ data: [o('docs/huge', size, '"big-9"')] });
    s3Mock.on(HeadObjectCommand).resolves({ ContentType: 'application/octet-stream', Metadata: {} });
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'U1' });
    s3Mock.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({ CopyPartResult: { ETag: `"p${input.PartNumber}"` } }));
    s3Mock.on(CompleteMultipartUploadCommand).resolves({});

    const manifest = (await runBackup(ctxFor(), deps())) as BackupManifest;

    expect(s3Mock).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(s3Mock).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
      Bucket: 'backups',
      Key: 's3/data/docs/huge',
      ContentType: 'application/octet-stream',
      Metadata: { 'backup-source-etag': 'big-9' },
    });
    // 6 GiB + 7 bytes in 512 MiB parts: 12 full parts and a 13th of 7 bytes.
    const parts = s3Mock.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input).sort((a, b) => a.PartNumber! - b.PartNumber!);
    expect(parts).toHaveLength(13);
    expect(parts[0]).toMatchObject({ PartNumber: 1, CopySourceRange: 'bytes=0-536870911', CopySource: 'data/docs/huge', CopySourceIfMatch: '"big-9"', UploadId: 'U1' });
    expect(parts[12]).toMatchObject({ PartNumber: 13, CopySourceRange: `bytes=${6 * GiB}-${6 * GiB + 6}` });
    const completed = s3Mock.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input;
    expect(completed.MultipartUpload?.Parts).toEqual(Array.from({ length: 13 }, (_, i) => ({ PartNumber: i + 1, ETag: `"p${i + 1}"` })));
    expect(manifest.s3[0]).toMatchObject({ copied: 1, copiedBytes: size });
  });

  it('aborts the multipart upload when a part fails, and fails the run after writing the manifest', async () => {
    serveListings({ data: [o('docs/huge', 6 * GiB, '"big-2"'), o('docs/small', 3, '"s"')] });
    s3Mock.on(HeadObjectCommand).resolves({});
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'U2' });
    s3Mock.on(UploadPartCopyCommand).rejects(Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError' }));
    s3Mock.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"s"' } });

    await expect(runBackup(ctxFor(), deps())).rejects.toThrow(
      "job 'nightly-backup': backup 2026-11-27 incomplete: 1 object(s) not copied (e.g. docs/huge: InternalError: We encountered an internal error.); manifest s3://backups/manifests/2026-11-27.json",
    );
    expect(s3Mock).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Bucket: 'backups', Key: 's3/data/docs/huge', UploadId: 'U2' });
    expect(copiedKeys()).toEqual(['s3/data/docs/small']);
    expect(putManifest('manifests/2026-11-27.json')).toMatchObject({ status: 'FAILED', s3: [{ failed: 1, copied: 1 }] });
  });

  it('copies the current version of an object that changed after it was listed', async () => {
    serveListings({ data: [o('docs/a', 1, '"v1"')] });
    const precondition = new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' });
    s3Mock.on(CopyObjectCommand).rejectsOnce(precondition).resolves({ CopyObjectResult: { ETag: '"v2"' } });
    s3Mock.on(HeadObjectCommand).resolves({ ETag: '"v2"', ContentLength: 2 });
    const manifest = (await runBackup(ctxFor(), deps())) as BackupManifest;
    expect(s3Mock.commandCalls(CopyObjectCommand).map((c) => c.args[0].input.CopySourceIfMatch)).toEqual(['"v1"', '"v2"']);
    expect(manifest.s3[0]).toMatchObject({ copied: 1, copiedBytes: 2, changedDuringBackup: 1 });
  });

  it('continues after the last key of a page and resumes both listings from it', async () => {
    const source = Array.from({ length: 5 }, (_, i) => o(`docs/${i}`, 1, `"e${i}"`));
    serveListings({ data: source, backups: [o('s3/data/docs/3', 1, '"e3"')] }, 2);
    s3Mock.on(CopyObjectCommand).callsFake((input: { CopySourceIfMatch: string }) => ({ CopyObjectResult: { ETag: input.CopySourceIfMatch } }));
    let sourcePages = 0;
    const first = ctxFor(payload(), {
      remainingTimeMs: () => {
        sourcePages = s3Mock.commandCalls(ListObjectsV2Command).filter((c) => c.args[0].input.Bucket === 'data').length;
        return sourcePages >= 1 ? 1000 : 900_000;
      },
    });
    const outcome = await runBackup(first, deps());
    expect(outcome).toEqual({ continuedLater: true, sequence: 1 });
    expect(first.continued[0]).toMatchObject({ sourceIndex: 0, startAfter: 'docs/1' });
    expect(copiedKeys()).toEqual(['s3/data/docs/0', 's3/data/docs/1']);
    s3Mock.commandCalls(ListObjectsV2Command); // (history kept)
    const second = first.next({ remainingTimeMs: 900_000 });
    const manifest = (await runBackup(second, deps())) as BackupManifest;
    const resumed = s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input).filter((i) => i.StartAfter !== undefined);
    expect(resumed.map((i) => [i.Bucket, i.StartAfter])).toEqual(
      expect.arrayContaining([
        ['data', 'docs/1'],
        ['backups', 's3/data/docs/1'],
      ]),
    );
    expect(copiedKeys()).toEqual(['s3/data/docs/0', 's3/data/docs/1', 's3/data/docs/2', 's3/data/docs/4']);
    expect(manifest).toMatchObject({ invocations: 2, s3: [{ objects: 5, copied: 4, unchanged: 1 }] });
  });
});

describe('runBackup: DynamoDB exports', () => {
  const arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
  const exportArn = `${arn}/export/01`;
  const pitr = (status: string) =>
    ddbMock.on(DescribeContinuousBackupsCommand).resolves({
      ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: status as 'ENABLED' } },
    });

  beforeEach(() => {
    serveListings({});
    ddbMock.on(DescribeTableCommand).resolves({ Table: { TableArn: arn } });
    ddbMock.on(ExportTableToPointInTimeCommand).resolves({ ExportDescription: { ExportArn: exportArn, ExportStatus: 'IN_PROGRESS', StartTime: new Date('2026-11-27T00:00:05Z') } });
  });

  it('refuses a table without point-in-time recovery before doing anything', async () => {
    pitr('DISABLED');
    const run = runBackup(ctxFor(payload({ tables: ['orders'] })), deps());
    await expect(run).rejects.toThrow(BackupConfigurationError);
    await expect(runBackup(ctxFor(payload({ tables: ['orders'] })), deps())).rejects.toThrow(
      "job 'nightly-backup': table 'orders' needs point-in-time recovery for ExportTableToPointInTime (PointInTimeRecoveryStatus is DISABLED; enable it on the table)",
    );
    expect(ddbMock).not.toHaveReceivedCommand(ExportTableToPointInTimeCommand);
    expect(s3Mock).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('starts the export idempotently, keeps its ARN in the checkpoint first, and records its completion', async () => {
    pitr('ENABLED');
    ddbMock
      .on(DescribeExportCommand)
      .resolvesOnce({ ExportDescription: { ExportArn: exportArn, ExportStatus: 'IN_PROGRESS' } })
      .resolves({
        ExportDescription: { ExportArn: exportArn, ExportStatus: 'COMPLETED', EndTime: new Date('2026-11-27T00:07:00Z'), ItemCount: 42, BilledSizeBytes: 4200, ExportManifest: 'dynamodb/orders/2026-11-27/AWSDynamoDB/01/manifest-summary.json' },
      });
    let now = Date.parse('2026-11-27T00:00:01Z');
    const waits: number[] = [];
    const ctx = ctxFor(payload({ tables: ['orders'] }));

    const manifest = (await runBackup(ctx, deps({ clock: () => now, sleep: async (ms: number) => void (waits.push(ms), (now += ms)) }))) as BackupManifest;

    const started = ddbMock.commandCalls(ExportTableToPointInTimeCommand)[0].args[0].input;
    expect(started).toMatchObject({ TableArn: arn, S3Bucket: 'backups', S3Prefix: 'dynamodb/orders/2026-11-27', ExportFormat: 'DYNAMODB_JSON' });
    expect(started.ClientToken).toMatch(/^[0-9a-f]{32}$/);
    expect(ctx.savedCheckpoints[0]).toMatchObject({ manifest: { dynamodb: [{ exportArn, status: 'IN_PROGRESS' }] } });
    expect(waits).toEqual([15_000]);
    expect(manifest.dynamodb).toEqual([
      {
        table: 'orders',
        tableArn: arn,
        exportArn,
        s3Prefix: 'dynamodb/orders/2026-11-27',
        status: 'COMPLETED',
        startedAt: '2026-11-27T00:00:05.000Z',
        completedAt: '2026-11-27T00:07:00.000Z',
        itemCount: 42,
        billedSizeBytes: 4200,
        exportManifest: 'dynamodb/orders/2026-11-27/AWSDynamoDB/01/manifest-summary.json',
      },
    ]);
    expect(manifest.status).toBe('SUCCEEDED');
  });

  it('writes an unfinished export as IN_PROGRESS; the next run records its completion in that manifest', async () => {
    pitr('ENABLED');
    ddbMock.on(DescribeExportCommand).resolves({ ExportDescription: { ExportArn: exportArn, ExportStatus: 'IN_PROGRESS' } });
    const day1 = (await runBackup(ctxFor(payload({ tables: ['orders'], waitForExportsMinutes: 0 })), deps())) as BackupManifest;
    expect(day1.status).toBe('EXPORTS_IN_PROGRESS');

    // Next night: latest.json is day 1's manifest; its export has completed since.
    s3Mock.on(GetObjectCommand, { Key: 'manifests/latest.json' }).resolves({ Body: body(JSON.stringify(day1)) as never });
    ddbMock.reset();
    pitr('ENABLED');
    ddbMock.on(DescribeTableCommand).resolves({ Table: { TableArn: arn } });
    ddbMock.on(ExportTableToPointInTimeCommand).resolves({ ExportDescription: { ExportArn: `${arn}/export/02`, ExportStatus: 'IN_PROGRESS' } });
    ddbMock.on(DescribeExportCommand, { ExportArn: exportArn }).resolves({ ExportDescription: { ExportArn: exportArn, ExportStatus: 'COMPLETED', ItemCount: 5, EndTime: new Date('2026-11-27T01:00:00Z') } });
    ddbMock.on(DescribeExportCommand, { ExportArn: `${arn}/export/02` }).resolves({ ExportDescription: { ExportStatus: 'COMPLETED', ItemCount: 6, EndTime: new Date('2026-11-28T00:05:00Z') } });
    const day2 = (await runBackup(fakeContext({ job: 'nightly-backup', slot: '2026-11-28T00:00:00.000Z', payload: payload({ tables: ['orders'] }) }), deps())) as BackupManifest;

    expect(putManifest('manifests/2026-11-27.json')).toMatchObject({ status: 'SUCCEEDED', dynamodb: [{ status: 'COMPLETED', itemCount: 5, completedAt: '2026-11-27T01:00:00.000Z' }] });
    expect(day2).toMatchObject({ status: 'SUCCEEDED', date: '2026-11-28', completedEarlier: [{ date: '2026-11-27', table: 'orders', status: 'COMPLETED' }] });
  });

  it('fails loudly when an export failed', async () => {
    pitr('ENABLED');
    ddbMock.on(DescribeExportCommand).resolves({ ExportDescription: { ExportStatus: 'FAILED', FailureCode: 'S3AccessDenied', FailureMessage: 'Access Denied' } });
    await expect(runBackup(ctxFor(payload({ tables: ['orders'] })), deps())).rejects.toThrow(BackupIncompleteError);
    expect(putManifest('manifests/2026-11-27.json')).toMatchObject({ status: 'FAILED', dynamodb: [{ status: 'FAILED', failure: 'S3AccessDenied: Access Denied' }] });
  });
});

describe('planParts and parseBackupPayload', () => {
  it('raises the part size when 10,000 parts would not be enough', () => {
    const parts = planParts(6 * 1024 ** 4, 512 * 1024 ** 2); // 6 TiB
    expect(parts).toHaveLength(10_000);
    expect(parts[0].range).toBe(`bytes=0-${Math.ceil((6 * 1024 ** 4) / 10_000) - 1}`);
  });

  it.each([
    [{ bucket: 'b' }, "job 'nightly-backup': payload.tables must be non-empty when payload.sources is empty (nothing to back up) (got [])"],
    [{ bucket: 'b', sources: [{ bucket: 'b' }] }, "payload.sources[0].bucket must be another bucket than the backup bucket 'b' (got \"b\")"],
    [{ bucket: 'b', tables: ['x'] }, 'payload.tables[0] must be a DynamoDB table name (got "x")'],
    [{ bucket: 'b', tables: ['orders'], concurrency: 0 }, 'payload.concurrency must be an integer from 1 to 100 (got 0)'],
    [{ tables: ['orders'] }, 'payload.bucket must be a bucket name (or set the BACKUP_BUCKET_NAME environment variable) (got undefined)'],
  ])('rejects %j', (raw, message) => {
    expect(() => parseBackupPayload(raw, 'nightly-backup', {})).toThrow(message);
  });
});
