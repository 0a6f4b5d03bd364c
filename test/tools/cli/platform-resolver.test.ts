import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliUsageError, PlatformNotFoundError } from '../../../tools/cli/errors';
import { CliOutput, clientConfig, platformFromOutputs, platformSource, resolvePlatform } from '../../../tools/cli/platform-resolver';
import { PlatformOutput } from '../../../lib/contract';
import { localStackPath, START_HINT, writeLocalStack, type LocalStackFile } from '../../../tools/local/local-stack';

const outputs = {
  JobsTableName: 'Jobs-Table',
  FailureInboxUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/Jobs-Inbox',
  FailureInboxArn: 'arn:aws:sqs:eu-west-1:123456789012:Jobs-Inbox',
  ScheduleGroupName: 'Jobs-jobs',
  AlarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:Jobs-Alarms',
};

it('reads the outputs under the names JobPlatform gives them', () => {
  expect(CliOutput.TABLE_NAME).toBe(PlatformOutput.TABLE_NAME);
  expect(CliOutput.FAILURE_INBOX_URL).toBe(PlatformOutput.FAILURE_INBOX_URL);
  expect(CliOutput.FAILURE_INBOX_ARN).toBe(PlatformOutput.FAILURE_INBOX_ARN);
  expect(CliOutput.SCHEDULE_GROUP_NAME).toBe(PlatformOutput.SCHEDULE_GROUP_NAME);
  expect(CliOutput.ONE_TIME_SCHEDULE_GROUP_NAME).toBe(PlatformOutput.ONE_TIME_SCHEDULE_GROUP_NAME);
});

describe('platformSource', () => {
  it('is auto by default, the local record with --local or an endpoint, CloudFormation with --no-local', () => {
    expect(platformSource({ stack: 'S' }, {})).toEqual({ kind: 'auto' });
    expect(platformSource({}, {})).toEqual({ kind: 'auto' });
    expect(platformSource({ stack: 'S', local: true }, {})).toEqual({ kind: 'local', fallbackToCloudFormation: false });
    expect(platformSource({ stack: 'S', endpoint: 'http://127.0.0.1:5000/' }, {})).toEqual({
      kind: 'local',
      endpoint: 'http://127.0.0.1:5000',
      fallbackToCloudFormation: true,
    });
    expect(platformSource({ stack: 'S' }, { AWS_ENDPOINT_URL: 'http://localhost:4566' })).toEqual({
      kind: 'local',
      endpoint: 'http://localhost:4566',
      fallbackToCloudFormation: true,
    });
    expect(platformSource({ stack: 'S', local: true }, { AWS_ENDPOINT_URL: 'http://localhost:4566' })).toEqual({
      kind: 'local',
      endpoint: 'http://localhost:4566',
      fallbackToCloudFormation: false,
    });
    expect(platformSource({ local: false }, {})).toEqual({ kind: 'cloudformation' });
    expect(platformSource({ local: false }, { AWS_ENDPOINT_URL: 'http://localhost:4566' })).toEqual({ kind: 'cloudformation', endpoint: 'http://localhost:4566' });
  });
});

describe('platformFromOutputs', () => {
  it('takes the names the CLI needs', () => {
    expect(platformFromOutputs('Jobs', { ...outputs, OneTimeScheduleGroupName: 'Jobs-once' }, 'in eu-west-1')).toEqual({
      tableName: 'Jobs-Table',
      failureInboxUrl: outputs.FailureInboxUrl,
      failureInboxArn: outputs.FailureInboxArn,
      scheduleGroupName: 'Jobs-jobs',
      oneTimeScheduleGroupName: 'Jobs-once',
      outputs: { ...outputs, OneTimeScheduleGroupName: 'Jobs-once' },
    });
  });

  it('names the missing outputs of a stack that is not a job platform', () => {
    expect(() => platformFromOutputs('Web', { ScheduleGroupName: 'x' }, 'in eu-west-1')).toThrow(
      new PlatformNotFoundError(
        "stack 'Web' (in eu-west-1) is not a job platform: it has no output JobsTableName, FailureInboxUrl (a stack with a JobPlatform has them; pick another stack with --stack)",
      ),
    );
  });
});

describe('clientConfig', () => {
  it('points at the emulator with dummy credentials, or at AWS in the region', () => {
    expect(clientConfig({ mode: 'local', endpoint: 'http://127.0.0.1:5000', region: 'eu-west-1' })).toEqual({
      endpoint: 'http://127.0.0.1:5000',
      region: 'eu-west-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    expect(clientConfig({ mode: 'aws', region: 'eu-west-1' })).toEqual({ region: 'eu-west-1' });
    expect(clientConfig({ mode: 'aws' })).toEqual({});
  });
});

describe('resolvePlatform', () => {
  const cfn = mockClient(CloudFormationClient);
  afterEach(() => cfn.reset());
  const deps = (env: Record<string, string> = {}, cwd = mkdtempSync(join(tmpdir(), 'resolver-')), answering: readonly string[] = []) => ({
    env,
    cwd,
    cloudFormation: () => new CloudFormationClient({}),
    probe: async (endpoint: string) => answering.includes(endpoint),
  });

  it('reads the stack outputs from CloudFormation in the region', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'Jobs' }).resolves({
      Stacks: [
        {
          StackName: 'Jobs',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    });

    const platform = await resolvePlatform({ stack: 'Jobs' }, deps({ AWS_REGION: 'eu-west-1' }));

    expect(platform).toEqual({
      mode: 'aws',
      region: 'eu-west-1',
      stackName: 'Jobs',
      tableName: 'Jobs-Table',
      failureInboxUrl: outputs.FailureInboxUrl,
      failureInboxArn: outputs.FailureInboxArn,
      scheduleGroupName: 'Jobs-jobs',
      outputs,
      notes: [],
    });
  });

  it('says when the stack does not exist (exit code 3)', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Jobs does not exist'), { name: 'ValidationError' }));

    const error = await resolvePlatform({ stack: 'Jobs', region: 'eu-west-1' }, deps()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PlatformNotFoundError);
    expect((error as PlatformNotFoundError).exitCode).toBe(3);
    expect((error as Error).message).toBe("no CloudFormation stack 'Jobs' in eu-west-1 (deploy it with 'npx cdk deploy', or pick another stack with --stack)");
  });

  it('says what went wrong reading the stack, with a hint about credentials', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken' }));

    await expect(resolvePlatform({ stack: 'Jobs', region: 'eu-west-1' }, deps())).rejects.toThrow(
      new PlatformNotFoundError(
        "could not read CloudFormation stack 'Jobs' in eu-west-1: ExpiredToken: The security token included in the request is expired " +
          '(are AWS credentials and a region configured? for a local stack use --local or --endpoint)',
      ),
    );
  });

  it('reads the local record with --local, at the endpoint it records', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
    const stack = { format: 1, stackName: 'Jobs', region: 'us-east-1', endpoint: 'http://127.0.0.1:5001', outputs } as unknown as LocalStackFile;
    writeLocalStack(localStackPath('Jobs', cwd), stack);

    const platform = await resolvePlatform({ stack: 'Jobs', local: true }, deps({}, cwd, ['http://127.0.0.1:5001']));
    expect(platform).toMatchObject({ mode: 'local', endpoint: 'http://127.0.0.1:5001', region: 'us-east-1', tableName: 'Jobs-Table', notes: [] });
    expect(platform.localStack).toEqual(stack);

    const elsewhere = await resolvePlatform({ stack: 'Jobs', endpoint: 'http://127.0.0.1:6000' }, deps({}, cwd, ['http://127.0.0.1:6000']));
    expect(elsewhere.endpoint).toBe('http://127.0.0.1:6000');
    expect(elsewhere.notes).toEqual([`note: ${localStackPath('Jobs', cwd)} was provisioned at http://127.0.0.1:5001; using http://127.0.0.1:6000`]);
    expect(cfn).not.toHaveReceivedCommand(DescribeStacksCommand);
  });

  const stackWith = (StackName: string, stackOutputs: Record<string, string>) => ({
    StackName,
    CreationTime: new Date(),
    StackStatus: 'CREATE_COMPLETE' as const,
    Outputs: Object.entries(stackOutputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
  });
  const record = (cwd: string, stackName: string, endpoint: string, extra: Partial<LocalStackFile> = {}) => {
    const stack = { format: 1, stackName, region: 'us-east-1', endpoint, outputs, ...extra } as unknown as LocalStackFile;
    writeLocalStack(localStackPath(stackName, cwd), stack);
    return stack;
  };
  const kept = {
    pid: 4242,
    since: '2026-03-27T12:01:00.000Z',
    until: '2026-03-27T12:31:00.000Z',
    simulated: { from: '2026-03-27T12:00:00.000Z', until: '2026-03-28T12:00:00.000Z' },
  };

  describe('without --stack, against CloudFormation', () => {
    it('finds the one stack with a job platform, across pages of DescribeStacks', async () => {
      cfn
        .on(DescribeStacksCommand)
        .resolvesOnce({ Stacks: [stackWith('Web', { Url: 'https://x' })], NextToken: 'page-2' })
        .resolvesOnce({ Stacks: [stackWith('Billing', outputs), stackWith('Db', {})] });

      const platform = await resolvePlatform({ region: 'eu-west-1' }, deps());

      expect(platform).toMatchObject({ mode: 'aws', stackName: 'Billing', tableName: 'Jobs-Table', region: 'eu-west-1' });
      expect(cfn).toHaveReceivedCommandTimes(DescribeStacksCommand, 2);
      expect(cfn).toHaveReceivedNthCommandWith(DescribeStacksCommand, 2, { NextToken: 'page-2' });
    });

    it('asks for --stack when several stacks hold a job platform (exit code 2)', async () => {
      cfn.on(DescribeStacksCommand).resolves({ Stacks: [stackWith('Jobs-Prod', outputs), stackWith('Jobs-Dev', outputs)] });

      const error = await resolvePlatform({ region: 'eu-west-1' }, deps()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(CliUsageError);
      expect((error as CliUsageError).exitCode).toBe(2);
      expect((error as Error).message).toBe('2 CloudFormation stacks in eu-west-1 hold a job platform (Jobs-Dev, Jobs-Prod): pick one with --stack');
    });

    it('says none holds a job platform (exit code 3)', async () => {
      cfn.on(DescribeStacksCommand).resolves({ Stacks: [stackWith('Web', { Url: 'https://x' })] });

      await expect(resolvePlatform({ region: 'eu-west-1' }, deps())).rejects.toThrow(
        new PlatformNotFoundError(
          "no CloudFormation stack in eu-west-1 holds a job platform (none has the output JobsTableName): deploy one with 'npx cdk deploy', " +
            `or name it with --stack; for a local stack: ${START_HINT}`,
        ),
      );
    });

    it('finds it at an endpoint that has no local record (LocalStack)', async () => {
      cfn.on(DescribeStacksCommand).resolves({ Stacks: [stackWith('Jobs', outputs)] });

      const platform = await resolvePlatform({ endpoint: 'http://localhost:4566' }, deps());

      expect(platform).toMatchObject({ mode: 'aws', stackName: 'Jobs', endpoint: 'http://localhost:4566' });
    });

    it('says what went wrong listing the stacks', async () => {
      cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Access denied'), { name: 'AccessDenied' }));

      await expect(resolvePlatform({ region: 'eu-west-1', local: false }, deps())).rejects.toThrow(
        new PlatformNotFoundError(
          'could not list the CloudFormation stacks in eu-west-1: AccessDenied: Access denied ' +
            '(are AWS credentials and a region configured? for a local stack use --local or --endpoint)',
        ),
      );
    });
  });

  describe('without --stack, locally (--local)', () => {
    it('takes the only record in .local/', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
      const stack = record(cwd, 'MyApp', 'http://127.0.0.1:5001');

      const platform = await resolvePlatform({ local: true }, deps({}, cwd, ['http://127.0.0.1:5001']));

      expect(platform).toMatchObject({ mode: 'local', stackName: 'MyApp', endpoint: 'http://127.0.0.1:5001', notes: [] });
      expect(platform.localStack).toEqual(stack);
    });

    it('lists the records and asks for --stack when there are several (exit code 2)', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
      record(cwd, 'Orders', 'http://127.0.0.1:5001');
      record(cwd, 'Billing', 'http://127.0.0.1:5002');

      await expect(resolvePlatform({ local: true }, deps({}, cwd))).rejects.toThrow(new CliUsageError('2 local stacks in .local (Billing, Orders): pick one with --stack'));
      const picked = await resolvePlatform({ local: true, stack: 'Orders' }, deps({}, cwd, ['http://127.0.0.1:5001']));
      expect(picked.stackName).toBe('Orders');
      const atEndpoint = await resolvePlatform({ endpoint: 'http://127.0.0.1:5002' }, deps({}, cwd, ['http://127.0.0.1:5002']));
      expect(atEndpoint.stackName).toBe('Billing');
    });

    it('takes the one whose emulator answers when there are several records', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
      record(cwd, 'Orders', 'http://127.0.0.1:5001', { kept });
      record(cwd, 'Billing', 'http://127.0.0.1:5002');

      const platform = await resolvePlatform({ local: true }, deps({}, cwd, ['http://127.0.0.1:5002']));

      expect(platform.stackName).toBe('Billing');
    });

    it('says there is no local stack, and how to get one (exit code 3)', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));

      await expect(resolvePlatform({ local: true }, deps({}, cwd))).rejects.toThrow(new PlatformNotFoundError(`no local stack in .local: ${START_HINT}`));
    });

    it('says when the emulator of a finished simulation is gone (exit code 3)', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
      record(cwd, 'MyApp', 'http://127.0.0.1:5001', { kept });

      const error = await resolvePlatform({ local: true }, deps({}, cwd)).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PlatformNotFoundError);
      expect((error as Error).message).toBe(
        "the simulated run of local stack 'MyApp' (.local/MyApp.json) (2026-03-27T12:00:00.000Z -> 2026-03-28T12:00:00.000Z) can no longer be inspected: " +
          "its emulator at http://127.0.0.1:5001, kept until 2026-03-27T12:31:00.000Z, does not answer; run 'npx cdk-jobs dev --until <duration>' again",
      );
    });

    it("says when a running stack's emulator does not answer (exit code 3)", async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
      record(cwd, 'MyApp', 'http://127.0.0.1:5001');

      await expect(resolvePlatform({ local: true }, deps({}, cwd))).rejects.toThrow(
        new PlatformNotFoundError(`the emulator of local stack 'MyApp' (.local/MyApp.json) does not answer at http://127.0.0.1:5001: is 'cdk-jobs dev' still running? ${START_HINT}`),
      );
    });
  });

  describe('with no flag', () => {
    it('uses the local stack whose emulator answers, and says so', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
      record(cwd, 'Stale', 'http://127.0.0.1:5009');
      record(cwd, 'MyApp', 'http://127.0.0.1:5001', { kept });

      const platform = await resolvePlatform({}, deps({}, cwd, ['http://127.0.0.1:5001']));

      expect(platform).toMatchObject({ mode: 'local', stackName: 'MyApp', endpoint: 'http://127.0.0.1:5001' });
      expect(platform.notes).toEqual([
        'note: using the simulated run 2026-03-27T12:00:00.000Z -> 2026-03-28T12:00:00.000Z of local stack ' +
          "'MyApp' (.local/MyApp.json, emulator at http://127.0.0.1:5001 kept until 2026-03-27T12:31:00.000Z); --no-local for AWS",
      ]);
      expect(cfn).not.toHaveReceivedCommand(DescribeStacksCommand);
    });

    it('asks for --stack when several local stacks answer', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
      record(cwd, 'Orders', 'http://127.0.0.1:5001');
      record(cwd, 'Billing', 'http://127.0.0.1:5002');

      await expect(resolvePlatform({}, deps({}, cwd, ['http://127.0.0.1:5001', 'http://127.0.0.1:5002']))).rejects.toThrow(
        new CliUsageError('2 local stacks are running (Billing, Orders): pick one with --stack (or --no-local for the CloudFormation stack in AWS)'),
      );
      const one = await resolvePlatform({ stack: 'Orders' }, deps({}, cwd, ['http://127.0.0.1:5001', 'http://127.0.0.1:5002']));
      expect(one.stackName).toBe('Orders');
    });

    it('goes to CloudFormation when no local stack answers, or with --no-local', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
      record(cwd, 'Jobs', 'http://127.0.0.1:5001');
      cfn.on(DescribeStacksCommand).resolves({ Stacks: [stackWith('Jobs', outputs)] });

      expect((await resolvePlatform({ region: 'eu-west-1' }, deps({}, cwd))).mode).toBe('aws');
      expect((await resolvePlatform({ region: 'eu-west-1', local: false }, deps({}, cwd, ['http://127.0.0.1:5001']))).mode).toBe('aws');
    });

    it('notes a finished simulation whose emulator is gone when it goes to CloudFormation', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
      record(cwd, 'MyApp', 'http://127.0.0.1:5001', { kept });
      cfn.on(DescribeStacksCommand).resolves({ Stacks: [stackWith('MyApp', outputs)] });

      const platform = await resolvePlatform({ region: 'eu-west-1' }, deps({}, cwd));

      expect(platform.mode).toBe('aws');
      expect(platform.notes).toEqual([
        "note: the simulated run of local stack 'MyApp' (.local/MyApp.json) (2026-03-27T12:00:00.000Z -> 2026-03-28T12:00:00.000Z) can no longer be inspected: " +
          "its emulator at http://127.0.0.1:5001, kept until 2026-03-27T12:31:00.000Z, does not answer; run 'npx cdk-jobs dev --until <duration>' again; using CloudFormation",
      ]);
    });

    it('names the finished simulation whose emulator is gone when CloudFormation has nothing either', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'resolver-'));
      record(cwd, 'MyApp', 'http://127.0.0.1:5001', { kept });
      cfn.on(DescribeStacksCommand).resolves({ Stacks: [] });

      const error = await resolvePlatform({ region: 'eu-west-1' }, deps({}, cwd)).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PlatformNotFoundError);
      expect((error as Error).message).toMatch(
        /^the simulated run of local stack 'MyApp' \(\.local\/MyApp\.json\) .* run 'npx cdk-jobs dev --until <duration>' again \(and no CloudFormation stack in eu-west-1 holds a job platform/,
      );
    });
  });
});
