// One-time schedules against a real Scheduler API (moto_server): what the mocks cannot show.
import { CreateScheduleGroupCommand, GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { beforeAll, describe, expect, it } from 'vitest';
import { OneTimeScheduler, oneTimeScheduleName } from '../../../lambdas/runtime/once';
import { useMoto } from '../../support/moto';

const moto = useMoto();
const GROUP = 'jobs-once';
const target = {
  arn: 'arn:aws:lambda:us-east-1:123456789012:function:reminder',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:inbox',
};
let client: SchedulerClient;

beforeAll(async () => {
  client = new SchedulerClient(moto.config());
  await client.send(new CreateScheduleGroupCommand({ Name: GROUP }));
});

const scheduler = (job = 'payment-reminder') => new OneTimeScheduler({ client, job, group: GROUP, target });
const inDays = (days: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 + days * 86_400_000);

async function namesInGroup(): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListSchedulesCommand({ GroupName: GROUP, NextToken: token }));
    out.push(...(page.Schedules ?? []).map((s) => s.Name!));
    token = page.NextToken;
  } while (token);
  return out;
}

describe('OneTimeScheduler against moto_server', () => {
  it('creates the schedule as asked', async () => {
    const at = inDays(3);
    const result = await scheduler().schedule({ key: 'sub-1', at, timeZone: 'Europe/Paris', payload: { subscriptionId: 'sub-1' } });
    expect(result.created).toBe(true);

    const stored = await client.send(new GetScheduleCommand({ Name: result.name, GroupName: GROUP }));
    expect(stored.ActionAfterCompletion).toBe('DELETE');
    expect(stored.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(stored.ScheduleExpression).toMatch(/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/);
    expect(stored.ScheduleExpressionTimezone).toBe('Europe/Paris');
    expect(stored.Target?.DeadLetterConfig?.Arn).toBe(target.deadLetterArn);
    expect(JSON.parse(stored.Target!.Input!)).toMatchObject({ job: 'payment-reminder', scheduledTime: at.toISOString(), payload: { subscriptionId: 'sub-1' } });
  });

  it('the same key twice gives one schedule', async () => {
    const at = inDays(4);
    const first = await scheduler().schedule({ key: 'sub-2', at });
    const second = await scheduler().schedule({ key: 'sub-2', at });
    expect([first.created, second.created]).toEqual([true, false]);
    const names = (await namesInGroup()).filter((n) => n === oneTimeScheduleName('payment-reminder', 'sub-2'));
    expect(names).toHaveLength(1);
  });

  it('cancel deletes it once; a second cancel says false', async () => {
    await scheduler().schedule({ key: 'sub-3', at: inDays(5) });
    expect(await scheduler().cancel('sub-3')).toBe(true);
    expect(await scheduler().cancel('sub-3')).toBe(false);
    expect(await scheduler().get('sub-3')).toBeUndefined();
  });

  it('reschedule moves it and keeps its payload; on a missing key it creates', async () => {
    const s = scheduler();
    await s.schedule({ key: 'sub-4', at: inDays(6), timeZone: 'America/New_York', payload: { v: 1 } });
    const later = inDays(40);
    const moved = await s.reschedule({ key: 'sub-4', at: later });
    expect(moved.created).toBe(false);
    expect(moved.previousAt?.toISOString()).toBe(inDays(6).toISOString());
    const details = await s.get<{ v: number }>('sub-4');
    expect(details).toMatchObject({ key: 'sub-4', at: later, timeZone: 'America/New_York', payload: { v: 1 } });
    const stored = await client.send(new GetScheduleCommand({ Name: s.nameFor('sub-4'), GroupName: GROUP }));
    expect(stored.ActionAfterCompletion).toBe('DELETE');

    const created = await s.reschedule({ key: 'sub-never', at: later });
    expect(created.created).toBe(true);
    expect((await s.get('sub-never'))?.at).toEqual(later);
  });

  it("list shows this job's pending schedules only, across pages", async () => {
    const other = scheduler('payment-reminder-v2');
    await other.schedule({ key: 'x', at: inDays(2) });
    const s = scheduler('list-job');
    const keys = Array.from({ length: 120 }, (_, i) => `user-${i}`);
    await s.scheduleMany(keys.map((key) => ({ key, at: inDays(10) })), { concurrency: 10 });
    const listed = await s.list();
    expect(listed).toHaveLength(120);
    expect(new Set(listed.map((l) => l.name))).toEqual(new Set(keys.map((k) => s.nameFor(k))));

    const detailed = await s.list({ details: true });
    expect(new Set(detailed.map((d) => d.key))).toEqual(new Set(keys));
  });

  it('scheduleMany with repeated keys creates each once', async () => {
    const s = scheduler('bulk-job');
    const keys = Array.from({ length: 50 }, (_, i) => `k-${i % 25}`);
    const results = await s.scheduleMany(keys.map((key) => ({ key, at: inDays(8) })), { concurrency: 8 });
    expect(results.filter((r) => r.created)).toHaveLength(25);
    expect(await s.list()).toHaveLength(25);
  });
});
