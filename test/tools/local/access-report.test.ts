/**
 * The unused-access report: per function, its grants split into used (by its calls, wildcards
 * included), used by the Lambda service, acknowledged (with the reason) and unused; denied calls apart.
 */
import { describe, expect, it } from 'vitest';
import { accessReport, accessSummary, type ObservedCall } from '../../../tools/local/access-report';
import type { LocalFunctionIdentity } from '../../../tools/local/local-stack';

const identity = (key: string, extra: Partial<LocalFunctionIdentity>): LocalFunctionIdentity => ({
  roleName: `role-${key}`,
  principalArn: `arn:aws:sts::123456789012:assumed-role/role-${key}/fn-${key}`,
  credentials: { accessKeyId: key, secretAccessKey: 's', sessionToken: 't' },
  granted: [],
  service: [],
  acknowledged: [],
  ...extra,
});

const functions = {
  Cleanup: { logicalId: 'Cleanup', functionName: 'stack-cleanup', jobName: 'log-cleanup' },
  Backup: { logicalId: 'Backup', functionName: 'stack-backup', jobName: 'backup' },
  Watchdog: { logicalId: 'Watchdog', functionName: 'stack-watchdog', constructPath: 'Platform/Watchdog' },
  Elsewhere: { logicalId: 'Elsewhere', functionName: 'stack-elsewhere' },
};

const identities: Record<string, LocalFunctionIdentity> = {
  Cleanup: identity('ASIACLEANUP', {
    granted: ['s3:DeleteObject*', 's3:GetObject*', 's3:List*', 's3:PutObject', 'logs:PutLogEvents', 'lambda:InvokeFunction', 'NotAction:iam:*'],
    service: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
    acknowledged: [{ action: 'lambda:InvokeFunction', reason: 'continueLater() only, when a run is cut short' }],
  }),
  Backup: identity('ASIABACKUP', { granted: ['dynamodb:ExportTableToPointInTime', 's3:PutObject'] }),
  Watchdog: identity('ASIAWATCHDOG', { granted: ['scheduler:ListSchedules'] }),
  // A function whose role is not in the template runs as the administrator: not reported.
  Elsewhere: { principalArn: 'arn:aws:iam::123456789012:user/admin', credentials: { accessKeyId: 'AKIAADMIN', secretAccessKey: 's' }, granted: [], service: [], acknowledged: [] },
};

describe('accessReport', () => {
  const calls: ObservedCall[] = [
    { accessKeyId: 'ASIACLEANUP', actions: ['s3:ListBucket'], status: 200 },
    { accessKeyId: 'ASIACLEANUP', actions: ['s3:DeleteObject'], status: 200 },
    { accessKeyId: 'ASIACLEANUP', actions: ['dynamodb:Scan'], status: 403 },
    { accessKeyId: 'ASIABACKUP', actions: ['s3:PutObject'], status: 200 },
    // Attributed by the invocation when the key is unknown (a client with its own credentials).
    { accessKeyId: 'AKIAOTHER', functionLogicalId: 'Backup', actions: ['dynamodb:ExportTableToPointInTime'], status: 400 },
    // Local mode's own calls (the administrator's key, no invocation) belong to no function.
    { accessKeyId: 'AKIAADMIN', actions: ['scheduler:ListSchedules'], status: 200 },
  ];

  it("splits each function's grants into used, service, acknowledged and unused, by job", () => {
    expect(accessReport(functions, identities, calls)).toEqual([
      {
        job: 'backup',
        functionName: 'stack-backup',
        used: ['dynamodb:ExportTableToPointInTime', 's3:PutObject'],
        unused: [],
        acknowledged: [],
        service: [],
        denied: [],
        invoked: true,
        notExercised: [],
      },
      {
        job: 'log-cleanup',
        functionName: 'stack-cleanup',
        used: ['s3:DeleteObject*', 's3:List*'],
        unused: ['s3:GetObject*', 's3:PutObject'],
        acknowledged: [{ action: 'lambda:InvokeFunction', reason: 'continueLater() only, when a run is cut short' }],
        service: ['logs:PutLogEvents'],
        denied: ['dynamodb:Scan'],
        invoked: true,
        notExercised: [],
      },
      {
        job: 'Platform/Watchdog',
        functionName: 'stack-watchdog',
        used: [],
        unused: ['scheduler:ListSchedules'],
        acknowledged: [],
        service: [],
        denied: [],
        invoked: true,
        notExercised: [],
      },
    ]);
  });

  it('counts iam:PassRole as used by a call that passes a role (CreateSchedule), not by a denied one', () => {
    const subscriptions = identity('ASIASUBS', { granted: ['iam:PassRole', 'scheduler:CreateSchedule', 'scheduler:UpdateSchedule'] });
    const fns = { Subs: { logicalId: 'Subs', functionName: 'stack-subs', constructPath: 'Reminders/SubscriptionsFunction' } };
    const [used] = accessReport(fns, { Subs: subscriptions }, [{ accessKeyId: 'ASIASUBS', actions: ['scheduler:CreateSchedule'], status: 200 }]);
    expect([used.used, used.unused]).toEqual([['iam:PassRole', 'scheduler:CreateSchedule'], ['scheduler:UpdateSchedule']]);
    const [denied] = accessReport(fns, { Subs: subscriptions }, [{ accessKeyId: 'ASIASUBS', actions: ['scheduler:UpdateSchedule'], status: 403 }]);
    expect([denied.used, denied.denied]).toEqual([[], ['scheduler:UpdateSchedule']]);
  });

  it('counts an acknowledged grant that was used as used', () => {
    const [cleanup] = accessReport({ Cleanup: functions.Cleanup }, { Cleanup: identities.Cleanup }, [
      { accessKeyId: 'ASIACLEANUP', actions: ['lambda:InvokeFunction'], status: 202 },
    ]);
    expect(cleanup.used).toEqual(['lambda:InvokeFunction']);
    expect(cleanup.acknowledged).toEqual([]);
  });

  it('matches an acknowledgement narrower or wider than the grant', () => {
    const [entry] = accessReport({ Backup: functions.Backup }, { Backup: identity('K', { granted: ['s3:GetObject*', 's3:PutObject'], acknowledged: [{ action: 's3:GetObjectVersion', reason: 'restores only' }, { action: 's3:Put*', reason: 'writes on failure only' }] }) }, []);
    expect(entry.acknowledged).toEqual([
      { action: 's3:GetObject*', reason: 'restores only' },
      { action: 's3:PutObject', reason: 'writes on failure only' },
    ]);
    expect(entry.unused).toEqual([]);
  });
});

describe('accessSummary', () => {
  it('names the functions with unused access and says what to do', () => {
    expect(accessSummary(accessReport(functions, identities, []))).toEqual([
      'Unused access (granted, not used in this run, not acknowledged) in 3 of 3 functions:',
      '  backup: dynamodb:ExportTableToPointInTime, s3:PutObject',
      '  log-cleanup: s3:DeleteObject*, s3:GetObject*, s3:List*, s3:PutObject',
      '  Platform/Watchdog: scheduler:ListSchedules',
      '  Remove the grant, or, when a path this run did not take needs it, acknowledge it next to the grant:',
      "  JobAccess.acknowledgeUnused(job, ['<action>'], '<why it is granted yet unused>'). Details: --json (access).",
    ]);
  });

  it('says nothing when every grant was used or acknowledged', () => {
    expect(
      accessSummary([{ job: 'a', functionName: 'f', used: ['s3:PutObject'], unused: [], acknowledged: [], service: [], denied: [], invoked: true, notExercised: [] }]),
    ).toEqual([]);
  });
});

describe('a function that did not run in the window', () => {
  it('is an unused role, not unused permissions: its grants are not exercised, unused stays empty, and the summary says so', () => {
    const invoked = new Set(Object.keys(identities).filter((id) => id !== 'Backup'));
    const entries = accessReport(functions, identities, [], invoked);
    const backup = entries.find((e) => e.job === 'backup')!;
    expect(backup).toMatchObject({ invoked: false, unused: [], notExercised: ['dynamodb:ExportTableToPointInTime', 's3:PutObject'] });
    const cleanup = entries.find((e) => e.job === 'log-cleanup')!;
    expect(cleanup).toMatchObject({ invoked: true, notExercised: [] });
    expect(cleanup.unused.length).toBeGreaterThan(0);
    expect(accessSummary(entries)[0]).toBe('Not run in this window, access not checked: backup (simulate a window holding a run)');
  });

  it('counts as run when calls were attributed to it, whatever the invocation list says', () => {
    const key = identities.Backup.credentials.accessKeyId;
    const entries = accessReport(functions, identities, [{ accessKeyId: key, actions: ['s3:PutObject'], status: 200 }], new Set());
    expect(entries.find((e) => e.job === 'backup')).toMatchObject({ invoked: true, used: ['s3:PutObject'] });
  });
});
