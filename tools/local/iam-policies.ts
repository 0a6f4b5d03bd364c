/**
 * What each function of a template may do, read from the template alone (pure: no SDK calls):
 * the policies of its execution role (`AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy` documents
 * attached to the role, the role's inline `Policies`, and the AWS managed policies Lambda roles
 * use), the granted action patterns, the actions the Lambda service itself performs with the role,
 * and the policy local mode gives the function's identity in moto.
 *
 * moto checks the action of each request against the identity's policies, but not resources nor
 * conditions: it compares a request's resource only for S3 and SQS, and evaluates no condition key
 * of an identity policy (a `Condition` with `dynamodb:LeadingKeys` never matches there). So the
 * local identity policy keeps each Allow statement's actions, on every resource, without
 * conditions; Deny statements are kept only when they apply to every resource unconditionally.
 */
import { iamActionMatches, readAcknowledgedUnused } from '../../lib/contract/access';
import type { LocalStackFile } from './local-stack';
import type { CfnResource, CfnTemplate } from './template-resolver';

/** One statement of an identity policy, as the template writes it. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: unknown;
}

/** A policy document attached to a role, and where it came from. */
export interface AttachedPolicy {
  /** The logical id of the policy resource, `<role>/Policies/<name>` or the managed policy's ARN. */
  readonly source: string;
  readonly statements: readonly PolicyStatement[];
}

/** The policies of one role. */
export interface RolePolicies {
  readonly roleLogicalId: string;
  readonly policies: readonly AttachedPolicy[];
  /** Managed policies attached to the role whose documents local mode does not know (none of their actions is granted locally). */
  readonly unknownManagedPolicies: readonly string[];
}

/** The identity policy local mode attaches to a function's role in moto. */
export interface LocalPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: ReadonlyArray<{ readonly Effect: 'Allow' | 'Deny'; readonly Action?: string[]; readonly NotAction?: string[]; readonly Resource: '*' }>;
}

/**
 * The AWS managed policies Lambda execution roles are built from, with their documents (as AWS
 * publishes them). Others attached to a role are reported as unknown.
 */
export const AWS_MANAGED_POLICIES: Readonly<Record<string, readonly PolicyStatement[]>> = {
  'service-role/AWSLambdaBasicExecutionRole': [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ],
  'service-role/AWSLambdaVPCAccessExecutionRole': [
    {
      Effect: 'Allow',
      Action: [
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: '*',
    },
  ],
  'AWSXRayDaemonWriteAccess': [
    {
      Effect: 'Allow',
      Action: [
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'xray:GetSamplingStatisticSummaries',
      ],
      Resource: '*',
    },
  ],
  'service-role/AWSLambdaDynamoDBExecutionRole': [
    {
      Effect: 'Allow',
      Action: [
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ],
      Resource: '*',
    },
  ],
  'service-role/AWSLambdaSQSQueueExecutionRole': [
    {
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: '*',
    },
  ],
};

/**
 * IAM service prefixes whose requests moto names by the API's signing name instead (it builds the
 * action as `<signing name>:<operation>`): CloudWatch is signed as `monitoring`.
 */
export const SIGNING_NAME_ALIASES: Readonly<Record<string, string>> = { cloudwatch: 'monitoring' };

function list(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt: [id, ...] }` points at, if the value is one. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** The logical id of the role of an `AWS::Lambda::Function` (undefined when it is not a role of the template). */
export function functionRoleLogicalId(template: CfnTemplate, fn: CfnResource): string | undefined {
  const id = referencedLogicalId(fn.Properties?.Role);
  return id && template.Resources?.[id]?.Type === 'AWS::IAM::Role' ? id : undefined;
}

function statementsOf(document: unknown): PolicyStatement[] {
  const statement = (document as { Statement?: unknown } | undefined)?.Statement;
  if (statement === undefined) return [];
  return (Array.isArray(statement) ? statement : [statement]) as PolicyStatement[];
}

/** The AWS managed policy name in an ARN (`service-role/AWSLambdaBasicExecutionRole`), from a resolved or raw value. */
export function awsManagedPolicyName(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const match = /:iam::aws:policy\/([\w+=,.@/-]+?)"?$/.exec(text) ?? /:iam::aws:policy\/([\w+=,.@/-]+)/.exec(text);
  return match?.[1];
}

function attachedTo(props: Record<string, unknown> | undefined, roleLogicalId: string): boolean {
  return list((props?.Roles ?? []) as string[]).some((role) => referencedLogicalId(role) === roleLogicalId);
}

/**
 * Every policy attached to a role of the template: its inline `Policies`, `AWS::IAM::Policy`,
 * `AWS::IAM::RolePolicy` and `AWS::IAM::ManagedPolicy` resources naming it, and the managed
 * policies in its `ManagedPolicyArns` (customer managed ones of the template by reference, AWS
 * managed ones from {@link AWS_MANAGED_POLICIES}). `isActive` leaves out resources whose condition is
 * false (local mode: those missing from the stack record).
 */
export function rolePolicies(template: CfnTemplate, roleLogicalId: string, isActive: (logicalId: string) => boolean = () => true): RolePolicies {
  const resources = template.Resources ?? {};
  const role = resources[roleLogicalId];
  const policies: AttachedPolicy[] = [];
  const unknown: string[] = [];
  for (const inline of (role?.Properties?.Policies ?? []) as Array<{ PolicyName?: unknown; PolicyDocument?: unknown }>) {
    policies.push({ source: `${roleLogicalId}/Policies/${String(inline.PolicyName)}`, statements: statementsOf(inline.PolicyDocument) });
  }
  for (const arn of (role?.Properties?.ManagedPolicyArns ?? []) as unknown[]) {
    const local = referencedLogicalId(arn);
    if (local && resources[local]?.Type === 'AWS::IAM::ManagedPolicy') {
      if (isActive(local)) policies.push({ source: local, statements: statementsOf(resources[local].Properties?.PolicyDocument) });
      continue;
    }
    const name = awsManagedPolicyName(arn);
    const statements = name ? AWS_MANAGED_POLICIES[name] : undefined;
    if (statements) policies.push({ source: `arn:aws:iam::aws:policy/${name}`, statements });
    else unknown.push(name ? `arn:aws:iam::aws:policy/${name}` : JSON.stringify(arn));
  }
  for (const [id, resource] of Object.entries(resources)) {
    if (!isActive(id)) continue;
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      if (attachedTo(resource.Properties, roleLogicalId)) policies.push({ source: id, statements: statementsOf(resource.Properties?.PolicyDocument) });
    } else if (resource.Type === 'AWS::IAM::RolePolicy' && referencedLogicalId(resource.Properties?.RoleName) === roleLogicalId) {
      policies.push({ source: id, statements: statementsOf(resource.Properties?.PolicyDocument) });
    }
  }
  return { roleLogicalId, policies, unknownManagedPolicies: unknown };
}

/** The action patterns the policies allow (`NotAction` statements as `NotAction:<pattern>`), sorted, each once. */
export function grantedActions(policies: readonly AttachedPolicy[]): string[] {
  const out = new Set<string>();
  for (const policy of policies) {
    for (const statement of policy.statements) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of list(statement.Action)) out.add(action);
      for (const action of list(statement.NotAction)) out.add(`NotAction:${action}`);
    }
  }
  return [...out].sort();
}

/**
 * Requests moto checks under an action name IAM does not have, with the IAM actions they need: moto
 * allows them when the policy allows any of these (AWS needs the action of each item or message,
 * which moto cannot tell apart).
 */
export const MOTO_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'dynamodb:TransactWriteItems': ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
  'dynamodb:TransactGetItems': ['dynamodb:GetItem'],
  'sqs:SendMessageBatch': ['sqs:SendMessage'],
  'sqs:DeleteMessageBatch': ['sqs:DeleteMessage'],
  'sqs:ChangeMessageVisibilityBatch': ['sqs:ChangeMessageVisibility'],
  'sns:PublishBatch': ['sns:Publish'],
  's3:HeadBucket': ['s3:ListBucket'],
};

function withAliases(actions: readonly string[]): string[] {
  const out = new Set(actions);
  for (const action of actions) {
    const [service, rest] = action.split(':', 2);
    const alias = SIGNING_NAME_ALIASES[service?.toLowerCase() ?? ''];
    if (alias && rest !== undefined) out.add(`${alias}:${rest}`);
  }
  for (const [motoAction, needs] of Object.entries(MOTO_ACTIONS)) {
    if (needs.some((need) => actions.some((pattern) => actionMatches(pattern, need)))) out.add(motoAction);
  }
  return [...out];
}

function everyResource(statement: PolicyStatement): boolean {
  return statement.NotResource === undefined && list(statement.Resource as string | string[] | undefined).includes('*');
}

/**
 * The policy local mode gives a function's identity in moto: the Allow statements' actions on every
 * resource, without conditions (moto checks neither), with CloudWatch actions and batch or
 * transaction requests also under the names moto gives them ({@link MOTO_ACTIONS}); Deny statements only when they already apply to every resource without a
 * condition (narrower ones cannot be honoured without over-denying).
 */
export function localIdentityPolicy(policies: readonly AttachedPolicy[]): LocalPolicyDocument {
  const allow = new Set<string>();
  const statements: Array<LocalPolicyDocument['Statement'][number]> = [];
  for (const policy of policies) {
    for (const statement of policy.statements) {
      if (statement.Effect === 'Allow') {
        for (const action of list(statement.Action)) allow.add(action);
        if (statement.NotAction !== undefined) statements.push({ Effect: 'Allow', NotAction: withAliases(list(statement.NotAction)), Resource: '*' });
      } else if (statement.Effect === 'Deny' && statement.Condition === undefined && everyResource(statement)) {
        if (statement.Action !== undefined) statements.push({ Effect: 'Deny', Action: withAliases(list(statement.Action)), Resource: '*' });
      }
    }
  }
  // An identity without any Allow still needs a valid document: it allows nothing real.
  const actions = allow.size > 0 ? withAliases([...allow].sort()) : ['none:NothingGranted'];
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }, ...statements] };
}

/** True when an IAM action pattern (`s3:GetObject*`, `dynamodb:*`, `*`) matches an action, as IAM compares them (case-insensitively). */
export const actionMatches = iamActionMatches;

/** What the Lambda service does with a function's role, on its behalf, besides running its code. */
export interface LambdaServiceFeatures {
  /** `TracingConfig.Mode: Active`. */
  readonly tracing?: boolean;
  /** The function is attached to a VPC. */
  readonly vpc?: boolean;
  /** The environment is encrypted with a customer key (`KmsKeyArn`). */
  readonly environmentKey?: boolean;
  /** Kinds of event sources mapped to the function. */
  readonly eventSources?: ReadonlyArray<'dynamodb' | 'sqs' | 'kinesis' | 'other'>;
  /** ARNs Lambda delivers to for the function: async destinations, its dead-letter queue, event source failure destinations. */
  readonly destinations?: readonly string[];
}

/**
 * The actions the Lambda service performs with a function's role (its logs, traces, network
 * interfaces, event source polling, destination deliveries). Local mode does these itself, so they
 * are never seen in the function's calls; the access report counts them apart.
 */
export function lambdaServiceActions(features: LambdaServiceFeatures): string[] {
  const out = new Set(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
  if (features.tracing) ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'].forEach((a) => out.add(a));
  if (features.vpc) {
    ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'].forEach(
      (a) => out.add(a),
    );
  }
  if (features.environmentKey) out.add('kms:Decrypt');
  for (const kind of features.eventSources ?? []) {
    if (kind === 'dynamodb') ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'].forEach((a) => out.add(a));
    if (kind === 'sqs') ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'].forEach((a) => out.add(a));
    if (kind === 'kinesis') {
      ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards', 'kinesis:SubscribeToShard'].forEach(
        (a) => out.add(a),
      );
    }
  }
  for (const arn of features.destinations ?? []) {
    const service = arn.split(':')[2];
    if (service === 'sqs') out.add('sqs:SendMessage');
    if (service === 'sns') out.add('sns:Publish');
    if (service === 'lambda') out.add('lambda:InvokeFunction');
    if (service === 'events') out.add('events:PutEvents');
    if (service === 's3') out.add('s3:PutObject');
  }
  return [...out].sort();
}

/** What local mode gives one function: the identity's policy and what the access report compares against. */
export interface FunctionAccessPlan {
  readonly functionLogicalId: string;
  readonly functionName: string;
  /** The job the function runs, when it is a job. */
  readonly jobName?: string;
  /** The role's logical id; absent when the function's role is not a role of the template (it then runs unchecked). */
  readonly roleLogicalId?: string;
  /** The role's local name (the identity in moto has the same). */
  readonly roleName?: string;
  /** The policy of the identity in moto. */
  readonly policy?: LocalPolicyDocument;
  /** The action patterns the role allows. */
  readonly granted: readonly string[];
  /** Actions the Lambda service performs with the role (see {@link lambdaServiceActions}). */
  readonly service: readonly string[];
  readonly unknownManagedPolicies: readonly string[];
  /** Granted action patterns acknowledged as deliberately unused (the function's `cdk-scheduled-jobs:acknowledgedUnused` Metadata). */
  readonly acknowledged: ReadonlyArray<{ readonly action: string; readonly reason: string }>;
}

/**
 * For each function of a provisioned stack: its role's policies from the template, the policy of
 * its local identity, its granted actions, the Lambda service's own actions and the acknowledged
 * unused ones.
 */
export function planFunctionAccess(template: CfnTemplate, stack: Pick<LocalStackFile, 'functions' | 'resources' | 'eventSources'>): FunctionAccessPlan[] {
  const resources = template.Resources ?? {};
  const isActive = (id: string) => id in stack.resources;
  return Object.values(stack.functions).map((fn) => {
    const resource = resources[fn.logicalId];
    const props = (resource?.Properties ?? {}) as Record<string, unknown>;
    const eventSources = Object.values(stack.eventSources ?? {}).filter((s) => s.functionLogicalId === fn.logicalId);
    const service = lambdaServiceActions({
      tracing: (props.TracingConfig as { Mode?: unknown } | undefined)?.Mode === 'Active',
      vpc: props.VpcConfig !== undefined,
      environmentKey: props.KmsKeyArn !== undefined,
      eventSources: eventSources.map((s) => s.kind),
      destinations: [
        fn.asyncConfig.onFailure?.arn,
        fn.asyncConfig.onSuccess?.arn,
        fn.deadLetterArn,
        ...eventSources.map((s) => s.onFailureArn),
      ].filter((arn): arn is string => typeof arn === 'string'),
    });
    const acknowledged = readAcknowledgedUnused(fn.logicalId, resource?.Metadata).flatMap((a) => a.actions.map((action) => ({ action, reason: a.reason })));
    const base = { functionLogicalId: fn.logicalId, functionName: fn.functionName, ...(fn.jobName ? { jobName: fn.jobName } : {}), service, acknowledged };
    const roleLogicalId = resource ? functionRoleLogicalId(template, resource) : undefined;
    if (!roleLogicalId) return { ...base, granted: [], unknownManagedPolicies: [] };
    const role = rolePolicies(template, roleLogicalId, isActive);
    return {
      ...base,
      roleLogicalId,
      roleName: stack.resources[roleLogicalId]?.name ?? roleLogicalId,
      policy: localIdentityPolicy(role.policies),
      granted: grantedActions(role.policies),
      unknownManagedPolicies: role.unknownManagedPolicies,
    };
  });
}
