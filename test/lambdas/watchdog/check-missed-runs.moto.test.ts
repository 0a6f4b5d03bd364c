/**
 * The watchdog against moto_server: real Scheduler schedules, a real table, run records written as
 * the job runtime writes them, and a fixed `now`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateScheduleCommand, CreateScheduleGroupCommand, SchedulerClient, type CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMissedRuns } from '../../../lambdas/watchdog/check-missed-runs';
import { WatchdogKeys } from '../../../lib/contract';
import { useMoto } from '../../support/moto';
import { captureEmf } from './support';
import { createStateTable } from '../../support/state-table';

const TABLE = 'jobs-state';
const GROUP = 'jobs-platform';
// Far after moto's creation dates (the real clock), so only cursors, StartDate and the look-back bound the windows.
const NOW = new Date('2030-01-15T12:00:00.000Z');

describe('checkMissedRuns against moto', () => {
  const moto = useMoto();
  let scheduler: SchedulerClient;
  let ddb: DynamoDBDocumentClient;

  const jobInput = (job: string) =>
    JSON.stringify({
      job,
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
      attempt: '<aws.scheduler.attempt-number>',
      scheduleArn: '<aws.scheduler.schedule-arn>',
      payload: {},
    });

  async function createSchedule(name: string, input: string, overrides: Partial<CreateScheduleCommandInput>) {
    await scheduler.send(
      new CreateScheduleCommand({
        GroupName: GROUP,
        Name: name,
        ScheduleExpression: 'cron(0 2 * * ? *)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
          RoleArn: 'arn:aws:iam::123456789012:role/jobs-scheduler',
          Input: input,
        },
        ...overrides,
      }),
    );
  }

  async function writeRun(job: string, slot: string, extra: Record<string, unknown> = {}) {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: `JOB#${job}`, sk: `RUN#${slot}`, job, slot, status: 'SUCCEEDED', attempt: 1, manual: false, ...extra },
      }),
    );
  }

  async function missedSlots(): Promise<string[]> {
    const jobs = ['nightly-report', 'sync-orders', 'london-report', 'late-starter', 'paused-job'];
    const found: string[] = [];
    for (const job of jobs) {
      const page = await ddb.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :missed)',
          ExpressionAttributeValues: { ':pk': `JOB#${job}`, ':missed': 'MISSED#' },
        }),
      );
      for (const item of page.Items ?? []) found.push(`${job} ${String(item.slot)}`);
    }
    return found.sort();
  }

  const run = () => {
    const metrics = new Metrics({ namespace: 'ScheduledJobs', serviceName: 'watchdog' });
    return captureEmf(() => checkMissedRuns({ scheduler, ddb, tableName: TABLE, group: GROUP, now: NOW, graceSeconds: 600, metrics }));
  };

  beforeAll(async () => {
    scheduler = new SchedulerClient(moto.config());
    const dynamo = new DynamoDBClient(moto.config());
    ddb = DynamoDBDocumentClient.from(dynamo);
    await createStateTable(dynamo, TABLE);
    await scheduler.send(new CreateScheduleGroupCommand({ Name: GROUP }));

    // Daily 02:00 UTC: no run on 15 January; a manual run in the same minute does not count.
    await createSchedule('nightly-report', jobInput('nightly-report'), {});
    await writeRun('nightly-report', '2030-01-14T02:00:00.000Z');
    await writeRun('nightly-report', '2030-01-15T02:00:40.000Z', { manual: true });

    // Hourly, phase hh:00:05 with a few seconds of drift; 03:00 and 04:00 on 15 January never ran.
    await createSchedule('sync-orders', jobInput('sync-orders'), { ScheduleExpression: 'rate(1 hour)' });
    const hourly: string[] = [];
    for (let t = Date.parse('2030-01-14T11:00:05.000Z'); t <= Date.parse('2030-01-15T11:00:05.000Z'); t += 3_600_000) {
      hourly.push(new Date(t).toISOString());
    }
    for (const slot of hourly) {
      if (slot === '2030-01-15T03:00:05.000Z' || slot === '2030-01-15T04:00:05.000Z') continue;
      const drifted = slot === '2030-01-14T18:00:05.000Z' ? '2030-01-14T18:00:02.000Z' : slot === '2030-01-14T19:00:05.000Z' ? '2030-01-14T19:00:11.000Z' : slot;
      await writeRun('sync-orders', drifted);
    }

    // 01:30 London time (GMT in January = 01:30Z) with a 30-minute flexible window: ran at 01:52.
    await createSchedule('london-report', jobInput('london-report'), {
      ScheduleExpression: 'cron(30 1 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/London',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
    });
    await writeRun('london-report', '2030-01-15T01:52:00.000Z');

    // Hourly from StartDate 06:00: nothing before it is expected; 09:00 never ran.
    await createSchedule('late-starter', jobInput('late-starter'), {
      ScheduleExpression: 'cron(0 * * * ? *)',
      StartDate: new Date('2030-01-15T06:00:00.000Z'),
    });
    for (const hour of ['06', '07', '08', '10', '11']) await writeRun('late-starter', `2030-01-15T${hour}:00:00.000Z`);

    // Disabled: never checked, though it has no runs at all.
    await createSchedule('paused-job', jobInput('paused-job'), { ScheduleExpression: 'cron(*/5 * * * ? *)', State: 'DISABLED' });
    // The watchdog's own schedule: its input names no job.
    await createSchedule('watchdog', JSON.stringify({ watchdog: true }), { ScheduleExpression: 'rate(5 minutes)' });
  });

  it('records exactly the missed slots and publishes MissedRuns per job, zeros included', async () => {
    // Act
    const { result, emf } = await run();
    // Assess: MISSED records
    expect(await missedSlots()).toEqual([
      'late-starter 2030-01-15T09:00:00.000Z',
      'nightly-report 2030-01-15T02:00:00.000Z',
      'sync-orders 2030-01-15T03:00:05.000Z',
      'sync-orders 2030-01-15T04:00:05.000Z',
    ]);
    // Assess: one EMF record per checked job, namespace ScheduledJobs, dimension service = job
    const published = Object.fromEntries(emf.map((r) => [r.service, r.values.MissedRuns]));
    expect(published).toEqual({ 'nightly-report': 1, 'sync-orders': 2, 'london-report': 0, 'late-starter': 1 });
    expect(emf.every((r) => r.namespace === 'ScheduledJobs' && JSON.stringify(r.dimensions) === '[["service"]]')).toBe(true);
    // Assess: what the run reports
    expect(result.failures).toEqual([]);
    expect(result.ignored).toEqual(
      expect.arrayContaining([
        { scheduleName: 'paused-job', reason: 'state is DISABLED' },
        { scheduleName: 'watchdog', reason: 'its target input has no job' },
      ]),
    );
    const byJob = Object.fromEntries(result.jobs.map((j) => [j.job, j]));
    expect(byJob['sync-orders'].expected).toBe(24);
    expect(byJob['late-starter'].expected).toBe(6);
    expect(byJob['london-report'].window).toEqual({ from: '2030-01-14T12:00:00.000Z', to: '2030-01-15T11:20:00.000Z' });
    // Assess: cursors advanced to the end of each window
    const cursors = await ddb.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': WatchdogKeys.partition } }),
    );
    expect(Object.fromEntries((cursors.Items ?? []).map((c) => [c.job, c.checkedUntil]))).toEqual({
      'nightly-report': '2030-01-15T11:50:00.000Z',
      'sync-orders': '2030-01-15T11:50:00.000Z',
      'london-report': '2030-01-15T11:20:00.000Z',
      'late-starter': '2030-01-15T11:50:00.000Z',
    });
  });

  it('a second run does not count the same slots again', async () => {
    const { result, emf } = await run();
    expect(result.jobs.map((j) => [j.job, j.expected, j.recorded])).toEqual(
      expect.arrayContaining([
        ['nightly-report', 0, 0],
        ['sync-orders', 0, 0],
        ['london-report', 0, 0],
        ['late-starter', 0, 0],
      ]),
    );
    expect(Object.fromEntries(emf.map((r) => [r.service, r.values.MissedRuns]))).toEqual({
      'nightly-report': 0,
      'sync-orders': 0,
      'london-report': 0,
      'late-starter': 0,
    });
    expect(await missedSlots()).toHaveLength(4);
  });

  it('an overlapping run that did not see the cursors finds the slots but does not count them twice', async () => {
    // Prepare: drop the cursors, as if this run had read them before the first one wrote them
    for (const job of ['nightly-report', 'sync-orders', 'london-report', 'late-starter']) {
      await ddb.send(new DeleteCommand({ TableName: TABLE, Key: { pk: WatchdogKeys.partition, sk: WatchdogKeys.cursor(job) } }));
    }
    // Act
    const { result, emf } = await run();
    // Assess
    const byJob = Object.fromEntries(result.jobs.map((j) => [j.job, j]));
    expect(byJob['sync-orders'].missed).toEqual(['2030-01-15T03:00:05.000Z', '2030-01-15T04:00:05.000Z']);
    expect(byJob['sync-orders'].recorded).toBe(0);
    expect(Object.values(Object.fromEntries(emf.map((r) => [r.service, r.values.MissedRuns])))).toEqual([0, 0, 0, 0]);
    expect(await missedSlots()).toHaveLength(4);
  });
});
