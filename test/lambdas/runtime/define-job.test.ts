import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { JobEvent } from '../../../lib/contract';
import {
  ContinuationError,
  defineJob,
  InvalidJobEventError,
  InvalidPayloadError,
  JobConfigurationError,
  JobStateStore,
  LOCAL_INVOKE_SYMBOL,
  type DefineJobOptions,
  type JobContext,
} from '../../../lambdas/runtime';

const ddb = mockClient(DynamoDBDocumentClient);
const lambda = mockClient(LambdaClient);

const TABLE = 'JobState';
const JOB = 'weekly-cleanup';
const PK = `JOB#${JOB}`;
const SLOT = '2026-03-01T02:00:00.000Z';
const RUN_SK = `RUN#${SLOT}`;
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:weekly-cleanup';
// The invocation starts 5 s after its slot.
const START = Date.UTC(2026, 2, 1, 2, 0, 5);
const START_ISO = '2026-03-01T02:00:05.000Z';
// 90 days of TTL after START, in epoch seconds.
const TTL_AT_START = Math.floor(START / 1000) + 90 * 86_400;

const EVENT: JobEvent = {
  job: JOB,
  scheduledTime: '2026-03-01T02:00:00Z',
  executionId: 'exec-1',
  attempt: '1',
  scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/jobs/weekly-cleanup',
  payload: { olderThanDays: 30 },
};

function conditionFailed() {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

function lambdaContext(remainingMs = 300_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'weekly-cleanup',
    functionVersion: '$LATEST',
    invokedFunctionArn: ARN,
    memoryLimitInMB: '256',
    awsRequestId: 'req-1',
    logGroupName: '/aws/lambda/weekly-cleanup',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

let now: number;
const clock = () => now;
let store: JobStateStore;
let stdout: MockInstance<typeof process.stdout.write>;
let stderr: MockInstance<typeof process.stderr.write>;

function setup<P = unknown>(run: (ctx: JobContext<P>) => unknown, options: Partial<DefineJobOptions<P>> = {}) {
  const calls: JobContext<P>[] = [];
  const handler = defineJob<P, unknown>({ name: JOB, store, clock, lambda: new LambdaClient({}), ...options }, async (ctx) => {
    calls.push(ctx);
    return run(ctx);
  });
  return { handler, calls };
}

/** Every JSON line written to stdout or stderr (Powertools logs and EMF). */
function stdoutJson(): Record<string, unknown>[] {
  return [...stdout.mock.calls, ...stderr.mock.calls]
    .map(([chunk]) => String(chunk))
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The EMF documents Powertools Metrics wrote. */
function emf() {
  return stdoutJson().filter((line) => '_aws' in line) as Array<
    Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } }
  >;
}

function logMessages(): string[] {
  return stdoutJson().filter((line) => 'message' in line).map((line) => String(line.message));
}

function inputsOf<T extends typeof PutCommand | typeof UpdateCommand | typeof GetCommand | typeof DeleteCommand>(command: T, sk: string) {
  return ddb
    .commandCalls(command as unknown as typeof GetCommand)
    .map((call) => call.args[0].input as Record<string, unknown> & { Key?: Record<string, string>; Item?: Record<string, unknown> })
    .filter((input) => (input.Key?.sk ?? input.Item?.sk) === sk);
}

beforeEach(() => {
  now = START;
  store = new JobStateStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: TABLE });
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
  ddb.on(GetCommand).resolves({});
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  ddb.reset();
  lambda.reset();
  stdout.mockRestore();
  stderr.mockRestore();
  delete (globalThis as Record<symbol, unknown>)[LOCAL_INVOKE_SYMBOL];
});

describe('defineJob: claiming the slot', () => {
  it('claims a new slot, runs the job once and records SUCCEEDED', async () => {
    // Prepare
    const { handler, calls } = setup<{ olderThanDays: number }>((ctx) => {
      now += 1500;
      return { deleted: ctx.payload.olderThanDays };
    });
    // Act
    const outcome = await handler(EVENT, lambdaContext(300_000));
    // Assess
    expect(outcome).toEqual({ job: JOB, slot: SLOT, status: 'SUCCEEDED', attempt: 1, durationMs: 1500, result: { deleted: 30 } });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ job: JOB, slot: SLOT, attempt: 1, manual: false, sequence: 0, payload: { olderThanDays: 30 } });
    expect(calls[0].scheduledTime).toEqual(new Date(SLOT));

    const [claim] = inputsOf(PutCommand, RUN_SK);
    expect(claim).toEqual({
      TableName: TABLE,
      Item: {
        pk: PK,
        sk: RUN_SK,
        job: JOB,
        slot: SLOT,
        status: 'RUNNING',
        attempt: 1,
        sequence: 0,
        manual: false,
        startedAt: START_ISO,
        invocationStartedAt: START_ISO,
        // the Lambda deadline (300 s) plus 5 s of skew comes before the 960 s lease
        runningUntil: '2026-03-01T02:05:10.000Z',
        deliveryAttempt: 1,
        executionId: 'exec-1',
        scheduleArn: EVENT.scheduleArn,
        expiresAt: TTL_AT_START,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });

    const [done] = inputsOf(UpdateCommand, RUN_SK);
    expect(done.ConditionExpression).toBe('#status = :running AND #attempt = :heldAttempt AND #sequence = :heldSequence');
    expect(done.ExpressionAttributeValues).toEqual({
      ':running': 'RUNNING',
      ':heldAttempt': 1,
      ':heldSequence': 0,
      ':set_status': 'SUCCEEDED',
      ':set_finishedAt': '2026-03-01T02:00:06.500Z',
      ':set_durationMs': 1500,
      ':set_result': { deleted: 30 },
      ':set_expiresAt': TTL_AT_START + 1,
    });

    const [state] = inputsOf(UpdateCommand, 'STATE');
    expect(state.ExpressionAttributeValues).toEqual({
      ':set_job': JOB,
      ':set_lastRunAt': '2026-03-01T02:00:06.500Z',
      ':set_lastStatus': 'SUCCEEDED',
      ':set_lastSlot': SLOT,
      ':set_lastSuccessAt': '2026-03-01T02:00:06.500Z',
    });
    expect(state.ConditionExpression).toBeUndefined();
  });

  it('takes the overlap lease before running and releases it after', async () => {
    const { handler } = setup(() => 'ok');
    await handler(EVENT, lambdaContext());
    expect(ddb).toReceiveCommandWith(PutCommand, {
      TableName: TABLE,
      Item: { pk: PK, sk: 'LEASE', job: JOB, holder: SLOT, acquiredAt: START_ISO, leaseUntil: '2026-03-01T02:16:05.000Z', expiresAt: Math.floor(START / 1000) + 960 + 86_400 },
      ConditionExpression: 'attribute_not_exists(#pk) OR #leaseUntil < :now OR #holder = :holder',
      ExpressionAttributeNames: { '#pk': 'pk', '#leaseUntil': 'leaseUntil', '#holder': 'holder' },
      ExpressionAttributeValues: { ':now': START_ISO, ':holder': SLOT },
    });
    expect(ddb).toReceiveCommandWith(DeleteCommand, {
      TableName: TABLE,
      Key: { pk: PK, sk: 'LEASE' },
      ConditionExpression: '#holder = :holder',
      ExpressionAttributeValues: { ':holder': SLOT },
    });
  });

  it('does nothing but count a duplicate when the slot is running within its deadline', async () => {
    // Prepare
    ddb.on(PutCommand, { Item: { sk: RUN_SK } }).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { sk: RUN_SK } }).resolves({
      Item: { pk: PK, sk: RUN_SK, status: 'RUNNING', attempt: 1, sequence: 0, runningUntil: '2026-03-01T02:05:00.000Z' },
    });
    const { handler, calls } = setup(() => 'ran');
    // Act
    const outcome = await handler(EVENT, lambdaContext());
    // Assess
    expect(outcome).toEqual({ job: JOB, slot: SLOT, status: 'DUPLICATE', reason: 'already RUNNING (until 2026-03-01T02:05:00.000Z)' });
    expect(calls).toHaveLength(0);
    const [dup] = inputsOf(UpdateCommand, RUN_SK);
    expect(dup.UpdateExpression).toBe('SET #lastDuplicateAt = :set_lastDuplicateAt ADD #duplicates :add_duplicates');
    expect(dup.ConditionExpression).toBe('attribute_exists(#pk)');
    expect(dup.ExpressionAttributeValues).toEqual({ ':set_lastDuplicateAt': START_ISO, ':add_duplicates': 1 });
    expect(inputsOf(PutCommand, 'LEASE')).toHaveLength(0);
    expect(inputsOf(UpdateCommand, 'STATE')).toHaveLength(0);
    expect(logMessages()).toContain('duplicate delivery: doing nothing');
  });

  it('treats a second delivery of a SUCCEEDED slot as a duplicate', async () => {
    ddb.on(PutCommand, { Item: { sk: RUN_SK } }).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { sk: RUN_SK } }).resolves({ Item: { pk: PK, sk: RUN_SK, status: 'SUCCEEDED', attempt: 1, sequence: 0 } });
    const { handler, calls } = setup(() => 'ran');
    await expect(handler(EVENT, lambdaContext())).resolves.toEqual({ job: JOB, slot: SLOT, status: 'DUPLICATE', reason: 'already SUCCEEDED' });
    expect(calls).toHaveLength(0);
    expect(inputsOf(UpdateCommand, RUN_SK)[0].ExpressionAttributeValues).toEqual({ ':set_lastDuplicateAt': START_ISO, ':add_duplicates': 1 });
  });

  it('runs a FAILED slot again on a Lambda retry, as attempt 2', async () => {
    // Prepare
    ddb.on(PutCommand, { Item: { sk: RUN_SK } }).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { sk: RUN_SK } }).resolves({
      Item: { pk: PK, sk: RUN_SK, status: 'FAILED', attempt: 1, sequence: 0, error: { name: 'Error', message: 'x' } },
    });
    const { handler, calls } = setup(() => 'second time lucky');
    // Act
    const outcome = await handler(EVENT, lambdaContext());
    // Assess
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
    expect(calls[0].attempt).toBe(2);
    const [reclaim, done] = inputsOf(UpdateCommand, RUN_SK);
    expect(reclaim.ConditionExpression).toBe('#status = :seenStatus AND #attempt = :seenAttempt AND #sequence = :seenSequence');
    expect(reclaim.ExpressionAttributeValues).toMatchObject({ ':seenStatus': 'FAILED', ':seenAttempt': 1, ':seenSequence': 0, ':add_attempt': 1, ':set_status': 'RUNNING' });
    expect(reclaim.UpdateExpression).toContain('REMOVE #finishedAt, #durationMs, #error, #reason, #heldBy, #nextSequence');
    expect(done.ExpressionAttributeValues).toMatchObject({ ':heldAttempt': 2, ':set_status': 'SUCCEEDED' });
  });

  it('takes over a slot left RUNNING past its deadline by a crashed invocation', async () => {
    ddb.on(PutCommand, { Item: { sk: RUN_SK } }).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { sk: RUN_SK } }).resolves({
      Item: { pk: PK, sk: RUN_SK, status: 'RUNNING', attempt: 1, sequence: 0, runningUntil: '2026-03-01T02:00:04.999Z' },
    });
    const { handler, calls } = setup(() => 'ok');
    await expect(handler(EVENT, lambdaContext())).resolves.toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
    expect(calls).toHaveLength(1);
    const [takeover] = inputsOf(UpdateCommand, RUN_SK);
    expect(takeover.ConditionExpression).toBe(
      '#status = :seenStatus AND #attempt = :seenAttempt AND #sequence = :seenSequence AND #runningUntil < :now AND attribute_not_exists(#nextSequence)',
    );
    expect(takeover.ExpressionAttributeValues).toMatchObject({ ':seenStatus': 'RUNNING', ':now': START_ISO });
  });

  it('reads the record again when it loses the re-claim race, and then sees a duplicate', async () => {
    ddb.on(PutCommand, { Item: { sk: RUN_SK } }).rejects(conditionFailed());
    ddb
      .on(GetCommand, { Key: { sk: RUN_SK } })
      .resolvesOnce({ Item: { pk: PK, sk: RUN_SK, status: 'FAILED', attempt: 1, sequence: 0 } })
      .resolves({ Item: { pk: PK, sk: RUN_SK, status: 'RUNNING', attempt: 2, sequence: 0, runningUntil: '2026-03-01T02:05:00.000Z' } });
    ddb.on(UpdateCommand, { Key: { sk: RUN_SK }, ConditionExpression: '#status = :seenStatus AND #attempt = :seenAttempt AND #sequence = :seenSequence' }).rejects(conditionFailed());
    const { handler, calls } = setup(() => 'ok');
    await expect(handler(EVENT, lambdaContext())).resolves.toMatchObject({ status: 'DUPLICATE', reason: 'already RUNNING (until 2026-03-01T02:05:00.000Z)' });
    expect(calls).toHaveLength(0);
  });

  it('gives a manual run the current second as its slot', async () => {
    now = Date.UTC(2026, 2, 4, 9, 30, 12, 345);
    const { handler, calls } = setup(() => 'ok');
    const outcome = await handler({ job: JOB, manual: true, payload: { olderThanDays: 1 } }, lambdaContext());
    expect(outcome).toMatchObject({ slot: '2026-03-04T09:30:12.000Z', status: 'SUCCEEDED' });
    expect(calls[0].manual).toBe(true);
    expect(inputsOf(PutCommand, 'RUN#2026-03-04T09:30:12.000Z')[0].Item).toMatchObject({ manual: true, status: 'RUNNING' });
  });
});

describe('defineJob: pause and overlap', () => {
  it('skips a scheduled run while the job is paused', async () => {
    ddb.on(GetCommand, { Key: { sk: 'STATE' } }).resolves({ Item: { pk: PK, sk: 'STATE', paused: true } });
    const { handler, calls } = setup(() => 'ran');
    const outcome = await handler(EVENT, lambdaContext());
    expect(outcome).toEqual({ job: JOB, slot: SLOT, status: 'SKIPPED', attempt: 1, reason: 'paused' });
    expect(calls).toHaveLength(0);
    expect(inputsOf(UpdateCommand, RUN_SK)[0].ExpressionAttributeValues).toMatchObject({ ':set_status': 'SKIPPED', ':set_reason': 'paused' });
    expect(inputsOf(UpdateCommand, 'STATE')[0].ExpressionAttributeValues).toMatchObject({ ':set_lastStatus': 'SKIPPED' });
    expect(inputsOf(PutCommand, 'LEASE')).toHaveLength(0);
    expect(emf()[0]).toMatchObject({ Skipped: 1, service: JOB });
  });

  it('still runs a manual run while the job is paused', async () => {
    ddb.on(GetCommand, { Key: { sk: 'STATE' } }).resolves({ Item: { paused: true } });
    const { handler, calls } = setup(() => 'ran');
    await expect(handler({ job: JOB, manual: true }, lambdaContext())).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(calls).toHaveLength(1);
    expect(inputsOf(GetCommand, 'STATE')).toHaveLength(0);
  });

  it('skips a run while another slot holds the lease, naming the holder', async () => {
    // Prepare
    const holder = '2026-03-01T01:00:00.000Z';
    ddb.on(PutCommand, { Item: { sk: 'LEASE' } }).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { sk: 'LEASE' } }).resolves({ Item: { holder, leaseUntil: '2026-03-01T02:10:00.000Z' } });
    const { handler, calls } = setup(() => 'ran');
    // Act
    const outcome = await handler(EVENT, lambdaContext());
    // Assess
    expect(outcome).toEqual({ job: JOB, slot: SLOT, status: 'SKIPPED', attempt: 1, reason: 'overlap' });
    expect(calls).toHaveLength(0);
    expect(inputsOf(UpdateCommand, RUN_SK)[0].ExpressionAttributeValues).toMatchObject({
      ':set_status': 'SKIPPED',
      ':set_reason': 'overlap',
      ':set_heldBy': holder,
    });
    expect(inputsOf(DeleteCommand, 'LEASE')).toHaveLength(0); // never release someone else's lease
    expect(emf()[0]).toMatchObject({ Skipped: 1 });
  });

  it("offers to take over an expired lease: the condition compares its expiry with the clock", async () => {
    now = Date.UTC(2026, 2, 1, 2, 30, 0);
    const { handler } = setup(() => 'ok');
    await handler({ ...EVENT, scheduledTime: '2026-03-01T02:30:00Z' }, lambdaContext());
    const [lease] = inputsOf(PutCommand, 'LEASE');
    expect(lease.ExpressionAttributeValues).toEqual({ ':now': '2026-03-01T02:30:00.000Z', ':holder': '2026-03-01T02:30:00.000Z' });
  });

  it('takes no lease under the allow policy', async () => {
    const { handler } = setup(() => 'ok', { overlap: 'allow' });
    await expect(handler(EVENT, lambdaContext())).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(inputsOf(PutCommand, 'LEASE')).toHaveLength(0);
    expect(inputsOf(DeleteCommand, 'LEASE')).toHaveLength(0);
  });
});

describe('defineJob: failures', () => {
  it('records the error, releases the lease, updates STATE and rethrows the same error', async () => {
    // Prepare
    class BucketGoneError extends Error {
      constructor() {
        super('bucket logs-archive does not exist');
        this.name = 'BucketGoneError';
      }
    }
    const thrown = new BucketGoneError();
    const { handler } = setup(() => {
      now += 250;
      throw thrown;
    });
    // Act
    const failure = await handler(EVENT, lambdaContext()).catch((error: unknown) => error);
    // Assess
    expect(failure).toBe(thrown);
    const [done] = inputsOf(UpdateCommand, RUN_SK);
    expect(done.ExpressionAttributeValues).toMatchObject({
      ':set_status': 'FAILED',
      ':set_durationMs': 250,
      ':set_error': { name: 'BucketGoneError', message: 'bucket logs-archive does not exist', stack: thrown.stack?.slice(0, 2048) },
    });
    expect(inputsOf(UpdateCommand, 'STATE')[0].ExpressionAttributeValues).toMatchObject({
      ':set_lastStatus': 'FAILED',
      ':set_lastError': { name: 'BucketGoneError', message: 'bucket logs-archive does not exist' },
      ':set_lastFailureAt': '2026-03-01T02:00:05.250Z',
    });
    expect(inputsOf(DeleteCommand, 'LEASE')).toHaveLength(1);
    expect(emf()[0]).toMatchObject({ Runs: 1, Failures: 1, Duration: 250 });
  });

  it('rethrows the job error even when recording it fails', async () => {
    const thrown = new Error('job broke');
    ddb.on(UpdateCommand, { Key: { sk: RUN_SK } }).rejects(new Error('DynamoDB unavailable'));
    const { handler } = setup(() => {
      throw thrown;
    });
    await expect(handler(EVENT, lambdaContext())).rejects.toBe(thrown);
    expect(logMessages()).toContain('could not record the failed run');
  });

  it('marks the slot FAILED when the pause check fails, so a retry can run it', async () => {
    const outage = new Error('throttled');
    ddb.on(GetCommand, { Key: { sk: 'STATE' } }).rejects(outage);
    const { handler, calls } = setup(() => 'ran');
    await expect(handler(EVENT, lambdaContext())).rejects.toBe(outage);
    expect(calls).toHaveLength(0);
    expect(inputsOf(UpdateCommand, RUN_SK)[0].ExpressionAttributeValues).toMatchObject({
      ':set_status': 'FAILED',
      ':set_error': { name: 'Error', message: 'throttled' },
    });
  });

  it('rejects a malformed event before any claim, records it and fails the invocation', async () => {
    // Prepare
    const { handler, calls } = setup(() => 'ran');
    const bad = { ...EVENT, scheduledTime: 'not-a-time' };
    // Act
    const failure = await handler(bad, lambdaContext()).catch((error: unknown) => error);
    // Assess
    expect(failure).toBeInstanceOf(InvalidJobEventError);
    expect((failure as Error).message).toBe(
      "job 'weekly-cleanup': invalid event field 'scheduledTime': expected an ISO-8601 instant such as '2026-03-01T02:00:00Z', got 'not-a-time'",
    );
    expect(calls).toHaveLength(0);
    expect(ddb).not.toReceiveCommand(PutCommand);
    const [state] = inputsOf(UpdateCommand, 'STATE');
    expect(state.ExpressionAttributeValues).toMatchObject({
      ':set_lastStatus': 'FAILED',
      ':set_lastError': { name: 'InvalidJobEventError', message: (failure as Error).message },
    });
    expect(emf()[0]).toMatchObject({ Failures: 1, service: JOB });
  });

  it('rejects an event for another job', async () => {
    const { handler } = setup(() => 'ran');
    await expect(handler({ ...EVENT, job: 'nightly-report' }, lambdaContext())).rejects.toThrow(
      new InvalidJobEventError("job 'weekly-cleanup': invalid event field 'job': expected 'weekly-cleanup', got 'nightly-report'", 'job', JOB),
    );
  });

  it('rejects a payload parsePayload refuses, records a FAILED run for the slot and keeps the cause', async () => {
    // Prepare
    const cause = new RangeError('olderThanDays must be at least 1');
    const { handler, calls } = setup(() => 'ran', {
      parsePayload: () => {
        throw cause;
      },
    });
    // Act
    const failure = await handler(EVENT, lambdaContext()).catch((error: unknown) => error);
    // Assess
    expect(failure).toBeInstanceOf(InvalidPayloadError);
    expect((failure as InvalidPayloadError).message).toBe("job 'weekly-cleanup': payload rejected by parsePayload: olderThanDays must be at least 1");
    expect((failure as InvalidPayloadError).cause).toBe(cause);
    expect((failure as InvalidPayloadError).retryable).toBe(false);
    expect(calls).toHaveLength(0);
    expect(inputsOf(PutCommand, RUN_SK)).toHaveLength(0);
    const [rejected] = inputsOf(UpdateCommand, RUN_SK);
    expect(rejected.ConditionExpression).toBe('attribute_not_exists(#pk) OR #status = :failed');
    expect(rejected.ExpressionAttributeValues).toMatchObject({
      ':set_status': 'FAILED',
      ':set_reason': 'rejected',
      ':set_error': { name: 'InvalidPayloadError', message: (failure as Error).message },
      ':add_attempt': 1,
    });
  });

  it('passes the parsed payload to the job', async () => {
    const { handler, calls } = setup<{ days: number }>(() => 'ok', {
      parsePayload: (raw) => ({ days: Number((raw as { olderThanDays: string }).olderThanDays) }),
    });
    await handler({ ...EVENT, payload: { olderThanDays: '7' } }, lambdaContext());
    expect(calls[0].payload).toEqual({ days: 7 });
  });

  it('fails with a configuration error when no table is configured', async () => {
    const handler = defineJob({ name: JOB }, async () => 'never');
    const previous = process.env.JOBS_TABLE_NAME;
    delete process.env.JOBS_TABLE_NAME;
    try {
      await expect(handler(EVENT, lambdaContext())).rejects.toThrow(
        new JobConfigurationError(
          "job 'weekly-cleanup': environment variable JOBS_TABLE_NAME is not set; the ScheduledJob construct sets it to the " +
            "platform's job-state table (or pass defineJob({ store }))",
        ),
      );
    } finally {
      if (previous !== undefined) process.env.JOBS_TABLE_NAME = previous;
    }
  });
});

describe('defineJob: checkpoints and continuations', () => {
  it('continueLater saves the checkpoint, keeps the slot and lease, and re-invokes asynchronously with sequence 1', async () => {
    // Prepare
    const { handler } = setup((ctx) => ctx.continueLater({ cursor: 'logs/2026/02/14' }));
    // Act
    const outcome = await handler(EVENT, lambdaContext());
    // Assess
    expect(outcome).toMatchObject({ job: JOB, slot: SLOT, status: 'CONTINUED', attempt: 1 });
    expect(inputsOf(PutCommand, `CHECKPOINT#${SLOT}`)[0].Item).toEqual({
      pk: PK,
      sk: `CHECKPOINT#${SLOT}`,
      job: JOB,
      slot: SLOT,
      state: '{"cursor":"logs/2026/02/14"}',
      sequence: 1,
      savedAt: START_ISO,
      expiresAt: TTL_AT_START,
    });
    const [marked] = inputsOf(UpdateCommand, RUN_SK);
    expect(marked.ConditionExpression).toBe(
      '#status = :running AND #attempt = :heldAttempt AND #sequence = :heldSequence AND attribute_not_exists(#nextSequence)',
    );
    expect(marked.ExpressionAttributeValues).toMatchObject({ ':set_nextSequence': 1, ':set_runningUntil': '2026-03-01T02:16:05.000Z' });
    expect(inputsOf(UpdateCommand, RUN_SK)).toHaveLength(1); // not recorded SUCCEEDED
    expect(inputsOf(UpdateCommand, 'LEASE')[0].ExpressionAttributeValues).toMatchObject({ ':holder': SLOT, ':set_leaseUntil': '2026-03-01T02:16:05.000Z' });
    expect(inputsOf(DeleteCommand, 'LEASE')).toHaveLength(0);

    expect(lambda).toReceiveCommandTimes(InvokeCommand, 1);
    const invoke = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(invoke.FunctionName).toBe(ARN);
    expect(invoke.InvocationType).toBe('Event');
    expect(JSON.parse(new TextDecoder().decode(invoke.Payload as Uint8Array))).toEqual({ ...EVENT, continuation: { sequence: 1 } });
  });

  it('the continued invocation claims the running slot by its sequence and reads the checkpoint', async () => {
    // Prepare
    ddb.on(PutCommand, { Item: { sk: RUN_SK } }).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { sk: RUN_SK } }).resolves({
      Item: { pk: PK, sk: RUN_SK, status: 'RUNNING', attempt: 1, sequence: 0, nextSequence: 1, runningUntil: '2026-03-01T02:16:00.000Z' },
    });
    ddb.on(GetCommand, { Key: { sk: `CHECKPOINT#${SLOT}` } }).resolves({ Item: { state: '{"cursor":"logs/2026/02/14"}', sequence: 1 } });
    let seen: unknown;
    const { handler, calls } = setup(async (ctx) => {
      seen = await ctx.checkpoint.get();
      return 'finished';
    });
    // Act
    const outcome = await handler({ ...EVENT, continuation: { sequence: 1 } }, lambdaContext());
    // Assess
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', attempt: 1, result: 'finished' });
    expect(seen).toEqual({ cursor: 'logs/2026/02/14' });
    expect(calls[0].sequence).toBe(1);
    const [claim, done] = inputsOf(UpdateCommand, RUN_SK);
    expect(claim.ConditionExpression).toBe('#status = :running AND #attempt = :seenAttempt AND #nextSequence = :sequence');
    expect(claim.ExpressionAttributeValues).toMatchObject({ ':sequence': 1, ':set_sequence': 1, ':add_continuations': 1 });
    expect(claim.UpdateExpression).toContain('REMOVE #nextSequence');
    expect(done.ExpressionAttributeValues).toMatchObject({ ':heldSequence': 1, ':set_status': 'SUCCEEDED' });
    expect(inputsOf(GetCommand, 'STATE')).toHaveLength(0); // a continuation ignores the pause flag
    expect(inputsOf(PutCommand, 'LEASE')[0].Item).toMatchObject({ holder: SLOT }); // its own lease: allowed
    expect(emf()[0]).not.toHaveProperty('Runs'); // a continuation is not a new run
  });

  it('a second delivery of the same continuation is a duplicate', async () => {
    ddb.on(PutCommand, { Item: { sk: RUN_SK } }).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { sk: RUN_SK } }).resolves({
      Item: { pk: PK, sk: RUN_SK, status: 'RUNNING', attempt: 1, sequence: 1, runningUntil: '2026-03-01T02:16:00.000Z' },
    });
    const { handler, calls } = setup(() => 'ran');
    await expect(handler({ ...EVENT, continuation: { sequence: 1 } }, lambdaContext())).resolves.toMatchObject({ status: 'DUPLICATE' });
    expect(calls).toHaveLength(0);
  });

  it('pins a manual run to its slot in the continuation event', async () => {
    now = Date.UTC(2026, 2, 4, 9, 30, 12, 345);
    const { handler } = setup((ctx) => ctx.continueLater({ page: 2 }));
    await handler({ job: JOB, manual: true, payload: {} }, lambdaContext());
    const invoke = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(JSON.parse(new TextDecoder().decode(invoke.Payload as Uint8Array))).toEqual({
      job: JOB,
      manual: true,
      payload: {},
      scheduledTime: '2026-03-04T09:30:12.000Z',
      continuation: { sequence: 1 },
    });
  });

  it('hands the continuation to the local-mode hook instead of Lambda when one is installed', async () => {
    const hook = vi.fn(async () => undefined);
    (globalThis as Record<symbol, unknown>)[LOCAL_INVOKE_SYMBOL] = hook;
    const { handler } = setup((ctx) => ctx.continueLater({ n: 1 }));
    await handler(EVENT, lambdaContext());
    expect(hook).toHaveBeenCalledWith(ARN, { ...EVENT, continuation: { sequence: 1 } });
    expect(lambda).not.toReceiveCommand(InvokeCommand);
  });

  it('refuses a second continueLater in one invocation', async () => {
    let second: unknown;
    const { handler } = setup(async (ctx) => {
      const first = await ctx.continueLater({ a: 1 });
      second = await ctx.continueLater({ a: 2 }).catch((error: unknown) => error);
      return first;
    });
    await handler(EVENT, lambdaContext());
    expect(second).toBeInstanceOf(ContinuationError);
    expect((second as Error).message).toBe(
      `job 'weekly-cleanup': continueLater was already called in this invocation of slot ${SLOT}; call it once, as the last step`,
    );
    expect(lambda).toReceiveCommandTimes(InvokeCommand, 1);
  });

  it('fails the run (retryable from its checkpoint) when the re-invoke fails', async () => {
    lambda.on(InvokeCommand).rejects(new Error('Rate exceeded'));
    const { handler } = setup((ctx) => ctx.continueLater({ n: 1 }));
    const failure = await handler(EVENT, lambdaContext()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ContinuationError);
    expect((failure as Error).message).toBe(
      `job 'weekly-cleanup': could not re-invoke ${ARN} to continue slot ${SLOT} (sequence 1): Rate exceeded`,
    );
    const updates = inputsOf(UpdateCommand, RUN_SK);
    expect(updates.at(-1)?.ExpressionAttributeValues).toMatchObject({ ':set_status': 'FAILED', ':heldSequence': 0 });
    expect(updates.at(-1)?.UpdateExpression).toContain('REMOVE #runningUntil, #nextSequence');
    expect(inputsOf(DeleteCommand, 'LEASE')).toHaveLength(1);
  });

  it('checkpoint.save stores the state for the current sequence', async () => {
    const { handler } = setup(async (ctx) => {
      await ctx.checkpoint.save({ done: 10 });
      return 'ok';
    });
    await handler(EVENT, lambdaContext());
    expect(inputsOf(PutCommand, `CHECKPOINT#${SLOT}`)[0].Item).toMatchObject({ state: '{"done":10}', sequence: 0 });
  });
});

describe('defineJob: context, logs and metrics', () => {
  it('emits one EMF document per invocation: Runs, Failures 0 and Duration, dimension service = job', async () => {
    // Prepare
    const { handler } = setup((ctx) => {
      ctx.metrics.addMetric('ObjectsDeleted', 'Count', 42);
      now += 812;
      return 'ok';
    });
    // Act
    await handler(EVENT, lambdaContext());
    // Assess
    const docs = emf();
    expect(docs).toHaveLength(1);
    const [doc] = docs;
    expect(doc._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'ScheduledJobs',
        Dimensions: [['service']],
        Metrics: [
          { Name: 'Runs', Unit: 'Count' },
          { Name: 'ObjectsDeleted', Unit: 'Count' },
          { Name: 'Failures', Unit: 'Count' },
          { Name: 'Duration', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(doc).toMatchObject({ service: JOB, ObjectsDeleted: 42, Runs: 1, Failures: 0, Duration: 812 });
  });

  it('emits Duplicates for a duplicate delivery', async () => {
    ddb.on(PutCommand, { Item: { sk: RUN_SK } }).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: { sk: RUN_SK } }).resolves({ Item: { status: 'SUCCEEDED', attempt: 1, sequence: 0 } });
    const { handler } = setup(() => 'ran');
    await handler(EVENT, lambdaContext());
    const [doc] = emf();
    expect(doc._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'Duplicates', Unit: 'Count' }]);
    expect(doc).toMatchObject({ service: JOB, Duplicates: 1 });
  });

  it('logs with job, slot and attempt keys and gives remaining time from Lambda', async () => {
    const { handler } = setup((ctx) => {
      ctx.logger.info('working');
      return ctx.remainingTimeMs();
    });
    const outcome = await handler(EVENT, lambdaContext(123_456));
    expect(outcome.result).toBe(123_456);
    const line = stdoutJson().find((entry) => entry.message === 'working');
    expect(line).toMatchObject({ job: JOB, slot: SLOT, attempt: 1, service: JOB, function_request_id: 'req-1' });
  });

  it('leaves out a result larger than 1 KB', async () => {
    const { handler } = setup(() => 'x'.repeat(2000));
    const outcome = await handler(EVENT, lambdaContext());
    expect(outcome).not.toHaveProperty('result');
    expect(inputsOf(UpdateCommand, RUN_SK)[0].ExpressionAttributeValues).not.toHaveProperty(':set_result');
  });

  it('takes the job name from JOB_NAME when the options have none', async () => {
    const previous = process.env.JOB_NAME;
    process.env.JOB_NAME = JOB;
    try {
      const handler = defineJob({ store, clock }, async (ctx) => ctx.job);
      await expect(handler(EVENT, lambdaContext())).resolves.toMatchObject({ job: JOB, result: JOB });
      await expect(handler({ ...EVENT, job: 'other' }, lambdaContext())).rejects.toBeInstanceOf(InvalidJobEventError);
    } finally {
      if (previous === undefined) delete process.env.JOB_NAME;
      else process.env.JOB_NAME = previous;
    }
  });
});
