/**
 * The `jobs` CLI against a real platform in moto: the CLI test app (a JobPlatform with three
 * scheduled jobs and a one-time job, handlers built with defineJob) is synthesized and provisioned
 * through local mode's provisioner, then every command runs in-process through `runCli` and its
 * exact output is checked. The expected values come from the calendar and the test's own data.
 */
import { CreateStackCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { oneTimeScheduleName } from '../../../lib/contract';
import { failureRecord, lambdaTargetEvent, scheduleDeadLetterAttributes } from '../../../tools/local/async-invocation';
import { LocalLambda } from '../../../tools/local/local-lambda';
import { localStackPath, START_HINT, type LocalStackFile } from '../../../tools/local/local-stack';
import { runCli } from '../../../tools/cli/commands/program';
import { useMoto } from '../../support/moto';
import { Capture, provisionFixture } from './fixtures/platform';

const moto = useMoto();

/** Friday 27 March 2026, 12:00 UTC: Paris is on CET (+01:00) until Sunday 29 March, New York on EDT (-04:00). */
const NOW = new Date('2026-03-27T12:00:00Z');

let stack: LocalStackFile;
let projectDir: string;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function jobs(args: string[], options: { now?: Date; env?: Record<string, string> } = {}): Promise<Result> {
  const stdout = new Capture();
  const stderr = new Capture();
  const env = { JOBS_STACK: 'CliJobs', ...options.env };
  const code = await runCli(args, { stdout, stderr, env, cwd: projectDir, now: () => options.now ?? NOW });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The table the CLI prints, built independently: columns padded to their widest cell, two spaces apart. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

/** Tables cut long errors to 80 characters, the last one an ellipsis. */
function cut80(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 79)}…`;
}

function scheduleOf(job: string) {
  const schedule = Object.values(stack.schedules).find((s) => s.name === job);
  if (!schedule) throw new Error(`no schedule ${job}`);
  return schedule;
}

function functionOf(job: string) {
  return stack.functions[stack.jobs[job].functionLogicalId];
}

/** Delivers a scheduled slot to the job's bundled handler the way Scheduler would (its input, substituted). */
async function deliver(job: string, scheduledTime: string) {
  const schedule = scheduleOf(job);
  const event = lambdaTargetEvent(schedule.name, schedule.target.input, {
    scheduleArn: schedule.arn,
    scheduledTime,
    executionId: randomUUID(),
    attemptNumber: 1,
  });
  return new LocalLambda({ stack, output: () => undefined }).invoke(functionOf(job), event);
}

/** Waits for the next wall-clock second, so two manual runs get two slots. */
async function nextSecond() {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
}

beforeAll(async () => {
  ({ stack, projectDir } = await provisionFixture(moto.endpoint.url));
}, 300_000);

describe('jobs list and next', () => {
  it('lists every job: schedule, zone, next run, last run, paused, pending one-time runs, description', async () => {
    const result = await jobs(['list', '--local']);

    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout:
        table([
          ['JOB', 'SCHEDULE', 'ZONE', 'NEXT RUN', 'LAST RUN', 'STATUS', 'PAUSED', 'ONCE', 'DESCRIPTION'],
          ['legacy-export', 'cron(0 0 1 * ? *) (disabled)', 'Etc/UTC', '-', '-', '-', 'no', '0', 'at 00:00 on day 1 of the month (Etc/UTC)'],
          ['nightly-report', 'cron(30 2 * * ? *)', 'Europe/Paris', '2026-03-28 02:30 +01:00', '-', '-', 'no', '0', 'at 02:30 every day (Europe/Paris)'],
          ['weekday-sync', 'cron(0 9 ? * MON-FRI *)', 'America/New_York', '2026-03-27 09:00 -04:00', '-', '-', 'no', '0', 'Syncs the partner catalogue on weekday mornings'],
          ['reminder', 'one-time only', 'UTC', '-', '-', '-', 'no', '0', ''],
        ]) + '\n',
    });
  });

  it('lists as JSON with the function of each job', async () => {
    const result = await jobs(['list', '--local', '--json']);

    expect(result.code).toBe(0);
    const entries = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(entries.map((e) => [e.job, e.kind, e.state, e.nextRun, e.functionArn])).toEqual([
      ['legacy-export', 'scheduled', 'DISABLED', null, functionOf('legacy-export').arn],
      ['nightly-report', 'scheduled', 'ENABLED', '2026-03-28T01:30:00.000Z', functionOf('nightly-report').arn],
      ['weekday-sync', 'scheduled', 'ENABLED', '2026-03-27T13:00:00.000Z', functionOf('weekday-sync').arn],
      ['reminder', 'one-time', null, null, functionOf('reminder').arn],
    ]);
  });

  it('shows the next runs in the zone and in UTC, skipping 02:30 on the night Paris springs forward', async () => {
    const result = await jobs(['next', 'nightly-report', '-n', '3', '--local']);

    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'nightly-report: cron(30 2 * * ? *) in Europe/Paris (at 02:30 every day (Europe/Paris))\n' +
        table([
          ['#', 'Europe/Paris', 'UTC', 'SOURCE'],
          ['1', '2026-03-28 02:30 +01:00', '2026-03-28T01:30:00Z', 'schedule'],
          ['2', '2026-03-30 02:30 +02:00', '2026-03-30T00:30:00Z', 'schedule'],
          ['3', '2026-03-31 02:30 +02:00', '2026-03-31T00:30:00Z', 'schedule'],
        ]) +
        '\n',
    });
  });

  it('shows next runs as JSON: weekdays only, at 09:00 in New York', async () => {
    const result = await jobs(['next', 'weekday-sync', '-n', '2', '--local', '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      job: 'weekday-sync',
      expression: 'cron(0 9 ? * MON-FRI *)',
      timeZone: 'America/New_York',
      state: 'ENABLED',
      paused: false,
      runs: [
        { at: '2026-03-27T13:00:00.000Z', local: '2026-03-27 09:00 -04:00', source: 'schedule' },
        { at: '2026-03-30T13:00:00.000Z', local: '2026-03-30 09:00 -04:00', source: 'schedule' },
      ],
    });
  });

  it('rejects an unknown job with exit code 2, listing the known jobs', async () => {
    const result = await jobs(['next', 'nightly-reprot', '--local']);

    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "cdk-jobs: UnknownJobError: unknown job 'nightly-reprot' in stack 'CliJobs' (known jobs: legacy-export, nightly-report, weekday-sync, reminder)\n",
    });
  });
});

describe('jobs run and history', () => {
  it('runs a job in-process with its schedule payload, records a manual run, and history shows it', async () => {
    const run = await jobs(['run', 'nightly-report', '--local', '--json']);

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { outcome: { slot: string; durationMs: number } };
    expect(report).toEqual({
      job: 'nightly-report',
      where: 'local',
      mode: 'sync',
      ok: true,
      outcome: {
        job: 'nightly-report',
        slot: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/),
        status: 'SUCCEEDED',
        attempt: 1,
        durationMs: expect.any(Number),
        result: { job: 'nightly-report', manual: true, note: 'nightly' },
      },
    });

    await nextSecond();
    const failed = await jobs(['run', 'nightly-report', '--local', '--payload', '{"fail":true,"note":"by hand"}']);
    expect(failed.code).toBe(1);
    // The handler's output goes to a log file under .local/logs/<job>/, named on stderr.
    expect(failed.stderr).toMatch(/^logs: \.local\/logs\/nightly-report\/[^/]+\.log\n$/);
    expect(failed.stdout).toMatch(
      /^nightly-report: FAILED: RequestedFailureError: nightly-report failed on request \(slot \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z\)\n$/,
    );
    const failedSlot = /slot ([^)]+)\)/.exec(failed.stdout)?.[1];

    const history = await jobs(['history', 'nightly-report', '--local', '--json']);
    expect(history.code).toBe(0);
    expect(JSON.parse(history.stdout)).toEqual([
      {
        slot: failedSlot,
        status: 'FAILED',
        manual: true,
        trigger: 'manual',
        attempt: 1,
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
        durationMs: expect.any(Number),
        error: { name: 'RequestedFailureError', message: `nightly-report failed on request (slot ${failedSlot})` },
      },
      {
        slot: report.outcome.slot,
        status: 'SUCCEEDED',
        manual: true,
        trigger: 'manual',
        attempt: 1,
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
        durationMs: report.outcome.durationMs,
      },
    ]);

    const human = await jobs(['history', 'nightly-report', '--local', '--limit', '1']);
    expect(human.code).toBe(0);
    const [head, row, ...rest] = human.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(head.split(/\s{2,}/)).toEqual(['SLOT', 'STATUS', 'ATTEMPT', 'TRIGGER', 'DURATION', 'ERROR / REASON']);
    expect(row.split(/\s{2,}/)).toEqual([
      failedSlot,
      'FAILED',
      '1',
      'manual',
      expect.stringMatching(/^\d+ ms$/),
      cut80(`RequestedFailureError: nightly-report failed on request (slot ${failedSlot})`),
    ]);
  });

  it('rejects a payload that is not JSON with exit code 2, before running anything', async () => {
    const result = await jobs(['run', 'nightly-report', '--local', '--payload', '{fail']);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cdk-jobs: CliUsageError: --payload: expected JSON such as '\{"olderThanDays":7\}', got '\{fail' \(.+\)\n$/);
  });

  it('rejects a bad --limit with exit code 2', async () => {
    const result = await jobs(['history', 'nightly-report', '--local', '--limit', '0']);

    expect(result).toEqual({ code: 2, stdout: '', stderr: "cdk-jobs: CliUsageError: --limit: expected a whole number from 1 to 1000, got '0'\n" });
  });
});

describe('jobs pause and resume', () => {
  it('round trip: a paused scheduled run is SKIPPED, the first pause is kept, after resume the next slot runs', async () => {
    const paused = await jobs(['pause', 'weekday-sync', '--local', '--by', 'tester', '--reason', 'partner API migration']);
    expect(paused).toEqual({
      code: 0,
      stderr: '',
      stdout:
        "paused weekday-sync (by tester at 2026-03-27T12:00:00.000Z: partner API migration); its scheduled runs are recorded SKIPPED until 'cdk-jobs resume weekday-sync'\n",
    });

    const again = await jobs(['pause', 'weekday-sync', '--local', '--by', 'someone-else'], { now: new Date('2026-03-27T12:05:00Z') });
    expect(again).toEqual({
      code: 0,
      stderr: '',
      stdout: 'weekday-sync was already paused (by tester at 2026-03-27T12:00:00.000Z: partner API migration); nothing changed\n',
    });

    const skipped = await deliver('weekday-sync', '2026-03-27T13:00:00Z');
    expect(skipped.ok).toBe(true);
    expect(skipped.result).toMatchObject({ status: 'SKIPPED', reason: 'paused', slot: '2026-03-27T13:00:00.000Z' });

    const listed = await jobs(['list', '--local', '--json']);
    const entry = (JSON.parse(listed.stdout) as Array<Record<string, unknown>>).find((e) => e.job === 'weekday-sync');
    expect(entry).toMatchObject({
      paused: true,
      pausedBy: 'tester',
      pausedAt: '2026-03-27T12:00:00.000Z',
      lastRun: { at: expect.any(String), status: 'SKIPPED', slot: '2026-03-27T13:00:00.000Z' },
    });

    const resumed = await jobs(['resume', 'weekday-sync', '--local', '--by', 'tester'], { now: new Date('2026-03-27T14:00:00Z') });
    expect(resumed).toEqual({
      code: 0,
      stderr: '',
      stdout: 'resumed weekday-sync (by tester at 2026-03-27T14:00:00.000Z); its next scheduled run runs\n',
    });
    const resumedAgain = await jobs(['resume', 'weekday-sync', '--local', '--by', 'tester']);
    expect(resumedAgain).toEqual({ code: 0, stderr: '', stdout: 'weekday-sync is not paused; nothing changed\n' });

    const ran = await deliver('weekday-sync', '2026-03-30T13:00:00Z');
    expect(ran.result).toMatchObject({ status: 'SUCCEEDED', slot: '2026-03-30T13:00:00.000Z' });

    const history = await jobs(['history', 'weekday-sync', '--local', '--json']);
    expect((JSON.parse(history.stdout) as Array<Record<string, unknown>>).map((r) => [r.slot, r.status, r.trigger, r.reason])).toEqual([
      ['2026-03-30T13:00:00.000Z', 'SUCCEEDED', 'scheduled', undefined],
      ['2026-03-27T13:00:00.000Z', 'SKIPPED', 'scheduled', 'paused'],
    ]);
  });
});

describe('jobs failures and redrive', () => {
  /** When the last message was sent. */
  const sent = { at: 0 };

  beforeAll(async () => {
    const sqs = new SQSClient(moto.config());
    const inboxUrl = stack.outputs.FailureInboxUrl;
    const send = async (body: string, attributes?: Parameters<typeof scheduleDeadLetterAttributes>[0]) => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: inboxUrl,
          MessageBody: body,
          ...(attributes ? { MessageAttributes: scheduleDeadLetterAttributes(attributes) } : {}),
        }),
      );
      await new Promise((r) => setTimeout(r, 30)); // distinct SentTimestamps: the inbox lists oldest first
    };
    // 1. Delivery layer: Scheduler could not invoke weekday-sync for Thursday's slot.
    const weekday = scheduleOf('weekday-sync');
    const weekdayEvent = lambdaTargetEvent(weekday.name, weekday.target.input, {
      scheduleArn: weekday.arn,
      scheduledTime: '2026-03-26T13:00:00Z',
      executionId: 'exec-1',
      attemptNumber: 1,
    });
    await send(JSON.stringify(weekdayEvent), {
      errorCode: 'TooManyRequestsException',
      errorMessage: 'Rate exceeded',
      executionId: 'exec-1',
      condition: 'MaximumRetryAttemptsExceeded',
      retryAttempts: 185,
      scheduledTime: '2026-03-26T13:00:00Z',
      scheduleArn: weekday.arn,
      targetArn: functionOf('weekday-sync').arn,
    });
    // 2. Execution layer: nightly-report ran with a payload that makes it fail (and still does).
    const nightly = scheduleOf('nightly-report');
    const nightlyEvent = {
      ...(lambdaTargetEvent(nightly.name, nightly.target.input, {
        scheduleArn: nightly.arn,
        scheduledTime: '2026-03-26T01:30:00Z',
        executionId: 'exec-2',
        attemptNumber: 1,
      }) as Record<string, unknown>),
      payload: { fail: true },
    };
    const failedRun = await new LocalLambda({ stack, output: () => undefined }).invoke(functionOf('nightly-report'), nightlyEvent);
    expect(failedRun.ok).toBe(false);
    await send(
      JSON.stringify(
        failureRecord({
          requestId: failedRun.requestId,
          functionArn: functionOf('nightly-report').arn,
          condition: 'RetriesExhausted',
          attempts: 1,
          event: nightlyEvent,
          error: failedRun.error!,
          timestamp: new Date().toISOString(),
        }),
      ),
    );
    // 3. Execution layer: legacy-export timed out once; run again, it succeeds.
    const legacy = scheduleOf('legacy-export');
    const legacyEvent = lambdaTargetEvent(legacy.name, legacy.target.input, {
      scheduleArn: legacy.arn,
      scheduledTime: '2026-03-01T00:00:00Z',
      executionId: 'exec-3',
      attemptNumber: 1,
    });
    await send(
      JSON.stringify(
        failureRecord({
          requestId: 'req-3',
          functionArn: functionOf('legacy-export').arn,
          condition: 'EventAgeExceeded',
          attempts: 3,
          event: legacyEvent,
          error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 300.00 seconds', trace: [] },
          timestamp: new Date().toISOString(),
        }),
      ),
    );
    // 4. Something else entirely.
    await send('hello');
    sent.at = Date.now();
  });

  /** Three minutes after the last message was sent: every age reads "3 min" (they were sent within seconds). */
  const later = () => new Date(sent.at + 3 * 60_000);

  it('shows both layers, oldest first, without consuming the inbox', async () => {
    const result = await jobs(['failures', '--local'], { now: later() });

    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout:
        table([
          ['JOB', 'SLOT', 'LAYER', 'ERROR', 'ATTEMPTS', 'AGE'],
          ['weekday-sync', '2026-03-26T13:00:00.000Z', 'delivery', 'TooManyRequestsException: Rate exceeded', '186', '3 min'],
          [
            'nightly-report',
            '2026-03-26T01:30:00.000Z',
            'execution',
            cut80('RequestedFailureError: nightly-report failed on request (slot 2026-03-26T01:30:00.000Z)'),
            '1',
            '3 min',
          ],
          ['legacy-export', '2026-03-01T00:00:00.000Z', 'execution', 'Sandbox.Timedout: Task timed out after 300.00 seconds', '3', '3 min'],
          ['?', '-', 'unknown', 'not a Scheduler dead-letter message nor a Lambda failure record', '-', '3 min'],
        ]) +
        '\n4 failures (delivery: 1, execution: 2, unrecognised: 1)\n',
    });

    // Read again at once: every message was released, none consumed.
    const again = await jobs(['failures', '--local', '--json'], { now: later() });
    const rows = JSON.parse(again.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.job, r.layer, r.condition])).toEqual([
      ['weekday-sync', 'delivery', 'MaximumRetryAttemptsExceeded'],
      ['nightly-report', 'execution', 'RetriesExhausted'],
      ['legacy-export', 'execution', 'EventAgeExceeded'],
      [null, 'unknown', null],
    ]);
    for (const row of rows) expect(row.ageSeconds).toBeGreaterThanOrEqual(180);
    for (const row of rows) expect(row.ageSeconds).toBeLessThan(240);
    expect(rows[0].event).toMatchObject({ job: 'weekday-sync', scheduledTime: '2026-03-26T13:00:00Z', payload: {} });
    expect(rows[0].functionArn).toBe(functionOf('weekday-sync').arn);
  });

  it('filters by job and says how many of other jobs are not shown', async () => {
    const result = await jobs(['failures', '--local', '--job', 'weekday-sync'], { now: later() });

    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').slice(-1)).toEqual(['1 failure (delivery: 1, execution: 0); 3 of other jobs not shown']);
  });

  it('dry run: says what it would re-invoke and changes nothing', async () => {
    const result = await jobs(['redrive', '--local', '--dry-run'], { now: later() });

    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout:
        table([
          ['JOB', 'SLOT', 'LAYER', 'WOULD'],
          ['weekday-sync', '2026-03-26T13:00:00.000Z', 'delivery', `re-invoke ${functionOf('weekday-sync').functionName}`],
          ['nightly-report', '2026-03-26T01:30:00.000Z', 'execution', `re-invoke ${functionOf('nightly-report').functionName}`],
          ['legacy-export', '2026-03-01T00:00:00.000Z', 'execution', `re-invoke ${functionOf('legacy-export').functionName}`],
          ['?', '-', 'unknown', 'skip: no original event in the message'],
        ]) + '\ndry run: nothing was invoked or deleted\n',
    });
    const left = await jobs(['failures', '--local', '--json'], { now: later() });
    expect(JSON.parse(left.stdout)).toHaveLength(4);
  });

  it('re-invokes each with its original event and deletes only those that succeeded', async () => {
    const result = await jobs(['redrive', '--local'], { now: later() });

    expect(result).toEqual({
      code: 1,
      stderr: expect.stringMatching(/^logs: \.local\/logs\/weekday-sync\/[^/]+\.log\nlogs: \.local\/logs\/nightly-report\/[^/]+\.log\nlogs: \.local\/logs\/legacy-export\/[^/]+\.log\n$/),
      stdout:
        table([
          ['JOB', 'SLOT', 'LAYER', 'RESULT', 'MESSAGE'],
          ['weekday-sync', '2026-03-26T13:00:00.000Z', 'delivery', 'SUCCEEDED', 'deleted'],
          [
            'nightly-report',
            '2026-03-26T01:30:00.000Z',
            'execution',
            cut80('FAILED: RequestedFailureError: nightly-report failed on request (slot 2026-03-26T01:30:00.000Z)'),
            'kept',
          ],
          ['legacy-export', '2026-03-01T00:00:00.000Z', 'execution', 'SUCCEEDED', 'deleted'],
          ['?', '-', 'unknown', 'skipped: no original event in the message', 'kept'],
        ]) + '\n2 of 4 redriven and deleted; 2 kept in the inbox\n',
    });

    const left = await jobs(['failures', '--local', '--json'], { now: later() });
    expect((JSON.parse(left.stdout) as Array<Record<string, unknown>>).map((r) => [r.job, r.layer])).toEqual([
      ['nightly-report', 'execution'],
      [null, 'unknown'],
    ]);
    // The failed slot was taken again as attempt 2 (a retry of the FAILED record) and failed again.
    const history = await jobs(['history', 'nightly-report', '--local', '--json']);
    expect((JSON.parse(history.stdout) as Array<Record<string, unknown>>).find((r) => r.slot === '2026-03-26T01:30:00.000Z')).toMatchObject({
      status: 'FAILED',
      attempt: 2,
      trigger: 'scheduled',
    });
    // The redriven delivery ran the slot Scheduler could not deliver.
    const weekday = await jobs(['history', 'weekday-sync', '--local', '--json']);
    expect((JSON.parse(weekday.stdout) as Array<Record<string, unknown>>).find((r) => r.slot === '2026-03-26T13:00:00.000Z')).toMatchObject({
      status: 'SUCCEEDED',
      attempt: 1,
    });
  });

  it('has nothing to redrive for a job without failures', async () => {
    const result = await jobs(['redrive', '--local', '--job', 'weekday-sync'], { now: later() });

    expect(result).toEqual({ code: 0, stderr: '', stdout: 'nothing to redrive\n' });
  });
});

describe('jobs schedule-once and cancel-once', () => {
  it('schedules a one-time run through OneTimeScheduler, idempotently per key, and cancels it', async () => {
    const name = oneTimeScheduleName('reminder', 'invoice-42');
    const scheduled = await jobs([
      'schedule-once',
      'reminder',
      '--local',
      '--at',
      '2026-03-30T09:00',
      '--tz',
      'Europe/Paris',
      '--key',
      'invoice-42',
      '--payload',
      '{"note":"pay invoice 42"}',
    ]);
    expect(scheduled).toEqual({
      code: 0,
      stderr: '',
      stdout: `scheduled reminder once at 2026-03-30 09:00 +02:00 (2026-03-30T07:00:00Z), key 'invoice-42', schedule CliJobs-jobs-once/${name}\n`,
    });

    const scheduler = new SchedulerClient(moto.config());
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: 'CliJobs-jobs-once' }));
    expect(schedule).toMatchObject({
      ScheduleExpression: 'at(2026-03-30T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: functionOf('reminder').arn,
        RoleArn: scheduleOf('nightly-report').target.roleArn,
        DeadLetterConfig: { Arn: stack.outputs.FailureInboxArn },
        // The OneTimeJob's deliveryRetryAttempts: 3 and deliveryMaxEventAge: 10 minutes.
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
      },
    });
    expect(JSON.parse(schedule.Target!.Input!)).toMatchObject({
      job: 'reminder',
      scheduledTime: '2026-03-30T07:00:00.000Z',
      key: 'invoice-42',
      payload: { note: 'pay invoice 42' },
    });

    const twice = await jobs(['schedule-once', 'reminder', '--local', '--at', '+3d', '--key', 'invoice-42']);
    expect(twice).toEqual({
      code: 0,
      stderr: '',
      stdout: `reminder already has a one-time schedule with key 'invoice-42' (CliJobs-jobs-once/${name}); nothing changed (cancel it first to move it)\n`,
    });

    const listed = await jobs(['list', '--local', '--json']);
    expect((JSON.parse(listed.stdout) as Array<Record<string, unknown>>).find((e) => e.job === 'reminder')?.pendingOneTime).toBe(1);
    const next = await jobs(['next', 'reminder', '--local', '--json']);
    expect(JSON.parse(next.stdout)).toMatchObject({
      job: 'reminder',
      expression: null,
      runs: [{ at: '2026-03-30T07:00:00.000Z', local: '2026-03-30 07:00 +00:00', source: 'once:invoice-42' }],
    });

    const cancelled = await jobs(['cancel-once', 'reminder', '--local', '--key', 'invoice-42']);
    expect(cancelled).toEqual({
      code: 0,
      stderr: '',
      stdout: `cancelled the one-time run of reminder with key 'invoice-42' (CliJobs-jobs-once/${name})\n`,
    });
    const none = await jobs(['cancel-once', 'reminder', '--local', '--key', 'invoice-42']);
    expect(none).toEqual({
      code: 1,
      stderr: '',
      stdout: "no pending one-time run of reminder with key 'invoice-42' (never scheduled, already cancelled, or already fired)\n",
    });
  });

  it('rejects an instant less than a minute ahead with exit code 2', async () => {
    const result = await jobs(['schedule-once', 'reminder', '--local', '--at', '2026-03-27T12:00:30Z', '--key', 'late']);

    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "cdk-jobs: OneTimeScheduleValidationError: one-time schedule for job 'reminder': at must be at least 1 minute in the future (got 2026-03-27T12:00:30.000Z, now 2026-03-27T12:00:00.000Z)\n",
    });
  });
});

describe('finding the platform', () => {
  it('exits 3 when there is no local stack of that name', async () => {
    const result = await jobs(['list', '--local', '--stack', 'Missing']);

    expect(result).toEqual({
      code: 3,
      stdout: '',
      stderr: `cdk-jobs: PlatformNotFoundError: no local stack 'Missing' (${localStackPath('Missing', projectDir)} not found): ${START_HINT}\n`,
    });
  });

  it('with an endpoint and no local record, reads the stack outputs from CloudFormation at the endpoint', async () => {
    // A stack deployed into the emulator by CloudFormation (as LocalStack would): only its outputs matter here.
    const cloudFormation = new CloudFormationClient(moto.config());
    const output = (key: string) => ({ Value: stack.outputs[key] });
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: 'DeployedJobs',
        TemplateBody: JSON.stringify({
          Resources: { Marker: { Type: 'AWS::SQS::Queue', Properties: {} } },
          Outputs: {
            JobsTableName: output('JobsTableName'),
            FailureInboxUrl: output('FailureInboxUrl'),
            FailureInboxArn: output('FailureInboxArn'),
            ScheduleGroupName: output('ScheduleGroupName'),
          },
        }),
      }),
    );

    const result = await jobs(['list', '--stack', 'DeployedJobs', '--json'], { env: { AWS_ENDPOINT_URL: moto.endpoint.url } });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Array<Record<string, unknown>>).map((e) => e.job)).toEqual(['legacy-export', 'nightly-report', 'weekday-sync']);

    const missing = await jobs(['list', '--stack', 'Nowhere'], { env: { AWS_ENDPOINT_URL: moto.endpoint.url } });
    expect(missing).toEqual({
      code: 3,
      stdout: '',
      stderr:
        `cdk-jobs: PlatformNotFoundError: no local stack 'Nowhere' (${localStackPath('Nowhere', projectDir)} not found): ${START_HINT}; ` +
        `and no CloudFormation stack 'Nowhere' at ${moto.endpoint.url} (deploy it with 'npx cdk deploy', or pick another stack with --stack)\n`,
    });
  });
});
