/**
 * Demo users for `npm start` (the example app's birthday emails): twenty users whose birthdays fall
 * on the fourteen days from when local time starts, and one born on 29 February. Runs only when
 * the stack has the users table (`USERS_TABLE_NAME`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SeedContext } from '../seed';

const NAMES = ['Ada', 'Bo', 'Chen', 'Dana', 'Emil', 'Farah', 'Gus', 'Hana', 'Ivo', 'Jun'];

/** The demo users: deterministic for a given start. */
export function demoUsers(now: Date): Array<{ userId: string; email: string; name: string; birthMonthDay: string }> {
  const users = Array.from({ length: 20 }, (_, i) => {
    const birthday = new Date(now.getTime() + (i % 14) * 86_400_000);
    const monthDay = `${String(birthday.getUTCMonth() + 1).padStart(2, '0')}-${String(birthday.getUTCDate()).padStart(2, '0')}`;
    const name = NAMES[i % NAMES.length];
    return { userId: `demo-user-${String(i).padStart(2, '0')}`, email: `${name.toLowerCase()}.${i}@example.com`, name, birthMonthDay: monthDay };
  });
  users.push({ userId: 'demo-user-leap', email: 'leap@example.com', name: 'Leap', birthMonthDay: '02-29' });
  return users;
}

export async function seed(ctx: SeedContext): Promise<string | void> {
  const table = ctx.env('USERS_TABLE_NAME');
  if (!table) return;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(ctx.clientConfig));
  const users = demoUsers(ctx.now);
  for (let i = 0; i < users.length; i += 25) {
    await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: users.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  return `${users.length} users with birthdays over the next 14 days`;
}
