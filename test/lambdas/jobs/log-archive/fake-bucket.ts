/**
 * An in-memory bucket behind `aws-sdk-client-mock`: ListObjectsV2 (prefix, delimiter, pages of
 * `pageSize`), GetObject (Range included), PutObject (keeps the SHA-256 it was sent), HeadObject
 * (returns it with ChecksumMode), DeleteObjects. Every command is logged in order, so tests can
 * check what happened before what.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

export interface StoredObject {
  readonly body: Buffer;
  readonly sha256?: string;
  readonly storageClass?: string;
}

export interface LoggedCall {
  readonly command: string;
  readonly key?: string;
  readonly keys?: string[];
}

export class FakeBucket {
  readonly objects = new Map<string, StoredObject>();
  readonly log: LoggedCall[] = [];
  /** Keys DeleteObjects reports in Errors (and keeps). */
  failDeletes = new Set<string>();
  /** Throws this from the next request of the named command (once). */
  failNext = new Map<string, Error>();
  pageSize = 1000;

  constructor(readonly mock: AwsClientStub<S3Client>) {
    this.install();
  }

  static create(): { s3: S3Client; bucket: FakeBucket } {
    return { s3: new S3Client({ region: 'us-east-1' }), bucket: new FakeBucket(mockClient(S3Client)) };
  }

  put(key: string, body: string | Buffer): void {
    this.objects.set(key, { body: Buffer.from(body) });
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  private failIfAsked(command: string): void {
    const error = this.failNext.get(command);
    if (error) {
      this.failNext.delete(command);
      throw error;
    }
  }

  install(): void {
    const m = this.mock;
    m.on(ListObjectsV2Command).callsFake((input) => {
      this.log.push({ command: 'ListObjectsV2', key: input.Prefix });
      this.failIfAsked('ListObjectsV2');
      const all = this.keys(input.Prefix ?? '');
      const start = input.ContinuationToken ? all.findIndex((k) => k > (input.ContinuationToken as string)) : 0;
      const rest = start < 0 ? [] : all.slice(start);
      if (input.Delimiter) {
        const prefixes = [...new Set(rest.map((k) => k.slice(0, k.indexOf(input.Delimiter as string, (input.Prefix ?? '').length) + 1)).filter((p) => p.endsWith('/')))];
        return { CommonPrefixes: prefixes.map((Prefix) => ({ Prefix })), IsTruncated: false };
      }
      const page = rest.slice(0, this.pageSize);
      const truncated = rest.length > page.length;
      return {
        Contents: page.map((Key) => ({ Key, Size: this.objects.get(Key)!.body.length, LastModified: new Date(0), ETag: '"e"' })),
        IsTruncated: truncated,
        NextContinuationToken: truncated ? page[page.length - 1] : undefined,
      };
    });
    m.on(GetObjectCommand).callsFake((input) => {
      this.log.push({ command: 'GetObject', key: input.Key });
      this.failIfAsked('GetObject');
      const o = this.objects.get(input.Key as string);
      if (!o) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
      let body = o.body;
      const range = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
      if (range) body = body.subarray(Number(range[1]), Number(range[2]) + 1);
      return {
        ContentLength: body.length,
        Body: { transformToByteArray: async () => new Uint8Array(body), transformToString: async () => body.toString() } as never,
      };
    });
    m.on(PutObjectCommand).callsFake((input) => {
      this.log.push({ command: 'PutObject', key: input.Key });
      this.failIfAsked('PutObject');
      this.objects.set(input.Key as string, { body: Buffer.from(input.Body as string | Buffer), sha256: input.ChecksumSHA256, storageClass: input.StorageClass });
      return {};
    });
    m.on(HeadObjectCommand).callsFake((input) => {
      this.log.push({ command: 'HeadObject', key: input.Key });
      this.failIfAsked('HeadObject');
      const o = this.objects.get(input.Key as string);
      if (!o) throw new S3ServiceException({ name: 'NotFound', $fault: 'client', message: 'Not Found', $metadata: { httpStatusCode: 404 } });
      return { ContentLength: o.body.length, ...(input.ChecksumMode === 'ENABLED' && o.sha256 ? { ChecksumSHA256: o.sha256 } : {}) };
    });
    m.on(DeleteObjectsCommand).callsFake((input) => {
      const keys: string[] = (input.Delete?.Objects ?? []).map((o: { Key?: string }) => o.Key as string);
      this.log.push({ command: 'DeleteObjects', keys });
      this.failIfAsked('DeleteObjects');
      const errors = keys.filter((k) => this.failDeletes.has(k)).map((Key) => ({ Key, Code: 'InternalError', Message: 'We encountered an internal error.' }));
      for (const k of keys) if (!this.failDeletes.has(k)) this.objects.delete(k);
      return { Errors: errors.length > 0 ? errors : undefined };
    });
  }
}
