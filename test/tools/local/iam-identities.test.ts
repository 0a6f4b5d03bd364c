/**
 * Each function's identity in a moto that checks IAM: the administrator is created within moto's
 * unauthenticated calls and then nothing unsigned passes; two functions built from one module, whose
 * SDK clients are created at module load, each call as their own role's session; a JSON-protocol
 * call the role lacks fails with AccessDeniedException naming the action.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_USER, createFunctionIdentities } from '../../../tools/local/iam-identities';
import { localIdentityPolicy, type FunctionAccessPlan } from '../../../tools/local/iam-policies';
import { LocalLambda } from '../../../tools/local/local-lambda';
import type { LocalFunction, LocalIam } from '../../../tools/local/local-stack';
import { localClientConfig } from '../../../tools/local/moto-server';
import { useMoto } from '../../support/moto';

const REGION = 'us-east-1';

/** Both functions run this module: clients created at load, as handlers do. */
const HANDLER = `
const { STSClient, GetCallerIdentityCommand } = require(${JSON.stringify(require.resolve('@aws-sdk/client-sts'))});
const { DynamoDBClient, ListTablesCommand } = require(${JSON.stringify(require.resolve('@aws-sdk/client-dynamodb'))});
const sts = new STSClient({});
const dynamodb = new DynamoDBClient({ maxAttempts: 1 });
exports.handler = async () => {
  const arn = (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  const tables = await dynamodb.send(new ListTablesCommand({})).then(
    (r) => r.TableNames.length,
    (e) => e.name + ': ' + e.message,
  );
  return { arn, tables };
};
`;

function plan(logicalId: string, roleName: string, actions: string[]): FunctionAccessPlan {
  return {
    functionLogicalId: logicalId,
    functionName: `stack-${logicalId}`,
    roleLogicalId: `${logicalId}Role`,
    roleName,
    policy: localIdentityPolicy([{ source: 'test', statements: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }]),
    granted: actions,
    service: [],
    unknownManagedPolicies: [],
    acknowledged: [],
  };
}

describe('local IAM identities', () => {
  // A moto that checks IAM, its administrator created first (the opt-in of the test helper).
  const moto = useMoto({ iam: true });
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iam-identities-'));
    writeFileSync(join(dir, 'index.js'), HANDLER);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each function its own role session; module-load clients call with it; a missing grant is AccessDeniedException naming the action', async () => {
    const emulator = moto.endpoint;
    const admin = moto.admin as LocalIam['admin'];
    expect(admin.arn).toBe(`arn:aws:iam::123456789012:user/${ADMIN_USER}`);
    // Unsigned (dummy) credentials are refused from now on.
    const anonymous = new DynamoDBClient({ ...localClientConfig(emulator, REGION), maxAttempts: 1 });
    await expect(anonymous.send(new ListTablesCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    anonymous.destroy();

    const functions = await createFunctionIdentities({
      endpoint: emulator.url,
      region: REGION,
      accountId: '123456789012',
      admin,
      plans: [plan('Reader', 'stack-ReaderRole', ['dynamodb:ListTables']), plan('Writer', 'stack-WriterRole', ['dynamodb:PutItem'])],
    });
    const iam: LocalIam = { admin, functions };
    const fn = (logicalId: string): LocalFunction => ({
      logicalId,
      functionName: `stack-${logicalId}`,
      arn: `arn:aws:lambda:${REGION}:123456789012:function:stack-${logicalId}`,
      codeDir: dir,
      handler: 'index.handler',
      timeoutSeconds: 10,
      memorySize: 128,
      environment: {},
      asyncConfig: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
    });
    const lambda = new LocalLambda({
      stack: { stackName: 'stack', region: REGION, endpoint: emulator.url, functions: { Reader: fn('Reader'), Writer: fn('Writer') }, iam },
    });
    const keyBefore = process.env.AWS_ACCESS_KEY_ID;

    const results = [];
    for (const id of ['Reader', 'Writer', 'Reader', 'Writer']) results.push((await lambda.invoke(id, {})).result);

    const reader = 'arn:aws:sts::123456789012:assumed-role/stack-ReaderRole/stack-Reader';
    const writer = 'arn:aws:sts::123456789012:assumed-role/stack-WriterRole/stack-Writer';
    const denied = `AccessDeniedException: User: ${writer} is not authorized to perform: dynamodb:ListTables`;
    expect(results).toEqual([
      { arn: reader, tables: 0 },
      { arn: writer, tables: denied },
      { arn: reader, tables: 0 },
      { arn: writer, tables: denied },
    ]);
    expect(functions.Reader.principalArn).toBe(reader);
    expect(process.env.AWS_ACCESS_KEY_ID).toBe(keyBefore);
  }, 60_000);
});
