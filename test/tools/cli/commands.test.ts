/**
 * The commands' pure parts (rows, plans, renderings) and the whole program against mocked AWS
 * clients: the Lambda calls `run` and `redrive` make against AWS, and the exit codes.
 */
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderHistory } from '../../../tools/cli/commands/history';
import { listEntries, renderList } from '../../../tools/cli/commands/list';
import { renderNext, upcomingRuns } from '../../../tools/cli/commands/next';
import { renderPause } from '../../../tools/cli/commands/pause';
import { planRedrive, renderRedrive } from '../../../tools/cli/commands/redrive';
import { manualEvent, renderRun, runExitCode } from '../../../tools/cli/commands/run';
import { renderFailures } from '../../../tools/cli/commands/failures';
import { describeError, ExitCode, exitCodeOf, OperationFailedError } from '../../../tools/cli/errors';
import type { InboxFailure } from '../../../tools/cli/failure-message';
import { buildCatalog, type JobInfo } from '../../../tools/cli/job-catalog';
import { runCli } from '../../../tools/cli/commands/program';
import { Capture } from './fixtures/platform';

const fnArn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:Jobs-${name}`;
const NOW = new Date('2026-03-27T12:00:00Z');

/** A Lambda response payload (the SDK types it as a blob adapter; the invoker reads its bytes). */
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as InvokeCommandOutput['Payload'];

const paris: JobInfo = {
  name: 'report',
  kind: 'scheduled',
  functionArn: fnArn('report'),
  payload: { format: 'csv' },
  schedule: { name: 'report', group: 'g', expression: 'cron(30 2 * * ? *)', timeZone: 'Europe/Paris', state: 'ENABLED', flexibleWindowMinutes: 0, description: 'nightly report' },
};

describe('list', () => {
  it('works out the next run, last run, paused flag and pending one-time runs of each job', () => {
    const catalog = {
      stackName: 'Jobs',
      jobs: [
        paris,
        { ...paris, name: 'off', schedule: { ...paris.schedule!, state: 'DISABLED' as const, description: undefined } },
        { name: 'reminder', kind: 'one-time' as const, functionArn: fnArn('reminder'), payload: {} },
      ],
    };
    const states = new Map([['report', { job: 'report', paused: true, pausedBy: 'ops', lastRunAt: '2026-03-27T01:30:02.000Z', lastStatus: 'FAILED', lastSlot: '2026-03-27T01:30:00.000Z' }]]);
    const entries = listEntries(catalog, states, new Map([['reminder', 4]]), NOW);

    expect(entries.map((e) => [e.job, e.nextRun, e.paused, e.pendingOneTime, e.lastRun?.status ?? null])).toEqual([
      ['report', '2026-03-28T01:30:00.000Z', true, 0, 'FAILED'],
      ['off', null, false, 0, null],
      ['reminder', null, false, 4, null],
    ]);
    expect(renderList(entries)).toBe(
      [
        'JOB       SCHEDULE                       ZONE          NEXT RUN                 LAST RUN                    STATUS  PAUSED     ONCE  DESCRIPTION',
        'report    cron(30 2 * * ? *)             Europe/Paris  2026-03-28 02:30 +01:00  2026-03-27 02:30:02 +01:00  FAILED  yes (ops)  0     nightly report',
        'off       cron(30 2 * * ? *) (disabled)  Europe/Paris  -                        -                           -       no         0',
        'reminder  one-time only                  UTC           -                        -                           -       no         4',
      ].join('\n'),
    );
    expect(renderList([])).toBe('no jobs');
  });
});

describe('next', () => {
  it('merges the recurring runs with pending one-time runs, in order, up to the count', () => {
    const runs = upcomingRuns(paris, NOW, 3, [
      { at: new Date('2026-03-28T09:00:00Z'), key: 'k1' },
      { at: new Date('2026-03-20T09:00:00Z'), key: 'past' },
    ]);
    expect(runs.map((r) => [r.at.toISOString(), r.source])).toEqual([
      ['2026-03-28T01:30:00.000Z', 'schedule'],
      ['2026-03-28T09:00:00.000Z', 'once:k1'],
      ['2026-03-30T00:30:00.000Z', 'schedule'],
    ]);
  });

  it('says when the schedule is disabled, windowed or the job paused', () => {
    const job = { ...paris, schedule: { ...paris.schedule!, state: 'DISABLED' as const, flexibleWindowMinutes: 15 } };
    expect(renderNext(job, [], { job: 'report', paused: true, pausedBy: 'ops', pausedAt: '2026-03-27T10:00:00.000Z' })).toBe(
      [
        'report: cron(30 2 * * ? *) in Europe/Paris (at 02:30 every day (Europe/Paris))',
        'no upcoming runs',
        'the schedule is DISABLED: its runs do not happen until it is enabled',
        'each run starts within 15 minutes of its instant (flexible time window)',
        "the job is paused (by ops at 2026-03-27T10:00:00.000Z): its scheduled runs are recorded SKIPPED until 'cdk-jobs resume report'",
      ].join('\n'),
    );
  });
});

describe('run', () => {
  it('sends the manual event of the contract', () => {
    expect(manualEvent('report', { n: 1 })).toEqual({ job: 'report', manual: true, payload: { n: 1 } });
  });

  it('exits 0 only when the run did its work or Lambda accepted it', () => {
    expect(runExitCode({ mode: 'async', ok: true, statusCode: 202 })).toBe(0);
    expect(runExitCode({ mode: 'sync', ok: true, result: { status: 'SUCCEEDED' } })).toBe(0);
    expect(runExitCode({ mode: 'sync', ok: true, result: { status: 'CONTINUED' } })).toBe(0);
    expect(runExitCode({ mode: 'sync', ok: true, result: { status: 'STARTED', executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sm:x' } })).toBe(0);
    expect(runExitCode({ mode: 'sync', ok: true, result: { status: 'PARTIAL' } })).toBe(1);
    expect(runExitCode({ mode: 'sync', ok: true, result: { status: 'SKIPPED', reason: 'overlap' } })).toBe(1);
    expect(runExitCode({ mode: 'sync', ok: true, result: { status: 'DUPLICATE' } })).toBe(1);
    expect(runExitCode({ mode: 'sync', ok: false, error: { type: 'E', message: 'm' } })).toBe(1);
    expect(runExitCode({ mode: 'async', ok: false, statusCode: 500 })).toBe(1);
  });

  it('prints where a fan-out run goes on', () => {
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:Jobs-recs:recs-20260327T030000000Z-rabc';
    expect(renderRun('recs', { mode: 'sync', ok: true, result: { job: 'recs', slot: '2026-03-27T03:00:00.000Z', status: 'STARTED', executionArn } })).toBe(
      `recs: STARTED (manual run, slot 2026-03-27T03:00:00.000Z)\nthe fan-out run goes on in execution ${executionArn}; follow it with: cdk-jobs history recs`,
    );
  });

  it('prints the outcome', () => {
    expect(renderRun('report', { mode: 'async', ok: true, statusCode: 202 })).toBe(
      'report: started (Lambda accepted the manual run; it runs asynchronously). Follow it with: cdk-jobs history report',
    );
    expect(
      renderRun('report', {
        mode: 'sync',
        ok: true,
        invocations: 3,
        result: { status: 'SUCCEEDED', slot: '2026-03-27T12:00:01.000Z', attempt: 1, durationMs: 12_345, result: { rows: 2 } },
      }),
    ).toBe('report: SUCCEEDED (manual run, slot 2026-03-27T12:00:01.000Z, attempt 1, 12.3 s, 2 continuation(s))\nresult: {"rows":2}');
    expect(renderRun('report', { mode: 'sync', ok: true, result: { status: 'SKIPPED', slot: 's', attempt: 1, reason: 'overlap' } })).toBe(
      'report: SKIPPED (manual run, slot s, attempt 1, reason: overlap)',
    );
    expect(renderRun('report', { mode: 'sync', ok: false, error: { type: 'TypeError', message: 'x' } })).toBe('report: FAILED: TypeError: x');
  });
});

describe('run --slot', () => {
  it('exits 0 for a past slot that succeeded, or had already succeeded; 1 for anything else', () => {
    expect(runExitCode({ mode: 'sync', ok: true, result: { status: 'SUCCEEDED' } }, true)).toBe(0);
    expect(runExitCode({ mode: 'sync', ok: true, result: { status: 'DUPLICATE', reason: 'already SUCCEEDED' } }, true)).toBe(0);
    expect(runExitCode({ mode: 'sync', ok: true, result: { status: 'DUPLICATE', reason: 'already SKIPPED' } }, true)).toBe(1);
    expect(runExitCode({ mode: 'sync', ok: true, result: { status: 'DUPLICATE', reason: 'already RUNNING (until x)' } }, true)).toBe(1);
    expect(runExitCode({ mode: 'sync', ok: false, error: { type: 'E', message: 'm' } }, true)).toBe(1);
    expect(runExitCode({ mode: 'async', ok: true, statusCode: 202 }, true)).toBe(0);
  });

  it('prints the outcome of a past slot', () => {
    const slot = new Date('2026-03-25T01:30:00Z');
    expect(renderRun('report', { mode: 'async', ok: true, statusCode: 202 }, slot)).toBe(
      'report: started (Lambda accepted the run of slot 2026-03-25T01:30:00.000Z; it runs asynchronously). Follow it with: cdk-jobs history report',
    );
    expect(renderRun('report', { mode: 'sync', ok: true, result: { status: 'SUCCEEDED', slot: '2026-03-25T01:30:00.000Z', attempt: 2, durationMs: 40 } }, slot)).toBe(
      'report: SUCCEEDED (past slot, slot 2026-03-25T01:30:00.000Z, attempt 2, 40 ms)',
    );
  });
});

describe('history and pause', () => {
  it('prints runs, or says there are none', () => {
    expect(renderHistory('report', [])).toBe('no runs recorded for report');
    expect(
      renderHistory('report', [
        { slot: '2026-03-27T01:30:00.000Z', status: 'SKIPPED', manual: false, trigger: 'scheduled', attempt: 1, reason: 'paused' },
        { slot: '2026-03-26T01:30:00.000Z', status: 'FAILED', manual: false, trigger: 'scheduled', attempt: 3, durationMs: 2500, error: { name: 'Error', message: 'boom' } },
      ]),
    ).toBe(
      [
        'SLOT                      STATUS   ATTEMPT  TRIGGER    DURATION  ERROR / REASON',
        '2026-03-27T01:30:00.000Z  SKIPPED  1        scheduled  -         paused',
        '2026-03-26T01:30:00.000Z  FAILED   3        scheduled  2.5 s     Error: boom',
      ].join('\n'),
    );
  });

  it('prints a fan-out run as PARTIAL with its items, done and failed', () => {
    expect(
      renderHistory('recs', [
        {
          slot: '2026-03-27T03:00:00.000Z',
          status: 'PARTIAL',
          manual: false,
          trigger: 'scheduled',
          attempt: 1,
          durationMs: 65_000,
          counts: { planned: 40, alreadyDone: 0, succeeded: 32, failed: 8 },
          failedItems: ['p04', 'p05', 'p06', 'p07', 'p20', 'p21', 'p22', 'p23'],
        },
        { slot: '2026-03-26T03:00:00.000Z', status: 'SUCCEEDED', manual: false, trigger: 'scheduled', attempt: 1, durationMs: 1000, counts: { planned: 40, succeeded: 40, failed: 0 } },
      ]),
    ).toBe(
      [
        'SLOT                      STATUS     ATTEMPT  TRIGGER    DURATION    ERROR / REASON',
        '2026-03-27T03:00:00.000Z  PARTIAL    1        scheduled  1 min 05 s  items 32/40 done, 8 failed: p04, p05, p06 +5',
        '2026-03-26T03:00:00.000Z  SUCCEEDED  1        scheduled  1.0 s       items 40/40 done',
      ].join('\n'),
    );
  });

  it('prints what pause and resume did', () => {
    const state = { job: 'report', paused: true, pausedBy: 'ops', pausedAt: '2026-03-27T12:00:00.000Z' };
    expect(renderPause('report', true, { changed: true, state })).toBe(
      "paused report (by ops at 2026-03-27T12:00:00.000Z); its scheduled runs are recorded SKIPPED until 'cdk-jobs resume report'",
    );
    expect(renderPause('report', false, { changed: false, state: { job: 'report', paused: false } })).toBe('report is not paused; nothing changed');
  });
});

describe('failures and redrive', () => {
  const failure = (id: string, extra: Partial<InboxFailure>): InboxFailure => ({ messageId: id, receiptHandle: `rh-${id}`, layer: 'execution', error: 'E: m', ...extra });

  it('plans a re-invoke on the job’s current function, or of the function in the message, or a skip', () => {
    const catalog = buildCatalog('Jobs', [], [{ name: 'report', functionArn: fnArn('report-v2') }]);
    const plan = planRedrive(
      [
        failure('1', { job: 'report', event: { job: 'report' }, functionArn: fnArn('report-v1') }),
        failure('2', { job: 'watchdog', event: { watchdog: true }, functionArn: fnArn('Watchdog') }),
        failure('3', { job: 'gone', event: { job: 'gone' } }),
        failure('4', { layer: 'unknown' }),
        failure('5', { job: 'other', event: { job: 'other' }, functionArn: fnArn('other') }),
      ],
      catalog,
      undefined,
    );
    expect(plan.map((p) => (p.action === 'reinvoke' ? [p.failure.messageId, p.functionArn] : [p.failure.messageId, p.reason]))).toEqual([
      ['1', fnArn('report-v2')],
      ['2', fnArn('Watchdog')],
      ['3', "no function for job 'gone'"],
      ['4', 'no original event in the message'],
      ['5', fnArn('other')],
    ]);
    expect(planRedrive([failure('1', { job: 'report', event: {} }), failure('5', { job: 'other', event: {} })], catalog, 'other').map((p) => p.failure.messageId)).toEqual(['5']);
  });

  it('prints the inbox and the redrive results', () => {
    expect(renderFailures([], NOW, 0, undefined)).toBe('the failure inbox is empty');
    expect(renderFailures([], NOW, 2, 'report')).toBe('no failures of report in the inbox (2 of other jobs)');
    expect(renderRedrive([], false)).toBe('nothing to redrive');
    expect(renderRedrive([{ failure: failure('1', { job: 'report', slot: 's1' }), outcome: 'planned', detail: 're-invoke Jobs-report' }], true)).toBe(
      ['JOB     SLOT  LAYER      WOULD', 'report  s1    execution  re-invoke Jobs-report', 'dry run: nothing was invoked or deleted'].join('\n'),
    );
    expect(
      renderRedrive(
        [
          { failure: failure('1', { job: 'report', slot: 's1' }), outcome: 'deleted', detail: 'SUCCEEDED' },
          { failure: failure('2', { job: 'report', slot: 's2', layer: 'delivery' }), outcome: 'kept', detail: 'SKIPPED (paused)' },
        ],
        false,
      ),
    ).toBe(['JOB     SLOT  LAYER      RESULT            MESSAGE', 'report  s1    execution  SUCCEEDED         deleted', 'report  s2    delivery   SKIPPED (paused)  kept', '1 of 2 redriven and deleted; 1 kept in the inbox'].join('\n'));
  });
});

describe('exit codes', () => {
  it('maps errors to exit codes', () => {
    expect(exitCodeOf(new OperationFailedError('x'))).toBe(ExitCode.FAILED);
    expect(exitCodeOf(Object.assign(new Error('bad --until'), { name: 'DevOptionError' }))).toBe(ExitCode.USAGE);
    expect(exitCodeOf(Object.assign(new Error('bad at'), { name: 'OneTimeScheduleValidationError' }))).toBe(ExitCode.USAGE);
    expect(exitCodeOf(Object.assign(new Error('no moto'), { name: 'EmulatorUnavailableError' }))).toBe(ExitCode.PLATFORM_NOT_FOUND);
    expect(exitCodeOf(new Error('socket hang up'))).toBe(ExitCode.FAILED);
    expect(exitCodeOf('weird')).toBe(ExitCode.FAILED);
  });

  it('reads a refused connection as the platform not being there, with a hint', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
    const both = new AggregateError([refused, Object.assign(new Error('connect ECONNREFUSED ::1:4566'), { code: 'ECONNREFUSED' })], 'refused');
    expect(exitCodeOf(refused)).toBe(ExitCode.PLATFORM_NOT_FOUND);
    expect(exitCodeOf(both)).toBe(ExitCode.PLATFORM_NOT_FOUND);
    expect(describeError(refused)).toBe(
      "connect ECONNREFUSED 127.0.0.1:4566: the AWS API endpoint does not answer; for a local stack, is 'cdk-jobs dev' still running? (the emulator of a finished 'cdk-jobs dev --until' run is kept only for its --keep period: run it again)",
    );
    expect(describeError(Object.assign(new Error('no'), { name: 'ThrottlingException' }))).toBe('ThrottlingException: no');
  });
});

describe('the program against AWS (mocked clients)', () => {
  const cfn = mockClient(CloudFormationClient);
  const scheduler = mockClient(SchedulerClient);
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  const ddb = mockClient(DynamoDBDocumentClient);
  const INBOX = 'https://sqs.eu-west-1.amazonaws.com/123456789012/Jobs-Inbox';

  beforeEach(() => {
    cfn.on(DescribeStacksCommand, { StackName: 'Jobs' }).resolves({
      Stacks: [
        {
          StackName: 'Jobs',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            { OutputKey: 'JobsTableName', OutputValue: 'Jobs-Table' },
            { OutputKey: 'FailureInboxUrl', OutputValue: INBOX },
            { OutputKey: 'ScheduleGroupName', OutputValue: 'Jobs-jobs' },
          ],
        },
      ],
    });
    cfn.on(DescribeStacksCommand, { StackName: 'Nope' }).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: 'report', GroupName: 'Jobs-jobs' }] });
    scheduler.on(GetScheduleCommand).resolves({
      Name: 'report',
      GroupName: 'Jobs-jobs',
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      Target: { Arn: fnArn('report'), RoleArn: 'arn:aws:iam::123456789012:role/R', Input: JSON.stringify({ job: 'report', payload: { format: 'csv' } }) },
    });
  });
  afterEach(() => {
    for (const mock of [cfn, scheduler, lambda, sqs, ddb]) mock.reset();
  });

  async function jobs(args: string[]) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(args, { stdout, stderr, env: { AWS_REGION: 'eu-west-1', JOBS_STACK: 'Jobs' }, cwd: '/nonexistent', now: () => NOW });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('jobs run hands the manual event with the schedule payload to Lambda asynchronously', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    const result = await jobs(['run', 'report']);

    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: 'report: started (Lambda accepted the manual run; it runs asynchronously). Follow it with: cdk-jobs history report\n',
    });
    const call = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect([call.FunctionName, call.InvocationType]).toEqual([fnArn('report'), 'Event']);
    expect(JSON.parse(new TextDecoder().decode(call.Payload as Uint8Array))).toEqual({ job: 'report', manual: true, payload: { format: 'csv' } });
  });

  it('jobs run --wait waits (RequestResponse) and exits 1 when the run failed', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'AccessDenied', errorMessage: 'Access Denied' }),
    });

    const result = await jobs(['run', 'report', '--wait', '--payload', '{"format":"xml"}']);

    expect(result).toEqual({ code: 1, stderr: '', stdout: 'report: FAILED: AccessDenied: Access Denied\n' });
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array)).payload).toEqual({ format: 'xml' });
  });

  it('jobs redrive re-invokes synchronously and deletes only the fixed message', async () => {
    const record = (slot: string) =>
      JSON.stringify({
        requestContext: { functionArn: `${fnArn('report')}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
        requestPayload: { job: 'report', scheduledTime: slot, payload: {} },
        responsePayload: { errorType: 'Error', errorMessage: 'boom' },
      });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          { MessageId: 'a', ReceiptHandle: 'rh-a', Body: record('2026-03-25T01:30:00Z'), Attributes: { SentTimestamp: '1774400000000' } },
          { MessageId: 'b', ReceiptHandle: 'rh-b', Body: record('2026-03-26T01:30:00Z'), Attributes: { SentTimestamp: '1774490000000' } },
        ],
      })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const outcome = (status: string) => payload({ job: 'report', status });
    lambda.on(InvokeCommand).resolvesOnce({ StatusCode: 200, Payload: outcome('SUCCEEDED') }).resolvesOnce({ StatusCode: 200, Payload: outcome('SKIPPED') });

    const result = await jobs(['redrive', '--json']);

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      dryRun: false,
      selected: 2,
      deleted: 1,
      kept: 1,
      results: [
        { messageId: 'a', job: 'report', slot: '2026-03-25T01:30:00.000Z', layer: 'execution', outcome: 'deleted', detail: 'SUCCEEDED' },
        { messageId: 'b', job: 'report', slot: '2026-03-26T01:30:00.000Z', layer: 'execution', outcome: 'kept', detail: 'SKIPPED' },
      ],
    });
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, { VisibilityTimeout: 1800 });
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 2);
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: fnArn('report'), InvocationType: 'RequestResponse' });
    expect(sqs).toHaveReceivedCommandTimes(DeleteMessageCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(DeleteMessageCommand, { QueueUrl: INBOX, ReceiptHandle: 'rh-a' });
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, { Entries: [{ Id: '0', ReceiptHandle: 'rh-b', VisibilityTimeout: 0 }] });
  });

  it('exits 2 for an unknown job, listing the known ones, without invoking anything', async () => {
    const result = await jobs(['run', 'reprot']);

    expect(result).toEqual({ code: 2, stdout: '', stderr: "cdk-jobs: UnknownJobError: unknown job 'reprot' in stack 'Jobs' (known jobs: report)\n" });
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });

  it('finds the one stack holding a job platform when no stack is named', async () => {
    const jobsStack = (await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: 'Jobs' }))).Stacks ?? [];
    cfn.on(DescribeStacksCommand, { StackName: undefined }).resolves({
      Stacks: [{ StackName: 'Web', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'Url', OutputValue: 'https://x' }] }, ...jobsStack],
    });
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const stdout = new Capture();
    const stderr = new Capture();

    const code = await runCli(['run', 'report'], { stdout, stderr, env: { AWS_REGION: 'eu-west-1' }, cwd: '/nonexistent', now: () => NOW });

    expect({ code, stderr: stderr.text }).toEqual({ code: 0, stderr: '' });
    expect(cfn.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input.StackName)).toEqual(['Jobs', undefined]);
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: fnArn('report') });
  });

  it('prints the stack trace of an error with CDK_JOBS_DEBUG (or JOBS_DEBUG) set', async () => {
    for (const variable of ['CDK_JOBS_DEBUG', 'JOBS_DEBUG']) {
      const stderr = new Capture();
      const code = await runCli(['list', '--stack', 'Nope'], { stdout: new Capture(), stderr, env: { AWS_REGION: 'eu-west-1', [variable]: '1' }, cwd: '/nonexistent' });

      expect(code).toBe(3);
      expect(stderr.text).toMatch(/^cdk-jobs: PlatformNotFoundError: no CloudFormation stack 'Nope' .*\nPlatformNotFoundError: no CloudFormation stack 'Nope' .*\n {4}at /);
    }
  });

  it('exits 3 when the stack does not exist', async () => {
    const result = await jobs(['list', '--stack', 'Nope']);

    expect(result).toEqual({
      code: 3,
      stdout: '',
      stderr: "cdk-jobs: PlatformNotFoundError: no CloudFormation stack 'Nope' in eu-west-1 (deploy it with 'npx cdk deploy', or pick another stack with --stack)\n",
    });
  });

  it('schedule-once exits 3 when the platform has no one-time schedule group', async () => {
    const result = await jobs(['schedule-once', 'report', '--at', '+1h', '--key', 'k']);

    expect(result).toEqual({
      code: 3,
      stdout: '',
      stderr:
        "cdk-jobs: PlatformNotFoundError: stack 'Jobs' has no one-time schedule group (no output OneTimeScheduleGroupName): declare a one-time job in it first\n",
    });
  });

  it('jobs run --slot hands the event of that slot, with its scheduled time, to Lambda', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    const result = await jobs(['run', 'report', '--slot', '2026-03-25T01:30:00Z']);

    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: 'report: started (Lambda accepted the run of slot 2026-03-25T01:30:00.000Z; it runs asynchronously). Follow it with: cdk-jobs history report\n',
    });
    expect(JSON.parse(new TextDecoder().decode(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array))).toEqual({
      job: 'report',
      manual: true,
      scheduledTime: '2026-03-25T01:30:00.000Z',
      payload: { format: 'csv' },
    });
  });

  it('jobs run --slot exits 2 without invoking anything when the instant is not a slot', async () => {
    const result = await jobs(['run', 'report', '--slot', '2026-03-25T01:00:00Z']);

    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "cdk-jobs: CliUsageError: job 'report': --slot: expected an instant at which cron(30 2 * * ? *) in Europe/Paris fires, got 2026-03-25T01:00:00.000Z; " +
        'the nearest slots are 2026-03-24T01:30:00.000Z (before) and 2026-03-25T01:30:00.000Z (after)\n',
    });
    expect(lambda.commandCalls(InvokeCommand)).toEqual([]);
  });

  it('jobs backfill runs the slots that did not succeed, oldest first and waited for, and exits 1 when one failed', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(GetCommand, { Key: { pk: 'JOB#report', sk: 'RUN#2026-03-25T01:30:00.000Z' } }).resolves({ Item: { status: 'SUCCEEDED' } });
    ddb.on(GetCommand, { Key: { pk: 'JOB#report', sk: 'RUN#2026-03-26T01:30:00.000Z' } }).resolves({ Item: { status: 'FAILED' } });
    lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array }) => {
      const event = JSON.parse(new TextDecoder().decode(input.Payload)) as { scheduledTime: string };
      return event.scheduledTime.startsWith('2026-03-26')
        ? { StatusCode: 200, FunctionError: 'Unhandled', Payload: payload({ errorType: 'AccessDenied', errorMessage: 'Access Denied' }) }
        : { StatusCode: 200, Payload: payload({ status: 'SUCCEEDED', slot: event.scheduledTime, attempt: 1 }) };
    });

    const result = await jobs(['backfill', 'report', '--from', '2026-03-24T00:00:00Z', '--to', '2026-03-27T00:00:00Z']);

    expect(result).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        'SLOT                      Europe/Paris             WAS           RESULT',
        '2026-03-24T01:30:00.000Z  2026-03-24 02:30 +01:00  not recorded  SUCCEEDED',
        '2026-03-26T01:30:00.000Z  2026-03-26 02:30 +01:00  FAILED        FAILED: AccessDenied: Access Denied',
        'report: 3 slots, 1 already succeeded, 2 ran: 1 succeeded, 1 failed',
        '',
      ].join('\n'),
    });
    const calls = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.InvocationType)).toEqual(['RequestResponse', 'RequestResponse']);
    expect(calls.map((c) => JSON.parse(new TextDecoder().decode(c.Payload as Uint8Array)) as unknown)).toEqual([
      { job: 'report', manual: true, scheduledTime: '2026-03-24T01:30:00.000Z', payload: { format: 'csv' } },
      { job: 'report', manual: true, scheduledTime: '2026-03-26T01:30:00.000Z', payload: { format: 'csv' } },
    ]);
  });

  it('jobs backfill --concurrency runs slots side by side against AWS and reports them oldest first', async () => {
    ddb.on(GetCommand).resolves({});
    const inFlight = { now: 0, most: 0 };
    lambda.on(InvokeCommand).callsFake(async (input: { Payload: Uint8Array }) => {
      const event = JSON.parse(new TextDecoder().decode(input.Payload)) as { scheduledTime: string };
      inFlight.now += 1;
      inFlight.most = Math.max(inFlight.most, inFlight.now);
      await new Promise((r) => setTimeout(r, 20));
      inFlight.now -= 1;
      return { StatusCode: 200, Payload: payload({ status: 'SUCCEEDED', slot: event.scheduledTime, attempt: 1 }) };
    });

    const result = await jobs(['backfill', 'report', '--from', '2026-03-23T00:00:00Z', '--to', '2026-03-27T00:00:00Z', '--concurrency', '2', '--json']);

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { ran: number; succeeded: number; runs: Array<{ slot: string; outcome: string }> };
    expect([report.ran, report.succeeded]).toEqual([4, 4]);
    expect(report.runs.map((r) => r.slot)).toEqual([
      '2026-03-23T01:30:00.000Z',
      '2026-03-24T01:30:00.000Z',
      '2026-03-25T01:30:00.000Z',
      '2026-03-26T01:30:00.000Z',
    ]);
    expect(inFlight.most).toBe(2);
  });

  it('jobs backfill --dry-run reads the run records and invokes nothing', async () => {
    ddb.on(GetCommand).resolves({});

    const result = await jobs(['backfill', 'report', '--from', '2026-03-26T00:00:00Z', '--to', '2026-03-27T00:00:00Z', '--dry-run', '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      job: 'report',
      from: '2026-03-26T00:00:00.000Z',
      to: '2026-03-27T00:00:00.000Z',
      dryRun: true,
      slots: 1,
      alreadySucceeded: 0,
      ran: 0,
      succeeded: 0,
      failed: 0,
      runs: [{ slot: '2026-03-26T01:30:00.000Z', previous: null, outcome: 'planned', detail: 'would run' }],
    });
    expect(lambda.commandCalls(InvokeCommand)).toEqual([]);
  });

  it('prints help with exit 0, and exits 2 on an unknown command or a missing option', async () => {
    const help = await jobs(['redrive', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: cdk-jobs redrive [options]');
    expect(help.stdout).toContain('--dry-run');

    const unknown = await jobs(['rerun']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'rerun'");

    const missing = await jobs(['cancel-once', 'report']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: required option '--key <key>' not specified");

    const none = await jobs([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: cdk-jobs [options] [command]');
  });
});
