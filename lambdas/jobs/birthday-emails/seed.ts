/**
 * Local-mode demo data (`cdk-jobs dev`): users whose birthdays fall on each of the days from the day
 * local time starts to a week later (in the job's zone), a 29 February birthday, and a few users
 * whose birthdays are months away (the month-day index must leave them out). Runs only when the
 * stack has the users table (found through `USERS_TABLE_NAME`). The sender identity is not seeded:
 * local mode provisions the stack's SES email identity itself. Not part of any bundle.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SeedContext } from '../../runtime/testing';
import { addDays, wallClockAt } from '../../runtime/once-time';
import { UsersEnv } from './birthdays';

/** A user item as the seed writes it (the attributes the month-day index projects). */
export interface DemoUser {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  /** `MM-DD`. */
  readonly birthMonthDay: string;
}

const NAMES = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Dennis', 'Margaret', 'Ken', 'Radia', 'Linus', 'Hedy'];
/** Days from the start day (in the job's zone) of the birthdays inside the simulated week. */
const WEEK_OFFSETS = [0, 1, 2, 3, 4, 5, 6, 7];
/** Birthdays well outside the week. */
const FAR_OFFSETS = [30, 100, 200];

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The demo users: deterministic for a given start instant and zone. One user per day from the
 * start day to a week later (two on the day after), one born on 29 February (emailed on 28 February
 * in common years), and three with birthdays far away.
 */
export function demoUsers(now: Date, timeZone: string): DemoUser[] {
  const today = wallClockAt(now, timeZone);
  const monthDays = [...WEEK_OFFSETS, 1, ...FAR_OFFSETS].map((offset) => {
    const day = addDays(today, offset);
    return `${pad(day.month)}-${pad(day.day)}`;
  });
  monthDays.push('02-29');
  return monthDays.map((birthMonthDay, i) => {
    const name = NAMES[i % NAMES.length]!;
    const n = pad(i + 1);
    return { userId: `demo-user-${n}`, email: `${name.toLowerCase()}.${n}@example.com`, name, birthMonthDay };
  });
}

/** The birthday job's zone: its scheduled payload's `timeZone`, else UTC. */
function jobTimeZone(ctx: SeedContext): string {
  const payload = ctx.jobs.find((job) => job.name === 'birthday-emails')?.payload as { timeZone?: unknown } | undefined;
  return typeof payload?.timeZone === 'string' ? payload.timeZone : 'UTC';
}

export async function seed(ctx: SeedContext): Promise<string | void> {
  const table = ctx.env(UsersEnv.TABLE_NAME);
  if (!table) return;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(ctx.clientConfig));
  const timeZone = jobTimeZone(ctx);
  const users = demoUsers(ctx.now, timeZone);
  for (let i = 0; i < users.length; i += 25) {
    let requests = users.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
  return `${users.length} users, birthdays on each day of the week from ${ctx.now.toISOString().slice(0, 10)} (${timeZone}) and one on 29 February`;
}
