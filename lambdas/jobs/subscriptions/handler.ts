/**
 * The subscriptions function, on the subscriptions table's DynamoDB stream: keeps each active
 * subscription's payment reminder scheduled for 09:00 in the customer's zone, three days before it
 * expires; moves it when the subscription is renewed; cancels it when the subscription is
 * cancelled or deleted.
 *
 * Records are applied in stream order. A record that fails (Scheduler unavailable, throttled past
 * the retries) is reported as a batch item failure, so Lambda retries from it; every action is
 * idempotent (same key, same schedule), so records replayed before it change nothing. A record
 * whose data cannot be used is logged and skipped: retrying it would never succeed.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { OneTimeScheduler, OneTimeScheduleValidationError } from '../../runtime/once';
import { PAYMENT_REMINDER_JOB } from './model';
import { planReminder, type ReminderAction, type StreamEventName } from './plan';

/** The scheduler calls the function makes (a `OneTimeScheduler`, or a fake in tests). */
export type ReminderScheduler = Pick<OneTimeScheduler, 'schedule' | 'reschedule' | 'cancel'>;

export interface SubscriptionsDeps {
  readonly reminders: ReminderScheduler;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** What was done with one record. */
export interface AppliedAction {
  readonly sequenceNumber?: string;
  readonly action: ReminderAction['kind'];
  readonly key?: string;
  readonly outcome: string;
}

function image(value: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return value ? unmarshall(value as Record<string, AttributeValue>) : undefined;
}

async function apply(action: ReminderAction, reminders: ReminderScheduler): Promise<string> {
  switch (action.kind) {
    case 'schedule': {
      const r = await reminders.schedule({ key: action.key, at: action.at, timeZone: action.timeZone, payload: action.payload });
      return r.created ? `scheduled for ${r.at.toISOString()}` : 'already scheduled';
    }
    case 'reschedule': {
      const r = await reminders.reschedule({ key: action.key, at: action.at, timeZone: action.timeZone, payload: action.payload });
      return r.created ? `scheduled for ${r.at.toISOString()}` : `moved from ${r.previousAt?.toISOString() ?? 'unknown'} to ${r.at.toISOString()}`;
    }
    case 'cancel':
      return (await reminders.cancel(action.key)) ? 'cancelled' : 'nothing pending';
    default:
      return 'nothing to do';
  }
}

/** Applies a batch of stream records in order; returns the failures to report and what was done. */
export async function processSubscriptionRecords(
  records: readonly DynamoDBRecord[],
  deps: SubscriptionsDeps,
): Promise<{ response: DynamoDBBatchResponse; applied: AppliedAction[] }> {
  const now = deps.now ?? (() => new Date());
  const applied: AppliedAction[] = [];
  for (const record of records) {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    const action = planReminder(
      record.eventName as StreamEventName,
      image(record.dynamodb?.OldImage as Record<string, unknown> | undefined),
      image(record.dynamodb?.NewImage as Record<string, unknown> | undefined),
      now(),
    );
    const key = 'key' in action ? action.key : undefined;
    if (action.kind === 'invalid') {
      deps.logger.error('subscription record skipped: its data cannot be used', { sequenceNumber, reason: action.reason });
      applied.push({ sequenceNumber, action: action.kind, outcome: action.reason });
      continue;
    }
    try {
      const outcome = await apply(action, deps.reminders);
      deps.logger.info(`reminder ${action.kind}: ${outcome}`, { sequenceNumber, key, reason: action.reason });
      applied.push({ sequenceNumber, action: action.kind, key, outcome });
    } catch (error) {
      if (error instanceof OneTimeScheduleValidationError) {
        // Bad data (e.g. a zone Scheduler does not know): retrying cannot help.
        deps.logger.error('subscription record skipped: reminder rejected', { sequenceNumber, key, error });
        applied.push({ sequenceNumber, action: 'invalid', key, outcome: error.message });
        continue;
      }
      deps.logger.error('reminder update failed; the batch is retried from this record', { sequenceNumber, key, error: error as Error });
      // Lambda retries from the first failure reported; later records were not applied.
      if (!sequenceNumber) throw error;
      return { response: { batchItemFailures: [{ itemIdentifier: sequenceNumber }] }, applied };
    }
  }
  return { response: { batchItemFailures: [] }, applied };
}

// Created once per container; the configuration comes from grantSchedule's environment variables.
let reminders: OneTimeScheduler | undefined;
const logger = new Logger({ serviceName: 'subscriptions' });

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  reminders ??= OneTimeScheduler.fromEnvironment(PAYMENT_REMINDER_JOB);
  const { response } = await processSubscriptionRecords(event.Records, { reminders, logger });
  return response;
};
