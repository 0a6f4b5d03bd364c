import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { birthdayDay, isLeapYear, parseBirthdayPayload, type BirthdayPayload } from '../../../../lambdas/jobs/birthday-emails/birthdays';
import { sendBirthdayEmails, type BirthdayCheckpoint } from '../../../../lambdas/jobs/birthday-emails/job';
import { createTestContext } from '../../../../lambdas/runtime/testing';

describe('birthdayDay', () => {
  it.each([
    // a common year: 29 February birthdays are celebrated on 28 February
    ['2027-02-28T08:00:00Z', 'UTC', '2027-02-28', ['02-28', '02-29']],
    // a leap year: each on its own day
    ['2028-02-28T08:00:00Z', 'UTC', '2028-02-28', ['02-28']],
    ['2028-02-29T08:00:00Z', 'UTC', '2028-02-29', ['02-29']],
    ['2027-03-01T08:00:00Z', 'UTC', '2027-03-01', ['03-01']],
    // "today" is the slot's date in the job's zone: 23:30 UTC on 27 Feb is 28 Feb in Tokyo
    ['2027-02-27T23:30:00Z', 'Asia/Tokyo', '2027-02-28', ['02-28', '02-29']],
    // ... and 1 March 00:30 UTC is still 28 Feb in New York
    ['2027-03-01T00:30:00Z', 'America/New_York', '2027-02-28', ['02-28', '02-29']],
    // 1900 and 2100 are not leap years, 2000 is
    ['2100-02-28T08:00:00Z', 'UTC', '2100-02-28', ['02-28', '02-29']],
    ['2000-02-28T08:00:00Z', 'UTC', '2000-02-28', ['02-28']],
  ])('%s in %s is %s: %j', (slot, zone, date, monthDays) => {
    expect(birthdayDay(new Date(slot), zone)).toEqual({ date, year: Number(date.slice(0, 4)), monthDays });
  });

  it('leap years', () => {
    expect([1900, 2000, 2024, 2027, 2100].map(isLeapYear)).toEqual([false, true, true, false, false]);
  });

  it('payload zone defaults to UTC and must be valid', () => {
    expect(parseBirthdayPayload(undefined)).toEqual({ timeZone: 'UTC' });
    expect(() => parseBirthdayPayload({ timeZone: 'Moon/Base' })).toThrow(
      "birthday-emails payload: timeZone must be an IANA time zone such as 'Europe/London' (got \"Moon/Base\")",
    );
  });
});

const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESv2Client);
afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
});

const deps = (over: Record<string, unknown> = {}) => ({
  ddb: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  table: 'users',
  index: 'byBirthMonthDay',
  email: { ses: new SESv2Client({}), from: 'hello@example.com' },
  ...over,
});
const user = (id: string, monthDay: string) => ({ userId: id, email: `${id}@example.com`, name: id, birthMonthDay: monthDay });
const SLOT = '2027-02-28T08:00:00.000Z';

describe('sendBirthdayEmails', () => {
  it('queries the index for 28 and 29 February in a common year (no Scan) and emails each user once', async () => {
    ddbMock
      .on(QueryCommand, { ExpressionAttributeValues: { ':monthDay': '02-28' } })
      .resolves({ Items: [user('u1', '02-28'), user('u2', '02-28')] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':monthDay': '02-29' } })
      .resolves({ Items: [user('leap', '02-29')] });
    // u2 was emailed by an earlier run this year: its claim fails.
    ddbMock.on(UpdateCommand).callsFake(async (input: { Key: { userId: string }; ExpressionAttributeValues: Record<string, unknown> }) => {
      if (input.Key.userId === 'u2' && input.ExpressionAttributeValues[':sending'] === 'SENDING') {
        throw new ConditionalCheckFailedException({ message: 'done already', $metadata: {} });
      }
      return {};
    });
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });

    const ctx = createTestContext<BirthdayPayload>({ job: 'birthday-emails', payload: { timeZone: 'UTC' }, slot: SLOT });
    const result = await sendBirthdayEmails(ctx, deps());

    expect(result).toEqual({ date: '2027-02-28', monthDays: ['02-28', '02-29'], sent: 2, alreadySent: 1 });
    expect(ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ IndexName: 'byBirthMonthDay', KeyConditionExpression: 'birthMonthDay = :monthDay', ExpressionAttributeValues: { ':monthDay': '02-28' } }),
      expect.objectContaining({ IndexName: 'byBirthMonthDay', ExpressionAttributeValues: { ':monthDay': '02-29' } }),
    ]);
    expect(sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Destination?.ToAddresses?.[0]).sort()).toEqual([
      'leap@example.com',
      'u1@example.com',
    ]);
    const claim = ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(claim.ExpressionAttributeValues).toMatchObject({ ':year': 2027, ':slot': SLOT });
  });

  it('continues in a new invocation from the next page when time runs short, and resumes there', async () => {
    ddbMock
      .on(QueryCommand, { ExclusiveStartKey: undefined, ExpressionAttributeValues: { ':monthDay': '03-01' } })
      .resolves({ Items: [user('a', '03-01')], LastEvaluatedKey: { userId: 'a', birthMonthDay: '03-01' } })
      .on(QueryCommand, { ExclusiveStartKey: { userId: 'a', birthMonthDay: '03-01' } })
      .resolves({ Items: [user('b', '03-01')] });
    ddbMock.on(UpdateCommand).resolves({});
    sesMock.on(SendEmailCommand).resolves({});

    const slot = '2027-03-01T08:00:00.000Z';
    const first = createTestContext<BirthdayPayload>({ payload: { timeZone: 'UTC' }, slot, remainingTimeMs: 10_000 });
    const out = await sendBirthdayEmails(first, deps());
    expect(out).toEqual({ continuedLater: true, sequence: 1 });
    const saved = first.continuations[0] as BirthdayCheckpoint;
    expect(saved).toEqual({ date: '2027-03-01', monthDayIndex: 0, cursor: { userId: 'a', birthMonthDay: '03-01' }, sent: 1, alreadySent: 0 });

    const second = createTestContext<BirthdayPayload>({ payload: { timeZone: 'UTC' }, slot, sequence: 1, checkpoint: saved });
    expect(await sendBirthdayEmails(second, deps())).toEqual({ date: '2027-03-01', monthDays: ['03-01'], sent: 2, alreadySent: 0 });
    expect(sesMock).toReceiveCommandTimes(SendEmailCommand, 2);
  });

  it('fails the run when an email fails, after finishing the page', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [user('a', '03-01'), user('b', '03-01')] });
    ddbMock.on(UpdateCommand).resolves({});
    sesMock
      .on(SendEmailCommand)
      .resolves({})
      .on(SendEmailCommand, { Destination: { ToAddresses: ['a@example.com'] } })
      .rejects(new Error('throttled'));
    const ctx = createTestContext<BirthdayPayload>({ job: 'birthday-emails', payload: { timeZone: 'UTC' }, slot: '2027-03-01T08:00:00.000Z' });
    await expect(sendBirthdayEmails(ctx, deps())).rejects.toThrow(
      "job 'birthday-emails': 2027-03-01: 1 of 2 birthday emails of this page failed (first: user 'a': throttled); the users done are recorded and a retry sends the rest",
    );
    expect(sesMock).toReceiveCommandTimes(SendEmailCommand, 2);
  });
});
