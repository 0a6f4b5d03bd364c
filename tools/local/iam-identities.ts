/**
 * IAM enforcement in a moto_server local mode starts: an administrator created within moto's
 * initial unauthenticated calls (`INITIAL_NO_AUTH_ACTION_COUNT`), after which every request must
 * be signed by a known identity and its action allowed by that identity's policies; then, for each
 * role of the template, a role in moto carrying the role's policies (see `iam-policies.ts`), and for
 * each function a session of its role (`sts:AssumeRole`, named after the function) whose
 * credentials the function runs with.
 */
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ScheduledJobsError } from '../../lib/contract';
import type { FunctionAccessPlan } from './iam-policies';
import type { LocalCredentials, LocalFunctionIdentity, LocalIam } from './local-stack';

export class IamEnforcementError extends ScheduledJobsError {}

/** The administrator's user name in the emulator. */
export const ADMIN_USER = 'cdk-jobs-local-admin';

/**
 * The unauthenticated calls {@link bootstrapAdmin} makes (CreateUser, PutUserPolicy,
 * CreateAccessKey): start moto with `INITIAL_NO_AUTH_ACTION_COUNT` set to this.
 */
export const ADMIN_BOOTSTRAP_CALLS = 3;

/** The name of the inline policy that carries a role's policies in the emulator. */
export const LOCAL_POLICY_NAME = 'template-policies';

const UNSIGNED = { accessKeyId: 'testing', secretAccessKey: 'testing' };

function clientConfig(endpoint: string, region: string, credentials: LocalCredentials) {
  return { endpoint, region, credentials, maxAttempts: 1 };
}

/**
 * Creates the administrator in a moto_server started with `INITIAL_NO_AUTH_ACTION_COUNT` =
 * {@link ADMIN_BOOTSTRAP_CALLS}, then makes sure every later request is checked (moto's
 * `/moto-api/reset-auth` with 0, which also covers a moto that was started without the variable)
 * and that an unknown access key is refused.
 *
 * @throws IamEnforcementError when the emulator does not enforce IAM afterwards.
 */
export async function bootstrapAdmin(endpoint: string, region: string, fetchImpl: typeof fetch = fetch): Promise<LocalIam['admin']> {
  const iam = new IAMClient(clientConfig(endpoint, region, UNSIGNED));
  let credentials: LocalCredentials;
  try {
    await iam.send(new CreateUserCommand({ UserName: ADMIN_USER }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: ADMIN_USER,
        PolicyName: 'administrator',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: ADMIN_USER }))).AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new IamEnforcementError('CreateAccessKey returned no key');
    credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  } catch (error) {
    throw new IamEnforcementError(`could not create the local administrator in the emulator at ${endpoint}: ${(error as Error).message}`, { cause: error });
  } finally {
    iam.destroy();
  }
  const sealed = await fetchImpl(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  if (!sealed.ok) throw new IamEnforcementError(`the emulator at ${endpoint} did not accept /moto-api/reset-auth (HTTP ${sealed.status}): is it moto?`);
  const sts = new STSClient(clientConfig(endpoint, region, credentials));
  const anonymous = new STSClient(clientConfig(endpoint, region, UNSIGNED));
  try {
    const arn = (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
    const refused = await anonymous.send(new GetCallerIdentityCommand({})).then(
      () => false,
      () => true,
    );
    if (!refused) throw new IamEnforcementError(`the emulator at ${endpoint} still answers unknown access keys: IAM is not enforced`);
    return { ...credentials, arn };
  } finally {
    sts.destroy();
    anonymous.destroy();
  }
}

/** A role session name from a function name (`[\w+=,.@-]`, at most 64 characters). */
export function sessionName(functionName: string): string {
  return functionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64) || 'function';
}

/**
 * Creates each planned role in the emulator with its policies and a session of it per function.
 * Functions whose role is not a role of the template run as the administrator (their access is not
 * checked); `warn` says so.
 */
export async function createFunctionIdentities(options: {
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly admin: LocalIam['admin'];
  readonly plans: readonly FunctionAccessPlan[];
  readonly warn?: (message: string) => void;
}): Promise<Record<string, LocalFunctionIdentity>> {
  const { endpoint, region, admin } = options;
  const iam = new IAMClient(clientConfig(endpoint, region, admin));
  const sts = new STSClient(clientConfig(endpoint, region, admin));
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: admin.arn }, Action: 'sts:AssumeRole' }] });
  const roleArns = new Map<string, string>();
  const out: Record<string, LocalFunctionIdentity> = {};
  try {
    for (const plan of options.plans) {
      const acknowledged = plan.acknowledged;
      if (!plan.roleName || !plan.policy) {
        options.warn?.(`function ${plan.functionName}: its role is not defined in this template, so it runs as the local administrator (its access is not checked)`);
        out[plan.functionLogicalId] = { principalArn: admin.arn, credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey }, granted: [], service: plan.service, acknowledged };
        continue;
      }
      let roleArn = roleArns.get(plan.roleName);
      if (!roleArn) {
        try {
          const created = await iam.send(new CreateRoleCommand({ RoleName: plan.roleName, AssumeRolePolicyDocument: trust }));
          roleArn = created.Role?.Arn ?? `arn:aws:iam::${options.accountId}:role/${plan.roleName}`;
          await iam.send(new PutRolePolicyCommand({ RoleName: plan.roleName, PolicyName: LOCAL_POLICY_NAME, PolicyDocument: JSON.stringify(plan.policy) }));
        } catch (error) {
          throw new IamEnforcementError(`role ${plan.roleName} (of function ${plan.functionName}): could not be created in the emulator: ${(error as Error).message}`, {
            cause: error,
          });
        }
        roleArns.set(plan.roleName, roleArn);
      }
      const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName(plan.functionName) }));
      const c = assumed.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        throw new IamEnforcementError(`function ${plan.functionName}: AssumeRole of ${plan.roleName} returned no credentials`);
      }
      out[plan.functionLogicalId] = {
        roleName: plan.roleName,
        principalArn: assumed.AssumedRoleUser?.Arn ?? `arn:aws:sts::${options.accountId}:assumed-role/${plan.roleName}/${sessionName(plan.functionName)}`,
        credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
        granted: plan.granted,
        service: plan.service,
        acknowledged,
      };
      for (const policy of plan.unknownManagedPolicies) {
        options.warn?.(`function ${plan.functionName}: managed policy ${policy} is not known locally: none of its actions is allowed`);
      }
    }
    return out;
  } finally {
    iam.destroy();
    sts.destroy();
  }
}
