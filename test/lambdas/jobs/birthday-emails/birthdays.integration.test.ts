// The birthday job against moto_server: the month-day index Query and the once-a-year claim as
// DynamoDB evaluates them, with SES accepting the emails.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEmailIdentityCommand, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BIRTHDAY_INDEX, type BirthdayPayload } from '../../../../lambdas/jobs/birthday-emails/birthdays';
import { sendBirthdayEmails } from '../../../../lambdas/jobs/birthday-emails/job';
import { createTestContext } from '../../../../lambdas/runtime/testing';
import { useMoto } from '../../../support/moto';

const moto = useMoto();
const USERS = 'Users';
let ddb: DynamoDBDocumentClient;
let ses: SESv2Client;

beforeAll(async () => {
  const raw = new DynamoDBClient(moto.config());
  ddb = DynamoDBDocumentClient.from(raw);
  ses = new SESv2Client(moto.config());
  await raw.send(
    new CreateTableCommand({
      TableName: USERS,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'userId', AttributeType: 'S' },
        { AttributeName: 'birthMonthDay', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: BIRTHDAY_INDEX,
          KeySchema: [
            { AttributeName: 'birthMonthDay', KeyType: 'HASH' },
            { AttributeName: 'userId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['email', 'name'] },
        },
      ],
    }),
  );
  const users = [
    ['ada', '02-28'],
    ['leapling', '02-29'],
    ['grace', '03-01'],
    ['alan', '02-28'],
  ];
  await ddb.send(
    new BatchWriteCommand({
      RequestItems: {
        [USERS]: users.map(([id, md]) => ({ PutRequest: { Item: { userId: id, name: id, email: `${id}@example.com`, birthMonthDay: md } } })),
      },
    }),
  );
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
});

describe('birthday emails against moto_server', () => {
  it('on 28 February of a common year emails the 28 February and 29 February birthdays once', async () => {
    const send = vi.spyOn(ses, 'send');
    const deps = { ddb, table: USERS, index: BIRTHDAY_INDEX, email: { ses, from: 'hello@example.com' }, pageSize: 1 };
    const slot = '2027-02-28T09:00:00.000Z';

    const first = await sendBirthdayEmails(createTestContext<BirthdayPayload>({ payload: { timeZone: 'Europe/London' }, slot }), deps);
    expect(first).toEqual({ date: '2027-02-28', monthDays: ['02-28', '02-29'], sent: 3, alreadySent: 0 });
    const recipients = send.mock.calls
      .map(([c]) => c as unknown)
      .filter((c): c is SendEmailCommand => c instanceof SendEmailCommand)
      .map((c) => c.input.Destination?.ToAddresses?.[0])
      .sort();
    expect(recipients).toEqual(['ada@example.com', 'alan@example.com', 'leapling@example.com']);
    const ada = (await ddb.send(new GetCommand({ TableName: USERS, Key: { userId: 'ada' } }))).Item;
    expect(ada).toMatchObject({ birthdayEmailYear: 2027, birthdayEmailStatus: 'SENT', birthdayEmailSlot: slot });

    // A manual rerun the same day (another slot) sends nothing more.
    const again = await sendBirthdayEmails(
      createTestContext<BirthdayPayload>({ payload: { timeZone: 'Europe/London' }, slot: '2027-02-28T15:00:00.000Z', manual: true }),
      deps,
    );
    expect(again).toEqual({ date: '2027-02-28', monthDays: ['02-28', '02-29'], sent: 0, alreadySent: 3 });
    expect(send.mock.calls.filter(([c]) => c instanceof SendEmailCommand)).toHaveLength(3);
  });
});
