import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetAccountCommand,
  GetSuppressedDestinationCommand,
  NotFoundException,
  SendEmailCommand,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendMorningPromotions, type PromotionCheckpoint, type PromotionResult } from '../../../../lambdas/jobs/morning-promotions/job';
import { DUE_BUCKETS, dueBucketOf, parsePromotionPayload, type PromotionPayload } from '../../../../lambdas/jobs/morning-promotions/promotions';
import { createTestContext } from '../../../../lambdas/runtime/testing';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESv2Client);

type Item = Record<string, unknown> & { recipientId: string };

/**
 * The recipients table in memory: the due-index Query and the job's four conditional updates,
 * evaluated as DynamoDB would (the moto integration test runs the real expressions).
 */
class FakeRecipients {
  readonly items = new Map<string, Item>();
  /** What the index returns, when it lags the table (an eventually consistent read). */
  readonly staleIndex = new Map<string, Item>();

  put(item: Item): void {
    this.items.set(item.recipientId, { dueBucket: dueBucketOf(item.recipientId), ...item });
  }

  query(input: { ExpressionAttributeValues: Record<string, unknown> }): { Items: Item[] } {
    const { ':bucket': bucket, ':slot': slot } = input.ExpressionAttributeValues as { ':bucket': string; ':slot': string };
    const rows = [...this.items.values()]
      .map((item) => this.staleIndex.get(item.recipientId) ?? item)
      .filter((item) => item.dueBucket === bucket && typeof item.nextSendAt === 'string' && item.nextSendAt <= slot)
      .sort((a, b) => String(a.nextSendAt).localeCompare(String(b.nextSendAt)));
    return { Items: rows.map((r) => structuredClone(r)) };
  }

  update(input: UpdateCommandInput): Record<string, never> {
    const v = input.ExpressionAttributeValues as Record<string, string | boolean>;
    const item = this.items.get((input.Key as { recipientId: string }).recipientId);
    const fail = (): never => {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: item && input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { optedOut: { BOOL: item.optedOut === true } } : undefined,
      });
    };
    if (!item) return fail();
    const expr = input.UpdateExpression!;
    if (expr.startsWith('REMOVE dueBucket')) {
      if (item.optedOut !== true) fail();
      delete item.dueBucket;
      delete item.nextSendAt;
    } else if (expr.includes('lastSentSlot = :slot')) {
      // The claim.
      const last = item.lastSentLocalDate as string | undefined;
      if (item.nextSendAt !== v[':due'] || item.optedOut === true || (last !== undefined && !(last < (v[':localDate'] as string)))) fail();
      Object.assign(item, { nextSendAt: v[':next'], lastSentLocalDate: v[':localDate'], lastSentSlot: v[':slot'] });
    } else if (expr.startsWith('SET nextSendAt = :due')) {
      // The release.
      if (item.nextSendAt !== v[':next'] || item.lastSentLocalDate !== v[':localDate'] || item.lastSentSlot !== v[':slot']) fail();
      item.nextSendAt = v[':due'];
      if (v[':previous'] === undefined) delete item.lastSentLocalDate;
      else item.lastSentLocalDate = v[':previous'];
    } else if (expr === 'SET nextSendAt = :next') {
      if (item.nextSendAt !== v[':due']) fail();
      item.nextSendAt = v[':next'];
    } else {
      throw new Error(`recipients fake: unexpected UpdateExpression ${expr}`);
    }
    return {};
  }
}

let table: FakeRecipients;
let clock: { t: number; sleeps: number[] };

beforeEach(() => {
  table = new FakeRecipients();
  ddbMock.on(QueryCommand).callsFake((input) => table.query(input));
  ddbMock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => table.update(input));
  sesMock.on(GetAccountCommand).resolves({ SendQuota: { MaxSendRate: 14, Max24HourSend: 50_000, SentLast24Hours: 0 } });
  sesMock.on(GetSuppressedDestinationCommand).rejects(new NotFoundException({ message: 'not on the suppression list', $metadata: {} }));
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
  clock = { t: Date.parse('2027-03-28T06:00:05Z'), sleeps: [] };
});
afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
});

const deps = (over: Record<string, unknown> = {}) => ({
  ddb: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  table: 'recipients',
  index: 'byNextSendAt',
  email: { ses: new SESv2Client({}), from: 'offers@example.com' },
  now: () => clock.t,
  sleep: async (ms: number) => {
    clock.sleeps.push(ms);
    clock.t += ms;
  },
  ...over,
});
const payload: PromotionPayload = { subject: "Today's offer", maxLatenessMinutes: 240 };
// 08:00 in Berlin on the EU spring-forward day.
const SLOT = '2027-03-28T06:00:00.000Z';
const ctxAt = (slot = SLOT, extra: Record<string, unknown> = {}) =>
  createTestContext<PromotionPayload>({ job: 'morning-promotions', payload, slot, ...extra });
const recipient = (id: string, over: Record<string, unknown> = {}): Item => ({
  recipientId: id,
  email: `${id}@example.com`,
  name: id,
  timeZone: 'Europe/Berlin',
  nextSendAt: SLOT,
  ...over,
});
const sentTo = () => sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Destination?.ToAddresses?.[0]);
const counts = (result: unknown) => (result as PromotionResult).counts;

describe('sendMorningPromotions', () => {
  it('Queries every due bucket up to the slot (no Scan), claims the local date, sends, and rolls to the next local 08:00', async () => {
    // Prepare: due now in Berlin; due in Kolkata at 02:30Z (late by 3.5 h, still allowed); Sydney not yet due.
    table.put(recipient('berlin'));
    table.put(recipient('kolkata', { timeZone: 'Asia/Kolkata', nextSendAt: '2027-03-28T02:30:00.000Z' }));
    table.put(recipient('sydney', { timeZone: 'Australia/Sydney', nextSendAt: '2027-03-28T21:00:00.000Z' }));

    // Act
    const result = await sendMorningPromotions(ctxAt(), deps());

    // Assess
    expect(counts(result)).toMatchObject({ sent: 2, 'already-claimed': 0 });
    expect(sentTo().sort()).toEqual(['berlin@example.com', 'kolkata@example.com']);
    expect(ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input)).toEqual(
      DUE_BUCKETS.map((bucket) =>
        expect.objectContaining({
          IndexName: 'byNextSendAt',
          KeyConditionExpression: 'dueBucket = :bucket AND nextSendAt <= :slot',
          ExpressionAttributeValues: { ':bucket': bucket, ':slot': SLOT },
        }),
      ),
    );
    expect(table.items.get('berlin')).toMatchObject({ lastSentLocalDate: '2027-03-28', nextSendAt: '2027-03-29T06:00:00.000Z', lastSentSlot: SLOT });
    expect(table.items.get('kolkata')).toMatchObject({ lastSentLocalDate: '2027-03-28', nextSendAt: '2027-03-29T02:30:00.000Z' });
    expect(table.items.get('sydney')).not.toHaveProperty('lastSentLocalDate');
    const emails = sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(emails[0]).toMatchObject({ FromEmailAddress: 'offers@example.com', Content: { Simple: { Subject: { Data: "Today's offer" } } } });
    // Each email names the clock it is timed to (local mode shows the send at that local time).
    expect(Object.fromEntries(emails.map((e) => [e.Destination?.ToAddresses?.[0], e.Content?.Simple?.Headers]))).toEqual({
      'berlin@example.com': [{ Name: 'X-Recipient-Time-Zone', Value: 'Europe/Berlin' }],
      'kolkata@example.com': [{ Name: 'X-Recipient-Time-Zone', Value: 'Asia/Kolkata' }],
    });
  });

  it('respects opt-out: from the index, and when the flag is set after the index was read (the claim re-checks it)', async () => {
    table.put(recipient('out', { optedOut: true }));
    table.put(recipient('late-out', { optedOut: true }));
    table.staleIndex.set('late-out', { ...table.items.get('late-out')!, optedOut: false });
    table.put(recipient('in'));

    const result = await sendMorningPromotions(ctxAt(), deps());

    expect(counts(result)).toMatchObject({ sent: 1, 'opted-out': 2 });
    expect(sentTo()).toEqual(['in@example.com']);
    // Both leave the sparse index.
    expect(table.items.get('out')).not.toHaveProperty('dueBucket');
    expect(table.items.get('late-out')).not.toHaveProperty('nextSendAt');
    expect(table.items.get('late-out')).not.toHaveProperty('lastSentLocalDate');
  });

  it('skips addresses on the account suppression list (NotFound means send) and still moves them to the next day', async () => {
    table.put(recipient('bounced'));
    table.put(recipient('fine'));
    sesMock.on(GetSuppressedDestinationCommand, { EmailAddress: 'bounced@example.com' }).resolves({
      SuppressedDestination: { EmailAddress: 'bounced@example.com', Reason: 'BOUNCE', LastUpdateTime: new Date() },
    });

    const result = await sendMorningPromotions(ctxAt(), deps());

    expect(counts(result)).toMatchObject({ sent: 1, suppressed: 1 });
    expect(sentTo()).toEqual(['fine@example.com']);
    expect(table.items.get('bounced')).toMatchObject({ nextSendAt: '2027-03-29T06:00:00.000Z' });
  });

  it('paces the sends to the account MaxSendRate', async () => {
    sesMock.on(GetAccountCommand).resolves({ SendQuota: { MaxSendRate: 2 } });
    for (const id of ['a', 'b', 'c', 'd', 'e']) table.put(recipient(id));
    const starts: number[] = [];
    sesMock.on(SendEmailCommand).callsFake(async () => {
      starts.push(clock.t);
      return { MessageId: 'm' };
    });

    const result = await sendMorningPromotions(ctxAt(), deps({ concurrency: 1 }));

    expect(result).toMatchObject({ sendRate: 2, counts: { sent: 5 } });
    const t0 = starts[0]!;
    expect(starts.map((t) => t - t0)).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it('concurrent sends reserve evenly spaced start times', async () => {
    sesMock.on(GetAccountCommand).resolves({ SendQuota: { MaxSendRate: 4 } });
    for (const id of ['a', 'b', 'c', 'd']) table.put(recipient(id));
    const sleeps: number[] = [];

    // The clock stands still: all four ask at once.
    await sendMorningPromotions(ctxAt(), deps({ concurrency: 4, sleep: async (ms: number) => void sleeps.push(ms) }));

    expect(sleeps).toEqual([250, 500, 750]);
  });

  it('a retry, a redrive or an overlapping run of the same slot sends nothing twice', async () => {
    for (const id of ['a', 'b', 'c']) table.put(recipient(id));

    // Two runs at once (an overlapping or duplicate delivery), then a retry.
    const [one, two] = await Promise.all([sendMorningPromotions(ctxAt(), deps()), sendMorningPromotions(ctxAt(), deps())]);
    const retry = await sendMorningPromotions(ctxAt(SLOT, { attempt: 2 }), deps());

    expect(sentTo().sort()).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(counts(one).sent + counts(two).sent).toBe(3);
    expect(counts(retry).sent).toBe(0);
  });

  it('SES throttling: the refused email is released and sent by the retry; nothing is sent twice, nothing lost', async () => {
    for (const id of ['a', 'b', 'c']) table.put(recipient(id));
    let refused = 0;
    sesMock.on(SendEmailCommand).callsFake(async (input: { Destination: { ToAddresses: string[] } }) => {
      if (input.Destination.ToAddresses[0] === 'b@example.com' && refused++ === 0) {
        throw new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: {} });
      }
      return { MessageId: 'm' };
    });

    await expect(sendMorningPromotions(ctxAt(), deps())).rejects.toThrow(
      "job 'morning-promotions': slot 2027-03-28T06:00:00.000Z: promotions failed: 1 (1 released for a retry, 0 with an unknown outcome; " +
        "first: recipient 'b': SES refused (TooManyRequestsException), claim released: Maximum sending rate exceeded.); 2 sent",
    );
    expect(table.items.get('b')).toMatchObject({ nextSendAt: SLOT });
    expect(table.items.get('b')).not.toHaveProperty('lastSentLocalDate');

    const retry = await sendMorningPromotions(ctxAt(SLOT, { attempt: 2 }), deps());

    expect(counts(retry)).toMatchObject({ sent: 1 });
    // b was attempted twice (refused once), every address accepted exactly once.
    expect(sentTo().sort()).toEqual(['a@example.com', 'b@example.com', 'b@example.com', 'c@example.com']);
    expect(table.items.get('b')).toMatchObject({ lastSentLocalDate: '2027-03-28', nextSendAt: '2027-03-29T06:00:00.000Z' });
  });

  it('an unknown send outcome (a server fault) keeps the claim: at most once, and the run fails so it is seen', async () => {
    table.put(recipient('a', { lastSentLocalDate: '2027-03-27' }));
    sesMock.on(SendEmailCommand).rejects(new SESv2ServiceException({ name: 'InternalFailure', $fault: 'server', $metadata: {}, message: 'try again' }));

    await expect(sendMorningPromotions(ctxAt(), deps())).rejects.toThrow("recipient 'a': outcome unknown, claim kept: try again");
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
    const retry = await sendMorningPromotions(ctxAt(SLOT, { attempt: 2 }), deps());

    expect(counts(retry).sent).toBe(0);
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(table.items.get('a')).toMatchObject({ lastSentLocalDate: '2027-03-28' });
  });

  it('a failed suppression check releases the claim: no email was attempted', async () => {
    table.put(recipient('a'));
    sesMock.on(GetSuppressedDestinationCommand).rejects(new SESv2ServiceException({ name: 'InternalFailure', $fault: 'server', $metadata: {}, message: 'down' }));
    await expect(sendMorningPromotions(ctxAt(), deps())).rejects.toThrow("recipient 'a': suppression check failed, claim released: down");
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(table.items.get('a')).toMatchObject({ nextSendAt: SLOT });
  });

  it('a release puts back the previous local date', async () => {
    table.put(recipient('a', { lastSentLocalDate: '2027-03-27' }));
    sesMock.on(SendEmailCommand).rejects(new TooManyRequestsException({ message: 'Daily message quota exceeded.', $metadata: {} }));
    await expect(sendMorningPromotions(ctxAt(), deps())).rejects.toThrow('claim released');
    expect(table.items.get('a')).toMatchObject({ lastSentLocalDate: '2027-03-27', nextSendAt: SLOT });
  });

  it('a recipient without a known zone or an address is skipped, and the others are sent', async () => {
    table.put(recipient('moon', { timeZone: 'Moon/Base' }));
    table.put(recipient('nomail', { email: undefined }));
    table.put(recipient('ok'));
    const result = await sendMorningPromotions(ctxAt(), deps());
    expect(counts(result)).toMatchObject({ sent: 1, invalid: 2 });
    expect(sentTo()).toEqual(['ok@example.com']);
  });

  it('a day whose morning is over expires unsent and moves on to the next 08:00', async () => {
    // Due 08:00 Berlin on 27 March; the run is 08:00 on the 28th.
    table.put(recipient('a', { nextSendAt: '2027-03-27T07:00:00.000Z' }));
    const result = await sendMorningPromotions(ctxAt(), deps());
    expect(counts(result)).toMatchObject({ sent: 0, expired: 1 });
    expect(table.items.get('a')).toMatchObject({ nextSendAt: '2027-03-29T06:00:00.000Z' });
  });

  it('without GetAccount (an emulator) sends at the sandbox rate of one a second', async () => {
    const missing = Object.assign(new SyntaxError('Unexpected token <'), { $metadata: { httpStatusCode: 404 } });
    sesMock.on(GetAccountCommand).rejects(missing);
    sesMock.on(GetSuppressedDestinationCommand).rejects(missing);
    table.put(recipient('a'));
    table.put(recipient('b'));
    const result = await sendMorningPromotions(ctxAt(), deps());
    expect(result).toMatchObject({ sendRate: 1, counts: { sent: 2 } });
    expect(clock.sleeps).toEqual([1000]);
  });

  it('continues in a new invocation at the next bucket when time runs short', async () => {
    table.put(recipient('a'));
    const first = ctxAt(SLOT, { remainingTimeMs: 10_000 });
    expect(await sendMorningPromotions(first, deps())).toEqual({ continuedLater: true, sequence: 1 });
    const saved = first.continuations[0] as PromotionCheckpoint;
    expect(saved.bucketIndex).toBe(1);

    const second = ctxAt(SLOT, { sequence: 1, checkpoint: saved });
    const result = await sendMorningPromotions(second, deps());
    expect(counts(result).sent).toBe(1);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(DUE_BUCKETS.length);
  });
});

describe('parsePromotionPayload', () => {
  it('defaults and validation', () => {
    expect(parsePromotionPayload(undefined)).toEqual({ subject: "Today's offer", maxLatenessMinutes: 240 });
    expect(() => parsePromotionPayload({ maxLatenessMinutes: 2000 })).toThrow(
      'morning-promotions payload: maxLatenessMinutes must be an integer from 0 to 1440 (got 2000)',
    );
    expect(() => parsePromotionPayload({ subject: '' })).toThrow('morning-promotions payload: subject must be a non-empty string (got "")');
  });
});
