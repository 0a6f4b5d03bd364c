/**
 * An in-process S3 for benchmarks: `model.attach(client)` adds a middleware at the end of the SDK
 * client's stack (the deserialize step, after serialisation, checksums and the retry middleware)
 * that answers ListObjectsV2 and DeleteObjects from a bucket kept in memory instead of sending
 * HTTP, so the code under test runs its real path through `client.send` while S3's timing is a model
 * rather than an emulator's CPU (and no XML is parsed: the client's own CPU is what the job spends):
 *
 * - every request takes `latencyMs` (default 20 ms) of waiting, no CPU;
 * - each partitioned prefix (a key's first `prefixDepth` segments of `/`) serves at most
 *   `deletesPerSecond` (3,500) deleted keys and `getsPerSecond` (5,500) LIST/GET requests a second,
 *   S3's documented per-prefix rates: work on one prefix is queued behind the work already granted
 *   to it (S3 itself answers 503 SlowDown and the SDK backs off; the queue is the kinder model and
 *   is the same for every caller), and a DeleteObjects of n keys takes n / rate seconds of its prefix;
 * - state stays in memory, so the final bucket can be checked key by key.
 */
import type { S3Client } from '@aws-sdk/client-s3';

const MODIFIED = new Date('2026-06-01T00:00:00.000Z');

export interface S3ModelOptions {
  /** @default 20 */
  readonly latencyMs?: number;
  /** Segments of `/` that make a partitioned prefix (`logs/app/2026/10/01/` is 5). */
  readonly prefixDepth: number;
  /** @default 3500 */
  readonly deletesPerSecond?: number;
  /** @default 5500 */
  readonly getsPerSecond?: number;
}

/** One bucket in memory with S3's listing order (UTF-8 byte order; the keys here are ASCII). */
export class S3Model {
  private keys: string[] = [];
  private readonly live = new Set<string>();
  private readonly nextFree = new Map<string, number>();
  private readonly latencyMs: number;
  private readonly deletesPerSecond: number;
  private readonly getsPerSecond: number;
  /** HTTP requests answered, by operation. */
  readonly requests = { ListObjectsV2: 0, DeleteObjects: 0 };
  /** Keys deleted, in the order the deletes were applied. */
  readonly deleted: string[] = [];

  constructor(private readonly options: S3ModelOptions) {
    this.latencyMs = options.latencyMs ?? 20;
    this.deletesPerSecond = options.deletesPerSecond ?? 3500;
    this.getsPerSecond = options.getsPerSecond ?? 5500;
  }

  /** Puts the keys in the bucket (sorted once; no requests, no time). */
  seed(keys: readonly string[]): void {
    for (const k of keys) this.live.add(k);
    this.keys = [...this.live].sort();
  }

  /** The keys still in the bucket, sorted. */
  remaining(): string[] {
    return this.keys.filter((k) => this.live.has(k));
  }

  resetCounters(): void {
    this.requests.ListObjectsV2 = 0;
    this.requests.DeleteObjects = 0;
    this.deleted.length = 0;
    this.nextFree.clear();
  }

  /** Answers `client`'s ListObjectsV2 and DeleteObjects (anything else fails loudly). */
  attach(client: S3Client): void {
    const answer = (command: string, input: Record<string, unknown>) => this.answer(command, input);
    const middleware = (_next: unknown, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => ({
      output: { $metadata: { httpStatusCode: 200 }, ...(await answer(context.commandName ?? '', args.input)) },
      response: { statusCode: 200, headers: {} },
    });
    // A raw middleware: the stack's generic types do not fit one answering every command.
    client.middlewareStack.add(middleware as unknown as Parameters<S3Client['middlewareStack']['add']>[0], {
      step: 'deserialize',
      priority: 'high',
      name: 'benchS3Model',
    });
  }

  private partitionOf(keyOrPrefix: string): string {
    let at = -1;
    for (let n = 0; n < this.options.prefixDepth; n++) {
      at = keyOrPrefix.indexOf('/', at + 1);
      if (at < 0) return keyOrPrefix;
    }
    return keyOrPrefix.slice(0, at + 1);
  }

  /** Waits until the prefix has served `ops` more operations at `rate`, then the latency. */
  private async serve(costs: Map<string, number>, rate: number): Promise<void> {
    const now = performance.now();
    let done = now + this.latencyMs;
    for (const [prefix, ops] of costs) {
      const start = Math.max(now, this.nextFree.get(prefix) ?? 0);
      const busy = (ops / rate) * 1000;
      this.nextFree.set(prefix, start + busy);
      done = Math.max(done, start + Math.max(this.latencyMs, busy));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, done - performance.now())));
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private async answer(command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (command === 'ListObjectsV2Command') {
      this.requests.ListObjectsV2++;
      const prefix = (input.Prefix as string | undefined) ?? '';
      await this.serve(new Map([[this.partitionOf(prefix), 1]]), this.getsPerSecond);
      return this.list(prefix, input.Delimiter as string | undefined, (input.MaxKeys as number | undefined) ?? 1000, input.ContinuationToken as string | undefined);
    }
    if (command === 'DeleteObjectsCommand') {
      this.requests.DeleteObjects++;
      const keys = ((input.Delete as { Objects: { Key: string }[] }).Objects ?? []).map((o) => o.Key);
      const costs = new Map<string, number>();
      for (const k of keys) {
        const prefix = this.partitionOf(k);
        costs.set(prefix, (costs.get(prefix) ?? 0) + 1);
      }
      await this.serve(costs, this.deletesPerSecond);
      for (const k of keys) {
        if (this.live.delete(k)) this.deleted.push(k);
      }
      return { Errors: [] };
    }
    throw new Error(`the S3 model does not answer ${command}`);
  }

  private list(prefix: string, delimiter: string | undefined, maxKeys: number, token: string | undefined): Record<string, unknown> {
    const after = token ? Buffer.from(token, 'base64').toString('utf8') : undefined;
    let i = after === undefined ? this.lowerBound(prefix) : this.lowerBound(after) + (this.keys[this.lowerBound(after)] === after ? 1 : 0);
    const contents: { Key: string; LastModified: Date; ETag: string; Size: number; StorageClass: string }[] = [];
    const prefixes: { Prefix: string }[] = [];
    let last: string | undefined;
    let truncated = false;
    while (i < this.keys.length && this.keys[i].startsWith(prefix)) {
      const key = this.keys[i];
      if (!this.live.has(key)) {
        i++;
        continue;
      }
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (delimiter && cut >= 0) {
        const common = key.slice(0, cut + delimiter.length);
        prefixes.push({ Prefix: common });
        last = `${common}\uffff`;
        i = this.lowerBound(last);
      } else {
        contents.push({ Key: key, LastModified: MODIFIED, ETag: '"e"', Size: 9, StorageClass: 'STANDARD' });
        last = key;
        i++;
      }
    }
    return {
      Name: 'bench',
      Prefix: prefix,
      KeyCount: contents.length + prefixes.length,
      MaxKeys: maxKeys,
      IsTruncated: truncated,
      ...(truncated && last !== undefined ? { NextContinuationToken: Buffer.from(last).toString('base64') } : {}),
      ...(contents.length > 0 ? { Contents: contents } : {}),
      ...(prefixes.length > 0 ? { CommonPrefixes: prefixes } : {}),
    };
  }
}
