/**
 * The semantics of asynchronous Lambda invocation and of EventBridge Scheduler delivery, as pure
 * functions: the context attributes Scheduler substitutes into a target's input, when Lambda
 * retries a failed event, and the records it sends to an on-failure destination, a function's
 * dead-letter queue or a schedule's dead-letter queue.
 */
import type { InvocationError } from './local-lambda';
import { ScheduledJobsError } from '../../lib/contract';

/** The values of Scheduler's context attributes for one delivery. */
export interface ContextAttributeValues {
  readonly scheduleArn: string;
  /** `2026-11-29T02:00:00Z` (second precision). */
  readonly scheduledTime: string;
  readonly executionId: string;
  /** The delivery attempt, from 1. */
  readonly attemptNumber: number;
}

const CONTEXT_ATTRIBUTES: ReadonlyArray<[string, (v: ContextAttributeValues) => string]> = [
  ['<aws.scheduler.schedule-arn>', (v) => v.scheduleArn],
  ['<aws.scheduler.scheduled-time>', (v) => v.scheduledTime],
  ['<aws.scheduler.execution-id>', (v) => v.executionId],
  ['<aws.scheduler.attempt-number>', (v) => String(v.attemptNumber)],
];

/** Replaces Scheduler's context attributes in a target input, as Scheduler does before delivery. */
export function substituteContextAttributes(input: string, values: ContextAttributeValues): string {
  let out = input;
  for (const [placeholder, value] of CONTEXT_ATTRIBUTES) out = out.split(placeholder).join(value(values));
  return out;
}

export class TargetInputError extends ScheduledJobsError {}

/**
 * The event a Lambda target receives: the input with the context attributes substituted, parsed as
 * JSON (Lambda targets need JSON input); `{}` when the schedule has no input.
 *
 * @throws TargetInputError when the input is not JSON.
 */
export function lambdaTargetEvent(scheduleName: string, input: string | undefined, values: ContextAttributeValues): unknown {
  if (input === undefined || input === '') return {};
  const text = substituteContextAttributes(input, values);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TargetInputError(`schedule '${scheduleName}': the target input is not JSON (Lambda targets need JSON): ${text.slice(0, 200)}`, {
      cause: error,
    });
  }
}

/** Lambda's asynchronous retry settings for one function. */
export interface AsyncRetrySettings {
  /** 0-2. */
  readonly maximumRetryAttempts: number;
  /** 60-21600. */
  readonly maximumEventAgeSeconds: number;
}

/** What happens after a failed attempt. */
export type RetryDecision =
  | { readonly retry: true; readonly at: number }
  | { readonly retry: false; readonly condition: 'RetriesExhausted' | 'EventAgeExceeded' };

/** Lambda waits one minute before the second attempt and two minutes before the third. */
export const RETRY_DELAYS_MS = [60_000, 120_000] as const;

/**
 * Whether Lambda tries a failed event again, and when.
 *
 * @param attempt the attempt that just failed (1 = the first invocation).
 * @param receivedAt when Lambda received the event (epoch ms).
 * @param now when the attempt failed (epoch ms).
 */
export function retryDecision(settings: AsyncRetrySettings, attempt: number, receivedAt: number, now: number): RetryDecision {
  if (attempt > settings.maximumRetryAttempts) return { retry: false, condition: 'RetriesExhausted' };
  const at = now + RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)];
  if (at - receivedAt > settings.maximumEventAgeSeconds * 1000) return { retry: false, condition: 'EventAgeExceeded' };
  return { retry: true, at };
}

/** The record Lambda sends to an asynchronous invocation's destination. */
export interface DestinationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: { readonly statusCode: number; readonly executedVersion: string; readonly functionError?: 'Unhandled' };
  readonly responsePayload: unknown;
}

/** The on-failure destination record of an event whose retries ran out (or that got too old). */
export function failureRecord(options: {
  readonly requestId: string;
  readonly functionArn: string;
  readonly condition: 'RetriesExhausted' | 'EventAgeExceeded';
  readonly attempts: number;
  readonly event: unknown;
  readonly error: InvocationError;
  readonly timestamp: string;
}): DestinationRecord {
  return {
    version: '1.0',
    timestamp: options.timestamp,
    requestContext: {
      requestId: options.requestId,
      functionArn: `${options.functionArn}:$LATEST`,
      condition: options.condition,
      approximateInvokeCount: options.attempts,
    },
    requestPayload: options.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: options.error.errorType, errorMessage: options.error.errorMessage, trace: options.error.trace },
  };
}

/** The on-success destination record. */
export function successRecord(options: {
  readonly requestId: string;
  readonly functionArn: string;
  readonly attempts: number;
  readonly event: unknown;
  readonly result: unknown;
  readonly timestamp: string;
}): DestinationRecord {
  return {
    version: '1.0',
    timestamp: options.timestamp,
    requestContext: {
      requestId: options.requestId,
      functionArn: `${options.functionArn}:$LATEST`,
      condition: 'Success',
      approximateInvokeCount: options.attempts,
    },
    requestPayload: options.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST' },
    responsePayload: options.result ?? null,
  };
}

/** SQS message attributes in the SDK's shape. */
export type MessageAttributes = Record<string, { DataType: 'String' | 'Number'; StringValue: string }>;

/** A function dead-letter queue message's attributes (the body is the event). */
export function functionDeadLetterAttributes(requestId: string, error: InvocationError): MessageAttributes {
  return {
    RequestID: { DataType: 'String', StringValue: requestId },
    ErrorCode: { DataType: 'Number', StringValue: '200' },
    ErrorMessage: { DataType: 'String', StringValue: error.errorMessage.slice(0, 1024) || error.errorType },
  };
}

/** A schedule dead-letter queue message's attributes (the body is the target input). */
export function scheduleDeadLetterAttributes(options: {
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly executionId: string;
  readonly condition: 'MaximumRetryAttemptsExceeded' | 'MaximumEventAgeExceeded';
  readonly retryAttempts: number;
  readonly scheduledTime: string;
  readonly scheduleArn: string;
  readonly targetArn: string;
}): MessageAttributes {
  const s = (value: string) => ({ DataType: 'String' as const, StringValue: value });
  return {
    ERROR_CODE: s(options.errorCode),
    ERROR_MESSAGE: s(options.errorMessage.slice(0, 1024) || options.errorCode),
    EXECUTION_ID: s(options.executionId),
    EXHAUSTED_RETRY_CONDITION: s(options.condition),
    IS_PAYLOAD_TRUNCATED: s('false'),
    RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(options.retryAttempts) },
    SCHEDULED_TIME: s(options.scheduledTime),
    SCHEDULE_ARN: s(options.scheduleArn),
    TARGET_ARN: s(options.targetArn),
  };
}
