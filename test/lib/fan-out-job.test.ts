import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { FanOutJob, type FanOutJobProps } from '../../lib/fan-out-job';
import { JobPlatform } from '../../lib/job-platform';
import { createApp, createStack } from '../support/cdk';

const FIXTURE = 'test/fixtures/handler.ts';
const DAILY = ScheduleExpression.expression('cron(0 3 * * ? *)', TimeZone.ETC_UTC);

type Definition = { StartAt: string; States: Record<string, Record<string, unknown>> };

/** The state machine's definition with its tokens resolved to placeholders. */
function definitionOf(template: Template): Definition {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as Array<{ Properties: { DefinitionString: unknown } }>;
  const body = machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const partition = (part: unknown) => (part as { Ref?: string }).Ref === 'AWS::Partition';
  const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : partition(part) ? 'aws' : 'TOKEN')).join('');
  return JSON.parse(text) as Definition;
}

describe('FanOutJob', () => {
  let stack: Stack;
  let template: Template;
  let job: FanOutJob;

  beforeAll(() => {
    // GIVEN a platform and a fan-out job with a few options
    const app = createApp();
    stack = createStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const platform = new JobPlatform(stack, 'Platform');
    job = new FanOutJob(stack, 'DailyRecommendations', {
      platform,
      schedule: DAILY,
      entry: FIXTURE,
      payload: { days: 90 },
      maxConcurrency: 50,
      toleratedFailurePercentage: 5,
      maxItemsPerBatch: 4,
      executionTimeout: Duration.hours(6),
    });
    // WHEN it is synthesized
    app.synth();
    template = Template.fromStack(stack);
  });

  it('THEN the schedule invokes the job function with the job event, as for every scheduled job', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'daily-recommendations',
      Target: Match.objectLike({ Input: Match.stringLikeRegexp('"job":"daily-recommendations"') }),
    });
  });

  it('THEN the state machine plans, maps batches of the manifest and finishes, as the props say', () => {
    const definition = definitionOf(template);
    expect(definition.StartAt).toBe('Plan');
    expect(Object.keys(definition.States).sort()).toEqual(['Finish', 'Map', 'MapSucceeded', 'NothingToRun', 'Plan', 'Planned?', 'RunEnded', 'RunFailed', 'RunFailed?']);
    const map = definition.States.Map as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(map).toMatchObject({
      Type: 'Map',
      MaxConcurrency: 50,
      ToleratedFailurePercentage: 5,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Key.$': '$.plan.manifest.key' } },
      ItemBatcher: { MaxItemsPerBatch: 4, MaxInputBytesPerBatch: 262144, BatchInput: { phase: 'work', 'run.$': '$.plan.run' } },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject' },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapError', Next: 'Finish' }],
    });
    const work = map.ItemProcessor.States.Work;
    expect(work.Retry).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.TooManyRequestsException', 'States.TaskFailed']), MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }),
      ]),
    );
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: Match.stringLikeRegexp('daily-recommendations$'),
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
    });
    expect(definition).toMatchObject({ TimeoutSeconds: 21600 });
  });

  it('THEN the platform owns an encrypted, private, TLS-only bucket whose objects expire', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })]) },
    });
    expect(job.bucket).toBe(job.platform.fanOutBucket);
  });

  it('THEN failed, timed-out and aborted executions go to the failure inbox', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PlatformFailureInbox'), 'Arn'] } })],
    });
  });

  it('THEN the alarm and the lease use the execution timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JOB_LEASE_SECONDS: String(6 * 3600 + 60), FAN_OUT_STATE_MACHINE_ARN: Match.anyValue(), FAN_OUT_BUCKET_NAME: Match.anyValue() }) },
    });
    expect(job.runTimeout.toSeconds()).toBe(21600);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'TestStack-daily-recommendations-health',
      Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp(`> ${Math.round(21600 * 1000 * 0.8)}`) })]),
    });
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).slice(0, 160)}`)).toEqual([]);
  });
});

describe('FanOutJob validation', () => {
  const build = (props: Partial<FanOutJobProps>) => () => {
    const stack = createStack();
    const platform = new JobPlatform(stack, 'Platform');
    new FanOutJob(stack, 'Fan', { platform, schedule: DAILY, entry: FIXTURE, ...props });
  };

  it.each([
    [{ maxConcurrency: 0 }, "job 'fan': maxConcurrency must be an integer from 1 to 10000; got 0"],
    [{ maxConcurrency: 10_001 }, "job 'fan': maxConcurrency must be an integer from 1 to 10000; got 10001"],
    [{ toleratedFailurePercentage: 101 }, "job 'fan': toleratedFailurePercentage must be from 0 to 100; got 101"],
    [{ toleratedFailurePercentage: -1 }, "job 'fan': toleratedFailurePercentage must be from 0 to 100; got -1"],
    [{ maxItemsPerBatch: 0 }, "job 'fan': maxItemsPerBatch must be an integer from 1 to 100000000; got 0"],
    [{ maxInputBytesPerBatch: 262_145 }, "job 'fan': maxInputBytesPerBatch must be an integer from 1 to 262144; got 262145"],
    [{ retry: { backoffRate: 0.5 } }, "job 'fan': retry.backoffRate must be from 1 to 100; got 0.5"],
    [{ executionTimeout: Duration.days(400) }, "job 'fan': executionTimeout must be whole seconds from 1 second to 1 year; got 34560000 seconds"],
  ])('rejects %j at synth time naming the job and the field', (props, message) => {
    expect(build(props as Partial<FanOutJobProps>)).toThrow(message);
  });
});

describe('FanOutJob executions alarm', () => {
  it('alarms on failed, timed-out and aborted executions, notifying the platform topic', () => {
    const stack = createStack();
    const platform = new JobPlatform(stack, 'Platform');
    new FanOutJob(stack, 'Fan', { platform, schedule: DAILY, entry: FIXTURE });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'TestStack-fan-executions',
      Threshold: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)' }),
        Match.objectLike({ Id: 'timedOut', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsTimedOut', Namespace: 'AWS/States' }) }) }),
      ]),
      AlarmActions: [{ Ref: Match.stringLikeRegexp('PlatformAlarmTopic') }],
    });
  });
});

describe('FanOutJob with -c schedules=disabled', () => {
  it('disables its schedule, as for every scheduled job', () => {
    const stack = createStack(createApp({ context: { schedules: 'disabled' } }));
    const platform = new JobPlatform(stack, 'Platform');
    const job = new FanOutJob(stack, 'Fan', { platform, schedule: DAILY, entry: FIXTURE });
    expect(job.enabled).toBe(false);
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', { Name: 'fan', State: 'DISABLED' });
  });

  it('adds its state machine, role, policies, log group, rule and alarm to the resource count', () => {
    const count = (withFanOut: boolean) => {
      const stack = createStack();
      const platform = new JobPlatform(stack, 'Platform');
      if (withFanOut) new FanOutJob(stack, 'Fan', { platform, schedule: DAILY, entry: FIXTURE });
      return Object.keys(Template.fromStack(stack).toJSON().Resources).length;
    };
    // The job's own 7 (role, policy, log group, function, invoke config, schedule, health alarm), plus
    // state machine, its role, default and distributed-map policies, execution log group, rule and
    // executions alarm (14 a job), and with the first fan-out job the platform's bucket and its policy.
    // (The rule's statement joins the inbox's existing queue policy.)
    expect(count(true) - count(false)).toBe(16);
  });
});

describe('FanOutJob in an app without the ResultWriterV2 feature flag', () => {
  it('still writes the map results to S3 (the map output stays small)', () => {
    const stack = createStack(createApp({ context: { '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2': false } }));
    const platform = new JobPlatform(stack, 'Platform');
    new FanOutJob(stack, 'Fan', { platform, schedule: DAILY, entry: FIXTURE });
    const map = definitionOf(Template.fromStack(stack)).States.Map;
    expect(map.ResultWriter).toMatchObject({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Prefix: 'fan-out/fan/results' } });
  });
});
