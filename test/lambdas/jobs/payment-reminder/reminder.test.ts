import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { decideReminder, reminderMessage, sendPaymentReminder } from '../../../../lambdas/jobs/payment-reminder/reminder';
import type { ReminderPayload } from '../../../../lambdas/jobs/subscriptions/model';
import { createTestContext } from '../../../../lambdas/runtime/testing';

const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESv2Client);
afterEach(() => {
  ddbMock.reset();
  sesMock.reset();
});

const SLOT = '2027-02-26T08:00:00.000Z';
const payload: ReminderPayload = { subscriptionId: 'sub-1', expiresOn: '2027-03-01' };
const active = {
  subscriptionId: 'sub-1',
  email: 'ada@example.com',
  name: 'Ada',
  plan: 'Pro',
  status: 'active',
  expiresOn: '2027-03-01',
  timeZone: 'Europe/Paris',
};
const deps = () => ({
  ddb: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  table: 'subscriptions',
  email: { ses: new SESv2Client({}), from: 'billing@example.com', configurationSet: 'reminders' },
  now: () => new Date(SLOT),
});
const ctx = () => createTestContext<ReminderPayload>({ job: 'payment-reminder', payload, slot: SLOT });
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('decideReminder', () => {
  it.each([
    [undefined, { send: false, skipped: 'subscription-not-found', reason: "subscription 'sub-1' no longer exists" }],
    [{ ...active, status: 'cancelled' }, { send: false, skipped: 'subscription-not-active', reason: 'subscription is cancelled' }],
    [
      { ...active, expiresOn: '2028-03-01' },
      { send: false, skipped: 'expiry-changed', reason: 'scheduled for expiry 2027-03-01, the subscription now expires on 2028-03-01' },
    ],
    [
      { ...active, reminderSentFor: '2027-03-01', reminderStatus: 'SENT', reminderSlot: SLOT },
      { send: false, skipped: 'already-sent', reason: 'the reminder for expiry 2027-03-01 was already sent' },
    ],
    [
      { ...active, reminderSentFor: '2027-03-01', reminderStatus: 'SENDING', reminderSlot: '2027-02-26T07:00:00.000Z' },
      {
        send: false,
        skipped: 'claimed-by-another-run',
        reason: 'the reminder for expiry 2027-03-01 is being sent by the run of 2027-02-26T07:00:00.000Z',
      },
    ],
  ])('%#: skips, saying why', (item, expected) => {
    expect(decideReminder(payload, item, SLOT)).toEqual(expected);
  });

  it('sends for an active subscription with the same expiry, also after its own failed attempt', () => {
    expect(decideReminder(payload, active, SLOT)).toMatchObject({ send: true });
    expect(decideReminder(payload, { ...active, reminderSentFor: '2027-03-01', reminderStatus: 'SENDING', reminderSlot: SLOT }, SLOT)).toMatchObject({
      send: true,
    });
    // A reminder sent for the previous expiry is no obstacle.
    expect(decideReminder(payload, { ...active, reminderSentFor: '2026-03-01', reminderStatus: 'SENT' }, SLOT)).toMatchObject({ send: true });
  });
});

describe('reminderMessage', () => {
  it('names the plan and the date', () => {
    const m = reminderMessage({ ...active, name: 'Ada <admin>' });
    expect(m.to).toBe('ada@example.com');
    expect(m.subject).toBe('Your subscription expires on 1 March 2027');
    expect(m.text).toBe('Hello Ada <admin>,\n\nYour Pro subscription expires on 1 March 2027. Renew before then to keep it without interruption.\n');
    expect(m.html).toContain('Hello Ada &lt;admin&gt;,');
  });
});

describe('sendPaymentReminder', () => {
  it('claims the reminder for this expiry, sends one email, marks it SENT', async () => {
    ddbMock.on(GetCommand).resolves({ Item: active });
    ddbMock.on(UpdateCommand).resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

    const result = await sendPaymentReminder(ctx(), deps());

    expect(result).toEqual({ subscriptionId: 'sub-1', expiresOn: '2027-03-01', sent: true, messageId: 'm-1' });
    const [claim, mark] = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(claim).toMatchObject({
      Key: { subscriptionId: 'sub-1' },
      ConditionExpression:
        'attribute_exists(subscriptionId) AND #status = :active AND expiresOn = :expiry AND ' +
        '(attribute_not_exists(reminderSentFor) OR reminderSentFor <> :expiry OR (reminderStatus = :sending AND reminderSlot = :slot))',
      ExpressionAttributeValues: expect.objectContaining({ ':expiry': '2027-03-01', ':slot': SLOT, ':sending': 'SENDING' }),
    });
    expect(mark).toMatchObject({ ExpressionAttributeValues: expect.objectContaining({ ':sent': 'SENT', ':id': 'm-1' }) });
    expect(sesMock).toReceiveCommandTimes(SendEmailCommand, 1);
    expect(sesMock).toReceiveCommandWith(SendEmailCommand, {
      FromEmailAddress: 'billing@example.com',
      Destination: { ToAddresses: ['ada@example.com'] },
      ConfigurationSetName: 'reminders',
    });
  });

  it('skips without sending when the subscription was renewed since scheduling', async () => {
    ddbMock.on(GetCommand).resolves({ Item: { ...active, expiresOn: '2028-03-01' } });
    const result = await sendPaymentReminder(ctx(), deps());
    expect(result).toEqual({
      subscriptionId: 'sub-1',
      expiresOn: '2027-03-01',
      sent: false,
      skipped: 'expiry-changed',
      reason: 'scheduled for expiry 2027-03-01, the subscription now expires on 2028-03-01',
    });
    expect(ddbMock).toReceiveCommandTimes(UpdateCommand, 0);
    expect(sesMock).toReceiveCommandTimes(SendEmailCommand, 0);
  });

  it('skips when the subscription is cancelled between the read and the claim', async () => {
    ddbMock
      .on(GetCommand)
      .resolvesOnce({ Item: active })
      .resolvesOnce({ Item: { ...active, status: 'cancelled' } });
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    const result = await sendPaymentReminder(ctx(), deps());
    expect(result).toMatchObject({ sent: false, skipped: 'subscription-not-active' });
    expect(sesMock).toReceiveCommandTimes(SendEmailCommand, 0);
  });

  it('lets an SES failure through (the run retries; its own claim lets it send then)', async () => {
    ddbMock.on(GetCommand).resolves({ Item: active });
    ddbMock.on(UpdateCommand).resolves({});
    sesMock.on(SendEmailCommand).rejects(new Error('SES is down'));
    await expect(sendPaymentReminder(ctx(), deps())).rejects.toThrow('SES is down');
    expect(ddbMock).toReceiveCommandTimes(UpdateCommand, 1);
  });
});
