/**
 * Throttling of the watchdog's Scheduler calls is retried by the client's retry strategy: these
 * tests run the real middleware stack (kept apart from the aws-sdk-client-mock suites, which
 * replace `send` on every SchedulerClient).
 */
import { Readable } from 'node:stream';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { sdkRetryConfig } from '../../../lambdas/shared/retry';
import { listJobSchedules } from '../../../lambdas/watchdog/schedules';

const GROUP = 'jobs';
const jobInput = (job: string) => JSON.stringify({ job, scheduledTime: '<aws.scheduler.scheduled-time>', payload: {} });

describe('listJobSchedules under throttling', () => {
  function reply(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
    return {
      response: { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: Readable.from([Buffer.from(JSON.stringify(body))]) },
    };
  }
  const throttle = () => reply(429, { Message: 'Rate exceeded' }, { 'x-amzn-errortype': 'ThrottlingException' });

  it('a client built with sdkRetryConfig retries throttled ListSchedules and GetSchedule calls', async () => {
    // Prepare: ListSchedules throttled once, GetSchedule twice, each then answers
    const seen: string[] = [];
    const throttled = new SchedulerClient({
      ...sdkRetryConfig(4),
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: {
        handle: async (request: { path: string }) => {
          const call = request.path === '/schedules' ? 'ListSchedules' : 'GetSchedule';
          seen.push(call);
          const attempt = seen.filter((c) => c === call).length;
          if (call === 'ListSchedules') {
            return attempt < 2 ? throttle() : reply(200, { Schedules: [{ Name: 'nightly-report', State: 'ENABLED' }] });
          }
          if (attempt < 3) return throttle();
          return reply(200, {
            Name: 'nightly-report',
            GroupName: GROUP,
            State: 'ENABLED',
            ScheduleExpression: 'cron(0 2 * * ? *)',
            FlexibleTimeWindow: { Mode: 'OFF' },
            CreationDate: Date.parse('2026-01-01T00:00:00Z') / 1000,
            Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:x', RoleArn: 'r', Input: jobInput('nightly-report') },
          });
        },
      },
    });
    // Act
    const listed = await listJobSchedules(throttled, GROUP);
    // Assess
    expect(listed.failures).toEqual([]);
    expect(listed.schedules.map((s) => [s.job, s.expression])).toEqual([['nightly-report', 'cron(0 2 * * ? *)']]);
    expect(seen).toEqual(['ListSchedules', 'ListSchedules', 'GetSchedule', 'GetSchedule', 'GetSchedule']);
  });
});
