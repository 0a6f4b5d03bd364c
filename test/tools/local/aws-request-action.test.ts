import { describe, expect, it } from 'vitest';
import { describeRequest, sentMessageId, traceRoot, type WireRequest } from '../../../tools/local/aws-request-action';

const auth = (service: string, key = 'AKIDJOB1') =>
  `AWS4-HMAC-SHA256 Credential=${key}/20270325/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

function req(overrides: Partial<WireRequest> & { service?: string }): WireRequest {
  const { service, ...rest } = overrides;
  return { method: 'POST', url: '/', body: '', ...rest, headers: { ...(service ? { authorization: auth(service) } : {}), ...rest.headers } };
}

describe('describeRequest: JSON protocol (X-Amz-Target)', () => {
  it('reads the DynamoDB operation, the table and the access key id', () => {
    const out = describeRequest(
      req({ service: 'dynamodb', headers: { 'x-amz-target': 'DynamoDB_20120810.PutItem' }, body: JSON.stringify({ TableName: 'JobState', Item: {} }) }),
    );
    expect(out).toEqual({ service: 'dynamodb', operation: 'PutItem', action: 'dynamodb:PutItem', actions: ['dynamodb:PutItem'], resources: ['JobState'], accessKeyId: 'AKIDJOB1' });
  });

  it('names every table of a batch, and the action of each item of a transaction', () => {
    const batch = describeRequest(
      req({ service: 'dynamodb', headers: { 'x-amz-target': 'DynamoDB_20120810.BatchWriteItem' }, body: JSON.stringify({ RequestItems: { A: [], B: [] } }) }),
    );
    expect(batch.resources).toEqual(['A', 'B']);
    expect(batch.action).toBe('dynamodb:BatchWriteItem');
    const transaction = describeRequest(
      req({
        service: 'dynamodb',
        headers: { 'x-amz-target': 'DynamoDB_20120810.TransactWriteItems' },
        body: JSON.stringify({ TransactItems: [{ Put: { TableName: 'A' } }, { ConditionCheck: { TableName: 'B' } }, { Put: { TableName: 'A' } }] }),
      }),
    );
    expect(transaction.actions).toEqual(['dynamodb:PutItem', 'dynamodb:ConditionCheckItem']);
    expect(transaction.resources).toEqual(['A', 'B']);
  });

  it('reads SQS on its JSON protocol, the queue named from its URL', () => {
    const out = describeRequest(
      req({
        service: 'sqs',
        headers: { 'x-amz-target': 'AmazonSQS.SendMessage' },
        body: JSON.stringify({ QueueUrl: 'http://127.0.0.1:5000/123456789012/failure-inbox', MessageBody: 'x' }),
      }),
    );
    expect([out.action, out.resources]).toEqual(['sqs:SendMessage', ['failure-inbox']]);
  });

  it('maps the CloudWatch signing name to its IAM prefix; knows the service of an unsigned target', () => {
    expect(describeRequest(req({ service: 'monitoring', headers: { 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData' }, body: '{"Namespace":"Jobs"}' })).action).toBe(
      'cloudwatch:PutMetricData',
    );
    expect(describeRequest(req({ headers: { 'x-amz-target': 'DynamoDB_20120810.Query' }, body: '{"TableName":"T"}' })).action).toBe('dynamodb:Query');
  });
});

describe('describeRequest: query protocol (Action)', () => {
  it('reads the action from a form body, the topic from its ARN', () => {
    const out = describeRequest(
      req({
        service: 'sns',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: 'Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Aalarms&Message=hi',
      }),
    );
    expect([out.action, out.resources]).toEqual(['sns:Publish', ['alarms']]);
  });

  it('reads SES v1 SendEmail with its destination', () => {
    const out = describeRequest(
      req({
        service: 'ses',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=SendEmail&Source=jobs%40example.com&Destination.ToAddresses.member.1=a%40example.com&Destination.ToAddresses.member.2=b%40example.com',
      }),
    );
    expect(out.action).toBe('ses:SendEmail');
    expect(out.email).toEqual({ from: 'jobs@example.com', to: ['a@example.com', 'b@example.com'], cc: [], bcc: [], headers: {} });
  });

  it('reads the action from the query string of a GET, and an SQS queue from the path', () => {
    expect(describeRequest(req({ service: 'sts', method: 'GET', url: '/?Action=GetCallerIdentity&Version=2011-06-15' })).action).toBe('sts:GetCallerIdentity');
    const sqs = describeRequest(
      req({ service: 'sqs', url: '/123456789012/jobs-dlq', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ReceiveMessage' }),
    );
    expect([sqs.action, sqs.resources]).toEqual(['sqs:ReceiveMessage', ['jobs-dlq']]);
  });
});

describe('describeRequest: REST (S3, Scheduler, Lambda, SES v2)', () => {
  const s3 = (method: string, url: string) => describeRequest(req({ service: 's3', method, url }));

  it('gives S3 operations their IAM actions, and bucket or bucket/key as the resource', () => {
    expect([s3('GET', '/logs/app/2027-03-25/a.log').action, s3('GET', '/logs/app/2027-03-25/a.log').resources]).toEqual(['s3:GetObject', ['logs/app/2027-03-25/a.log']]);
    expect(s3('GET', '/logs?list-type=2&prefix=app%2F')).toMatchObject({ operation: 'ListObjectsV2', action: 's3:ListBucket', resources: ['logs'] });
    expect(s3('HEAD', '/logs/a.log')).toMatchObject({ operation: 'HeadObject', action: 's3:GetObject' });
    expect(s3('PUT', '/logs/a.log')).toMatchObject({ operation: 'PutObject', action: 's3:PutObject' });
    expect(s3('DELETE', '/logs/a.log')).toMatchObject({ operation: 'DeleteObject', action: 's3:DeleteObject' });
    expect(s3('POST', '/logs?delete')).toMatchObject({ operation: 'DeleteObjects', action: 's3:DeleteObject', resources: ['logs'] });
    expect(s3('POST', '/logs/big.tar?uploads')).toMatchObject({ operation: 'CreateMultipartUpload', action: 's3:PutObject' });
    expect(s3('PUT', '/logs/big.tar?partNumber=2&uploadId=u1')).toMatchObject({ operation: 'UploadPart', action: 's3:PutObject' });
    expect(s3('DELETE', '/logs/big.tar?uploadId=u1')).toMatchObject({ operation: 'AbortMultipartUpload', action: 's3:AbortMultipartUpload' });
    expect(s3('PUT', '/logs/a.log?tagging')).toMatchObject({ operation: 'PutObjectTagging', action: 's3:PutObjectTagging' });
    expect(s3('GET', '/logs?versions')).toMatchObject({ action: 's3:ListBucketVersions' });
    expect(s3('GET', '/')).toMatchObject({ action: 's3:ListAllMyBuckets', resources: [] });
  });

  it('reads Scheduler operations with group/name, from the query or the body', () => {
    const create = describeRequest(req({ service: 'scheduler', method: 'POST', url: '/schedules/once-123', body: '{"GroupName":"jobs","ScheduleExpression":"at(2027-01-01T00:00:00)"}' }));
    expect([create.action, create.resources]).toEqual(['scheduler:CreateSchedule', ['jobs/once-123']]);
    const remove = describeRequest(req({ service: 'scheduler', method: 'DELETE', url: '/schedules/once-123?groupName=jobs&clientToken=x' }));
    expect([remove.action, remove.resources]).toEqual(['scheduler:DeleteSchedule', ['jobs/once-123']]);
    expect(describeRequest(req({ service: 'scheduler', method: 'GET', url: '/schedules/nightly' })).resources).toEqual(['default/nightly']);
    expect(describeRequest(req({ service: 'scheduler', method: 'GET', url: '/schedules?GroupName=jobs' })).action).toBe('scheduler:ListSchedules');
  });

  it('reads Lambda Invoke as lambda:InvokeFunction on the function (name or ARN)', () => {
    const arn = encodeURIComponent('arn:aws:lambda:us-east-1:123456789012:function:Jobs-Report');
    const out = describeRequest(req({ service: 'lambda', url: `/2015-03-31/functions/${arn}/invocations` }));
    expect(out).toMatchObject({ operation: 'Invoke', action: 'lambda:InvokeFunction', resources: ['function:Jobs-Report'] });
    expect(describeRequest(req({ service: 'lambda', url: '/2015-03-31/functions/Jobs-Report/invocations' })).resources).toEqual(['Jobs-Report']);
  });

  it('reads SES v2 SendEmail: destination, sender and the message headers', () => {
    const body = {
      FromEmailAddress: 'offers@example.com',
      Destination: { ToAddresses: ['ana@example.com'], BccAddresses: ['audit@example.com'] },
      Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } }, Headers: [{ Name: 'X-Recipient-Time-Zone', Value: 'Pacific/Chatham' }] } },
    };
    const out = describeRequest(req({ service: 'ses', url: '/v2/email/outbound-emails', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }));
    expect(out.action).toBe('ses:SendEmail');
    expect(out.resources).toEqual(['offers@example.com']);
    expect(out.email).toEqual({
      from: 'offers@example.com',
      to: ['ana@example.com'],
      cc: [],
      bcc: ['audit@example.com'],
      headers: { 'X-Recipient-Time-Zone': 'Pacific/Chatham' },
    });
  });

  it('reads the other SES v2 calls the jobs make', () => {
    expect(describeRequest(req({ service: 'ses', method: 'GET', url: '/v2/email/account' })).action).toBe('ses:GetAccount');
    expect(describeRequest(req({ service: 'ses', method: 'GET', url: '/v2/email/suppression/addresses/ana%40example.com' }))).toMatchObject({
      action: 'ses:GetSuppressedDestination',
      resources: ['ana@example.com'],
    });
    expect(describeRequest(req({ service: 'ses', method: 'POST', url: '/v2/email/identities', body: '{"EmailIdentity":"example.com"}' }))).toMatchObject({ action: 'ses:CreateEmailIdentity', resources: ['example.com'] });
  });

  it('knows the REST service by its path when the request is not signed', () => {
    expect(describeRequest(req({ method: 'GET', url: '/schedules/nightly' })).action).toBe('scheduler:GetSchedule');
    expect(describeRequest(req({ method: 'POST', url: '/2015-03-31/functions/F/invocations' })).action).toBe('lambda:InvokeFunction');
  });

  it('keeps an unknown operation as method and path, without an action', () => {
    const out = describeRequest(req({ service: 'scheduler', method: 'PATCH', url: '/nowhere' }));
    expect(out).toEqual({ service: 'scheduler', operation: 'PATCH /nowhere', actions: [], resources: [], accessKeyId: 'AKIDJOB1' });
  });
});

describe('trace ids and message ids', () => {
  it('reads the Root of an X-Amzn-Trace-Id header, from the header of a request', () => {
    expect(traceRoot('Root=1-67890abc-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=0')).toBe('1-67890abc-0123456789abcdef01234567');
    expect(traceRoot('Parent=1;Root=1-a-b')).toBe('1-a-b');
    expect(traceRoot(undefined)).toBeUndefined();
    const out = describeRequest(req({ service: 'sqs', headers: { 'x-amz-target': 'AmazonSQS.SendMessage', 'x-amzn-trace-id': 'Root=1-a-b;Sampled=0' }, body: '{}' }));
    expect(out.traceId).toBe('1-a-b');
  });

  it('reads a presigned URL access key', () => {
    const out = describeRequest(req({ method: 'GET', url: '/bucket/key?X-Amz-Credential=AKIDPRE%2F20270325%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x' }));
    expect([out.accessKeyId, out.action]).toEqual(['AKIDPRE', 's3:GetObject']);
  });

  it('reads the MessageId of an SES answer, v2 (JSON) or v1 (XML)', () => {
    expect(sentMessageId('{"MessageId":"0100-abc"}')).toBe('0100-abc');
    expect(sentMessageId('<SendEmailResponse><SendEmailResult><MessageId>xyz</MessageId></SendEmailResult></SendEmailResponse>')).toBe('xyz');
    expect(sentMessageId('{"message":"Throttling"}')).toBeUndefined();
  });
});
