/**
 * The payment-reminder flow end to end against moto_server: subscription items written to the
 * table, their stream records fed to the subscriptions handler in-process (which schedules through
 * the real Scheduler API), then each schedule "fired" by handing its input, context attributes
 * substituted, to the reminder job run by the real runtime (state table, slot claim) with SES.
 */
import { CreateScheduleGroupCommand, GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateConfigurationSetCommand, CreateEmailIdentityCommand, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../../../lib/contract';
import { sendPaymentReminder } from '../../../../lambdas/jobs/payment-reminder/reminder';
import { handler as subscriptionsHandler } from '../../../../lambdas/jobs/subscriptions/handler';
import { parseReminderPayload, reminderInstant, type ReminderPayload } from '../../../../lambdas/jobs/subscriptions/model';
import { defineJob, JobStateStore } from '../../../../lambdas/runtime';
import { OneTimeScheduler, oneTimeEnvNames } from '../../../../lambdas/runtime/once';
import { useMoto } from '../../../support/moto';
import { createStateTable } from '../../../support/state-table';

const moto = useMoto();
const GROUP = 'app-jobs-once';
const STATE_TABLE = 'JobState';
const SUBSCRIPTIONS = 'Subscriptions';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:payment-reminder';
const env = oneTimeEnvNames('payment-reminder');
const saved: Record<string, string | undefined> = {};

let ddb: DynamoDBDocumentClient;
let scheduler: SchedulerClient;
let ses: SESv2Client;
let reminderHandler: ReturnType<typeof defineJob<ReminderPayload>>;

/** A calendar date `days` from today (UTC), `YYYY-MM-DD`. */
const dateIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const EXPIRY = dateIn(40);
const RENEWED = dateIn(405);

const subscription = (id: string, over: Record<string, unknown> = {}) => ({
  subscriptionId: id,
  email: `${id}@example.com`,
  name: id,
  plan: 'Pro',
  status: 'active',
  expiresOn: EXPIRY,
  timeZone: 'Europe/Paris',
  ...over,
});

let seq = 0;
/** Writes (or deletes) the item and returns the stream record DynamoDB would emit (NEW_AND_OLD_IMAGES). */
async function write(next: Record<string, unknown> | undefined, id: string): Promise<DynamoDBRecord> {
  const old = (await ddb.send(new GetCommand({ TableName: SUBSCRIPTIONS, Key: { subscriptionId: id }, ConsistentRead: true }))).Item;
  if (next) await ddb.send(new PutCommand({ TableName: SUBSCRIPTIONS, Item: next }));
  else await ddb.send(new DeleteCommand({ TableName: SUBSCRIPTIONS, Key: { subscriptionId: id } }));
  return {
    eventName: !next ? 'REMOVE' : old ? 'MODIFY' : 'INSERT',
    dynamodb: {
      SequenceNumber: String(++seq),
      Keys: marshall({ subscriptionId: id }) as never,
      ...(old ? { OldImage: marshall(old) as never } : {}),
      ...(next ? { NewImage: marshall(next) as never } : {}),
    },
  };
}

const stream = (records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

/** What Scheduler delivers when the schedule of `key` fires: its input with the context attributes filled in. */
async function fire(key: string, attempt = 1): Promise<JobEvent> {
  const name = new OneTimeScheduler({ client: scheduler, job: 'payment-reminder', group: GROUP, target: { arn: FUNCTION_ARN, roleArn: 'arn:aws:iam::123456789012:role/s' } }).nameFor(key);
  const schedule = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));
  const input = schedule
    .Target!.Input!.replace('<aws.scheduler.execution-id>', `exec-${attempt}-${key}`)
    .replace('<aws.scheduler.attempt-number>', String(attempt))
    .replace('<aws.scheduler.schedule-arn>', schedule.Arn!);
  return JSON.parse(input) as JobEvent;
}

const lambdaContext = { functionName: 'payment-reminder', invokedFunctionArn: FUNCTION_ARN, awsRequestId: 'r', getRemainingTimeInMillis: () => 300_000 } as Context;

beforeAll(async () => {
  const config = moto.config();
  for (const name of [...Object.values(env), 'AWS_ENDPOINT_URL']) saved[name] = process.env[name];
  // What grantSchedule gives the subscriptions function; the SDK's default client reads AWS_ENDPOINT_URL.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: config.endpoint,
    [env.group]: GROUP,
    [env.targetArn]: FUNCTION_ARN,
    [env.roleArn]: 'arn:aws:iam::123456789012:role/scheduler',
    [env.deadLetterArn]: 'arn:aws:sqs:us-east-1:123456789012:inbox',
    [env.retryAttempts]: '185',
    [env.maxEventAgeSeconds]: '3600',
  });

  const raw = new DynamoDBClient(config);
  ddb = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  scheduler = new SchedulerClient(config);
  ses = new SESv2Client(config);
  await scheduler.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  await createStateTable(raw, STATE_TABLE);
  await raw.send(
    new CreateTableCommand({
      TableName: SUBSCRIPTIONS,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'subscriptionId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'subscriptionId', KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
  await ses.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'reminders' }));

  const store = new JobStateStore({ client: ddb, tableName: STATE_TABLE });
  reminderHandler = defineJob<ReminderPayload>({ name: 'payment-reminder', overlap: 'allow', parsePayload: parseReminderPayload, store }, (ctx) =>
    sendPaymentReminder(ctx, { ddb, table: SUBSCRIPTIONS, email: { ses, from: 'billing@example.com', configurationSet: 'reminders' } }),
  );
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterAll(() => {
  vi.restoreAllMocks();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('payment reminders, from the subscriptions stream to the email', () => {
  it('schedules, moves, cancels, and sends once per subscription and expiry', async () => {
    const sendSpy = vi.spyOn(ses, 'send');
    const emails = () => sendSpy.mock.calls.filter(([command]) => command instanceof SendEmailCommand).length;
    const reminders = new OneTimeScheduler({ client: scheduler, job: 'payment-reminder', group: GROUP, target: { arn: FUNCTION_ARN, roleArn: 'arn:aws:iam::123456789012:role/s' } });

    // Three customers subscribe, with the same expiry and zone: their reminders share one instant.
    const inserts = [await write(subscription('sub-1'), 'sub-1'), await write(subscription('sub-2'), 'sub-2'), await write(subscription('sub-3'), 'sub-3')];
    expect(await subscriptionsHandler(stream(inserts))).toEqual({ batchItemFailures: [] });
    const due = reminderInstant(EXPIRY, 'Europe/Paris');
    expect((await reminders.list()).map((s) => s.name).sort()).toEqual(['sub-1', 'sub-2', 'sub-3'].map((k) => reminders.nameFor(k)).sort());
    expect((await reminders.get('sub-1'))?.at).toEqual(due);

    // Replaying the same records (a retried batch) creates nothing new.
    expect(await subscriptionsHandler(stream(inserts))).toEqual({ batchItemFailures: [] });
    expect(await reminders.list()).toHaveLength(3);

    // The reminder of sub-1 as scheduled before its renewal (fired late, after the renewal below).
    const staleSub1 = await fire('sub-1');

    // sub-1 renews, sub-3 cancels: one reminder moves, one goes.
    const changes = [
      await write(subscription('sub-1', { expiresOn: RENEWED }), 'sub-1'),
      await write(subscription('sub-3', { status: 'cancelled' }), 'sub-3'),
    ];
    expect(await subscriptionsHandler(stream(changes))).toEqual({ batchItemFailures: [] });
    expect((await reminders.get('sub-1'))?.at).toEqual(reminderInstant(RENEWED, 'Europe/Paris'));
    expect((await reminders.get<ReminderPayload>('sub-1'))?.payload).toEqual({ subscriptionId: 'sub-1', expiresOn: RENEWED });
    expect(await reminders.get('sub-3')).toBeUndefined();

    // sub-2's reminder fires: one email. Scheduler delivers it again: a duplicate, no second email.
    const sub2 = await fire('sub-2');
    expect(await reminderHandler(sub2, lambdaContext)).toMatchObject({ status: 'SUCCEEDED', result: { sent: true } });
    expect(await reminderHandler({ ...(await fire('sub-2', 2)) }, lambdaContext)).toMatchObject({ status: 'DUPLICATE' });
    expect(emails()).toBe(1);

    // sub-1's old reminder, at the same instant as sub-2's, is its own run (not a duplicate of
    // sub-2's) and is skipped, saying why: the subscription was renewed.
    expect(staleSub1.scheduledTime).toBe(sub2.scheduledTime);
    expect(await reminderHandler(staleSub1, lambdaContext)).toMatchObject({
      status: 'SUCCEEDED',
      result: { sent: false, skipped: 'expiry-changed', reason: `scheduled for expiry ${EXPIRY}, the subscription now expires on ${RENEWED}` },
    });
    expect(emails()).toBe(1);

    // sub-1's moved reminder sends for the new expiry; the claim is recorded on the subscription.
    expect(await reminderHandler(await fire('sub-1'), lambdaContext)).toMatchObject({ status: 'SUCCEEDED', result: { sent: true, expiresOn: RENEWED } });
    expect(emails()).toBe(2);
    const sub1 = (await ddb.send(new GetCommand({ TableName: SUBSCRIPTIONS, Key: { subscriptionId: 'sub-1' } }))).Item;
    expect(sub1).toMatchObject({ reminderSentFor: RENEWED, reminderStatus: 'SENT' });

    // That write reaches the stream as a MODIFY: it changes no reminder.
    const afterSend = await write(sub1!, 'sub-1');
    expect(await subscriptionsHandler(stream([afterSend]))).toEqual({ batchItemFailures: [] });
    expect((await reminders.get('sub-1'))?.at).toEqual(reminderInstant(RENEWED, 'Europe/Paris'));

    // A deleted subscription loses its pending reminder.
    expect(await subscriptionsHandler(stream([await write(undefined, 'sub-1')]))).toEqual({ batchItemFailures: [] });
    expect(await reminders.get('sub-1')).toBeUndefined();
  });
});
