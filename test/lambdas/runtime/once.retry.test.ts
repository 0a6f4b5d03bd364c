/**
 * Throttled one-time schedule calls are retried by the client's retry strategy (`sdkRetryConfig`),
 * with the request's client token unchanged. Real middleware stack, kept apart from the
 * aws-sdk-client-mock suites (which replace `send` on every SchedulerClient).
 */
import { Readable } from 'node:stream';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { OneTimeScheduleRequestError, OneTimeScheduler } from '../../../lambdas/runtime/once';
import { sdkRetryConfig } from '../../../lambdas/shared/retry';

const NOW = new Date('2027-02-01T00:00:00Z');
const at = new Date('2027-02-26T08:00:00Z');
const target = {
  arn: 'arn:aws:lambda:us-east-1:123456789012:function:reminder',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler',
};

interface SeenRequest {
  readonly name: string;
  readonly clientToken: string;
}

function reply(statusCode: number, body: unknown, errorType?: string) {
  return {
    response: {
      statusCode,
      headers: { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
    },
  };
}

/** A scheduler whose client answers CreateSchedule with `answer(request, attempt of that name)`. */
function schedulerAnswering(maxAttempts: number, answer: (name: string, attempt: number) => 'throttle' | 'conflict' | 'ok') {
  const seen: SeenRequest[] = [];
  const client = new SchedulerClient({
    ...sdkRetryConfig(maxAttempts),
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: {
      handle: async (request: { path: string; body?: string | Uint8Array }) => {
        const name = decodeURIComponent(request.path.replace('/schedules/', ''));
        const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
        seen.push({ name, clientToken: (JSON.parse(body || '{}') as { ClientToken: string }).ClientToken });
        const outcome = answer(name, seen.filter((r) => r.name === name).length);
        if (outcome === 'throttle') return reply(429, { Message: 'Rate exceeded' }, 'ThrottlingException');
        if (outcome === 'conflict') return reply(409, { Message: 'Schedule already exists.' }, 'ConflictException');
        return reply(200, { ScheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/jobs-once/${name}` });
      },
    },
  });
  const scheduler = new OneTimeScheduler({ client, job: 'payment-reminder', group: 'jobs-once', target, now: () => NOW });
  return { scheduler, seen };
}

describe('OneTimeScheduler under throttling', () => {
  it('a throttled CreateSchedule is retried by the client with the same client token', async () => {
    const { scheduler, seen } = schedulerAnswering(4, (_, attempt) => (attempt < 3 ? 'throttle' : 'ok'));
    const result = await scheduler.schedule({ key: 'k', at });
    expect(result.created).toBe(true);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((r) => r.clientToken)).size).toBe(1);
  });

  it('gives up after the client attempts with an error naming the key', async () => {
    const { scheduler, seen } = schedulerAnswering(3, () => 'throttle');
    const error = await scheduler.schedule({ key: 'k', at }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OneTimeScheduleRequestError);
    expect((error as Error).message).toBe(
      "one-time schedule for job 'payment-reminder' key 'k': CreateSchedule failed: ThrottlingException: Rate exceeded",
    );
    expect(seen).toHaveLength(3);
  });

  it('scheduleMany loses no throttled item; a repeated key is created once', async () => {
    // Every item's first attempt is throttled, every third item's second attempt too.
    const created = new Set<string>();
    const { scheduler, seen } = schedulerAnswering(4, (name, attempt) => {
      const index = Number(/k-(\d+)/.exec(name)?.[1]);
      if (attempt === 1 || (attempt === 2 && index % 3 === 0)) return 'throttle';
      if (created.has(name)) return 'conflict';
      created.add(name);
      return 'ok';
    });
    const items = [...Array.from({ length: 12 }, (_, i) => ({ key: `k-${i}`, at })), { key: 'k-7', at }];
    const results = await scheduler.scheduleMany(items, { concurrency: 6 });
    expect(created.size).toBe(12);
    expect(results.map((r) => r.key)).toEqual(items.map((i) => i.key));
    expect(results.filter((r) => r.created)).toHaveLength(12);
    expect(results.filter((r) => !r.created).map((r) => r.key)).toEqual(['k-7']);
    // 12 first attempts + 4 second attempts throttled, 12 creations, and the repeated k-7.
    expect(seen).toHaveLength(12 + 4 + 12 + 1);
  });
});
