/**
 * The local scheduler against moto, with hand-made functions (no synthesis): what fires when,
 * dead-letter and destination records, and the real-clock loop.
 */
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { installClock, SimulatedClock, type Clock } from '../../../tools/local/clock';
import { LocalLambda } from '../../../tools/local/local-lambda';
import { LocalScheduler, type LocalRun } from '../../../tools/local/local-scheduler';
import type { LocalFunction, LocalStackFile } from '../../../tools/local/local-stack';
import { useMoto } from '../../support/moto';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/scheduler`;
const calls: Array<{ fn: string; event: Record<string, unknown>; now: string }> = [];
(globalThis as Record<string, unknown>).__localSchedulerTestCalls = calls;

const codeDir = mkdtempSync(join(tmpdir(), 'local-scheduler-'));
writeFileSync(
  join(codeDir, 'index.js'),
  `
const calls = globalThis.__localSchedulerTestCalls;
exports.ok = async (event) => { calls.push({ fn: 'ok', event, now: new Date().toISOString() }); return { status: 'SUCCEEDED' }; };
exports.fail = async (event) => { calls.push({ fn: 'fail', event, now: new Date().toISOString() }); throw new RangeError('out of range'); };
`,
);

function fn(name: string, handler: string, overrides: Partial<LocalFunction> = {}): LocalFunction {
  return {
    logicalId: name,
    functionName: name,
    arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`,
    codeDir,
    handler: `index.${handler}`,
    timeoutSeconds: 10,
    memorySize: 128,
    environment: {},
    asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
    ...overrides,
  };
}

describe('LocalScheduler', () => {
  const moto = useMoto();
  let stack: LocalStackFile;
  let scheduler: SchedulerClient;
  let sqs: SQSClient;
  let queueArn: string;
  let queueUrl: string;

  beforeEach(async () => {
    await moto.endpoint.reset();
    calls.length = 0;
    const config = moto.config();
    scheduler = new SchedulerClient(config);
    sqs = new SQSClient(config);
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'inbox' }))).QueueUrl as string;
    queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:inbox`;
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'jobs' }));
    const functions = {
      ok: fn('ok', 'ok'),
      fail: fn('fail', 'fail', {
        asyncConfig: { maximumRetryAttempts: 1, maximumEventAgeSeconds: 21_600, onFailure: { arn: queueArn } },
        deadLetterArn: queueArn,
      }),
      quick: fn('quick', 'ok', { asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600, onSuccess: { arn: queueArn } } }),
    };
    stack = {
      format: 1,
      stackName: 'Jobs',
      stackId: 'id',
      region: 'us-east-1',
      accountId: ACCOUNT,
      endpoint: moto.endpoint.url,
      pid: process.pid,
      assemblyDir: codeDir,
      templateFile: '',
      provisionedAt: '',
      outputs: {},
      resources: {},
      functions,
      schedules: {},
      jobs: {},
    };
  });

  function create(name: string, expression: string, target: string, extra: Partial<CreateScheduleCommandInput> = {}) {
    return scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: 'jobs',
        ScheduleExpression: expression,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${target}`,
          RoleArn: ROLE,
          Input: JSON.stringify({ job: name, scheduledTime: '<aws.scheduler.scheduled-time>', attempt: '<aws.scheduler.attempt-number>' }),
        },
        ...extra,
      }),
    );
  }

  async function simulate(from: string, until: string): Promise<readonly LocalRun[]> {
    const clock = new SimulatedClock(Date.parse(from));
    const restore = installClock(clock);
    try {
      const local = new LocalScheduler({
        stack,
        lambda: new LocalLambda({ stack }),
        clock,
        clients: { scheduler, sqs, sns: new SNSClient(moto.config()) },
        until: Date.parse(until),
        startedAt: Date.parse(from),
      });
      return await local.run();
    } finally {
      restore();
    }
  }

  async function drain(): Promise<Array<{ body: Record<string, unknown>; attributes: Record<string, string | undefined> }>> {
    const out = [];
    for (;;) {
      const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
      if (!page.Messages?.length) return out;
      for (const m of page.Messages) {
        out.push({
          body: JSON.parse(m.Body as string) as Record<string, unknown>,
          attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])),
        });
      }
    }
  }

  it('honours state, start and end dates, and fires at the exact instants', async () => {
    await create('half-hourly', 'cron(0/30 * * * ? *)', 'ok');
    await create('off', 'cron(* * * * ? *)', 'ok', { State: 'DISABLED' });
    await create('later', 'cron(0 * * * ? *)', 'ok', { StartDate: new Date('2027-05-01T02:30:00Z') });
    await create('ends', 'cron(0 * * * ? *)', 'ok', { EndDate: new Date('2027-05-01T01:00:00Z') });
    const runs = await simulate('2027-05-01T00:00:00Z', '2027-05-01T03:00:00Z');
    const slots = (job: string) => runs.filter((r) => r.job === job).map((r) => r.scheduledTime);
    expect(slots('half-hourly')).toEqual([
      '2027-05-01T00:30:00Z',
      '2027-05-01T01:00:00Z',
      '2027-05-01T01:30:00Z',
      '2027-05-01T02:00:00Z',
      '2027-05-01T02:30:00Z',
      '2027-05-01T03:00:00Z',
    ]);
    expect(slots('off')).toEqual([]);
    expect(slots('later')).toEqual(['2027-05-01T03:00:00Z']);
    expect(slots('ends')).toEqual(['2027-05-01T01:00:00Z']);
    // the handler saw the substituted input and the simulated clock
    const first = calls.find((c) => c.event.job === 'half-hourly');
    expect(first?.event).toEqual({ job: 'half-hourly', scheduledTime: '2027-05-01T00:30:00Z', attempt: '1' });
    expect(first?.now.startsWith('2027-05-01T00:30:00')).toBe(true);
  });

  it('fires a sparse schedule at most once per interval, at instants of its own', async () => {
    await create('every-five', 'rate(5 minutes)', 'ok');
    const clock = new SimulatedClock(Date.parse('2027-05-01T00:00:00Z'));
    const restore = installClock(clock);
    try {
      const local = new LocalScheduler({
        stack,
        lambda: new LocalLambda({ stack }),
        clock,
        clients: { scheduler, sqs, sns: new SNSClient(moto.config()) },
        until: Date.parse('2027-05-01T01:00:00Z'),
        startedAt: Date.parse('2027-05-01T00:00:00Z'),
        sparse: { 'jobs/every-five': 20 * 60_000 },
      });
      const runs = await local.run();
      expect(runs.map((r) => r.scheduledTime)).toEqual(['2027-05-01T00:05:00Z', '2027-05-01T00:25:00Z', '2027-05-01T00:45:00Z']);
    } finally {
      restore();
    }
  });

  it('fires a one-time schedule once and deletes it when ActionAfterCompletion is DELETE', async () => {
    await create('once-delete', 'at(2027-05-01T00:10:00)', 'ok', { ActionAfterCompletion: 'DELETE' });
    await create('once-keep', 'at(2027-05-01T00:20:00)', 'ok', { ActionAfterCompletion: 'NONE' });
    await create('once-past', 'at(2027-04-30T23:00:00)', 'ok', { ActionAfterCompletion: 'DELETE' });
    const runs = await simulate('2027-05-01T00:00:00Z', '2027-05-01T01:00:00Z');
    expect(runs.map((r) => [r.job, r.scheduledTime])).toEqual([
      ['once-delete', '2027-05-01T00:10:00Z'],
      ['once-keep', '2027-05-01T00:20:00Z'],
    ]);
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'once-delete', GroupName: 'jobs' }))).rejects.toThrow();
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'once-keep', GroupName: 'jobs' }))).resolves.toBeDefined();
    // an at() already past when the schedule appears never fires, and is left alone
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'once-past', GroupName: 'jobs' }))).resolves.toBeDefined();
  });

  it('retries per the function settings, then writes the on-failure record and the dead-letter message', async () => {
    await create('failing', 'at(2027-05-01T00:10:00)', 'fail');
    const runs = await simulate('2027-05-01T00:00:00Z', '2027-05-01T00:30:00Z');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ job: 'failing', status: 'FAILED', attempts: 2, error: { type: 'RangeError', message: 'out of range' } });
    expect(calls.filter((c) => c.fn === 'fail').map((c) => c.now.slice(0, 16))).toEqual(['2027-05-01T00:10', '2027-05-01T00:11']);
    const messages = await drain();
    const record = messages.find((m) => m.body.version === '1.0');
    expect(record?.body).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2, functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:fail:$LATEST` },
      requestPayload: { job: 'failing', scheduledTime: '2027-05-01T00:10:00Z' },
      responsePayload: { errorType: 'RangeError', errorMessage: 'out of range' },
    });
    const deadLetter = messages.find((m) => m.body.version === undefined);
    expect(deadLetter?.body).toEqual({ job: 'failing', scheduledTime: '2027-05-01T00:10:00Z', attempt: '1' });
    expect(deadLetter?.attributes).toMatchObject({ ErrorCode: '200', ErrorMessage: 'out of range' });
    expect(deadLetter?.attributes.RequestID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends the on-success record when the function has an on-success destination', async () => {
    await create('quick-one', 'at(2027-05-01T00:05:00)', 'quick');
    await simulate('2027-05-01T00:00:00Z', '2027-05-01T00:10:00Z');
    const [message] = await drain();
    expect(message.body).toMatchObject({
      requestContext: { condition: 'Success', approximateInvokeCount: 1 },
      requestPayload: { job: 'quick-one' },
      responsePayload: { status: 'SUCCEEDED' },
    });
  });

  it("puts a delivery it cannot make in the schedule's dead-letter queue, with Scheduler's attributes", async () => {
    await create('orphan', 'at(2027-05-01T00:05:00)', 'deleted-function', {
      Target: {
        Arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:deleted-function`,
        RoleArn: ROLE,
        Input: '{"job":"orphan"}',
        DeadLetterConfig: { Arn: queueArn },
      },
    });
    const runs = await simulate('2027-05-01T00:00:00Z', '2027-05-01T00:10:00Z');
    expect(runs).toEqual([]);
    const [message] = await drain();
    expect(message.body).toEqual({ job: 'orphan' });
    expect(message.attributes).toMatchObject({
      ERROR_CODE: 'ResourceNotFoundException',
      SCHEDULED_TIME: '2027-05-01T00:05:00Z',
      SCHEDULE_ARN: `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/jobs/orphan`,
      TARGET_ARN: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:deleted-function`,
      RETRY_ATTEMPTS: '0',
    });
  });

  it('on the real clock, sleeps until a slot, notices schedules created and disabled meanwhile, and stops when asked', async () => {
    // A clock 1.5 s before a minute boundary, running at real speed.
    const boundary = Math.ceil((Date.now() + 2000) / 60_000) * 60_000;
    const offset = boundary - 1500 - Date.now();
    const clock: Clock = { now: () => Date.now() + offset, simulated: false };
    await create('every-minute', 'cron(* * * * ? *)', 'ok');
    await create('to-disable', 'cron(* * * * ? *)', 'ok');
    const runs: LocalRun[] = [];
    const local = new LocalScheduler({
      stack,
      lambda: new LocalLambda({ stack }),
      clock,
      clients: { scheduler, sqs, sns: new SNSClient(moto.config()) },
      pollIntervalMs: 200,
      onRun: (run) => {
        runs.push(run);
        if (runs.length === 2) local.stop();
      },
    });
    const started = Date.now();
    const running = local.run();
    const existing = await scheduler.send(new GetScheduleCommand({ Name: 'to-disable', GroupName: 'jobs' }));
    await scheduler.send(
      new UpdateScheduleCommand({
        Name: 'to-disable',
        GroupName: 'jobs',
        ScheduleExpression: existing.ScheduleExpression,
        FlexibleTimeWindow: existing.FlexibleTimeWindow,
        Target: existing.Target,
        State: 'DISABLED',
      }),
    );
    await create('created-later', 'cron(* * * * ? *)', 'ok');
    await running;
    const waited = Date.now() - started;
    const slot = new Date(boundary).toISOString().replace('.000Z', 'Z');
    expect(runs.map((r) => [r.job, r.scheduledTime])).toEqual([
      ['created-later', slot],
      ['every-minute', slot],
    ]);
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThan(20_000);
  });

  it('runs an asynchronous invoke (a continuation) at the current time, after the invocation that asked for it', async () => {
    await create('first', 'at(2027-05-01T00:05:00)', 'ok');
    const clock = new SimulatedClock(Date.parse('2027-05-01T00:00:00Z'));
    const restore = installClock(clock);
    try {
      const local = new LocalScheduler({
        stack,
        lambda: new LocalLambda({ stack }),
        clock,
        clients: { scheduler, sqs, sns: new SNSClient(moto.config()) },
        until: Date.parse('2027-05-01T00:10:00Z'),
        startedAt: Date.parse('2027-05-01T00:00:00Z'),
        onRun: (run) => {
          if (run.trigger === 'schedule') local.invokeAsync(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:ok:$LATEST`, { job: 'first', continuation: { sequence: 1 } });
        },
      });
      const runs = await local.run();
      expect(runs.map((r) => [r.job, r.trigger, r.scheduledTime])).toEqual([
        ['first', 'schedule', '2027-05-01T00:05:00Z'],
        ['first', 'invoke', ''],
      ]);
      expect(calls[1].now.startsWith('2027-05-01T00:05:00')).toBe(true);
      expect(() => local.invokeAsync('nope', {})).toThrow("local invoke: no function 'nope' in local stack 'Jobs'");
    } finally {
      restore();
    }
  });
});
