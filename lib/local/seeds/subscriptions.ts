/**
 * Demo subscriptions for `npm start` (the example app's payment reminders): active subscriptions in
 * several zones expiring four to ten days after local time starts, so their reminders (09:00 local,
 * three days before) fall within a simulated week, and one cancelled subscription (no reminder).
 * Written after the stream mapping took its position, so the subscriptions function receives them.
 * Runs only when the stack has the subscriptions table (`SUBSCRIPTIONS_TABLE_NAME`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SeedContext } from '../seed';

const ZONES = ['Europe/London', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney', 'America/Los_Angeles', 'UTC'];

/** The demo subscriptions: deterministic for a given start. */
export function demoSubscriptions(now: Date): Array<Record<string, string>> {
  const day = (offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  const subscriptions: Array<Record<string, string>> = ZONES.map((timeZone, i) => ({
    subscriptionId: `demo-sub-${i + 1}`,
    email: `subscriber.${i + 1}@example.com`,
    name: `Subscriber ${i + 1}`,
    plan: i % 2 === 0 ? 'monthly' : 'yearly',
    status: 'active',
    expiresOn: day(4 + i),
    timeZone,
  }));
  subscriptions.push({
    subscriptionId: 'demo-sub-cancelled',
    email: 'gone@example.com',
    status: 'cancelled',
    expiresOn: day(5),
    timeZone: 'Europe/Berlin',
  });
  return subscriptions;
}

export async function seed(ctx: SeedContext): Promise<string | void> {
  const table = ctx.env('SUBSCRIPTIONS_TABLE_NAME');
  if (!table) return;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(ctx.clientConfig));
  const items = demoSubscriptions(ctx.now);
  await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  return `${items.length} subscriptions expiring over the next 10 days`;
}
