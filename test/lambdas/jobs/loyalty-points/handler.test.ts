import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { awardWeeklyPoints, LoyaltyAwardError, type LoyaltyDeps } from '../../../../lambdas/jobs/loyalty-points/handler';
import type { LoyaltyPayload } from '../../../../lambdas/jobs/loyalty-points/points';
import { createTestContext } from '../../../../lambdas/runtime/testing';
import { fakeOrdersIndex, newMocks, testOrder, type TestOrder } from '../sales-report/fakes';

const { ddb, ddbMock } = newMocks();
afterEach(() => ddbMock.reset());

// The scheduled run of Sunday 2026-11-29 03:00 UTC covers Sunday 2026-11-22 to Saturday 2026-11-28.
const SLOT = '2026-11-29T03:00:00.000Z';
const WEEK = '2026-11-22';

function deps(extra: Partial<LoyaltyDeps> = {}): LoyaltyDeps {
  return { ddb, orders: { tableName: 'orders' }, customersTable: 'customers', ...extra };
}

function context(extra: { remainingTimeMs?: number; checkpoint?: unknown; slot?: string; manual?: boolean } = {}) {
  return createTestContext<LoyaltyPayload>({ job: 'weekly-loyalty-points', payload: { centsPerPoint: 100 }, slot: SLOT, ...extra });
}

function order(id: string, createdAt: string, customerId: string, cents: number): TestOrder {
  return testOrder(id, createdAt, customerId, [{ productId: 'p-1', name: 'Thing', quantity: 1, unitPriceCents: cents }]);
}

interface Customer {
  points: number;
  awardedWeeks: Set<string>;
}

/**
 * The customers table with DynamoDB's semantics for the job's UpdateItem: the condition is checked
 * and the update applied atomically. `failures` makes chosen customers fail: `before` (nothing
 * written) or `after` (written, but the caller gets the error), each a given number of times.
 */
function fakeCustomers(failures: Record<string, { when: 'before' | 'after'; times: number }> = {}) {
  const table = new Map<string, Customer>();
  const calls: string[] = [];
  ddbMock.on(UpdateCommand).callsFake((input) => {
    const id = input.Key.customerId as string;
    calls.push(id);
    const values = input.ExpressionAttributeValues;
    const failure = failures[id];
    const fail = failure !== undefined && failure.times > 0;
    if (fail) failure.times--;
    const error = Object.assign(new Error(`injected failure for ${id}`), { name: 'InternalServerError' });
    if (fail && failure.when === 'before') throw error;
    const current = table.get(id);
    if (current?.awardedWeeks.has(values[':week'])) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    table.set(id, {
      points: (current?.points ?? 0) + values[':points'],
      awardedWeeks: new Set([...(current?.awardedWeeks ?? []), ...values[':weeks']]),
    });
    if (fail) throw error;
    return {};
  });
  return { table, calls, points: () => Object.fromEntries([...table].map(([id, c]) => [id, c.points])) };
}

const weekOrders = [
  order('o-1', '2026-11-22T00:00:00.000Z', 'c-1', 1299), // first instant of the week: 12 points
  order('o-2', '2026-11-25T12:00:00.000Z', 'c-1', 250), // 2 points
  order('o-3', '2026-11-28T23:59:59.999Z', 'c-2', 10_000), // last instant of the week: 100 points
  order('o-4', '2026-11-26T08:00:00.000Z', 'c-3', 99), // below one unit: no points, no update
  order('o-5', '2026-11-21T23:59:59.999Z', 'c-4', 5000), // the week before: not counted
  order('o-6', '2026-11-29T00:00:00.000Z', 'c-4', 5000), // the slot's own day: not counted
];

describe('awardWeeklyPoints', () => {
  it('adds each customer\'s points for the 7 days before the slot, with one conditional update each', async () => {
    fakeOrdersIndex(ddbMock, weekOrders, 100);
    const customers = fakeCustomers();

    const result = await awardWeeklyPoints(context(), deps());

    const days = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input.ExpressionAttributeValues?.[':day']);
    expect(days).toEqual(['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28']);
    expect(customers.points()).toEqual({ 'c-1': 14, 'c-2': 100 });
    expect(ddbMock).toReceiveCommandWith(UpdateCommand, {
      TableName: 'customers',
      Key: { customerId: 'c-1' },
      UpdateExpression: 'ADD points :points, awardedWeeks :weeks',
      ConditionExpression: 'attribute_not_exists(awardedWeeks) OR NOT contains(awardedWeeks, :week)',
      ExpressionAttributeValues: { ':points': 14, ':weeks': new Set([WEEK]), ':week': WEEK },
    });
    expect(result).toEqual({ week: WEEK, customers: 2, awarded: 2, alreadyAwarded: 0, points: 114 });
  });

  it('does not add a week twice: a rerun (here a manual run three days later) changes nothing', async () => {
    fakeOrdersIndex(ddbMock, weekOrders, 100);
    const customers = fakeCustomers();
    await awardWeeklyPoints(context(), deps());

    const rerun = await awardWeeklyPoints(context({ slot: '2026-12-02T10:00:00.000Z', manual: true }), deps());

    expect(rerun).toEqual({ week: WEEK, customers: 2, awarded: 0, alreadyAwarded: 2, points: 0 });
    expect(customers.points()).toEqual({ 'c-1': 14, 'c-2': 100 });
  });

  it('adds the next week on top of the previous one', async () => {
    fakeOrdersIndex(ddbMock, [...weekOrders, order('o-7', '2026-11-30T10:00:00.000Z', 'c-1', 500)], 100);
    const customers = fakeCustomers();
    await awardWeeklyPoints(context(), deps());

    await awardWeeklyPoints(context({ slot: '2026-12-06T03:00:00.000Z' }), deps());

    // Week of 2026-11-29: o-6 (c-4, 50 points) and o-7 (c-1, 5 points).
    expect(customers.points()).toEqual({ 'c-1': 14 + 5, 'c-2': 100, 'c-4': 50 });
    expect([...customers.table.get('c-1')!.awardedWeeks].sort()).toEqual(['2026-11-22', '2026-11-29']);
    expect([...customers.table.get('c-2')!.awardedWeeks]).toEqual(['2026-11-22']);
  });

  it('after a partial failure, a rerun gives every customer exactly the right points', async () => {
    // 60 customers, customer k ordered k units: k points each.
    const orders = Array.from({ length: 60 }, (_, k) => order(`o-${k}`, `2026-11-24T10:00:${String(k).padStart(2, '0')}.000Z`, `c-${String(k + 1).padStart(2, '0')}`, (k + 1) * 100));
    fakeOrdersIndex(ddbMock, orders, 25);
    // c-07: the update never happens; c-33: DynamoDB applies it but the answer is lost.
    const customers = fakeCustomers({ 'c-07': { when: 'before', times: 1 }, 'c-33': { when: 'after', times: 1 } });

    const first = awardWeeklyPoints(context(), deps({ concurrency: 10 }));
    await expect(first).rejects.toThrow(LoyaltyAwardError);
    await expect(first).rejects.toThrow(
      "job 'weekly-loyalty-points': week 2026-11-22: 1 of 10 customer updates failed (first: customer 'c-07': injected failure for c-07); " +
        'customers already updated keep their points and a rerun of the week adds the rest exactly once',
    );
    // The failed batch (c-01..c-10) completed except c-07; nothing after it started.
    expect(Object.keys(customers.points()).sort()).toEqual(['c-01', 'c-02', 'c-03', 'c-04', 'c-05', 'c-06', 'c-08', 'c-09', 'c-10']);

    await expect(awardWeeklyPoints(context({ slot: '2026-11-29T03:05:00.000Z' }), deps({ concurrency: 10 }))).rejects.toThrow(
      "(first: customer 'c-33': injected failure for c-33)",
    );
    const third = await awardWeeklyPoints(context({ slot: '2026-11-29T04:00:00.000Z' }), deps({ concurrency: 10 }));

    const expected = Object.fromEntries(Array.from({ length: 60 }, (_, k) => [`c-${String(k + 1).padStart(2, '0')}`, k + 1]));
    expect(customers.points()).toEqual(expected);
    // The second run stopped after the batch c-31..c-40, all of which DynamoDB applied.
    expect(third).toMatchObject({ customers: 60, awarded: 20, alreadyAwarded: 40 });
  });

  it('continues after the last finished customer when time runs short', async () => {
    const orders = Array.from({ length: 7 }, (_, k) => order(`o-${k}`, `2026-11-27T10:00:0${k}.000Z`, `c-${k}`, 300));
    fakeOrdersIndex(ddbMock, orders, 100);
    const customers = fakeCustomers();

    const first = context({ remainingTimeMs: 1000 });
    expect(await awardWeeklyPoints(first, deps({ concurrency: 3 }))).toEqual({ continuedLater: true, sequence: 1 });
    expect(first.continuations).toEqual([{ week: WEEK, after: 'c-2' }]);

    const second = context({ checkpoint: first.continuations[0] });
    const out = await awardWeeklyPoints(second, deps({ concurrency: 3 }));

    expect(out).toEqual({ week: WEEK, customers: 7, awarded: 4, alreadyAwarded: 0, points: 12 });
    expect(customers.calls.sort()).toEqual(['c-0', 'c-1', 'c-2', 'c-3', 'c-4', 'c-5', 'c-6']); // each updated once
    expect(customers.points()).toEqual({ 'c-0': 3, 'c-1': 3, 'c-2': 3, 'c-3': 3, 'c-4': 3, 'c-5': 3, 'c-6': 3 });
  });

  it('ignores a checkpoint of another week', async () => {
    fakeOrdersIndex(ddbMock, weekOrders, 100);
    const customers = fakeCustomers();

    await awardWeeklyPoints(context({ checkpoint: { week: '2026-11-15', after: 'c-9' } }), deps());

    expect(customers.points()).toEqual({ 'c-1': 14, 'c-2': 100 });
  });
});
