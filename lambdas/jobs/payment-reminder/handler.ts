/**
 * The `payment-reminder` one-time job: each run is one reminder, scheduled by the subscriptions
 * function with `OneTimeScheduler` (payload `{ subscriptionId, expiresOn }`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defineJob } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import { parseReminderPayload, SubscriptionsEnv, type ReminderPayload } from '../subscriptions/model';
import { requiredEnv } from './email';
import { sendPaymentReminder } from './reminder';

// Clients are created once per container and reused by warm invocations.
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(sdkRetryConfig()));
const ses = new SESv2Client(sdkRetryConfig());
const owner = "job 'payment-reminder'";

export const handler = defineJob<ReminderPayload>({ parsePayload: parseReminderPayload }, (ctx) =>
  sendPaymentReminder(ctx, {
    ddb,
    table: requiredEnv(owner, SubscriptionsEnv.TABLE_NAME),
    email: {
      ses,
      from: requiredEnv(owner, SubscriptionsEnv.EMAIL_FROM),
      configurationSet: process.env[SubscriptionsEnv.EMAIL_CONFIGURATION_SET],
    },
  }),
);
