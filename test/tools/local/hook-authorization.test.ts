import { describe, expect, it } from 'vitest';
import { authorizeHookCall } from '../../../tools/local/dev';
import type { LocalFunctionIdentity, LocalStackFile } from '../../../tools/local/local-stack';

const identity = (accessKeyId: string, granted: string[], roleName: string | null = 'role'): LocalFunctionIdentity => ({
  ...(roleName ? { roleName } : {}),
  principalArn: `arn:aws:sts::123456789012:assumed-role/${roleName ?? 'admin'}/fn`,
  credentials: { accessKeyId, secretAccessKey: 'secret' },
  granted,
  service: [],
  acknowledged: [],
});

const stack = {
  iam: {
    functions: {
      FanOut: identity('ASIAFANOUT', ['states:StartExecution', 'dynamodb:GetItem']),
      NoStates: identity('ASIANOSTATES', ['dynamodb:GetItem']),
      AsAdmin: identity('AKIAADMIN', [], null),
    },
  },
} as unknown as Pick<LocalStackFile, 'iam'>;

describe("local mode's check of a function's call to the in-process Step Functions hooks", () => {
  const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:m';

  it('allows and records the call when the function role grants the action', () => {
    expect(authorizeHookCall(stack, 'ASIAFANOUT', 'states:StartExecution', machine)).toEqual({
      accessKeyId: 'ASIAFANOUT',
      actions: ['states:StartExecution'],
      status: 200,
    });
  });

  it('denies it (403) when the role lacks the action, as Step Functions would', () => {
    expect(authorizeHookCall(stack, 'ASIANOSTATES', 'states:StartExecution', machine).status).toBe(403);
    expect(authorizeHookCall(stack, 'ASIAFANOUT', 'states:DescribeExecution', `${machine}:run`).status).toBe(403);
  });

  it('allows a key that is no role session of a function (the administrator), and every call without IAM', () => {
    expect(authorizeHookCall(stack, 'AKIAADMIN', 'states:StartExecution', machine).status).toBe(200);
    expect(authorizeHookCall(stack, 'AKIAOTHER', 'states:StartExecution', machine).status).toBe(200);
    expect(authorizeHookCall({}, 'ASIANOSTATES', 'states:StartExecution', machine).status).toBe(200);
  });
});
