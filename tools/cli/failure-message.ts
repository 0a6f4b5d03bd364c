/**
 * Normalises the messages of the failure inbox. Two layers write to it:
 *
 * - **delivery** (EventBridge Scheduler could not invoke the function; its dead-letter queue): the
 *   body is the target input, the attributes say why (`ERROR_CODE`, `ERROR_MESSAGE`,
 *   `RETRY_ATTEMPTS`, `SCHEDULED_TIME`, `SCHEDULE_ARN`, `TARGET_ARN`...);
 * - **execution** (the function threw on every attempt; Lambda's on-failure destination): the body
 *   is a record with `requestContext` (`condition`, `approximateInvokeCount`, `functionArn`),
 *   `requestPayload` (the event) and `responsePayload` (the error). A function dead-letter queue
 *   message (body = the event, attribute `ErrorMessage`) is read as this layer too;
 * - **stream** (a DynamoDB stream batch kept failing; the event source mapping's on-failure
 *   destination): the body is a record with `requestContext`, `responseContext` and
 *   `DDBStreamBatchInfo` (stream, shard, sequence range, batch size). It holds no records: a
 *   redrive reads the batch from the stream again.
 *
 * - **execution** of a fan-out job (its Step Functions execution failed, timed out or was aborted;
 *   the `FanOutJob`'s EventBridge rule): the body is the "Step Functions Execution Status Change"
 *   event, whose `detail.input` is the job event the execution started with.
 *
 * Each becomes one row: job, slot, layer, error, attempts, age, and the original event (or the
 * stream batch) and function to re-invoke. Pure.
 */
import { substituteContextAttributes } from '../local/async-invocation';

/** An inbox message as received (the parts the CLI reads). */
export interface InboxMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** Message attributes, string values. */
  readonly attributes: Readonly<Record<string, string>>;
  /** SQS `SentTimestamp`, epoch ms. */
  readonly sentAt?: number;
  /** SQS `ApproximateReceiveCount`. */
  readonly receiveCount?: number;
}

export type FailureLayer = 'delivery' | 'execution' | 'stream' | 'unknown';

/** Where a failed DynamoDB stream batch is in its stream (Lambda's `DDBStreamBatchInfo`). */
export interface StreamBatchInfo {
  readonly streamArn: string;
  readonly shardId: string;
  /** Sequence number of the batch's first record. */
  readonly startSequenceNumber: string;
  /** Sequence number of the batch's last record. */
  readonly endSequenceNumber: string;
  /** How many records the batch held. */
  readonly batchSize?: number;
  /** When the first and last records reached the stream (ISO 8601). */
  readonly firstArrival?: string;
  readonly lastArrival?: string;
}

/** One failure, normalised. */
export interface InboxFailure {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** The job (`watchdog` for the platform's watchdog); undefined when the message does not say. */
  readonly job?: string;
  /** The run's slot as run records key it (`2026-03-01T02:00:00.000Z`, `...#<key>` for one-time runs), `manual`, or undefined. */
  readonly slot?: string;
  readonly layer: FailureLayer;
  /** `ErrorType: message`. */
  readonly error: string;
  /** How many times it was tried (Scheduler: first delivery + retries; Lambda: approximate invoke count). */
  readonly attempts?: number;
  /** Why it stopped being retried (`RetriesExhausted`, `EventAgeExceeded`, `MaximumRetryAttemptsExceeded`...). */
  readonly condition?: string;
  /** When it entered the inbox (epoch ms). */
  readonly sentAt?: number;
  /** The event the function was (or would have been) invoked with: what a redrive sends again. */
  readonly event?: unknown;
  /** The function it was for, unqualified. */
  readonly functionArn?: string;
  /** For the `stream` layer: the batch to read again from the stream. */
  readonly stream?: StreamBatchInfo;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An ARN without its `:$LATEST` / version / alias qualifier. */
export function unqualified(arn: string): string {
  const parts = arn.split(':');
  return parts.length > 7 && parts[5] === 'function' ? parts.slice(0, 7).join(':') : arn;
}

/** The slot an event stands for, in the form run records use; `manual` for a manual run without one. */
export function slotOf(event: unknown): string | undefined {
  if (!isRecord(event)) return undefined;
  const time = typeof event.scheduledTime === 'string' ? new Date(event.scheduledTime) : undefined;
  if (time && !Number.isNaN(time.getTime())) {
    return typeof event.key === 'string' ? `${time.toISOString()}#${event.key}` : time.toISOString();
  }
  return event.manual === true ? 'manual' : undefined;
}

/** The job an event is for (`watchdog` for the watchdog's event). */
export function jobOf(event: unknown): string | undefined {
  if (!isRecord(event)) return undefined;
  if (typeof event.job === 'string') return event.job;
  if (event.watchdog === true) return 'watchdog';
  return undefined;
}

function errorText(type: unknown, message: unknown): string {
  const t = typeof type === 'string' && type !== '' ? type : undefined;
  const m = typeof message === 'string' ? message : message === undefined ? undefined : JSON.stringify(message);
  if (t && m) return `${t}: ${m}`;
  return t ?? m ?? 'unknown error';
}

function count(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text);
}

/** Normalises one inbox message. */
export function normaliseFailure(message: InboxMessage): InboxFailure {
  const { attributes: a } = message;
  const base = {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    ...(message.sentAt !== undefined ? { sentAt: message.sentAt } : {}),
  };

  // Scheduler's dead-letter queue: the body is the target input, the attributes the reason.
  if (a.ERROR_CODE !== undefined || a.SCHEDULE_ARN !== undefined) {
    const scheduledTime = a.SCHEDULED_TIME;
    // The body is the input after substitution; substitute anyway in case it was not.
    const body = scheduledTime
      ? substituteContextAttributes(message.body, {
          scheduleArn: a.SCHEDULE_ARN ?? '',
          scheduledTime,
          executionId: a.EXECUTION_ID ?? '',
          attemptNumber: 1,
        })
      : message.body;
    const event = parseJson(body);
    const retries = count(a.RETRY_ATTEMPTS);
    const scheduleName = a.SCHEDULE_ARN?.split('/').pop();
    const slot = slotOf(event) ?? (scheduledTime && !Number.isNaN(Date.parse(scheduledTime)) ? new Date(scheduledTime).toISOString() : undefined);
    const job = jobOf(event) ?? scheduleName;
    return {
      ...base,
      ...(job ? { job } : {}),
      ...(slot ? { slot } : {}),
      layer: 'delivery',
      error: errorText(a.ERROR_CODE, a.ERROR_MESSAGE),
      ...(retries !== undefined ? { attempts: retries + 1 } : {}),
      ...(a.EXHAUSTED_RETRY_CONDITION ? { condition: a.EXHAUSTED_RETRY_CONDITION } : {}),
      ...(event !== undefined ? { event } : {}),
      ...(a.TARGET_ARN ? { functionArn: unqualified(a.TARGET_ARN) } : {}),
    };
  }

  const parsed = parseJson(message.body);
  // A fan-out job's failed, timed-out or aborted execution (the FanOutJob's EventBridge rule).
  if (isRecord(parsed) && parsed['detail-type'] === 'Step Functions Execution Status Change' && isRecord(parsed.detail)) {
    const detail = parsed.detail;
    const event = typeof detail.input === 'string' ? parseJson(detail.input) : undefined;
    const job = jobOf(event);
    const slot = slotOf(event);
    const cause = [text(detail.error), text(detail.cause)].filter((part) => part !== undefined).join(': ');
    const stoppedAt = typeof detail.stopDate === 'number' ? detail.stopDate : undefined;
    return {
      ...base,
      ...(base.sentAt === undefined && stoppedAt !== undefined ? { sentAt: stoppedAt } : {}),
      ...(job ? { job } : {}),
      ...(slot ? { slot } : {}),
      layer: 'execution',
      error: errorText(`Execution${typeof detail.status === 'string' ? ` ${detail.status}` : ''}`, `${text(detail.executionArn) ?? 'an execution'}${cause ? `: ${cause}` : ''}`),
      ...(typeof detail.status === 'string' ? { condition: detail.status } : {}),
      ...(event !== undefined ? { event } : {}),
    };
  }
  // An event source mapping's on-failure record for a DynamoDB stream batch.
  if (isRecord(parsed) && isRecord(parsed.requestContext) && isRecord(parsed.DDBStreamBatchInfo)) {
    return streamFailure(base, parsed, parsed.requestContext, parsed.DDBStreamBatchInfo);
  }
  // Lambda's on-failure destination record.
  if (isRecord(parsed) && isRecord(parsed.requestContext) && 'requestPayload' in parsed) {
    const context = parsed.requestContext;
    const response = isRecord(parsed.responsePayload) ? parsed.responsePayload : {};
    const event = parsed.requestPayload;
    const job = jobOf(event);
    const slot = slotOf(event);
    const attempts = typeof context.approximateInvokeCount === 'number' ? context.approximateInvokeCount : undefined;
    const timestamp = typeof parsed.timestamp === 'string' ? Date.parse(parsed.timestamp) : Number.NaN;
    return {
      ...base,
      ...(base.sentAt === undefined && !Number.isNaN(timestamp) ? { sentAt: timestamp } : {}),
      ...(job ? { job } : {}),
      ...(slot ? { slot } : {}),
      layer: 'execution',
      error: errorText(response.errorType, response.errorMessage ?? (isRecord(parsed.responsePayload) ? undefined : parsed.responsePayload)),
      ...(attempts !== undefined ? { attempts } : {}),
      ...(typeof context.condition === 'string' ? { condition: context.condition } : {}),
      event,
      ...(typeof context.functionArn === 'string' ? { functionArn: unqualified(context.functionArn) } : {}),
    };
  }

  // A function's own dead-letter queue: the body is the event.
  if (a.ErrorMessage !== undefined || a.RequestID !== undefined) {
    const job = jobOf(parsed);
    const slot = slotOf(parsed);
    return {
      ...base,
      ...(job ? { job } : {}),
      ...(slot ? { slot } : {}),
      layer: 'execution',
      error: errorText(undefined, a.ErrorMessage ?? 'failed'),
      ...(parsed !== undefined ? { event: parsed } : {}),
    };
  }

  const job = jobOf(parsed);
  const slot = slotOf(parsed);
  return {
    ...base,
    ...(job ? { job } : {}),
    ...(slot ? { slot } : {}),
    layer: 'unknown',
    error: 'not a Scheduler dead-letter message nor a Lambda failure record',
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function streamFailure(
  base: Pick<InboxFailure, 'messageId' | 'receiptHandle' | 'sentAt'>,
  record: Record<string, unknown>,
  context: Record<string, unknown>,
  info: Record<string, unknown>,
): InboxFailure {
  const response = isRecord(record.responseContext) ? record.responseContext : {};
  const condition = text(context.condition);
  const streamArn = text(info.streamArn);
  const shardId = text(info.shardId);
  const start = text(info.startSequenceNumber);
  const end = text(info.endSequenceNumber);
  const batchSize = typeof info.batchSize === 'number' ? info.batchSize : undefined;
  const first = text(info.approximateArrivalOfFirstRecord);
  const last = text(info.approximateArrivalOfLastRecord);
  const attempts = typeof context.approximateInvokeCount === 'number' ? context.approximateInvokeCount : undefined;
  const timestamp = typeof record.timestamp === 'string' ? Date.parse(record.timestamp) : Number.NaN;
  // The record holds no error message: the function's error kind (`Unhandled`) and why Lambda gave up.
  const error = errorText(text(response.functionError), condition ?? 'the batch failed');
  return {
    ...base,
    ...(base.sentAt === undefined && !Number.isNaN(timestamp) ? { sentAt: timestamp } : {}),
    layer: 'stream',
    error,
    ...(attempts !== undefined ? { attempts } : {}),
    ...(condition ? { condition } : {}),
    ...(typeof context.functionArn === 'string' ? { functionArn: unqualified(context.functionArn) } : {}),
    ...(streamArn && shardId && start && end
      ? {
          stream: {
            streamArn,
            shardId,
            startSequenceNumber: start,
            endSequenceNumber: end,
            ...(batchSize !== undefined ? { batchSize } : {}),
            ...(first ? { firstArrival: first } : {}),
            ...(last ? { lastArrival: last } : {}),
          },
        }
      : {}),
  };
}
