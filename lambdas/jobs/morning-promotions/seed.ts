/**
 * Local-mode demo data (`cdk-jobs dev`): two recipients in each of the zones the team sells to,
 * from Los Angeles to Chatham (+12:45/+13:45), each enrolled in the due index with its next local
 * 08:00 after the instant local time starts; one in each of three zones has opted out (still in the
 * index, as after an opt-out the job has not yet seen: the job's claim refuses them and takes them
 * out). Runs only when the stack has the recipients table (found through `PROMOTIONS_TABLE_NAME`).
 * The sender identity is not seeded: local mode provisions the stack's SES email identity itself.
 * Not part of any bundle.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SeedContext } from '../../runtime/testing';
import { enrollment, PromotionsEnv } from './promotions';

/** The zones of the demo recipients. */
export const DEMO_ZONES: readonly string[] = [
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Sydney',
  'Pacific/Chatham',
];

/** Zones whose second recipient has opted out. */
const OPTED_OUT_ZONES = new Set(['Europe/Berlin', 'Asia/Kathmandu', 'Pacific/Chatham']);

const NAMES = ['Amara', 'Bruno', 'Chloe', 'Dieter', 'Esha', 'Fulan', 'Grace', 'Hemi', 'Ines', 'Jonas', 'Kiran', 'Lena', 'Maya', 'Nils', 'Olivia', 'Priya'];

/** A recipient item as the seed writes it. */
export interface DemoRecipient {
  readonly recipientId: string;
  readonly email: string;
  readonly name: string;
  readonly timeZone: string;
  readonly optedOut: boolean;
  readonly dueBucket: string;
  readonly nextSendAt: string;
}

/** The demo recipients, deterministic for a given start instant. */
export function demoRecipients(now: Date): DemoRecipient[] {
  return DEMO_ZONES.flatMap((timeZone, z) =>
    [0, 1].map((k) => {
      const n = String(z * 2 + k + 1).padStart(2, '0');
      const name = NAMES[(z * 2 + k) % NAMES.length]!;
      const recipientId = `demo-recipient-${n}`;
      return {
        recipientId,
        email: `${name.toLowerCase()}.${n}@example.com`,
        name,
        timeZone,
        optedOut: k === 1 && OPTED_OUT_ZONES.has(timeZone),
        ...enrollment(recipientId, timeZone, now),
      };
    }),
  );
}

export async function seed(ctx: SeedContext): Promise<string | void> {
  const table = ctx.env(PromotionsEnv.TABLE_NAME);
  if (!table) return;
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient(ctx.clientConfig));
  const recipients = demoRecipients(ctx.now);
  for (let i = 0; i < recipients.length; i += 25) {
    let requests = recipients.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
  const optedOut = recipients.filter((r) => r.optedOut).length;
  return `${recipients.length} promotion recipients in ${DEMO_ZONES.length} zones (${optedOut} opted out), each due at its next local 08:00`;
}
