/**
 * The `birthday-emails` job: every day, an email to each user whose birthday it is (see `job.ts`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defineJob } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import { requiredEnv } from '../payment-reminder/email';
import { SubscriptionsEnv } from '../subscriptions/model';
import { BIRTHDAY_INDEX, parseBirthdayPayload, UsersEnv, type BirthdayPayload } from './birthdays';
import { sendBirthdayEmails } from './job';

// Clients are created once per container and reused by warm invocations.
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(sdkRetryConfig()));
const ses = new SESv2Client(sdkRetryConfig());
const owner = "job 'birthday-emails'";

export const handler = defineJob<BirthdayPayload>({ parsePayload: parseBirthdayPayload }, (ctx) =>
  sendBirthdayEmails(ctx, {
    ddb,
    table: requiredEnv(owner, UsersEnv.TABLE_NAME),
    index: process.env[UsersEnv.BIRTHDAY_INDEX] ?? BIRTHDAY_INDEX,
    email: {
      ses,
      from: requiredEnv(owner, SubscriptionsEnv.EMAIL_FROM),
      configurationSet: process.env[SubscriptionsEnv.EMAIL_CONFIGURATION_SET],
    },
  }),
);
