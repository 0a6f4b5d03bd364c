/**
 * What each CloudFormation resource type is called locally: its physical name, `Ref` value and
 * `Fn::GetAtt` attributes, worked out from its resolved properties the way CloudFormation would.
 * Pure: the provisioner overrides the few values only the emulator knows (queue URLs, KMS key ids).
 */
import type { LocalEventSource, LocalFunction, LocalSchedule } from './local-stack';
import { deterministicUuid, generatedName, nameSuffix, type PseudoParameters, type ResolvedResource } from './template-resolver';

/** A resource's local identity. */
export interface LocalIdentity extends ResolvedResource {
  readonly name?: string;
  readonly arn?: string;
  readonly url?: string;
}

type Props = Readonly<Record<string, unknown>>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function arn(pseudo: PseudoParameters, service: string, resource: string, region = pseudo.region, account = pseudo.accountId): string {
  return `arn:${pseudo.partition ?? 'aws'}:${service}:${region}:${account}:${resource}`;
}

/** The URL the emulator gives a queue (moto's form; the provisioner uses what the emulator returns). */
export function localQueueUrl(endpoint: string, pseudo: PseudoParameters, queueName: string): string {
  return `${endpoint.replace(/\/+$/, '')}/${pseudo.accountId}/${queueName}`;
}

/**
 * The local identity of a resource.
 *
 * @param props the resource's properties, already resolved (only the naming fields are read).
 * @param endpoint the emulator URL (queue URLs are built on it).
 */
export function describeResource(logicalId: string, type: string, props: Props, pseudo: PseudoParameters, endpoint: string): LocalIdentity {
  const stack = pseudo.stackName;
  const named = (field: string, maxLength: number, extra: Partial<Parameters<typeof generatedName>[2]> = {}) =>
    str(props[field]) ?? generatedName(stack, logicalId, { maxLength, ...extra });
  switch (type) {
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable': {
      const name = named('TableName', 255, { allowed: /[A-Za-z0-9\-_.]/ });
      const tableArn = arn(pseudo, 'dynamodb', `table/${name}`);
      const attributes: Record<string, unknown> = { Arn: tableArn, TableId: deterministicUuid(tableArn) };
      const stream = props.StreamSpecification as Props | undefined;
      if (stream?.StreamViewType) attributes.StreamArn = `${tableArn}/stream/1970-01-01T00:00:00.000`;
      return { ref: name, name, arn: tableArn, attributes };
    }
    case 'AWS::S3::Bucket': {
      const name = named('BucketName', 63, { lowerCase: true, allowed: /[A-Za-z0-9-]/ });
      const suffix = pseudo.urlSuffix ?? 'amazonaws.com';
      const bucketArn = `arn:${pseudo.partition ?? 'aws'}:s3:::${name}`;
      return {
        ref: name,
        name,
        arn: bucketArn,
        attributes: {
          Arn: bucketArn,
          DomainName: `${name}.s3.${suffix}`,
          RegionalDomainName: `${name}.s3.${pseudo.region}.${suffix}`,
          DualStackDomainName: `${name}.s3.dualstack.${pseudo.region}.${suffix}`,
          WebsiteURL: `http://${name}.s3-website-${pseudo.region}.${suffix}`,
        },
      };
    }
    case 'AWS::SQS::Queue': {
      const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
      const name = str(props.QueueName) ?? generatedName(stack, logicalId, { maxLength: 80, suffix: fifo ? '.fifo' : '' });
      const url = localQueueUrl(endpoint, pseudo, name);
      const queueArn = arn(pseudo, 'sqs', name);
      return { ref: url, name, arn: queueArn, url, attributes: { Arn: queueArn, QueueName: name, QueueUrl: url } };
    }
    case 'AWS::SNS::Topic': {
      const fifo = props.FifoTopic === true || props.FifoTopic === 'true';
      const name = str(props.TopicName) ?? generatedName(stack, logicalId, { maxLength: 256, suffix: fifo ? '.fifo' : '' });
      const topicArn = arn(pseudo, 'sns', name);
      return { ref: topicArn, name, arn: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
    }
    case 'AWS::KMS::Key': {
      const keyId = deterministicUuid(`${stack}/${logicalId}`);
      const keyArn = arn(pseudo, 'kms', `key/${keyId}`);
      return { ref: keyId, arn: keyArn, attributes: { Arn: keyArn, KeyId: keyId } };
    }
    case 'AWS::KMS::Alias': {
      const name = named('AliasName', 256);
      return { ref: name, name, attributes: {} };
    }
    case 'AWS::Lambda::Function': {
      const name = named('FunctionName', 64);
      const fnArn = arn(pseudo, 'lambda', `function:${name}`);
      return { ref: name, name, arn: fnArn, attributes: { Arn: fnArn } };
    }
    case 'AWS::IAM::Role': {
      const name = named('RoleName', 64);
      const path = str(props.Path) ?? '/';
      const roleArn = arn(pseudo, 'iam', `role${path}${name}`, '');
      return { ref: name, name, arn: roleArn, attributes: { Arn: roleArn, RoleId: `AROA${nameSuffix(roleArn)}` } };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const name = named('ManagedPolicyName', 128);
      const policyArn = arn(pseudo, 'iam', `policy/${name}`, '');
      return { ref: policyArn, name, arn: policyArn, attributes: { PolicyArn: policyArn } };
    }
    case 'AWS::Logs::LogGroup': {
      const name = named('LogGroupName', 512, { allowed: /[A-Za-z0-9\-_./#]/ });
      const groupArn = arn(pseudo, 'logs', `log-group:${name}:*`);
      return { ref: name, name, arn: groupArn, attributes: { Arn: groupArn } };
    }
    case 'AWS::Scheduler::ScheduleGroup': {
      const name = named('Name', 64);
      const groupArn = arn(pseudo, 'scheduler', `schedule-group/${name}`);
      return { ref: name, name, arn: groupArn, attributes: { Arn: groupArn } };
    }
    case 'AWS::Scheduler::Schedule': {
      const name = named('Name', 64);
      const group = str(props.GroupName) ?? 'default';
      const scheduleArn = arn(pseudo, 'scheduler', `schedule/${group}/${name}`);
      return { ref: name, name, arn: scheduleArn, attributes: { Arn: scheduleArn } };
    }
    case 'AWS::StepFunctions::StateMachine': {
      const name = named('StateMachineName', 80);
      const machineArn = arn(pseudo, 'states', `stateMachine:${name}`);
      return { ref: machineArn, name, arn: machineArn, attributes: { Arn: machineArn, Name: name } };
    }
    case 'AWS::CloudWatch::Alarm': {
      const name = named('AlarmName', 255);
      const alarmArn = arn(pseudo, 'cloudwatch', `alarm:${name}`);
      return { ref: name, name, arn: alarmArn, attributes: { Arn: alarmArn } };
    }
    case 'AWS::CloudWatch::Dashboard': {
      const name = named('DashboardName', 255);
      return { ref: name, name, attributes: {} };
    }
    case 'AWS::SSM::Parameter': {
      const name = named('Name', 2048);
      return { ref: name, name, attributes: { Type: props.Type, Value: props.Value } };
    }
    case 'AWS::Events::Rule': {
      const name = named('Name', 64);
      const ruleArn = arn(pseudo, 'events', `rule/${name}`);
      return { ref: name, name, arn: ruleArn, attributes: { Arn: ruleArn } };
    }
    case 'AWS::SES::ConfigurationSet': {
      const name = named('Name', 64);
      return { ref: name, name, attributes: {} };
    }
    case 'AWS::Lambda::EventSourceMapping': {
      const id = deterministicUuid(`${stack}/${logicalId}`);
      const mappingArn = arn(pseudo, 'lambda', `event-source-mapping:${id}`);
      return { ref: id, arn: mappingArn, attributes: { Id: id, EventSourceMappingArn: mappingArn } };
    }
    case 'AWS::SES::EmailIdentity': {
      const name = str(props.EmailIdentity) ?? logicalId;
      return { ref: name, name, attributes: {} };
    }
    default: {
      // Resources local mode does not model (policies, permissions, custom resources...): a stable id.
      const id = generatedName(stack, logicalId, { maxLength: 128 });
      return { ref: id, attributes: {} };
    }
  }
}

/** The kind of an event source, from its ARN. */
export function eventSourceKind(arnText: string): LocalEventSource['kind'] {
  const service = arnText.split(':')[2];
  if (service === 'dynamodb' && arnText.includes('/stream/')) return 'dynamodb';
  if (service === 'sqs') return 'sqs';
  if (service === 'kinesis') return 'kinesis';
  return 'other';
}

/**
 * The local description of an event source mapping, from its resolved properties.
 *
 * @param functionLogicalId the function it targets, when it is one of the stack's.
 */
export function eventSourceSpec(logicalId: string, props: Props, functionLogicalId: string | undefined): LocalEventSource {
  const eventSourceArn = String(props.EventSourceArn ?? '');
  const kind = eventSourceKind(eventSourceArn);
  const destinations = (props.DestinationConfig ?? {}) as Record<string, Props | undefined>;
  const filters = (((props.FilterCriteria ?? {}) as Props).Filters ?? []) as Props[];
  const responseTypes = (props.FunctionResponseTypes ?? []) as unknown[];
  return {
    logicalId,
    ...(functionLogicalId ? { functionLogicalId } : {}),
    eventSourceArn,
    kind,
    enabled: props.Enabled !== false && props.Enabled !== 'false',
    batchSize: num(props.BatchSize) ?? (kind === 'sqs' ? 10 : 100),
    ...(str(props.StartingPosition) ? { startingPosition: str(props.StartingPosition) } : {}),
    maximumRetryAttempts: num(props.MaximumRetryAttempts) ?? -1,
    bisectBatchOnFunctionError: props.BisectBatchOnFunctionError === true || props.BisectBatchOnFunctionError === 'true',
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    ...(str(destinations.OnFailure?.Destination) ? { onFailureArn: str(destinations.OnFailure?.Destination) } : {}),
    filterPatterns: filters.map((f) => (typeof f.Pattern === 'string' ? f.Pattern : JSON.stringify(f.Pattern))),
  };
}

/** Properties of `AWS::Lambda::EventInvokeConfig` that local mode applies. */
export interface EventInvokeConfigSpec {
  readonly functionRef: string;
  readonly qualifier: string;
  readonly maximumRetryAttempts?: number;
  readonly maximumEventAgeSeconds?: number;
  readonly onSuccess?: string;
  readonly onFailure?: string;
}

export function eventInvokeConfigSpec(props: Props): EventInvokeConfigSpec {
  const destinations = (props.DestinationConfig ?? {}) as Record<string, Props | undefined>;
  return {
    functionRef: String(props.FunctionName),
    qualifier: str(props.Qualifier) ?? '$LATEST',
    maximumRetryAttempts: num(props.MaximumRetryAttempts),
    maximumEventAgeSeconds: num(props.MaximumEventAgeInSeconds),
    onSuccess: str(destinations.OnSuccess?.Destination),
    onFailure: str(destinations.OnFailure?.Destination),
  };
}

/**
 * The local description of a function, from its resolved properties.
 *
 * @param codeDir where its code is (the asset directory); resolved by the caller from the asset manifest.
 */
export function functionSpec(
  logicalId: string,
  identity: LocalIdentity,
  props: Props,
  codeDir: string,
  environment: Record<string, string>,
  cdkPath?: string,
): LocalFunction {
  const deadLetter = props.DeadLetterConfig as Props | undefined;
  const constructPath = cdkPath?.split('/').slice(1).join('/').replace(/\/Resource$/, '');
  return {
    logicalId,
    ...(constructPath ? { constructPath } : {}),
    functionName: identity.name ?? identity.ref,
    arn: identity.arn ?? '',
    codeDir,
    handler: str(props.Handler) ?? 'index.handler',
    runtime: str(props.Runtime),
    timeoutSeconds: num(props.Timeout) ?? 3,
    memorySize: num(props.MemorySize) ?? 128,
    environment,
    jobName: environment.JOB_NAME,
    asyncConfig: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
    deadLetterArn: str(deadLetter?.TargetArn),
  };
}

/** Applies an event-invoke config to the function it configures. */
export function withEventInvokeConfig(fn: LocalFunction, config: EventInvokeConfigSpec): LocalFunction {
  return {
    ...fn,
    asyncConfig: {
      maximumRetryAttempts: config.maximumRetryAttempts ?? 2,
      maximumEventAgeSeconds: config.maximumEventAgeSeconds ?? 21_600,
      ...(config.onSuccess ? { onSuccess: { arn: config.onSuccess } } : {}),
      ...(config.onFailure ? { onFailure: { arn: config.onFailure } } : {}),
    },
  };
}

function isoOrUndefined(value: unknown): string | undefined {
  const text = str(value);
  if (!text) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? text : new Date(time).toISOString();
}

/** The local description of a schedule, from its resolved properties. */
export function scheduleSpec(logicalId: string, identity: LocalIdentity, props: Props): LocalSchedule {
  const target = (props.Target ?? {}) as Props;
  const retry = target.RetryPolicy as Props | undefined;
  const window = (props.FlexibleTimeWindow ?? { Mode: 'OFF' }) as Props;
  const deadLetter = target.DeadLetterConfig as Props | undefined;
  const action = str(props.ActionAfterCompletion);
  return {
    logicalId,
    name: identity.name ?? identity.ref,
    groupName: str(props.GroupName) ?? 'default',
    arn: identity.arn ?? '',
    expression: String(props.ScheduleExpression),
    timeZone: str(props.ScheduleExpressionTimezone) ?? 'UTC',
    state: props.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
    flexibleTimeWindow: {
      mode: window.Mode === 'FLEXIBLE' ? 'FLEXIBLE' : 'OFF',
      ...(num(window.MaximumWindowInMinutes) !== undefined ? { maximumWindowInMinutes: num(window.MaximumWindowInMinutes) } : {}),
    },
    ...(isoOrUndefined(props.StartDate) ? { startDate: isoOrUndefined(props.StartDate) } : {}),
    ...(isoOrUndefined(props.EndDate) ? { endDate: isoOrUndefined(props.EndDate) } : {}),
    ...(str(props.Description) ? { description: str(props.Description) } : {}),
    ...(action === 'DELETE' || action === 'NONE' ? { actionAfterCompletion: action } : {}),
    target: {
      arn: String(target.Arn ?? ''),
      roleArn: String(target.RoleArn ?? ''),
      ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
      ...(retry
        ? {
            retryPolicy: {
              ...(num(retry.MaximumRetryAttempts) !== undefined ? { maximumRetryAttempts: num(retry.MaximumRetryAttempts) } : {}),
              ...(num(retry.MaximumEventAgeInSeconds) !== undefined ? { maximumEventAgeInSeconds: num(retry.MaximumEventAgeInSeconds) } : {}),
            },
          }
        : {}),
      ...(str(deadLetter?.Arn) ? { deadLetterArn: str(deadLetter?.Arn) } : {}),
    },
  };
}
