import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { defineJob, OneTimeScheduler } from 'cdk-scheduled-jobs/runtime';

const ddb = new DynamoDBClient({});
const followUps = OneTimeScheduler.fromEnvironment('tally-follow-up');

/** Writes one tally per slot and schedules its follow-up 30 minutes later. */
export const handler = defineJob<{ shop: string }>({}, async (ctx) => {
  await ddb.send(
    new PutItemCommand({
      TableName: process.env.TALLIES_TABLE,
      Item: { pk: { S: `tally#${ctx.slot}` }, shop: { S: ctx.payload.shop } },
    }),
  );
  const at = new Date(ctx.scheduledTime.getTime() + 30 * 60_000);
  await followUps.schedule({ key: ctx.slot, at, payload: { tally: ctx.slot } });
  ctx.logger.info('tally written', { shop: ctx.payload.shop });
  return { shop: ctx.payload.shop };
});
