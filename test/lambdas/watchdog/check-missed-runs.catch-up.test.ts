import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient, type GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatchUpSpec } from '../../../lib/contract';
import { LambdaContinuationInvoker } from '../../../lambdas/runtime/continuation';
import { checkMissedRuns, type CheckMissedRunsOptions } from '../../../lambdas/watchdog/check-missed-runs';

const GROUP = 'jobs';
const TABLE = 'jobs-state';
// The window (2 March 03:00, 5 March 02:50] holds 3, 4 and 5 March 02:00; no runs at all.
const NOW = new Date('2026-03-05T03:00:00.000Z');
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Schedu-82b74d12-nightly-report';
const SCHEDULE_ARN = 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/nightly-report';
const schedulerMock = mockClient(SchedulerClient);
const ddbMock = mockClient(DynamoDBDocumentClient);
const lambdaMock = mockClient(LambdaClient);
const scheduler = new SchedulerClient({});
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const invoker = new LambdaContinuationInvoker(new LambdaClient({}));

/** A job schedule as GetSchedule returns it: the input with Scheduler's placeholders, as the construct writes it. */
function schedule(catchUp?: CatchUpSpec): GetScheduleCommandOutput {
  return {
    $metadata: {},
    Name: 'nightly-report',
    Arn: SCHEDULE_ARN,
    State: 'ENABLED',
    ScheduleExpression: 'cron(0 2 * * ? *)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    CreationDate: new Date('2026-01-01T00:00:00.000Z'),
    Target: {
      Arn: FUNCTION_ARN,
      RoleArn: 'arn:aws:iam::123456789012:role/r',
      Input: JSON.stringify({
        job: 'nightly-report',
        scheduledTime: '<aws.scheduler.scheduled-time>',
        executionId: '<aws.scheduler.execution-id>',
        attempt: '<aws.scheduler.attempt-number>',
        scheduleArn: '<aws.scheduler.schedule-arn>',
        payload: { region: 'eu' },
        ...(catchUp ? { catchUp } : {}),
      }),
    },
  };
}

function givenSchedule(output: GetScheduleCommandOutput) {
  schedulerMock.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: output.Name, State: 'ENABLED' }] });
  schedulerMock.on(GetScheduleCommand, { Name: output.Name }).resolves(output);
}

/** MISSED items as the table keeps them: a second put of the same key fails its condition. */
function givenMissedTable(): Set<string> {
  const missed = new Set<string>();
  ddbMock.on(PutCommand).callsFake((input: { Item: { sk: string } }) => {
    if (missed.has(input.Item.sk)) throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
    missed.add(input.Item.sk);
    return {};
  });
  return missed;
}

const options = (extra: Partial<CheckMissedRunsOptions> = {}): CheckMissedRunsOptions => ({
  scheduler,
  ddb,
  tableName: TABLE,
  group: GROUP,
  now: NOW,
  lookbackSeconds: 3 * 86_400,
  invoker,
  ...extra,
});

function invokedSlots(): string[] {
  return lambdaMock.commandCalls(InvokeCommand).map((call) => {
    const input = call.args[0].input;
    expect([input.FunctionName, input.InvocationType]).toEqual([FUNCTION_ARN, 'Event']);
    return (JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as { scheduledTime: string }).scheduledTime;
  });
}

beforeEach(() => {
  ddbMock.on(QueryCommand).resolves({ Items: [] });
  ddbMock.on(UpdateCommand).resolves({});
  lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
});

afterEach(() => {
  schedulerMock.reset();
  ddbMock.reset();
  lambdaMock.reset();
});

describe('checkMissedRuns: catch-up', () => {
  it('invokes nothing for a job without a catch-up policy (off)', async () => {
    // Prepare
    givenSchedule(schedule());
    givenMissedTable();
    // Act
    const result = await checkMissedRuns(options());
    // Assess
    expect(result.jobs[0].recorded).toBe(3);
    expect(result.jobs[0].caughtUp).toBeUndefined();
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('lastMissed: invokes the most recent missed slot once, with the schedule payload and the catch-up trigger', async () => {
    // Prepare
    givenSchedule(schedule({ mode: 'last' }));
    givenMissedTable();
    // Act
    const result = await checkMissedRuns(options());
    // Assess
    expect(result.jobs[0].caughtUp).toEqual(['2026-03-05T02:00:00.000Z']);
    expect(lambdaMock).toHaveReceivedCommandTimes(InvokeCommand, 1);
    const payload = JSON.parse(new TextDecoder().decode(lambdaMock.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array)) as unknown;
    expect(payload).toEqual({
      job: 'nightly-report',
      scheduledTime: '2026-03-05T02:00:00.000Z',
      scheduleArn: SCHEDULE_ARN,
      payload: { region: 'eu' },
      catchUp: { mode: 'last' },
      trigger: 'catch-up',
    });
  });

  it('within: invokes every missed slot inside the window once, oldest first', async () => {
    // Prepare: 2 days back from 5 March 03:00 leaves out 3 March 02:00
    givenSchedule(schedule({ mode: 'within', windowSeconds: 2 * 86_400 }));
    givenMissedTable();
    // Act
    const result = await checkMissedRuns(options());
    // Assess
    expect(invokedSlots()).toEqual(['2026-03-04T02:00:00.000Z', '2026-03-05T02:00:00.000Z']);
    expect(result.jobs[0].caughtUp).toEqual(['2026-03-04T02:00:00.000Z', '2026-03-05T02:00:00.000Z']);
  });

  it('does not catch up again on the next pass: the slots are recorded already', async () => {
    // Prepare: a first pass recorded and caught up the slots; the second does not see its cursor, as an overlapping run would not
    givenSchedule(schedule({ mode: 'within', windowSeconds: 7 * 86_400 }));
    givenMissedTable();
    await checkMissedRuns(options());
    expect(lambdaMock).toHaveReceivedCommandTimes(InvokeCommand, 3);
    lambdaMock.resetHistory();
    // Act: a second pass over the same window
    const again = await checkMissedRuns(options({ now: new Date(NOW.getTime() + 5 * 60_000) }));
    // Assess
    expect(again.jobs[0].recorded).toBe(0);
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('reports a failed invocation and still catches up the other slots and moves the cursor', async () => {
    // Prepare
    givenSchedule(schedule({ mode: 'within', windowSeconds: 2 * 86_400 }));
    givenMissedTable();
    lambdaMock.on(InvokeCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' })).resolves({ StatusCode: 202 });
    // Act
    const result = await checkMissedRuns(options());
    // Assess
    expect(result.jobs[0].catchUpFailed).toEqual([{ slot: '2026-03-04T02:00:00.000Z', error: 'TooManyRequestsException: Rate exceeded' }]);
    expect(result.jobs[0].caughtUp).toEqual(['2026-03-05T02:00:00.000Z']);
    expect(ddbMock).toReceiveCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':until': '2026-03-05T02:50:00.000Z' }) });
  });

  it('fails the job (not the others) when its schedule carries a policy it cannot read', async () => {
    // Prepare
    givenSchedule(schedule({ mode: 'within', windowSeconds: 5 } as CatchUpSpec));
    givenMissedTable();
    // Act
    const result = await checkMissedRuns(options());
    // Assess
    expect(result.failures.map((f) => f.error.message)).toEqual([
      "schedule 'nightly-report' in group 'jobs' (job 'nightly-report'): Target.Input.catchUp: expected {\"mode\":\"last\"} or " +
        '{"mode":"within","windowSeconds":<whole seconds from 60 to 604800>}, got {"mode":"within","windowSeconds":5}',
    ]);
    expect(lambdaMock.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
