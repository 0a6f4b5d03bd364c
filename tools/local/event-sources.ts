/**
 * Lambda event source mappings on DynamoDB streams, emulated: reads each stream of the emulator
 * from the mapping's starting position and invokes the function synchronously with batches of
 * records in the Lambda event format, in order, per shard. A failed batch is retried (with
 * `BisectBatchOnFunctionError` split in halves; with `ReportBatchItemFailures` from the first
 * failed record) until `MaximumRetryAttempts`, then the on-failure destination gets Lambda's
 * stream failure record and the batch is skipped. Filter criteria are applied (exact values,
 * `prefix`, `anything-but`, `exists`, `numeric`).
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from './clock';
import { deliver } from './destinations';
import type { InvocationResult, LocalLambda } from './local-lambda';
import type { LocalEventSource, LocalFunction, LocalStackFile } from './local-stack';

/** One invocation of a function by an event source, for the live log. */
export interface EventSourceInvocation {
  readonly fn: LocalFunction;
  readonly source: LocalEventSource;
  readonly records: number;
  readonly result: InvocationResult;
  /** Attempts of this batch so far (1 = first). */
  readonly attempt: number;
  /** `succeeded`; `retrying` (it failed, or reported failed records, and will be tried again); `failed` (given up, sent to the on-failure destination). */
  readonly outcome: 'succeeded' | 'retrying' | 'failed';
  readonly startedAt: number;
}

export interface EventSourceRunnerOptions {
  readonly stack: LocalStackFile;
  readonly lambda: LocalLambda;
  readonly clock: Clock;
  readonly clients: { readonly streams: DynamoDBStreamsClient; readonly sqs: SQSClient; readonly sns: SNSClient };
  readonly onInvocation?: (invocation: EventSourceInvocation) => void;
  readonly warn?: (message: string) => void;
}

interface Shard {
  readonly source: LocalEventSource;
  readonly fn: LocalFunction;
  readonly shardId: string;
  iterator: string | undefined;
  /** Records read and not yet delivered (a failed batch stays here). */
  pending: LambdaStreamRecord[];
  /** Attempts of the batch at the head of `pending`. */
  attempts: number;
  /** A failed batch is retried at this time. */
  retryAt: number | undefined;
  /** Bisection: only the first `limit` pending records form the next batch. */
  limit: number | undefined;
}

/** A DynamoDB stream record as Lambda delivers it. */
export interface LambdaStreamRecord {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly eventVersion?: string;
  readonly eventSource?: string;
  readonly awsRegion?: string;
  readonly dynamodb: Record<string, unknown> & { readonly SequenceNumber?: string; readonly ApproximateCreationDateTime?: number };
  readonly userIdentity?: unknown;
  readonly eventSourceARN: string;
}

/** Lambda waits this long before retrying a failed stream batch: 1 s, doubling, at most 60 s. */
export function streamRetryDelayMs(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** The Lambda form of a stream record read with GetRecords. */
export function lambdaStreamRecord(record: StreamRecord, streamArn: string, creationSeconds?: number): LambdaStreamRecord {
  const d = record.dynamodb ?? {};
  const created = creationSeconds ?? (d.ApproximateCreationDateTime ? Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) : undefined);
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion,
    dynamodb: {
      ...(created !== undefined ? { ApproximateCreationDateTime: created } : {}),
      ...(d.Keys ? { Keys: d.Keys } : {}),
      ...(d.NewImage ? { NewImage: d.NewImage } : {}),
      ...(d.OldImage ? { OldImage: d.OldImage } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
    eventSourceARN: streamArn,
  };
}

type Pattern = Record<string, unknown>;

function matchesRule(value: unknown, rule: unknown): boolean {
  if (rule === null || typeof rule !== 'object') return value === rule;
  const r = rule as Record<string, unknown>;
  if ('prefix' in r) return typeof value === 'string' && value.startsWith(String(r.prefix));
  if ('suffix' in r) return typeof value === 'string' && value.endsWith(String(r.suffix));
  if ('anything-but' in r) {
    const not = r['anything-but'];
    const list = Array.isArray(not) ? not : [not];
    return value !== undefined && !list.some((n) => matchesRule(value, n));
  }
  if ('exists' in r) return (value !== undefined) === r.exists;
  if ('numeric' in r) {
    const ops = r.numeric as unknown[];
    const n = typeof value === 'number' ? value : Number(value);
    if (Number.isNaN(n)) return false;
    for (let i = 0; i + 1 < ops.length; i += 2) {
      const bound = Number(ops[i + 1]);
      const ok = { '=': n === bound, '<': n < bound, '<=': n <= bound, '>': n > bound, '>=': n >= bound }[String(ops[i])];
      if (!ok) return false;
    }
    return true;
  }
  return false;
}

/** Whether `event` matches an EventBridge-style filter pattern (the subset Lambda filters use most). */
export function matchesPattern(event: unknown, pattern: Pattern): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    const value = event && typeof event === 'object' ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) {
      const values = Array.isArray(value) ? value : [value];
      if (!rule.some((r) => (r !== null && typeof r === 'object' && 'exists' in r ? matchesRule(value, r) : values.some((v) => matchesRule(v, r))))) {
        return false;
      }
    } else if (rule !== null && typeof rule === 'object') {
      if (!matchesPattern(value, rule as Pattern)) return false;
    } else return false;
  }
  return true;
}

/** Reads the emulator's DynamoDB streams and delivers them to the mapped functions. */
export class EventSourceRunner {
  private readonly shards: Shard[] = [];
  private readonly warn: (message: string) => void;

  constructor(private readonly options: EventSourceRunnerOptions) {
    this.warn = options.warn ?? (() => undefined);
  }

  /** Positions every enabled DynamoDB mapping at its starting position (call right after provisioning). */
  async start(): Promise<void> {
    const { stack, clients } = this.options;
    for (const source of Object.values(stack.eventSources ?? {})) {
      if (!source.enabled) continue;
      const fn = source.functionLogicalId ? stack.functions[source.functionLogicalId] : undefined;
      if (!fn) {
        this.warn(`event source ${source.logicalId}: its function is not a function of this stack; not emulated`);
        continue;
      }
      if (source.kind !== 'dynamodb') {
        this.warn(`event source ${source.logicalId} (${source.eventSourceArn}): only DynamoDB streams are emulated locally`);
        continue;
      }
      const stream = await clients.streams.send(new DescribeStreamCommand({ StreamArn: source.eventSourceArn }));
      for (const shard of stream.StreamDescription?.Shards ?? []) {
        const position = source.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON';
        const out = await clients.streams.send(
          new GetShardIteratorCommand({ StreamArn: source.eventSourceArn, ShardId: shard.ShardId, ShardIteratorType: position }),
        );
        this.shards.push({ source, fn, shardId: shard.ShardId as string, iterator: out.ShardIterator, pending: [], attempts: 0, retryAt: undefined, limit: undefined });
      }
    }
  }

  /** When a failed batch is next retried (epoch ms), if one waits. */
  nextDue(): number | undefined {
    const times = this.shards.map((s) => s.retryAt).filter((t): t is number => t !== undefined);
    return times.length ? Math.min(...times) : undefined;
  }

  /**
   * Reads new records and invokes the functions until no shard has anything due.
   *
   * @returns how many invocations were made.
   */
  async pump(maxRounds = 1000): Promise<number> {
    let invocations = 0;
    for (let round = 0; round < maxRounds; round++) {
      let progressed = false;
      for (const shard of this.shards) {
        const now = this.options.clock.now();
        if (shard.retryAt !== undefined && shard.retryAt > now) continue;
        if (shard.pending.length === 0) await this.read(shard);
        if (shard.pending.length === 0) continue;
        await this.deliverBatch(shard);
        invocations += 1;
        progressed = true;
      }
      if (!progressed) break;
    }
    return invocations;
  }

  private async read(shard: Shard): Promise<void> {
    if (!shard.iterator) return;
    const out = await this.options.clients.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: shard.source.batchSize }));
    shard.iterator = out.NextShardIterator;
    const creation = this.options.clock.simulated ? Math.floor(this.options.clock.now() / 1000) : undefined;
    const records = (out.Records ?? []).map((r) => lambdaStreamRecord(r, shard.source.eventSourceArn, creation));
    const patterns = shard.source.filterPatterns.map((p) => JSON.parse(p) as Pattern);
    shard.pending = patterns.length ? records.filter((r) => patterns.some((p) => matchesPattern(r, p))) : records;
  }

  private async deliverBatch(shard: Shard): Promise<void> {
    const { lambda, clock } = this.options;
    const batch = shard.pending.slice(0, Math.min(shard.limit ?? shard.source.batchSize, shard.source.batchSize));
    shard.attempts += 1;
    const startedAt = clock.now();
    const result = await lambda.invoke(shard.fn, { Records: batch });
    let failedFrom = -1;
    if (!result.ok) failedFrom = 0;
    else if (shard.source.reportBatchItemFailures) failedFrom = firstReportedFailure(result.result, batch);
    const done = failedFrom === -1;
    const retriesLeft = shard.source.maximumRetryAttempts < 0 || shard.attempts <= shard.source.maximumRetryAttempts;
    let discarded = false;
    if (done) {
      this.advance(shard, batch.length);
    } else if (failedFrom > 0) {
      // Records before the first reported failure are done; retry from it.
      this.advance(shard, failedFrom);
      shard.attempts = 1;
      shard.retryAt = clock.now() + streamRetryDelayMs(1);
    } else if (retriesLeft) {
      if (shard.source.bisectBatchOnFunctionError && batch.length > 1) shard.limit = Math.ceil(batch.length / 2);
      shard.retryAt = clock.now() + streamRetryDelayMs(shard.attempts);
    } else {
      discarded = true;
      await this.sendFailure(shard, batch, result);
      this.advance(shard, batch.length);
    }
    const outcome = done ? 'succeeded' : discarded ? 'failed' : 'retrying';
    this.options.onInvocation?.({ fn: shard.fn, source: shard.source, records: batch.length, result, attempt: shard.attempts, outcome, startedAt });
    if (done || discarded) shard.attempts = 0;
  }

  private advance(shard: Shard, count: number): void {
    shard.pending = shard.pending.slice(count);
    shard.retryAt = undefined;
    if (shard.limit !== undefined) shard.limit = shard.pending.length > 0 ? shard.limit : undefined;
  }

  private async sendFailure(shard: Shard, batch: readonly LambdaStreamRecord[], result: InvocationResult): Promise<void> {
    const destination = shard.source.onFailureArn;
    if (!destination) return;
    const first = batch[0];
    const last = batch[batch.length - 1];
    const iso = (seconds: number | undefined) => (seconds !== undefined ? new Date(seconds * 1000).toISOString() : undefined);
    const record = {
      requestContext: {
        requestId: result.requestId || randomUUID(),
        functionArn: `${shard.fn.arn}:$LATEST`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: shard.attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(result.ok ? {} : { functionError: 'Unhandled' }) },
      version: '1.0',
      timestamp: new Date(this.options.clock.now()).toISOString(),
      DDBStreamBatchInfo: {
        shardId: shard.shardId,
        startSequenceNumber: first.dynamodb.SequenceNumber,
        endSequenceNumber: last.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: iso(first.dynamodb.ApproximateCreationDateTime),
        approximateArrivalOfLastRecord: iso(last.dynamodb.ApproximateCreationDateTime),
        batchSize: batch.length,
        streamArn: shard.source.eventSourceArn,
      },
    };
    await deliver(destination, record, this.options.clients, this.options.stack).catch((error: unknown) =>
      this.warn(`event source ${shard.source.logicalId}: on-failure destination ${destination}: ${(error as Error).message}`),
    );
  }
}

/**
 * With `ReportBatchItemFailures`: the index of the first record the function reported as failed, or
 * -1 when it reported none. An unknown identifier fails the whole batch (index 0), as Lambda does.
 */
export function firstReportedFailure(response: unknown, batch: readonly LambdaStreamRecord[]): number {
  const failures = (response as { batchItemFailures?: Array<{ itemIdentifier?: unknown }> } | undefined)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return -1;
  let first = batch.length;
  for (const failure of failures) {
    const index = batch.findIndex((r) => r.dynamodb.SequenceNumber !== undefined && r.dynamodb.SequenceNumber === failure.itemIdentifier);
    if (index === -1) return 0;
    first = Math.min(first, index);
  }
  return first;
}
