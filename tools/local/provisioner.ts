/**
 * Provisions a synthesized stack in the local emulator: walks the template in dependency order,
 * resolves each resource's properties to local names, creates the data-plane resources (DynamoDB
 * tables, S3 buckets, SQS queues, SNS topics and subscriptions, KMS keys, Scheduler groups and
 * schedules, SES identities) and records everything, functions included, as a {@link LocalStackFile}.
 * Resources local mode does not run (IAM, alarms, log groups, custom resources) are only named.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
  type LocalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ConflictException,
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  SchedulerClient,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { CreateConfigurationSetCommand, CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { join } from 'node:path';
import { functionCodeDir, type StackArtifact } from './cloud-assembly';
import type { localClientConfig } from './moto-server';
import type { LocalEventSource, LocalFunction, LocalResource, LocalSchedule, LocalStackFile, LocalStateMachine } from './local-stack';
import { LOCAL_STACK_FORMAT } from './local-stack';
import {
  describeResource,
  eventInvokeConfigSpec,
  eventSourceSpec,
  functionSpec,
  scheduleSpec,
  withEventInvokeConfig,
  type EventInvokeConfigSpec,
  type LocalIdentity,
} from './resource-model';
import {
  defaultParameters,
  dependencyOrder,
  evaluateConditions,
  localStackId,
  resolveValue,
  TemplateResolutionError,
  type PseudoParameters,
  type ResolutionScope,
  type ResolvedResource,
} from './template-resolver';
import { ScheduledJobsError } from '../../lib/contract';

export class ProvisioningError extends ScheduledJobsError {}

/** The SDK clients provisioning uses, all pointed at the emulator. */
export interface ProvisionClients {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly kms: KMSClient;
  readonly scheduler: SchedulerClient;
  readonly sesv2: SESv2Client;
}

/** Clients for `provisionStack` from one SDK client configuration. */
export function provisionClients(config: ReturnType<typeof localClientConfig>): ProvisionClients {
  return {
    dynamodb: new DynamoDBClient(config),
    s3: new S3Client(config),
    sqs: new SQSClient(config),
    sns: new SNSClient(config),
    kms: new KMSClient(config),
    scheduler: new SchedulerClient(config),
    sesv2: new SESv2Client(config),
  };
}

export interface ProvisionOptions {
  readonly stack: StackArtifact;
  /** The cloud assembly directory. */
  readonly assemblyDir: string;
  readonly endpoint: string;
  readonly region: string;
  /** @default '123456789012' (moto's default account) */
  readonly accountId?: string;
  readonly clients: ProvisionClients;
  /** Where inline function code is written. @default `<assemblyDir>/inline` */
  readonly inlineDir?: string;
  /** Receives warnings (unresolvable values, skipped resources). @default ignored */
  readonly warn?: (message: string) => void;
}

type Props = Record<string, unknown>;

function errorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? '';
}

/** Runs a create call; "it already exists" (an emulator that outlives a run) is not an error. */
async function ignoreIf<T>(names: readonly string[], action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    const name = errorName(error);
    if (names.includes(name) || /AlreadyExists?/.test(name) || error instanceof ResourceInUseException || error instanceof ConflictException) {
      return undefined;
    }
    throw error;
  }
}

function num(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function throughput(value: unknown) {
  const t = (value ?? {}) as Props;
  return { ReadCapacityUnits: num(t.ReadCapacityUnits) ?? 5, WriteCapacityUnits: num(t.WriteCapacityUnits) ?? 5 };
}

/** CreateTable input from `AWS::DynamoDB::Table` or `AWS::DynamoDB::GlobalTable` properties. */
export function createTableInput(name: string, props: Props): CreateTableCommandInput {
  const provisioned = props.BillingMode === 'PROVISIONED' || (props.BillingMode === undefined && props.ProvisionedThroughput !== undefined);
  const gsis = (props.GlobalSecondaryIndexes ?? []) as Props[];
  const lsis = (props.LocalSecondaryIndexes ?? []) as Props[];
  const stream = props.StreamSpecification as Props | undefined;
  return {
    TableName: name,
    KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: props.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { ProvisionedThroughput: throughput(props.ProvisionedThroughput) } : {}),
    ...(gsis.length
      ? {
          GlobalSecondaryIndexes: gsis.map(
            (index): GlobalSecondaryIndex => ({
              IndexName: index.IndexName as string,
              KeySchema: index.KeySchema as GlobalSecondaryIndex['KeySchema'],
              Projection: index.Projection as GlobalSecondaryIndex['Projection'],
              ...(provisioned ? { ProvisionedThroughput: throughput(index.ProvisionedThroughput) } : {}),
            }),
          ),
        }
      : {}),
    ...(lsis.length
      ? {
          LocalSecondaryIndexes: lsis.map(
            (index): LocalSecondaryIndex => ({
              IndexName: index.IndexName as string,
              KeySchema: index.KeySchema as LocalSecondaryIndex['KeySchema'],
              Projection: index.Projection as LocalSecondaryIndex['Projection'],
            }),
          ),
        }
      : {}),
    ...(stream?.StreamViewType
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType as 'NEW_AND_OLD_IMAGES' } }
      : {}),
  };
}

function pointInTimeRecovery(props: Props, region: string): boolean {
  const direct = props.PointInTimeRecoverySpecification as Props | undefined;
  if (direct?.PointInTimeRecoveryEnabled === true) return true;
  const replicas = (props.Replicas ?? []) as Props[];
  const replica = replicas.find((r) => r.Region === region) ?? replicas[0];
  return (replica?.PointInTimeRecoverySpecification as Props | undefined)?.PointInTimeRecoveryEnabled === true;
}

const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedrivePolicy',
  'RedriveAllowPolicy',
] as const;

/** CreateQueue attributes from `AWS::SQS::Queue` properties (encryption settings are not emulated). */
export function queueAttributes(props: Props): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of QUEUE_ATTRIBUTES) {
    const value = props[key];
    if (value === undefined) continue;
    out[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

/** CreateSchedule input from the local description of a template schedule. */
export function createScheduleInput(schedule: LocalSchedule): CreateScheduleCommandInput {
  const { target } = schedule;
  return {
    Name: schedule.name,
    GroupName: schedule.groupName,
    ScheduleExpression: schedule.expression,
    ScheduleExpressionTimezone: schedule.timeZone,
    State: schedule.state,
    ...(schedule.description ? { Description: schedule.description } : {}),
    ...(schedule.startDate ? { StartDate: new Date(schedule.startDate) } : {}),
    ...(schedule.endDate ? { EndDate: new Date(schedule.endDate) } : {}),
    ...(schedule.actionAfterCompletion ? { ActionAfterCompletion: schedule.actionAfterCompletion } : {}),
    FlexibleTimeWindow: {
      Mode: schedule.flexibleTimeWindow.mode,
      ...(schedule.flexibleTimeWindow.maximumWindowInMinutes !== undefined
        ? { MaximumWindowInMinutes: schedule.flexibleTimeWindow.maximumWindowInMinutes }
        : {}),
    },
    Target: {
      Arn: target.arn,
      RoleArn: target.roleArn,
      ...(target.input !== undefined ? { Input: target.input } : {}),
      ...(target.retryPolicy
        ? {
            RetryPolicy: {
              MaximumRetryAttempts: target.retryPolicy.maximumRetryAttempts,
              MaximumEventAgeInSeconds: target.retryPolicy.maximumEventAgeInSeconds,
            },
          }
        : {}),
      ...(target.deadLetterArn ? { DeadLetterConfig: { Arn: target.deadLetterArn } } : {}),
    },
  };
}

function stringEnvironment(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries((value ?? {}) as Props)) {
    out[key] = typeof item === 'string' ? item : JSON.stringify(item);
  }
  return out;
}

/**
 * Resolves a resource's properties. When the whole fails (a reference to something local mode does
 * not model), each property (and each environment variable) is resolved on its own and the ones that
 * cannot be are left out, with a warning.
 */
function resolveProps(id: string, props: Props, scope: ResolutionScope, warn: (m: string) => void, strict: boolean): Props {
  try {
    return (resolveValue(props, scope) ?? {}) as Props;
  } catch (error) {
    if (strict) throw new ProvisioningError(`resource ${id}: ${(error as Error).message}`, { cause: error });
    const out: Props = {};
    for (const [key, value] of Object.entries(props)) {
      if (key === 'Environment') {
        const variables: Props = {};
        for (const [name, v] of Object.entries(((value ?? {}) as Props).Variables ?? {})) {
          try {
            variables[name] = resolveValue(v, scope);
          } catch (inner) {
            warn(`function ${id}: environment variable ${name} left unset: ${(inner as Error).message}`);
          }
        }
        out.Environment = { Variables: variables };
        continue;
      }
      try {
        out[key] = resolveValue(value, scope);
      } catch {
        // The property is not needed locally.
      }
    }
    return out;
  }
}

/** Types created in the emulator: their properties must resolve completely. */
const EMULATED_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::SNS::Subscription',
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::Scheduler::Schedule',
  'AWS::SES::EmailIdentity',
  'AWS::SES::ConfigurationSet',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::EventSourceMapping',
  'AWS::StepFunctions::StateMachine',
]);

/**
 * Creates the stack's resources in the emulator and describes the result.
 *
 * @throws ProvisioningError naming the resource that could not be resolved or created.
 */
export async function provisionStack(options: ProvisionOptions): Promise<LocalStackFile> {
  const { stack, clients, endpoint, region } = options;
  const warn = options.warn ?? (() => undefined);
  const accountId = options.accountId ?? '123456789012';
  const pseudo: PseudoParameters = { accountId, region, stackName: stack.stackName };
  const template = stack.template;
  const parameters = defaultParameters(template);
  const conditions = evaluateConditions(template, { pseudo, parameters, mappings: template.Mappings });
  const resolved: Record<string, ResolvedResource> = {};
  const scope: ResolutionScope = { pseudo, parameters, mappings: template.Mappings, conditions, resources: resolved };
  const resources: Record<string, LocalResource> = {};
  const functions: Record<string, LocalFunction> = {};
  const schedules: Record<string, LocalSchedule> = {};
  const invokeConfigs: EventInvokeConfigSpec[] = [];
  const eventSources: Record<string, LocalEventSource> = {};
  const stateMachines: Record<string, LocalStateMachine> = {};
  const all = template.Resources ?? {};

  for (const id of dependencyOrder(template)) {
    const resource = all[id];
    if (resource.Condition && conditions[resource.Condition] === false) continue;
    const type = resource.Type;
    const strict = EMULATED_TYPES.has(type);
    const props = resolveProps(id, resource.Properties ?? {}, scope, warn, strict);
    let identity: LocalIdentity = describeResource(id, type, props, pseudo, endpoint);
    let provisioned = false;
    try {
      switch (type) {
        case 'AWS::DynamoDB::Table':
        case 'AWS::DynamoDB::GlobalTable': {
          const name = identity.ref;
          const created = await ignoreIf(['ResourceInUseException'], () => clients.dynamodb.send(new CreateTableCommand(createTableInput(name, props))));
          const streamArn = created?.TableDescription?.LatestStreamArn;
          if (streamArn) identity = { ...identity, attributes: { ...identity.attributes, StreamArn: streamArn } };
          const ttl = props.TimeToLiveSpecification as Props | undefined;
          if (ttl?.Enabled === true && typeof ttl.AttributeName === 'string') {
            await ignoreIf(['ValidationException'], () =>
              clients.dynamodb.send(
                new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: ttl.AttributeName as string } }),
              ),
            );
          }
          if (pointInTimeRecovery(props, region)) {
            await clients.dynamodb.send(
              new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
            );
          }
          provisioned = true;
          break;
        }
        case 'AWS::S3::Bucket': {
          await ignoreIf(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'], () =>
            clients.s3.send(
              new CreateBucketCommand({
                Bucket: identity.ref,
                ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as 'eu-west-1' } }),
              }),
            ),
          );
          const versioning = props.VersioningConfiguration as Props | undefined;
          if (versioning?.Status === 'Enabled') {
            await clients.s3.send(new PutBucketVersioningCommand({ Bucket: identity.ref, VersioningConfiguration: { Status: 'Enabled' } }));
          }
          provisioned = true;
          break;
        }
        case 'AWS::SQS::Queue': {
          const name = identity.name as string;
          let url: string | undefined;
          try {
            url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: queueAttributes(props) }))).QueueUrl;
          } catch (error) {
            if (!/QueueAlreadyExists|QueueNameExists/.test(errorName(error))) throw error;
            url = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
          }
          if (url) identity = { ...identity, ref: url, url, attributes: { ...identity.attributes, QueueUrl: url } };
          provisioned = true;
          break;
        }
        case 'AWS::SNS::Topic': {
          const attributes: Record<string, string> = {};
          if (props.FifoTopic !== undefined) attributes.FifoTopic = String(props.FifoTopic);
          if (props.ContentBasedDeduplication !== undefined) attributes.ContentBasedDeduplication = String(props.ContentBasedDeduplication);
          const created = await clients.sns.send(new CreateTopicCommand({ Name: identity.name, Attributes: attributes }));
          if (created.TopicArn && created.TopicArn !== identity.ref) {
            identity = { ...identity, ref: created.TopicArn, arn: created.TopicArn, attributes: { ...identity.attributes, TopicArn: created.TopicArn } };
          }
          provisioned = true;
          break;
        }
        case 'AWS::SNS::Subscription': {
          // Queue subscriptions are delivered by the emulator; e-mail, HTTP and Lambda ones are not emulated.
          if (props.Protocol === 'sqs') {
            const created = await clients.sns.send(
              new SubscribeCommand({
                TopicArn: String(props.TopicArn),
                Protocol: 'sqs',
                Endpoint: String(props.Endpoint),
                ...(props.RawMessageDelivery !== undefined ? { Attributes: { RawMessageDelivery: String(props.RawMessageDelivery) } } : {}),
              }),
            );
            if (created.SubscriptionArn) identity = { ...identity, ref: created.SubscriptionArn, arn: created.SubscriptionArn };
            provisioned = true;
          }
          break;
        }
        case 'AWS::KMS::Key': {
          const created = await clients.kms.send(
            new CreateKeyCommand({ Description: typeof props.Description === 'string' ? props.Description : `${stack.stackName}/${id}` }),
          );
          const keyId = created.KeyMetadata?.KeyId;
          const keyArn = created.KeyMetadata?.Arn;
          if (keyId && keyArn) identity = { ...identity, ref: keyId, arn: keyArn, attributes: { Arn: keyArn, KeyId: keyId } };
          provisioned = true;
          break;
        }
        case 'AWS::KMS::Alias': {
          await ignoreIf(['AlreadyExistsException'], () =>
            clients.kms.send(new CreateAliasCommand({ AliasName: identity.ref, TargetKeyId: String(props.TargetKeyId) })),
          );
          provisioned = true;
          break;
        }
        case 'AWS::Scheduler::ScheduleGroup': {
          await ignoreIf(['ConflictException'], () => clients.scheduler.send(new CreateScheduleGroupCommand({ Name: identity.ref })));
          provisioned = true;
          break;
        }
        case 'AWS::Scheduler::Schedule': {
          const spec = scheduleSpec(id, identity, props);
          const targetFunction = Object.values(functions).find((fn) => fn.arn === spec.target.arn || spec.target.arn.startsWith(`${fn.arn}:`));
          const schedule: LocalSchedule = {
            ...spec,
            target: { ...spec.target, ...(targetFunction ? { functionLogicalId: targetFunction.logicalId } : {}) },
          };
          const input = createScheduleInput(schedule);
          try {
            await clients.scheduler.send(new CreateScheduleCommand(input));
          } catch (error) {
            if (!(error instanceof ConflictException) && errorName(error) !== 'ConflictException') throw error;
            await clients.scheduler.send(new UpdateScheduleCommand(input));
          }
          schedules[id] = schedule;
          provisioned = true;
          break;
        }
        case 'AWS::SES::ConfigurationSet': {
          await ignoreIf(['AlreadyExistsException'], () =>
            clients.sesv2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: identity.ref })),
          );
          provisioned = true;
          break;
        }
        case 'AWS::Lambda::EventSourceMapping': {
          const target = String(props.FunctionName ?? '');
          const fn = Object.values(functions).find((f) => f.functionName === target || f.arn === target || target.startsWith(`${f.arn}:`));
          eventSources[id] = eventSourceSpec(id, props, fn?.logicalId);
          break;
        }
        case 'AWS::StepFunctions::StateMachine': {
          // Not created in the emulator (its Lambda tasks would need Docker): local mode runs the
          // resolved definition itself (tools/local/state-machine.ts).
          const definition = props.DefinitionString;
          if (typeof definition !== 'string') throw new ProvisioningError(`resource ${id} (${type}): DefinitionString did not resolve to a string`);
          stateMachines[id] = { logicalId: id, name: identity.name ?? id, arn: identity.arn ?? identity.ref, definition };
          break;
        }
        case 'AWS::SES::EmailIdentity': {
          await ignoreIf(['AlreadyExistsException'], () => clients.sesv2.send(new CreateEmailIdentityCommand({ EmailIdentity: identity.ref })));
          provisioned = true;
          break;
        }
        case 'AWS::Lambda::Function': {
          const code = resource.Properties?.Code as Props | undefined;
          const codeDir = functionCodeDir(stack, options.assemblyDir, id, code, resource.Metadata, options.inlineDir ?? join(options.assemblyDir, 'inline'));
          const environment = stringEnvironment((props.Environment as Props | undefined)?.Variables);
          const cdkPath = resource.Metadata?.['aws:cdk:path'];
          functions[id] = functionSpec(id, identity, props, codeDir, environment, typeof cdkPath === 'string' ? cdkPath : undefined);
          break;
        }
        case 'AWS::Lambda::EventInvokeConfig':
          invokeConfigs.push(eventInvokeConfigSpec(props));
          break;
        default:
          break;
      }
    } catch (error) {
      if (error instanceof ProvisioningError || error instanceof TemplateResolutionError) throw error;
      throw new ProvisioningError(`resource ${id} (${type}): ${(error as Error).message}`, { cause: error });
    }
    resolved[id] = identity;
    resources[id] = {
      type,
      ref: identity.ref,
      ...(identity.name !== undefined ? { name: identity.name } : {}),
      ...(identity.arn !== undefined ? { arn: identity.arn } : {}),
      ...(identity.url !== undefined ? { url: identity.url } : {}),
      attributes: identity.attributes,
      provisioned,
    };
  }

  for (const config of invokeConfigs) {
    const fn = Object.values(functions).find((f) => f.functionName === config.functionRef || f.arn === config.functionRef);
    if (!fn) {
      warn(`an EventInvokeConfig targets '${config.functionRef}', which is not a function of this stack: ignored`);
      continue;
    }
    functions[fn.logicalId] = withEventInvokeConfig(fn, config);
  }

  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition && conditions[output.Condition] === false) continue;
    try {
      const value = resolveValue(output.Value, scope);
      outputs[name] = typeof value === 'string' ? value : JSON.stringify(value);
    } catch (error) {
      warn(`output ${name} left out: ${(error as Error).message}`);
    }
  }

  return {
    format: LOCAL_STACK_FORMAT,
    stackName: stack.stackName,
    stackId: localStackId(pseudo),
    region,
    accountId,
    endpoint,
    pid: process.pid,
    assemblyDir: options.assemblyDir,
    templateFile: stack.templateFile,
    provisionedAt: new Date().toISOString(),
    outputs,
    resources,
    functions,
    schedules,
    eventSources,
    stateMachines,
    jobs: jobIndex(functions, schedules),
  };
}

/** Job name -> its function and (the schedule named after the job, else the first one targeting it). */
export function jobIndex(
  functions: Readonly<Record<string, LocalFunction>>,
  schedules: Readonly<Record<string, LocalSchedule>>,
): Record<string, { functionLogicalId: string; scheduleLogicalId?: string }> {
  const out: Record<string, { functionLogicalId: string; scheduleLogicalId?: string }> = {};
  for (const fn of Object.values(functions)) {
    if (!fn.jobName) continue;
    const targeting = Object.values(schedules).filter((s) => s.target.functionLogicalId === fn.logicalId);
    const schedule = targeting.find((s) => s.name === fn.jobName) ?? targeting[0];
    out[fn.jobName] = { functionLogicalId: fn.logicalId, ...(schedule ? { scheduleLogicalId: schedule.logicalId } : {}) };
  }
  return out;
}
