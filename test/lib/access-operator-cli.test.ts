/**
 * The operator grants against the CLI itself: every cdk-jobs command runs against mocked AWS
 * clients, each request it sends is named as the IAM action it needs, and those actions must be
 * what `grantOperatorRead` (the read-only commands) and `grantOperate` (all of them) grant, no
 * fewer and no more. Resources are checked by access-operator.test.ts; this checks the actions.
 */
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../tools/cli/commands/program';
import { JobPlatform } from '../../lib/job-platform';
import { createApp, createStack } from '../support/cdk';
import { actionsOfRole } from '../support/iam';
import { Capture } from '../tools/cli/fixtures/platform';

const NOW = new Date('2026-03-27T12:00:00Z');
const INBOX = 'https://sqs.eu-west-1.amazonaws.com/123456789012/Jobs-Inbox';
const fnArn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:Jobs-${name}`;

/** The IAM action a request needs: the service of its client and the operation, as IAM names it. */
const IAM_NAMES: Record<string, string> = {
  BatchGet: 'BatchGetItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Query: 'Query',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
  Invoke: 'InvokeFunction',
};

describe('the operator grants cover exactly the calls of the cdk-jobs commands', () => {
  const cfn = mockClient(CloudFormationClient);
  const scheduler = mockClient(SchedulerClient);
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  const ddb = mockClient(DynamoDBDocumentClient);
  /** Each mock with the IAM service prefix of its requests. */
  interface Recorder {
    resetHistory(): void;
    reset(): void;
    calls(): ReadonlyArray<{ args: readonly unknown[] }>;
  }
  const services: Array<[string, Recorder]> = [
    ['cloudformation', cfn],
    ['scheduler', scheduler],
    ['lambda', lambda],
    ['sqs', sqs],
    ['dynamodb', ddb],
  ];
  let readGrant: string[];
  let operateGrant: string[];

  beforeAll(() => {
    // GIVEN the two operator roles of a platform
    const stack = createStack(createApp());
    const platform = new JobPlatform(stack, 'Platform');
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    platform.grantOperatorRead(reader);
    platform.grantOperate(operator);
    const template = Template.fromStack(stack);
    readGrant = [...new Set(actionsOfRole(stack, template, reader))].sort();
    operateGrant = [...new Set(actionsOfRole(stack, template, operator))].sort();
  });

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
            { OutputKey: 'OneTimeScheduleGroupName', OutputValue: 'Jobs-jobs-once' },
          ],
        },
      ],
    });
    // a one-time job has no recurring schedule: the CLI finds it among the stack's functions
    cfn.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        { ResourceType: 'AWS::Lambda::Function', PhysicalResourceId: 'Jobs-reminder', LogicalResourceId: 'R', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: NOW },
      ],
    });
    lambda.on(GetFunctionConfigurationCommand).resolves({
      FunctionArn: fnArn('reminder'),
      Environment: { Variables: { JOB_NAME: 'reminder', JOBS_TABLE_NAME: 'Jobs-Table' } },
    });
    scheduler.on(ListSchedulesCommand, { GroupName: 'Jobs-jobs' }).resolves({ Schedules: [{ Name: 'report', GroupName: 'Jobs-jobs' }] });
    scheduler.on(ListSchedulesCommand, { GroupName: 'Jobs-jobs-once' }).resolves({ Schedules: [{ Name: 'reminder.k1', GroupName: 'Jobs-jobs-once' }] });
    scheduler.on(GetScheduleCommand, { GroupName: 'Jobs-jobs' }).resolves({
      Name: 'report',
      GroupName: 'Jobs-jobs',
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      Target: {
        Arn: fnArn('report'),
        RoleArn: 'arn:aws:iam::123456789012:role/R',
        Input: JSON.stringify({ job: 'report', payload: {}, catchUp: { mode: 'last' } }),
      },
    });
    scheduler.on(GetScheduleCommand, { GroupName: 'Jobs-jobs-once' }).resolves({
      Name: 'reminder.k1',
      GroupName: 'Jobs-jobs-once',
      ScheduleExpression: 'at(2026-03-28T09:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Target: { Arn: fnArn('reminder'), RoleArn: 'arn:aws:iam::123456789012:role/R', Input: JSON.stringify({ job: 'reminder', key: 'k1', payload: {} }) },
    });
    ddb.on(BatchGetCommand).resolves({ Responses: { 'Jobs-Table': [] } });
    ddb.on(GetCommand).resolves({ Item: { pk: 'JOB#report', sk: 'STATE', paused: true, pausedAt: '2026-03-25T00:00:00.000Z' } });
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(UpdateCommand).resolves({ Attributes: { pk: 'JOB#report', sk: 'STATE', paused: false } });
    const failed = JSON.stringify({
      requestContext: { functionArn: `${fnArn('report')}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { job: 'report', scheduledTime: '2026-03-25T01:30:00Z', payload: {} },
      responsePayload: { errorType: 'Error', errorMessage: 'boom' },
    });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'a', ReceiptHandle: 'rh-a', Body: failed, Attributes: { SentTimestamp: '1774400000000' } }] })
      .resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    const succeeded = new TextEncoder().encode(JSON.stringify({ job: 'report', status: 'SUCCEEDED' })) as InvokeCommandOutput['Payload'];
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: succeeded });
  });
  afterEach(() => {
    for (const [, mock] of services) mock.reset();
  });

  /** Runs the commands one after the other; returns the IAM actions of every request they sent. */
  async function actionsOf(commands: string[][]): Promise<string[]> {
    const actions = new Set<string>();
    for (const args of commands) {
      for (const [, mock] of services) mock.resetHistory();
      const stderr = new Capture();
      const code = await runCli([...args, '--stack', 'Jobs'], { stdout: new Capture(), stderr, env: { AWS_REGION: 'eu-west-1' }, cwd: '/nonexistent', now: () => NOW });
      expect({ args, code, stderr: stderr.text }).toEqual({ args, code: 0, stderr: expect.not.stringMatching(/cdk-jobs:|not listed/) });
      for (const [service, mock] of services) {
        for (const call of mock.calls()) {
          const operation = (call.args[0] as object).constructor.name.replace(/Command$/, '');
          actions.add(`${service}:${IAM_NAMES[operation] ?? operation}`);
        }
      }
    }
    return [...actions].sort();
  }

  it('THEN list, next, history and failures call exactly what grantOperatorRead grants', async () => {
    const used = await actionsOf([['list'], ['next', 'report'], ['next', 'reminder'], ['history', 'report'], ['failures']]);
    expect(used).toEqual(readGrant);
  });

  it('THEN with run, backfill, pause, resume and redrive, every command calls exactly what grantOperate grants', async () => {
    const used = await actionsOf([
      ['list'],
      ['next', 'reminder'],
      ['history', 'report'],
      ['failures'],
      ['run', 'report', '--wait'],
      ['backfill', 'report', '--from', '2026-03-25T00:00:00Z', '--to', '2026-03-26T00:00:00Z'],
      ['pause', 'report', '--by', 'ops'],
      ['resume', 'report', '--by', 'ops'],
      ['redrive'],
    ]);
    expect(used).toEqual(operateGrant);
  });
});
