/**
 * A failed DynamoDB stream batch, read again: Lambda's on-failure record names the stream, the
 * shard and the sequence range, not the records, so a redrive reads them from the stream
 * (GetShardIterator `AT_SEQUENCE_NUMBER`, then GetRecords up to the last sequence number) and
 * rebuilds the event the event source mapping delivered. Records live 24 hours in a stream: a batch
 * trimmed meanwhile cannot be redriven. The adapter receives its client; the rest is pure.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { lambdaStreamRecord, type LambdaStreamRecord } from '../local/event-sources';
import type { StreamBatchInfo } from './failure-message';
import type { InvocationReport } from './invoker';

/** The batch read again, or why it cannot be. */
export type StreamBatchRead =
  | { readonly status: 'read'; readonly event: { readonly Records: LambdaStreamRecord[] } }
  | { readonly status: 'gone'; readonly reason: string };

export interface ReadStreamBatchOptions {
  /** GetRecords pages read at most before giving up on reaching the last sequence number. @default 1000 */
  readonly maxPages?: number;
  /** Empty pages in a row after which an open shard is taken to hold nothing more. @default 5 */
  readonly maxEmptyPages?: number;
}

function sequence(value: string | undefined): bigint | undefined {
  return value !== undefined && /^\d+$/.test(value) ? BigInt(value) : undefined;
}

/** Whether `record` lies within the batch's sequence range (both ends included). Pure. */
export function inBatch(record: StreamRecord, batch: StreamBatchInfo): boolean {
  const n = sequence(record.dynamodb?.SequenceNumber);
  const start = sequence(batch.startSequenceNumber);
  const end = sequence(batch.endSequenceNumber);
  return n !== undefined && start !== undefined && end !== undefined && n >= start && n <= end;
}

/** The short name of a stream: `<table>/stream/<label>`. Pure. */
export function streamName(streamArn: string): string {
  const at = streamArn.indexOf(':table/');
  return at === -1 ? streamArn : streamArn.slice(at + ':table/'.length);
}

const TRIMMED = 'the records are no longer in the stream (kept 24 hours)';

/** Reads the batch's records from its shard and rebuilds the event Lambda delivered. */
export async function readStreamBatch(streams: DynamoDBStreamsClient, batch: StreamBatchInfo, options: ReadStreamBatchOptions = {}): Promise<StreamBatchRead> {
  const end = sequence(batch.endSequenceNumber);
  if (sequence(batch.startSequenceNumber) === undefined || end === undefined) {
    return { status: 'gone', reason: `the failure names no usable sequence range (${batch.startSequenceNumber}..${batch.endSequenceNumber})` };
  }
  let iterator: string | undefined;
  try {
    const out = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: batch.streamArn,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: batch.startSequenceNumber,
      }),
    );
    iterator = out.ShardIterator;
  } catch (error) {
    const e = error as Error;
    if (e.name === 'TrimmedDataAccessException') return { status: 'gone', reason: TRIMMED };
    if (e.name === 'ResourceNotFoundException') return { status: 'gone', reason: `${TRIMMED}: ${e.message}` };
    throw error;
  }
  const records: StreamRecord[] = [];
  let reachedEnd = false;
  let empty = 0;
  for (let page = 0; iterator && !reachedEnd && page < (options.maxPages ?? 1000); page++) {
    let out;
    try {
      out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
    } catch (error) {
      const e = error as Error;
      if (e.name === 'TrimmedDataAccessException') return { status: 'gone', reason: TRIMMED };
      throw error;
    }
    const received = out.Records ?? [];
    empty = received.length === 0 ? empty + 1 : 0;
    for (const record of received) {
      const n = sequence(record.dynamodb?.SequenceNumber);
      if (n !== undefined && n > end) {
        reachedEnd = true;
        break;
      }
      if (inBatch(record, batch)) records.push(record);
      if (n === end) reachedEnd = true;
    }
    if (empty >= (options.maxEmptyPages ?? 5)) break;
    iterator = out.NextShardIterator;
  }
  const first = records[0]?.dynamodb?.SequenceNumber;
  const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
  if (records.length === 0 || first !== batch.startSequenceNumber || last !== batch.endSequenceNumber) {
    return {
      status: 'gone',
      reason:
        `the stream no longer holds the whole batch (${records.length} record${records.length === 1 ? '' : 's'} of ` +
        `${batch.startSequenceNumber}..${batch.endSequenceNumber} found): it was trimmed or the shard is gone`,
    };
  }
  return { status: 'read', event: { Records: records.map((r) => lambdaStreamRecord(r, batch.streamArn)) } };
}

/**
 * Whether a re-invoke fixed a stream batch: the function returned without error and reported no
 * failed record (`batchItemFailures`, with `ReportBatchItemFailures`). Pure.
 */
export function fixedStreamBatch(report: InvocationReport): boolean {
  if (!report.ok || report.mode !== 'sync') return false;
  const failures = (report.result as { batchItemFailures?: unknown } | undefined)?.batchItemFailures;
  return !Array.isArray(failures) || failures.length === 0;
}

/** How a re-invoke of a stream batch went, in a few words. Pure. */
export function describeStreamReinvoke(report: InvocationReport, records: number): string {
  const what = `${records} record${records === 1 ? '' : 's'}`;
  if (!report.ok) return `FAILED (${what}): ${report.error?.type ?? 'Error'}: ${report.error?.message ?? ''}`;
  const failures = (report.result as { batchItemFailures?: Array<{ itemIdentifier?: unknown }> } | undefined)?.batchItemFailures;
  if (Array.isArray(failures) && failures.length > 0) {
    return `FAILED (${what}): the function reported record ${String(failures[0]?.itemIdentifier)} failed`;
  }
  return `SUCCEEDED (${what})`;
}
