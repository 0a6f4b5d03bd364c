import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PlatformNotFoundError } from '../../../tools/cli/errors';
import { CliOutput, clientConfig, platformFromOutputs, platformSource, resolvePlatform } from '../../../tools/cli/platform-resolver';
import { PlatformOutput } from '../../../lib/contract';
import { localStackPath, writeLocalStack, type LocalStackFile } from '../../../tools/local/local-stack';

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
  it('is CloudFormation at AWS by default, the local record with --local or an endpoint', () => {
    expect(platformSource({ stack: 'S' }, {})).toEqual({ kind: 'cloudformation' });
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
  const deps = (env: Record<string, string> = {}, cwd = mkdtempSync(join(tmpdir(), 'resolver-'))) => ({
    env,
    cwd,
    cloudFormation: () => new CloudFormationClient({}),
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

    const platform = await resolvePlatform({ stack: 'Jobs', local: true }, deps({}, cwd));
    expect(platform).toMatchObject({ mode: 'local', endpoint: 'http://127.0.0.1:5001', region: 'us-east-1', tableName: 'Jobs-Table', notes: [] });
    expect(platform.localStack).toEqual(stack);

    const elsewhere = await resolvePlatform({ stack: 'Jobs', endpoint: 'http://127.0.0.1:6000' }, deps({}, cwd));
    expect(elsewhere.endpoint).toBe('http://127.0.0.1:6000');
    expect(elsewhere.notes).toEqual([`note: ${localStackPath('Jobs', cwd)} was provisioned at http://127.0.0.1:5001; using http://127.0.0.1:6000`]);
    expect(cfn).not.toHaveReceivedCommand(DescribeStacksCommand);
  });
});
