/**
 * Local-mode demo data (`cdk-jobs dev`): subscriptions in a few customer zones expiring 4 to 9 days
 * after local time starts, so each payment reminder (09:00 local, three days before expiry) falls
 * inside a simulated week; one expiring in 40 days (its reminder lies beyond the week) and one
 * cancelled (no reminder). They are written to the table, so its stream delivers them to the
 * subscriptions function, which schedules the reminders. Then two changes, as customers make them:
 * the one expiring in 40 days renews for 30 more (its reminder moves) and one more customer, who
 * subscribed just before, cancels (her reminder is cancelled), so every path of the subscriptions
 * function runs in a simulation. Runs only when the stack has the
 * subscriptions table (found through `SUBSCRIPTIONS_TABLE_NAME`). Not part of any bundle.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SeedContext } from '../../runtime/testing';
import { addDays, wallClockAt } from '../../runtime/once-time';
import { SubscriptionsEnv, type Subscription } from './model';

/** Customer, zone, days from the customer's local date at the start to the expiry, and status. */
const CUSTOMERS: ReadonlyArray<readonly [name: string, timeZone: string, daysToExpiry: number, status: string]> = [
  ['Akiko', 'Asia/Tokyo', 4, 'active'],
  ['Bruno', 'Europe/Paris', 5, 'active'],
  ['Chloe', 'America/New_York', 6, 'active'],
  ['Dev', 'Asia/Kolkata', 7, 'active'],
  ['Emma', 'Australia/Sydney', 8, 'active'],
  ['Felipe', 'America/Los_Angeles', 9, 'active'],
  ['Greta', 'Europe/Berlin', 40, 'active'],
  ['Hugo', 'Europe/London', 5, 'cancelled'],
  ['Ines', 'Europe/Madrid', 6, 'active'],
];
/** The renewal: Greta's subscription runs 30 days longer. */
const RENEWED = 'Greta';
const RENEWAL_DAYS = 30;
/** The cancellation after subscribing. */
const CANCELLED = 'Ines';
const PLANS = ['monthly', 'yearly'];

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The demo subscriptions: deterministic for a given start instant. Each expiry is a calendar date
 * in the customer's zone, counted from the customer's local date at `now`.
 */
export function demoSubscriptions(now: Date): Subscription[] {
  return CUSTOMERS.map(([name, timeZone, daysToExpiry, status], i) => {
    const expiry = addDays(wallClockAt(now, timeZone), daysToExpiry);
    return {
      subscriptionId: `demo-sub-${pad(i + 1)}`,
      email: `${name.toLowerCase()}@example.com`,
      name,
      plan: PLANS[i % PLANS.length],
      status,
      expiresOn: `${expiry.year}-${pad(expiry.month)}-${pad(expiry.day)}`,
      timeZone,
    };
  });
}

/**
 * The changes the seed writes after the subscriptions (their new images): the renewal and the
 * cancellation. Deterministic for a given start instant.
 */
export function demoChanges(now: Date): Subscription[] {
  return demoSubscriptions(now).flatMap((s) => {
    if (s.name === RENEWED) {
      const [year, month, day] = s.expiresOn.split('-').map(Number) as [number, number, number];
      const renewed = new Date(Date.UTC(year, month - 1, day + RENEWAL_DAYS));
      return [{ ...s, expiresOn: renewed.toISOString().slice(0, 10) }];
    }
    return s.name === CANCELLED ? [{ ...s, status: 'cancelled' }] : [];
  });
}

export async function seed(ctx: SeedContext): Promise<string | void> {
  const table = ctx.env(SubscriptionsEnv.TABLE_NAME);
  if (!table) return;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(ctx.clientConfig));
  const subscriptions = demoSubscriptions(ctx.now);
  let requests = subscriptions.map((Item) => ({ PutRequest: { Item } }));
  while (requests.length > 0) {
    const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
    requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
  }
  // One by one, after the first writes: the stream delivers them as changes (MODIFY) of those items.
  const changes = demoChanges(ctx.now);
  for (const Item of changes) await ddb.send(new PutCommand({ TableName: table, Item }));
  const final = subscriptions.map((s) => changes.find((c) => c.subscriptionId === s.subscriptionId) ?? s);
  const active = final.filter((s) => s.status === 'active').length;
  return `${subscriptions.length} subscriptions (${active} active after ${RENEWED} renews and ${CANCELLED} cancels)`;
}
