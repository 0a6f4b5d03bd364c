/**
 * Time travel against the local-mode test app (test/fixtures/local/app.ts), synthesized once for
 * the file: every schedule fires exactly at the instants `nextRuns` gives (autumn and spring DST
 * windows included), one-time schedules created at runtime fire once and disappear, and a failing
 * handler is retried and lands in the failure inbox in Lambda's destination format.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulerTime } from '../../../tools/local/clock';
import { synthesize } from '../../../tools/local/cloud-assembly';
import { runDev, type DevResult } from '../../../tools/local/dev';
import type { LocalRun } from '../../../tools/local/local-scheduler';
import type { LocalStackFile } from '../../../tools/local/local-stack';
import { nextRuns } from '../../../lib/schedule';
import { useMoto } from '../../support/moto';

const projectDir = resolve(__dirname, '..', '..', '..');
const stateDir = join(projectDir, '.local', `test-simulation-${process.pid}`);
const assemblyDir = join(stateDir, 'cdk.out');
const STACK = `LocalSim${process.pid}`;

/** What nextRuns says each enabled template schedule fires in (from, until]. */
function expectedSlots(stack: LocalStackFile, from: number, until: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const schedule of Object.values(stack.schedules)) {
    if (schedule.state !== 'ENABLED') continue;
    const runs = nextRuns(schedule.expression, {
      timeZone: schedule.timeZone,
      after: new Date(from),
      start: new Date(schedule.startDate ?? from),
      count: 10_000,
    }).filter((d) => d.getTime() <= until);
    out.set(`${schedule.groupName}/${schedule.name}`, runs.map((d) => schedulerTime(d.getTime())));
  }
  return out;
}

function scheduled(runs: readonly LocalRun[], schedule: string): string[] {
  return runs.filter((r) => r.trigger === 'schedule' && r.schedule === schedule).map((r) => r.scheduledTime);
}

function slotsOf(runs: readonly LocalRun[], job: string): string[] {
  return runs.filter((r) => r.job === job).map((r) => r.scheduledTime);
}

describe('local mode simulation (fixture app)', () => {
  const moto = useMoto();
  const log: string[] = [];

  beforeAll(async () => {
    await synthesize({
      projectDir,
      app: `FIXTURE_STACK_NAME=${STACK} npx tsx test/fixtures/local/app.ts`,
      outDir: assemblyDir,
      account: '123456789012',
      region: 'us-east-1',
    });
  }, 300_000);

  afterAll(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  function simulate(from: string, until: string): Promise<DevResult> {
    return runDev({
      projectDir,
      app: assemblyDir,
      stateDir,
      endpoint: moto.endpoint.url,
      from,
      until,
      seed: false,
      progress: false,
      region: 'us-east-1',
      output: { stdout: (t) => log.push(t), stderr: (t) => log.push(t) },
    });
  }

  describe('autumn: 2026-10-24 to 2026-11-02 (Europe and the US leave summer time)', () => {
    const from = '2026-10-24T00:00:00Z';
    const until = '2026-11-02T00:00:00Z';
    let result: DevResult;
    interface FailureRecord {
      readonly timestamp: string;
      readonly requestPayload?: { readonly scheduledTime?: string };
      readonly requestContext: { readonly condition: string; readonly approximateInvokeCount: number };
      readonly DDBStreamBatchInfo?: { readonly batchSize: number; readonly streamArn: string };
    }
    /** The failure inbox, read once by the failure test and looked at again by the stream test. */
    const inboxBodies: FailureRecord[] = [];

    beforeAll(async () => {
      await moto.endpoint.reset();
      result = await simulate(from, until);
    }, 300_000);

    it('fires every enabled schedule at exactly the instants nextRuns gives', () => {
      const expected = expectedSlots(result.stack, Date.parse(from), Date.parse(until));
      expect([...expected.keys()].sort()).toEqual(
        ['always-fails', 'continuer', 'five-hourly-rate', 'la-night', 'paris-weekly', 'planner', 'utc-two-hourly'].map((n) => `${STACK}-jobs/${n}`),
      );
      for (const [schedule, slots] of expected) {
        expect({ schedule, slots: scheduled(result.runs, schedule) }).toEqual({ schedule, slots });
      }
      expect(result.window).toEqual({ from: Date.parse(from), until: Date.parse(until) });
    });

    it('fires zoned schedules once on the day the clocks go back (hand-worked instants)', () => {
      // Los Angeles 01:30 and 02:30: PDT (UTC-7) until 2026-11-01 02:00 PDT, then PST (UTC-8);
      // 01:30 happens twice on 1 November and fires only the first time.
      expect(slotsOf(result.runs, 'la-night').slice(-6)).toEqual([
        '2026-10-30T08:30:00Z',
        '2026-10-30T09:30:00Z',
        '2026-10-31T08:30:00Z',
        '2026-10-31T09:30:00Z',
        '2026-11-01T08:30:00Z',
        '2026-11-01T10:30:00Z',
      ]);
      // Paris, Sundays 02:30: 25 October 02:30 happens twice (CEST, then CET): first one only.
      expect(slotsOf(result.runs, 'paris-weekly')).toEqual(['2026-10-25T00:30:00Z', '2026-11-01T01:30:00Z']);
      // rate(5 hours) counts elapsed time from the start.
      expect(slotsOf(result.runs, 'five-hourly-rate').slice(0, 3)).toEqual(['2026-10-24T05:00:00Z', '2026-10-24T10:00:00Z', '2026-10-24T15:00:00Z']);
    });

    it('never fires a disabled schedule', () => {
      expect(slotsOf(result.runs, 'disabled-job')).toEqual([]);
    });

    it('gives handlers the simulated clock, their environment and a Lambda context', async () => {
      const dynamodb = new DynamoDBClient(moto.config());
      const table = result.stack.outputs.TableName ?? Object.values(result.stack.resources).find((r) => r.type === 'AWS::DynamoDB::Table')?.ref;
      const items = await dynamodb.send(
        new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'RUN#utc-two-hourly' } } }),
      );
      expect(items.Items?.length).toBe(108);
      for (const item of items.Items ?? []) {
        const event = JSON.parse(item.event.S as string) as Record<string, string>;
        const slot = Date.parse(event.scheduledTime);
        const seen = Date.parse(item.seenAt.S as string);
        expect(seen).toBeGreaterThanOrEqual(slot);
        expect(seen - slot).toBeLessThan(30_000);
        expect(event.scheduleArn).toBe(`arn:aws:scheduler:us-east-1:123456789012:schedule/${STACK}-jobs/utc-two-hourly`);
        expect(event.attempt).toBe('1');
        expect(event.executionId).toMatch(/^[0-9a-f-]{36}$/);
        expect(item.envJob.S).toBe('utc-two-hourly');
        expect(item.region.S).toBe('us-east-1');
        expect(item.arn.S).toBe(result.stack.functions[result.stack.jobs['utc-two-hourly'].functionLogicalId].arn);
        expect(Number(item.remainingMs.S)).toBeGreaterThan(0);
        expect(Number(item.remainingMs.S)).toBeLessThanOrEqual(30_000);
      }
    });

    it('fires one-time schedules created during the simulation once, then deletes those that ask for it', async () => {
      const planned = result.runs.filter((r) => r.job === 'planner').map((r) => Date.parse(r.scheduledTime));
      const due = planned.map((t) => t + 10 * 60_000).filter((t) => t <= Date.parse(until));
      expect(due.length).toBe(35);
      expect(slotsOf(result.runs, 'once-delete')).toEqual(due.map(schedulerTime));
      expect(slotsOf(result.runs, 'once-none')).toEqual(due.map(schedulerTime));
      const scheduler = new SchedulerClient(moto.config());
      const left = await scheduler.send(new ListSchedulesCommand({ GroupName: `${STACK}-once`, MaxResults: 100 }));
      const names = (left.Schedules ?? []).map((s) => s.Name as string);
      // The DELETE ones that fired are gone; the one planned at the last instant has not fired yet.
      expect(names.filter((n) => n.startsWith('once-delete-'))).toEqual(['once-delete-20261102000000']);
      expect(names.filter((n) => n.startsWith('once-none-')).length).toBe(36);
    });

    it('retries a failing handler after one and two minutes, then sends the record to the on-failure destination', async () => {
      const failures = result.runs.filter((r) => r.job === 'always-fails');
      expect(failures.map((r) => [r.status, r.attempts])).toEqual(Array.from({ length: 9 }, () => ['FAILED', 3]));
      expect(failures[0].error).toEqual({ type: 'TypeError', message: 'always fails (slot 2026-10-24T12:00:00Z)' });
      expect(result.exitCode).toBe(1);

      const sqs = new SQSClient(moto.config());
      const inbox = Object.values(result.stack.resources).find((r) => r.type === 'AWS::SQS::Queue' && r.name?.includes('Inbox'));
      for (;;) {
        const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: inbox?.url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }));
        if (!page.Messages?.length) break;
        inboxBodies.push(...page.Messages.map((m) => JSON.parse(m.Body as string) as FailureRecord));
      }
      const bodies = inboxBodies.filter((b) => b.requestPayload !== undefined);
      expect(bodies.length).toBe(9);
      const first = bodies.find((b) => b.requestPayload?.scheduledTime === '2026-10-24T12:00:00Z') as FailureRecord;
      expect(first).toMatchObject({
        version: '1.0',
        requestContext: {
          functionArn: `${result.stack.functions[result.stack.jobs['always-fails'].functionLogicalId].arn}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: { job: 'always-fails', scheduledTime: '2026-10-24T12:00:00Z' },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'TypeError', errorMessage: 'always fails (slot 2026-10-24T12:00:00Z)' },
      });
      // The third attempt runs three minutes after the slot (1 + 2 minutes of back-off), on the simulated clock.
      const sent = Date.parse(first.timestamp);
      expect(sent - Date.parse('2026-10-24T12:03:00Z')).toBeGreaterThanOrEqual(0);
      expect(sent - Date.parse('2026-10-24T12:03:00Z')).toBeLessThan(10_000);
    });

    it('delivers filtered stream records to the mapped function, retries a failed record, then reports the batch', async () => {
      const dynamodb = new DynamoDBClient(moto.config());
      const table = Object.values(result.stack.resources).find((r) => r.type === 'AWS::DynamoDB::Table')?.ref;
      const query = async (pk: string) =>
        (
          await dynamodb.send(
            new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } }),
          )
        ).Items ?? [];
      const written = (await query('RUN#utc-two-hourly')).map((i) => i.sk.S as string).sort();
      const copied = (await query('STREAMED')).map((i) => i.sk.S as string).sort();
      expect(written.length).toBe(108);
      expect(copied).toEqual(written.filter((sk) => !sk.startsWith('2026-10-24T12:00:00Z')));

      const streamRuns = result.runs.filter((r) => r.trigger === 'stream');
      expect(new Set(streamRuns.map((r) => r.job))).toEqual(new Set(['streamer']));
      const poisoned = streamRuns.filter((r) => r.status !== 'SUCCEEDED');
      expect(poisoned.map((r) => [r.status, r.attempts, r.records])).toEqual([
        ['RETRYING', 1, 1],
        ['RETRYING', 2, 1],
        ['FAILED', 3, 1],
      ]);
      const streamFailure = inboxBodies.find((b) => b.DDBStreamBatchInfo !== undefined);
      expect(streamFailure?.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 });
      expect(streamFailure?.DDBStreamBatchInfo).toMatchObject({ batchSize: 1 });
      expect(streamFailure?.DDBStreamBatchInfo?.streamArn).toBe(result.stack.resources[Object.keys(result.stack.resources).find((id) => result.stack.resources[id].type === 'AWS::DynamoDB::Table') as string].attributes.StreamArn);
    });

    it('runs a continuation requested through the local invoke hook after the run that asked for it', () => {
      const continuer = result.runs.filter((r) => r.job === 'continuer');
      expect(continuer.slice(0, 2).map((r) => [r.scheduledTime, r.trigger, r.status])).toEqual([
        ['2026-10-24T23:45:00Z', 'schedule', 'CONTINUED'],
        ['2026-10-24T23:45:00Z', 'invoke', 'SUCCEEDED'],
      ]);
      expect(continuer.length).toBe(18);
    });
  });

  describe('spring: 2026-03-07 to 2026-03-10 (the US enters summer time)', () => {
    let result: DevResult;
    const from = '2026-03-07T00:00:00Z';
    const until = '2026-03-10T00:00:00Z';

    beforeAll(async () => {
      await moto.endpoint.reset();
      result = await simulate(from, until);
    }, 300_000);

    it('skips the zoned run that falls in the missing hour and matches nextRuns for every schedule', () => {
      // 8 March 2026: 02:00 PST jumps to 03:00 PDT, so 02:30 does not exist that day.
      expect(slotsOf(result.runs, 'la-night')).toEqual([
        '2026-03-07T09:30:00Z',
        '2026-03-07T10:30:00Z',
        '2026-03-08T09:30:00Z',
        '2026-03-09T08:30:00Z',
        '2026-03-09T09:30:00Z',
      ]);
      for (const [schedule, slots] of expectedSlots(result.stack, Date.parse(from), Date.parse(until))) {
        expect({ schedule, slots: scheduled(result.runs, schedule) }).toEqual({ schedule, slots });
      }
    });
  });
});
