/**
 * What an AWS API request asks for, read from the request alone: the service (from the SigV4
 * credential scope), the API operation and the IAM action it needs (`dynamodb:PutItem`,
 * `s3:ListBucket` for `ListObjectsV2`, `ses:SendEmail`), the resources it names where that is easy
 * (table, `bucket/key`, queue, `group/schedule`, function, topic), the caller's access key id, the
 * X-Ray trace id Lambda code sends (`X-Amzn-Trace-Id`), and for SES `SendEmail` the message's
 * destination and headers. Pure (no I/O): the request recorder feeds it what it saw on the wire.
 *
 * Three protocols are told apart: JSON (`X-Amz-Target: DynamoDB_20120810.PutItem`), query
 * (`Action=SendMessage` in the form body or the query string) and REST (method and path: S3,
 * Scheduler, Lambda, SES v2). An operation it does not know gets `operation: 'GET /path'` and no
 * action.
 */

/** A request as seen on the wire (header names lower-case). */
export interface WireRequest {
  readonly method: string;
  /** Path and query string, as sent (`/bucket/key?tagging`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body (UTF-8); large or binary bodies may be passed empty. */
  readonly body: string;
}

/** What a request asks for. */
export interface RequestAction {
  /** The IAM service prefix (`dynamodb`, `s3`, `ses`, `cloudwatch`...), or the signing name when unknown. */
  readonly service?: string;
  /** The API operation (`ListObjectsV2`, `SendEmail`), else `METHOD /path`. */
  readonly operation: string;
  /** The IAM action (`s3:ListBucket`), when the operation is known: the first of `actions`. */
  readonly action?: string;
  /**
   * Every IAM action the request needs (a DynamoDB transaction needs the action of each of its
   * items: `dynamodb:PutItem`, `dynamodb:ConditionCheckItem`...).
   */
  readonly actions: readonly string[];
  /** Names of what the request acts on: tables, `bucket` or `bucket/key`, queues, `group/schedule`... */
  readonly resources: readonly string[];
  /** The access key id of the signature (header or presigned query). */
  readonly accessKeyId?: string;
  /** The `Root` of the `X-Amzn-Trace-Id` header (`1-5759e988-bd862e3fe1be46a994272793`). */
  readonly traceId?: string;
  /** For SES `SendEmail`: who it goes to and the message's headers (v2 simple content). */
  readonly email?: EmailRequest;
}

export interface EmailRequest {
  readonly from?: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  /** The message's own headers (SES v2 `Content.Simple.Headers`), by name as given. */
  readonly headers: Readonly<Record<string, string>>;
}

/** SigV4 signing names whose IAM prefix differs. */
const IAM_PREFIX: Readonly<Record<string, string>> = { monitoring: 'cloudwatch', email: 'ses' };

/** JSON-protocol target prefixes (`X-Amz-Target`) by service, for requests without a signature. */
const TARGET_PREFIX: Readonly<Record<string, string>> = {
  DynamoDB_20120810: 'dynamodb',
  DynamoDBStreams_20120810: 'dynamodb',
  AmazonSQS: 'sqs',
  AWSEvents: 'events',
  Logs_20140328: 'logs',
  AWSStepFunctions: 'states',
  TrentService: 'kms',
  secretsmanager: 'secretsmanager',
  AmazonSSM: 'ssm',
  GraniteServiceVersion20100801: 'cloudwatch',
  Kinesis_20131202: 'kinesis',
};

/** Operations whose IAM action has another name. */
const ACTION_OF: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  s3: {
    ListObjectsV2: 'ListBucket',
    ListObjects: 'ListBucket',
    HeadBucket: 'ListBucket',
    HeadObject: 'GetObject',
    CopyObject: 'PutObject',
    DeleteObjects: 'DeleteObject',
    CreateMultipartUpload: 'PutObject',
    UploadPart: 'PutObject',
    UploadPartCopy: 'PutObject',
    CompleteMultipartUpload: 'PutObject',
    ListParts: 'ListMultipartUploadParts',
    ListObjectVersions: 'ListBucketVersions',
    ListBuckets: 'ListAllMyBuckets',
    ListMultipartUploads: 'ListBucketMultipartUploads',
  },
  lambda: { Invoke: 'InvokeFunction', InvokeAsync: 'InvokeFunction', GetFunctionConfiguration: 'GetFunctionConfiguration' },
};

function header(request: WireRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

function parseJson(body: string): Record<string, unknown> {
  if (!body.trim().startsWith('{')) return {};
  try {
    const value = JSON.parse(body) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** The last segment of a queue URL or the name of an ARN (`arn:aws:sqs:us-east-1:1:q` -> `q`). */
function nameOf(urlOrArn: string): string {
  if (urlOrArn.startsWith('arn:')) return urlOrArn.split(':').slice(5).join(':');
  return urlOrArn.replace(/\/+$/, '').split('/').pop() ?? urlOrArn;
}

/** The signing name and access key of a SigV4 signature (`Credential=AKID/date/region/service/aws4_request`). */
export function credentialScope(request: WireRequest, query: URLSearchParams): { accessKeyId?: string; signingName?: string } {
  const credential = /Credential=([^,\s]+)/.exec(header(request, 'authorization') ?? '')?.[1] ?? query.get('X-Amz-Credential') ?? undefined;
  if (!credential) return {};
  const [accessKeyId, , , signingName] = credential.split('/');
  return { accessKeyId: accessKeyId || undefined, signingName: signingName || undefined };
}

/** The `Root` of an `X-Amzn-Trace-Id` header. */
export function traceRoot(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /(?:^|;)\s*Root=([^;]+)/.exec(value)?.[1] ?? undefined;
}

/** Describes one request. */
export function describeRequest(request: WireRequest): RequestAction {
  const url = new URL(request.url, 'http://local');
  const query = url.searchParams;
  const { accessKeyId, signingName } = credentialScope(request, query);
  const traceId = traceRoot(header(request, 'x-amzn-trace-id'));
  const target = header(request, 'x-amz-target');
  const common = { ...(accessKeyId ? { accessKeyId } : {}), ...(traceId ? { traceId } : {}) };

  let service = signingName ? (IAM_PREFIX[signingName] ?? signingName) : undefined;
  let described: Omit<RequestAction, 'service' | 'accessKeyId' | 'traceId' | 'action' | 'actions'> & { readonly actions?: readonly string[] };
  if (target) {
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    service ??= TARGET_PREFIX[prefix] ?? prefix.toLowerCase();
    const operation = target.slice(dot + 1);
    const body = parseJson(request.body);
    described = { operation, resources: jsonResources(service, operation, body), ...transactionActions(service, operation, body) };
  } else {
    const form = formParameters(request, query);
    const action = form.get('Action');
    if (action) {
      described = { operation: action, resources: queryResources(url.pathname, form) };
      if (service === 'ses' && action === 'SendEmail') {
        described = { ...described, email: { from: form.get('Source') ?? undefined, to: members(form, 'Destination.ToAddresses'), cc: members(form, 'Destination.CcAddresses'), bcc: members(form, 'Destination.BccAddresses'), headers: {} } };
      }
    } else {
      const rest = restOperation(service, request.method.toUpperCase(), url, request);
      service ??= rest.service;
      described = rest;
    }
  }
  const mapped = service ? (ACTION_OF[service]?.[described.operation] ?? (/^[A-Z][A-Za-z0-9]*$/.test(described.operation) ? described.operation : undefined)) : undefined;
  const actions = described.actions ?? (service && mapped ? [`${service}:${mapped}`] : []);
  return {
    ...(service ? { service } : {}),
    operation: described.operation,
    ...(actions.length > 0 ? { action: actions[0] } : {}),
    actions,
    resources: [...new Set(described.resources)],
    ...common,
    ...(described.email ? { email: described.email } : {}),
  };
}

/** A DynamoDB transaction needs the action of each of its items. */
function transactionActions(service: string, operation: string, body: Record<string, unknown>): { actions?: string[] } {
  if (service !== 'dynamodb' || (operation !== 'TransactWriteItems' && operation !== 'TransactGetItems')) return {};
  const names: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
  const actions = new Set<string>();
  for (const item of (body.TransactItems as Array<Record<string, unknown>> | undefined) ?? []) {
    for (const kind of Object.keys(item ?? {})) if (names[kind]) actions.add(`dynamodb:${names[kind]}`);
  }
  return { actions: [...actions] };
}

function formParameters(request: WireRequest, query: URLSearchParams): URLSearchParams {
  const type = header(request, 'content-type') ?? '';
  if (request.method.toUpperCase() === 'POST' && type.includes('application/x-www-form-urlencoded')) return new URLSearchParams(request.body);
  return query;
}

/** `Destination.ToAddresses.member.1`, `.member.2`... */
function members(form: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; form.has(`${prefix}.member.${i}`); i++) out.push(form.get(`${prefix}.member.${i}`) as string);
  return out;
}

function jsonResources(service: string, operation: string, body: Record<string, unknown>): string[] {
  const out: string[] = [];
  const push = (value: unknown) => {
    const s = str(value);
    if (s) out.push(nameOf(s));
  };
  if (service === 'dynamodb') {
    push(body.TableName);
    for (const name of Object.keys((body.RequestItems as object | undefined) ?? {})) out.push(nameOf(name));
    for (const item of (body.TransactItems as Array<Record<string, { TableName?: string }>> | undefined) ?? []) {
      for (const part of Object.values(item ?? {})) push(part?.TableName);
    }
    if (operation.startsWith('GetShardIterator') || operation === 'DescribeStream' || operation === 'GetRecords') push(body.StreamArn);
  } else if (service === 'sqs') {
    push(body.QueueUrl ?? body.QueueName);
  } else if (service === 'states') {
    push(body.stateMachineArn ?? body.executionArn);
  } else if (service === 'logs') {
    push(body.logGroupName);
  } else if (service === 'cloudwatch') {
    push(body.Namespace);
  } else if (service === 'events') {
    push(body.Name ?? body.EventBusName);
  } else if (service === 'kms') {
    push(body.KeyId);
  } else if (service === 'secretsmanager') {
    push(body.SecretId ?? body.Name);
  } else if (service === 'ssm') {
    push(body.Name);
    for (const name of strings(body.Names)) out.push(name);
  }
  return out;
}

function queryResources(path: string, form: URLSearchParams): string[] {
  const out: string[] = [];
  for (const key of ['QueueUrl', 'TopicArn', 'TargetArn', 'QueueName', 'Namespace', 'AlarmName', 'RoleArn']) {
    const value = form.get(key);
    if (value) out.push(nameOf(value));
  }
  // SQS's query protocol may post to the queue URL itself (`/123456789012/queue`).
  const segments = path.split('/').filter(Boolean);
  if (out.length === 0 && segments.length === 2 && /^\d{12}$/.test(segments[0])) out.push(segments[1]);
  return out;
}

interface RestOperation {
  readonly operation: string;
  readonly resources: string[];
  readonly service?: string;
  readonly email?: EmailRequest;
}

function restOperation(service: string | undefined, method: string, url: URL, request: WireRequest): RestOperation {
  const segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  const fallback: RestOperation = { operation: `${method} ${url.pathname}`, resources: [] };
  const guess =
    service ??
    (segments[0] === 'schedules' || segments[0] === 'schedule-groups'
      ? 'scheduler'
      : /^\d{4}-\d{2}-\d{2}$/.test(segments[0] ?? '')
        ? 'lambda'
        : segments[0] === 'v2' && segments[1] === 'email'
          ? 'ses'
          : undefined);
  switch (guess) {
    case 's3':
      return { service: 's3', ...s3Operation(method, url, segments) };
    case 'scheduler':
      return { service: 'scheduler', ...(schedulerOperation(method, url, segments, parseJson(request.body)) ?? fallback) };
    case 'lambda':
      return { service: 'lambda', ...(lambdaOperation(method, segments) ?? fallback) };
    case 'ses':
      return { service: 'ses', ...(sesOperation(method, segments, request) ?? fallback) };
    default:
      return fallback;
  }
}

function s3Operation(method: string, url: URL, segments: string[]): RestOperation {
  const q = url.searchParams;
  const [bucket, ...rest] = segments;
  const key = rest.join('/');
  if (!bucket) return { operation: method === 'GET' ? 'ListBuckets' : `${method} /`, resources: [] };
  const resources = [key ? `${bucket}/${key}` : bucket];
  const sub = ['tagging', 'acl', 'versioning', 'lifecycle', 'policy', 'encryption', 'cors', 'notification', 'publicAccessBlock', 'ownershipControls', 'location', 'retention', 'legal-hold', 'uploads', 'versions', 'delete', 'attributes', 'restore'].find((s) => q.has(s));
  const verb = method === 'GET' ? 'Get' : method === 'PUT' ? 'Put' : method === 'DELETE' ? 'Delete' : undefined;
  const sub2name: Record<string, string> = {
    publicAccessBlock: 'PublicAccessBlock',
    ownershipControls: 'OwnershipControls',
    location: 'Location',
    'legal-hold': 'LegalHold',
  };
  if (!key) {
    if (sub === 'uploads' && method === 'GET') return { operation: 'ListMultipartUploads', resources };
    if (sub === 'versions' && method === 'GET') return { operation: 'ListObjectVersions', resources };
    if (sub === 'delete' && method === 'POST') return { operation: 'DeleteObjects', resources };
    if (sub && verb) {
      const name = sub2name[sub] ?? sub[0].toUpperCase() + sub.slice(1);
      return { operation: `${verb}Bucket${name === 'Policy' ? 'Policy' : name}`, resources };
    }
    if (method === 'GET') return { operation: q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects', resources };
    if (method === 'HEAD') return { operation: 'HeadBucket', resources };
    if (method === 'PUT') return { operation: 'CreateBucket', resources };
    if (method === 'DELETE') return { operation: 'DeleteBucket', resources };
    return { operation: `${method} /${bucket}`, resources };
  }
  if (q.has('uploadId')) {
    if (method === 'PUT') return { operation: 'UploadPart', resources };
    if (method === 'POST') return { operation: 'CompleteMultipartUpload', resources };
    if (method === 'DELETE') return { operation: 'AbortMultipartUpload', resources };
    if (method === 'GET') return { operation: 'ListParts', resources };
  }
  if (sub === 'uploads' && method === 'POST') return { operation: 'CreateMultipartUpload', resources };
  if (sub === 'restore' && method === 'POST') return { operation: 'RestoreObject', resources };
  if (sub && verb) {
    const name = sub2name[sub] ?? sub[0].toUpperCase() + sub.slice(1);
    return { operation: `${verb}Object${name}`, resources };
  }
  if (method === 'GET') return { operation: 'GetObject', resources };
  if (method === 'HEAD') return { operation: 'HeadObject', resources };
  if (method === 'DELETE') return { operation: 'DeleteObject', resources };
  if (method === 'PUT') return { operation: 'PutObject', resources };
  return { operation: `${method} /${bucket}/${key}`, resources };
}

function schedulerOperation(method: string, url: URL, segments: string[], body: Record<string, unknown>): RestOperation | undefined {
  const [kind, name] = segments;
  if (kind === 'schedules') {
    if (!name) return method === 'GET' ? { operation: 'ListSchedules', resources: [] } : undefined;
    const group = url.searchParams.get('groupName') ?? str(body.GroupName) ?? 'default';
    const resources = [`${group}/${name}`];
    const operation = { GET: 'GetSchedule', POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule' }[method];
    return operation ? { operation, resources } : undefined;
  }
  if (kind === 'schedule-groups') {
    if (!name) return method === 'GET' ? { operation: 'ListScheduleGroups', resources: [] } : undefined;
    const operation = { GET: 'GetScheduleGroup', POST: 'CreateScheduleGroup', DELETE: 'DeleteScheduleGroup' }[method];
    return operation ? { operation, resources: [name] } : undefined;
  }
  if (kind === 'tags' && name) {
    const operation = { GET: 'ListTagsForResource', POST: 'TagResource', DELETE: 'UntagResource' }[method];
    return operation ? { operation, resources: [nameOf(segments.slice(1).join('/'))] } : undefined;
  }
  return undefined;
}

function lambdaOperation(method: string, segments: string[]): RestOperation | undefined {
  const [, kind, fn, sub] = segments;
  if (kind === 'functions') {
    if (!fn) return method === 'GET' ? { operation: 'ListFunctions', resources: [] } : method === 'POST' ? { operation: 'CreateFunction', resources: [] } : undefined;
    const resources = [nameOf(fn)];
    if (sub === 'invocations' && method === 'POST') return { operation: 'Invoke', resources };
    if (sub === 'invoke-async' && method === 'POST') return { operation: 'InvokeAsync', resources };
    if (sub === 'configuration') return { operation: method === 'GET' ? 'GetFunctionConfiguration' : 'UpdateFunctionConfiguration', resources };
    if (sub === 'code' && method === 'PUT') return { operation: 'UpdateFunctionCode', resources };
    if (!sub) return method === 'GET' ? { operation: 'GetFunction', resources } : method === 'DELETE' ? { operation: 'DeleteFunction', resources } : undefined;
    return undefined;
  }
  if (kind === 'event-source-mappings') {
    if (!fn) return { operation: method === 'GET' ? 'ListEventSourceMappings' : 'CreateEventSourceMapping', resources: [] };
    const operation = { GET: 'GetEventSourceMapping', PUT: 'UpdateEventSourceMapping', DELETE: 'DeleteEventSourceMapping' }[method];
    return operation ? { operation, resources: [fn] } : undefined;
  }
  return undefined;
}

function sesOperation(method: string, segments: string[], request: WireRequest): RestOperation | undefined {
  const [v2, email, kind, sub, item] = segments;
  if (v2 !== 'v2' || email !== 'email') return undefined;
  if (kind === 'outbound-emails' && method === 'POST') {
    const body = parseJson(request.body);
    const destination = (body.Destination ?? {}) as Record<string, unknown>;
    const simple = ((body.Content as Record<string, unknown> | undefined)?.Simple ?? {}) as Record<string, unknown>;
    const headers: Record<string, string> = {};
    for (const h of (simple.Headers as Array<{ Name?: unknown; Value?: unknown }> | undefined) ?? []) {
      if (typeof h?.Name === 'string' && typeof h.Value === 'string') headers[h.Name] = h.Value;
    }
    const from = str(body.FromEmailAddress);
    return {
      operation: 'SendEmail',
      resources: from ? [from] : [],
      email: { ...(from ? { from } : {}), to: strings(destination.ToAddresses), cc: strings(destination.CcAddresses), bcc: strings(destination.BccAddresses), headers },
    };
  }
  if (kind === 'outbound-bulk-emails' && method === 'POST') return { operation: 'SendBulkEmail', resources: [] };
  if (kind === 'account' && method === 'GET' && !sub) return { operation: 'GetAccount', resources: [] };
  if (kind === 'suppression' && sub === 'addresses') {
    if (item) {
      const operation = { GET: 'GetSuppressedDestination', DELETE: 'DeleteSuppressedDestination' }[method];
      return operation ? { operation, resources: [item] } : undefined;
    }
    return { operation: method === 'GET' ? 'ListSuppressedDestinations' : 'PutSuppressedDestination', resources: [] };
  }
  const named: Record<string, string> = { identities: 'EmailIdentity', 'configuration-sets': 'ConfigurationSet', templates: 'EmailTemplate', 'contact-lists': 'ContactList' };
  if (kind && named[kind]) {
    const what = named[kind];
    if (!sub) {
      if (method === 'GET') return { operation: `List${what === 'EmailIdentity' ? 'EmailIdentities' : `${what}s`}`, resources: [] };
      const body = parseJson(request.body);
      const created = str(body.EmailIdentity ?? body.ConfigurationSetName ?? body.TemplateName ?? body.ContactListName);
      return method === 'POST' ? { operation: `Create${what}`, resources: created ? [created] : [] } : undefined;
    }
    if (segments.length === 4) {
      const operation = { GET: `Get${what}`, DELETE: `Delete${what}`, PUT: `Update${what}` }[method];
      return operation ? { operation, resources: [sub] } : undefined;
    }
  }
  return undefined;
}

/** The `MessageId` of a successful SES `SendEmail` answer (v2 JSON or v1 XML). */
export function sentMessageId(responseBody: string): string | undefined {
  const json = parseJson(responseBody);
  if (typeof json.MessageId === 'string') return json.MessageId;
  return /<MessageId>([^<]+)<\/MessageId>/.exec(responseBody)?.[1] ?? undefined;
}
