// The morning promotions against moto_server: the sparse due index's Query and the claim, release and
// opt-out conditions as DynamoDB evaluates them, with SES accepting the emails. moto implements
// neither GetAccount nor GetSuppressedDestination, so the job's emulator fallbacks run here too.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEmailIdentityCommand, SendEmailCommand, SESv2Client, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sendMorningPromotions, type PromotionResult } from '../../../../lambdas/jobs/morning-promotions/job';
import { DUE_INDEX, DUE_INDEX_PROJECTION, enrollment, type PromotionPayload } from '../../../../lambdas/jobs/morning-promotions/promotions';
import { createTestContext } from '../../../../lambdas/runtime/testing';
import { useMoto } from '../../../support/moto';

// Two runs race on the same conditional claims: DynamoDB applies each single-item write atomically,
// threaded moto does not, so the emulator serves one request at a time (as the runtime's race tests do).
const moto = useMoto({ atomic: true });
const RECIPIENTS = 'Recipients';
let ddb: DynamoDBDocumentClient;
let ses: SESv2Client;

// The EU spring-forward day: 08:00 in Berlin is 06:00Z (it was 07:00Z the day before).
const DAY_BEFORE = new Date('2027-03-27T12:00:00.000Z');
const SLOT = '2027-03-28T06:00:00.000Z';
const payload: PromotionPayload = { subject: "Today's offer", maxLatenessMinutes: 240 };

beforeAll(async () => {
  const raw = new DynamoDBClient(moto.config());
  ddb = DynamoDBDocumentClient.from(raw);
  ses = new SESv2Client(moto.config());
  await raw.send(
    new CreateTableCommand({
      TableName: RECIPIENTS,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'recipientId', AttributeType: 'S' },
        { AttributeName: 'dueBucket', AttributeType: 'S' },
        { AttributeName: 'nextSendAt', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'recipientId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: DUE_INDEX,
          KeySchema: [
            { AttributeName: 'dueBucket', KeyType: 'HASH' },
            { AttributeName: 'nextSendAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...DUE_INDEX_PROJECTION] },
        },
      ],
    }),
  );
  // Enrolled the day before: the Berlin and London recipients are due at 06:00Z and 07:00Z on the 28th.
  const people: [string, string, Record<string, unknown>?][] = [
    ['anna', 'Europe/Berlin'],
    ['ben', 'Europe/Berlin'],
    ['carl', 'Europe/Berlin'],
    ['dora', 'Europe/Berlin', { optedOut: true }],
    ['emma', 'Europe/Berlin'],
    ['finn', 'Europe/London'],
  ];
  await ddb.send(
    new BatchWriteCommand({
      RequestItems: {
        [RECIPIENTS]: people.map(([id, zone, extra]) => ({
          PutRequest: { Item: { recipientId: id, name: id, email: `${id}@example.com`, timeZone: zone, ...enrollment(id, zone, DAY_BEFORE), ...extra } },
        })),
      },
    }),
  );
  // Not enrolled (no nextSendAt): never in the index.
  await ddb.send(
    new BatchWriteCommand({ RequestItems: { [RECIPIENTS]: [{ PutRequest: { Item: { recipientId: 'gus', email: 'gus@example.com', timeZone: 'UTC' } } }] } }),
  );
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
});
afterEach(() => {
  vi.restoreAllMocks();
});

const deps = () => ({ ddb, table: RECIPIENTS, index: DUE_INDEX, email: { ses, from: 'offers@example.com' }, pageSize: 2, now: () => Date.parse(SLOT), sleep: async () => undefined });
const run = (attempt = 1) => sendMorningPromotions(createTestContext<PromotionPayload>({ job: 'morning-promotions', payload, slot: SLOT, attempt }), deps());
const recipient = async (id: string) => (await ddb.send(new GetCommand({ TableName: RECIPIENTS, Key: { recipientId: id }, ConsistentRead: true }))).Item!;

describe('morning promotions against moto_server', () => {
  it('at 08:00 Berlin on the spring-forward day: each due recipient once, SES refusals retried, opt-outs respected, nothing twice', async () => {
    const accepted: string[] = [];
    let refusedBen = false;
    const realSend = ses.send.bind(ses) as (command: unknown) => Promise<never>;
    vi.spyOn(ses, 'send').mockImplementation(async (command: unknown) => {
      if (command instanceof SendEmailCommand) {
        const to = command.input.Destination!.ToAddresses![0]!;
        if (to === 'ben@example.com' && !refusedBen) {
          refusedBen = true;
          throw new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: {} });
        }
        const out = await realSend(command);
        accepted.push(to);
        return out;
      }
      return realSend(command);
    });
    // Carl opts out after enrollment.
    await ddb.send(new UpdateCommand({ TableName: RECIPIENTS, Key: { recipientId: 'carl' }, UpdateExpression: 'SET optedOut = :t', ExpressionAttributeValues: { ':t': true } }));

    // The first attempt: ben is refused (released), the run fails.
    await expect(run()).rejects.toThrow(
      "job 'morning-promotions': slot 2027-03-28T06:00:00.000Z: promotions failed: 1 (1 released for a retry, 0 with an unknown outcome; " +
        "first: recipient 'ben': SES refused (TooManyRequestsException), claim released: Maximum sending rate exceeded.); 2 sent",
    );
    expect(await recipient('ben')).toMatchObject({ nextSendAt: SLOT });
    expect(await recipient('ben')).not.toHaveProperty('lastSentLocalDate');

    // The retry and an overlapping duplicate delivery of the same slot.
    const [retry, duplicate] = (await Promise.all([run(2), run(2)])) as PromotionResult[];

    expect(retry!.counts.sent + duplicate!.counts.sent).toBe(1);
    expect(accepted.sort()).toEqual(['anna@example.com', 'ben@example.com', 'emma@example.com']);
    // London's 08:00 is 07:00Z: not yet.
    expect(await recipient('finn')).not.toHaveProperty('lastSentLocalDate');
    // Sent: the local date claimed, the next local 08:00 (06:00Z on the 29th, CEST).
    for (const id of ['anna', 'ben', 'emma']) {
      expect(await recipient(id)).toMatchObject({ lastSentLocalDate: '2027-03-28', nextSendAt: '2027-03-29T06:00:00.000Z' });
    }
    // Opted out, in the index or not: no email, and out of the index.
    for (const id of ['carl', 'dora']) {
      const item = await recipient(id);
      expect(item).not.toHaveProperty('lastSentLocalDate');
      expect(item).not.toHaveProperty('dueBucket');
    }
    // A redrive of the slot a day later sends nothing more.
    const redrive = (await sendMorningPromotions(
      createTestContext<PromotionPayload>({ job: 'morning-promotions', payload, slot: SLOT, attempt: 3 }),
      { ...deps(), now: () => Date.parse('2027-03-29T05:00:00Z') },
    )) as PromotionResult;
    expect(redrive.counts.sent).toBe(0);
    expect(accepted).toHaveLength(3);
  });

  it('an opt-out the index has not caught up with yet: the claim itself refuses it', async () => {
    const id = 'hana';
    await ddb.send(
      new BatchWriteCommand({
        RequestItems: {
          [RECIPIENTS]: [{ PutRequest: { Item: { recipientId: id, email: 'hana@example.com', timeZone: 'Asia/Kathmandu', optedOut: true, ...enrollment(id, 'Asia/Kathmandu', DAY_BEFORE) } } }],
        },
      }),
    );
    const { nextSendAt } = await recipient(id);
    expect(nextSendAt).toBe('2027-03-28T02:15:00.000Z'); // 08:00 +05:45
    // The index read lags: it still shows her opted in.
    const realSend = ddb.send.bind(ddb) as (command: unknown) => Promise<{ Items?: Record<string, unknown>[] }>;
    vi.spyOn(ddb, 'send').mockImplementation(async (command: unknown) => {
      const out = await realSend(command);
      if (command instanceof QueryCommand) return { ...out, Items: out.Items?.map((item) => (item.recipientId === id ? { ...item, optedOut: false } : item)) } as never;
      return out as never;
    });
    const sesSend = vi.spyOn(ses, 'send');

    const result = (await run()) as PromotionResult;

    expect(result.counts).toMatchObject({ sent: 0, 'opted-out': 1 });
    expect(sesSend.mock.calls.filter(([c]) => c instanceof SendEmailCommand)).toHaveLength(0);
    const item = await recipient(id);
    expect(item).not.toHaveProperty('lastSentLocalDate');
    expect(item).not.toHaveProperty('dueBucket');
  });
});
