import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { defineJob } from 'cdk-scheduled-jobs/runtime';

const ddb = new DynamoDBClient({});

/** Records that the follow-up of a tally ran. */
export const handler = defineJob<{ tally: string }>({}, async (ctx) => {
  await ddb.send(
    new PutItemCommand({
      TableName: process.env.TALLIES_TABLE,
      Item: { pk: { S: `follow-up#${ctx.payload.tally}` }, ranAt: { S: ctx.slot } },
    }),
  );
});
