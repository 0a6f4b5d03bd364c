import { Logger } from '@aws-lambda-powertools/logger';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { processSubscriptionRecords, type ReminderScheduler } from '../../../../lambdas/jobs/subscriptions/handler';
import { OneTimeScheduleRequestError } from '../../../../lambdas/runtime/once';

const logger = new Logger({ logLevel: 'SILENT' });
const NOW = new Date('2027-01-15T12:00:00Z');
const sub = (over: Record<string, unknown> = {}) => ({
  subscriptionId: 'sub-1',
  email: 'ada@example.com',
  status: 'active',
  expiresOn: '2027-03-01',
  timeZone: 'Europe/Paris',
  ...over,
});

let seq = 100;
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', oldItem?: object, newItem?: object): DynamoDBRecord {
  return {
    eventName,
    dynamodb: {
      SequenceNumber: String(++seq),
      ...(oldItem ? { OldImage: marshall(oldItem) as never } : {}),
      ...(newItem ? { NewImage: marshall(newItem) as never } : {}),
    },
  };
}

/** Records calls; fails the calls whose key is listed. */
function fakeScheduler(failKeys: string[] = []) {
  const calls: string[] = [];
  const check = (key: string) => {
    if (failKeys.includes(key)) throw new OneTimeScheduleRequestError(`Scheduler down for ${key}`, key);
  };
  const reminders: ReminderScheduler = {
    schedule: async (r) => {
      calls.push(`schedule ${r.key} ${r.at.toISOString()} ${r.timeZone} ${JSON.stringify(r.payload)}`);
      check(r.key);
      return { key: r.key, name: r.key, at: r.at, created: true };
    },
    reschedule: async (r) => {
      calls.push(`reschedule ${r.key} ${r.at.toISOString()} ${JSON.stringify(r.payload)}`);
      check(r.key);
      return { key: r.key, name: r.key, at: r.at, created: false, previousAt: new Date('2027-02-26T08:00:00Z') };
    },
    cancel: async (key) => {
      calls.push(`cancel ${key}`);
      check(key);
      return true;
    },
  };
  return { reminders, calls };
}

describe('processSubscriptionRecords', () => {
  it('schedules, moves and cancels reminders in stream order', async () => {
    const { reminders, calls } = fakeScheduler();
    const { response, applied } = await processSubscriptionRecords(
      [
        record('INSERT', undefined, sub()),
        record('MODIFY', sub(), sub({ reminderStatus: 'SENT', reminderSentFor: '2027-03-01' })),
        record('MODIFY', sub(), sub({ expiresOn: '2028-03-01' })),
        record('INSERT', undefined, sub({ subscriptionId: 'sub-2' })),
        record('MODIFY', sub({ subscriptionId: 'sub-2' }), sub({ subscriptionId: 'sub-2', status: 'cancelled' })),
        record('REMOVE', sub(), undefined),
      ],
      { reminders, logger, now: () => NOW },
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([
      'schedule sub-1 2027-02-26T08:00:00.000Z Europe/Paris {"subscriptionId":"sub-1","expiresOn":"2027-03-01"}',
      'reschedule sub-1 2028-02-27T08:00:00.000Z {"subscriptionId":"sub-1","expiresOn":"2028-03-01"}',
      'schedule sub-2 2027-02-26T08:00:00.000Z Europe/Paris {"subscriptionId":"sub-2","expiresOn":"2027-03-01"}',
      'cancel sub-2',
      'cancel sub-1',
    ]);
    expect(applied.map((a) => a.outcome)).toEqual([
      'scheduled for 2027-02-26T08:00:00.000Z',
      'nothing to do',
      'moved from 2027-02-26T08:00:00.000Z to 2028-02-27T08:00:00.000Z',
      'scheduled for 2027-02-26T08:00:00.000Z',
      'cancelled',
      'cancelled',
    ]);
  });

  it('stops at the first failure and reports it, so Lambda retries from there', async () => {
    const { reminders, calls } = fakeScheduler(['sub-2']);
    const records = [
      record('INSERT', undefined, sub()),
      record('INSERT', undefined, sub({ subscriptionId: 'sub-2' })),
      record('INSERT', undefined, sub({ subscriptionId: 'sub-3' })),
    ];
    const { response } = await processSubscriptionRecords(records, { reminders, logger, now: () => NOW });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }] });
    expect(calls.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['schedule sub-1', 'schedule sub-2']);
  });

  it('skips records whose data cannot be used instead of blocking the stream', async () => {
    const { reminders, calls } = fakeScheduler();
    const { response, applied } = await processSubscriptionRecords(
      [record('INSERT', undefined, sub({ timeZone: 'Nowhere/Land' })), record('INSERT', undefined, sub({ subscriptionId: 'sub-2' }))],
      { reminders, logger, now: () => NOW },
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(applied[0]).toMatchObject({ action: 'invalid' });
    expect(calls).toHaveLength(1);
  });
});
