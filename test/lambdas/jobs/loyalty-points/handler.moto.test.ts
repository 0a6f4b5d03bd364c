/**
 * The loyalty-points job against moto_server: real orders with the date index, real conditional
 * updates on the customers table, exact points after reruns and after injected failures.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { awardWeeklyPoints, LoyaltyAwardError, type LoyaltyResult } from '../../../../lambdas/jobs/loyalty-points/handler';
import type { LoyaltyPayload } from '../../../../lambdas/jobs/loyalty-points/points';
import { sdkRetryConfig } from '../../../../lambdas/shared/retry';
import { createTestContext } from '../../../../lambdas/runtime/testing';
import { injectFaults } from '../../../support/fault-injection';
import { useMoto } from '../../../support/moto';
import { testOrder, type TestOrder } from '../sales-report/fakes';
import { createBusinessData, seedOrders } from '../sales-report/moto-data';

const moto = useMoto();
let seq = 0;
const SLOT = '2026-11-29T03:00:00.000Z'; // Sunday: the week of 2026-11-22

function order(id: string, createdAt: string, customerId: string, cents: number): TestOrder {
  return testOrder(id, createdAt, customerId, [{ productId: 'p-1', name: 'Thing', quantity: 1, unitPriceCents: cents }]);
}

/** Customers c-01..c-40: customer k has two orders in the week, k.99 (k points) and 2.50 (2 points). */
function weekOrders(): TestOrder[] {
  const orders: TestOrder[] = [];
  for (let k = 1; k <= 40; k++) {
    const id = `c-${String(k).padStart(2, '0')}`;
    orders.push(order(`o-${id}-a`, `2026-11-${String(22 + (k % 7)).padStart(2, '0')}T08:00:00.000Z`, id, k * 100 + 99));
    orders.push(order(`o-${id}-b`, '2026-11-28T23:59:59.999Z', id, 250));
  }
  orders.push(order('o-early', '2026-11-21T23:59:59.999Z', 'c-01', 100_000)); // the week before
  orders.push(order('o-late', '2026-11-29T00:00:00.000Z', 'c-01', 100_000)); // the slot's day
  return orders;
}

const expectedPoints = (extra: Record<string, number> = {}) =>
  Object.fromEntries(
    Array.from({ length: 40 }, (_, i) => {
      const id = `c-${String(i + 1).padStart(2, '0')}`;
      return [id, i + 1 + 2 + (extra[id] ?? 0)];
    }),
  );

async function setup() {
  const config = { ...moto.config(), ...sdkRetryConfig() };
  const raw = new DynamoDBClient(config);
  const names = await createBusinessData(raw, new S3Client(config), `loyalty-${++seq}-${Date.now()}`);
  await seedOrders(raw, names.ordersTable, weekOrders());
  const doc = DynamoDBDocumentClient.from(raw);
  const deps = (ddb = doc) => ({ ddb, orders: { tableName: names.ordersTable }, customersTable: names.customersTable });
  const points = async () => {
    const out = await doc.send(new ScanCommand({ TableName: names.customersTable }));
    return Object.fromEntries((out.Items ?? []).map((c) => [c.customerId, c.points]));
  };
  return { config, doc, names, deps, points };
}

const context = (slot = SLOT) => createTestContext<LoyaltyPayload>({ job: 'weekly-loyalty-points', payload: { centsPerPoint: 100 }, slot });

describe('loyalty points on moto', () => {
  it('adds the week once: the second run of the same week changes nothing', async () => {
    const env = await setup();
    // A customer who already has points from an earlier week keeps them.
    await env.doc.send(new PutCommand({ TableName: env.names.customersTable, Item: { customerId: 'c-05', points: 500, awardedWeeks: new Set(['2026-11-15']) } }));

    const first = await awardWeeklyPoints(context(), env.deps());
    const second = await awardWeeklyPoints(context('2026-12-01T09:30:00.000Z'), env.deps());

    // Points awarded: sum of k + 2 for k = 1..40 = 820 + 80 = 900.
    expect(first).toEqual({ week: '2026-11-22', customers: 40, awarded: 40, alreadyAwarded: 0, points: 900 });
    expect(second).toEqual({ week: '2026-11-22', customers: 40, awarded: 0, alreadyAwarded: 40, points: 0 });
    expect(await env.points()).toEqual(expectedPoints({ 'c-05': 500 }));
    const c05 = await env.doc.send(new GetCommand({ TableName: env.names.customersTable, Key: { customerId: 'c-05' } }));
    expect(c05.Item?.awardedWeeks).toEqual(new Set(['2026-11-15', '2026-11-22']));
  });

  it('ends with exactly the right points after runs that failed part-way', async () => {
    const env = await setup();
    // Clients that do not retry, with 15% of UpdateItem calls failing: on one before DynamoDB applies
    // them, on the other after (applied, but the job sees an error).
    const faultyRaw = new DynamoDBClient({ ...env.config, maxAttempts: 1 });
    const before = injectFaults(faultyRaw, { rate: 0.15, seed: 7, commands: ['UpdateItemCommand'] });
    const faultyAfterRaw = new DynamoDBClient({ ...env.config, maxAttempts: 1 });
    const after = injectFaults(faultyAfterRaw, { rate: 0.15, seed: 11, commands: ['UpdateItemCommand'], when: 'after' });
    const faulty = [DynamoDBDocumentClient.from(faultyRaw), DynamoDBDocumentClient.from(faultyAfterRaw)];

    // Four runs through the faulty clients: each stops at its first failed batch.
    let failures = 0;
    for (let run = 0; run < 4; run++) {
      await awardWeeklyPoints(context(), { ...env.deps(faulty[run % 2]), concurrency: 8 }).catch((error: unknown) => {
        expect(error).toBeInstanceOf(LoyaltyAwardError);
        failures++;
      });
    }
    const partial = await env.points();
    const rerun = (await awardWeeklyPoints(context(), env.deps())) as LoyaltyResult;
    const again = (await awardWeeklyPoints(context(), env.deps())) as LoyaltyResult;

    expect(failures).toBe(4);
    expect(before.injectedTotal()).toBeGreaterThan(0);
    expect(after.injectedTotal()).toBeGreaterThan(0);
    expect(Object.keys(partial).length).toBeGreaterThan(0);
    expect(Object.keys(partial).length).toBeLessThan(40);
    expect(rerun.awarded).toBe(40 - Object.keys(partial).length);
    expect(rerun.alreadyAwarded).toBe(Object.keys(partial).length);
    expect(again).toMatchObject({ awarded: 0, alreadyAwarded: 40, points: 0 });
    expect(await env.points()).toEqual(expectedPoints());
  });
});
