/**
 * The `morning-promotions` job: every 15 minutes, the promotion to each recipient whose local 08:00
 * has come (see `job.ts`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defineJob } from '../../runtime';
import { sdkRetryConfig } from '../../shared/retry';
import { requiredEnv } from '../payment-reminder/email';
import { sendMorningPromotions } from './job';
import { DUE_INDEX, MORNING_PROMOTIONS_JOB, parsePromotionPayload, PromotionsEnv, type PromotionPayload } from './promotions';

// Clients are created once per container and reused by warm invocations.
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(sdkRetryConfig()));
const ses = new SESv2Client(sdkRetryConfig());
const owner = `job '${MORNING_PROMOTIONS_JOB}'`;

export const handler = defineJob<PromotionPayload>({ parsePayload: parsePromotionPayload }, (ctx) =>
  sendMorningPromotions(ctx, {
    ddb,
    table: requiredEnv(owner, PromotionsEnv.TABLE_NAME),
    index: process.env[PromotionsEnv.DUE_INDEX] ?? DUE_INDEX,
    email: {
      ses,
      from: requiredEnv(owner, PromotionsEnv.EMAIL_FROM),
      configurationSet: process.env[PromotionsEnv.EMAIL_CONFIGURATION_SET],
    },
  }),
);
