import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ScheduledJobsStack } from '../../../bin/example/scheduled-jobs-stack';
import { readAcknowledgedUnused } from '../../../lib/contract';
import type { PlatformJob } from '../../../lib/job-function';
import { FanOutJob } from '../../../lib/fan-out-job';
import { createApp, TEST_ENV } from '../../support/cdk';
import { logicalIdOf, stateTableStatements, statementsOfRole, type Statement } from '../../support/iam';

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());
const resourceText = (s: Statement) => JSON.stringify(s.Resource);

describe('the example app: who may touch what', () => {
  let stack: ScheduledJobsStack;
  let template: Template;
  let jobs: readonly PlatformJob[];
  const job = (name: string) => {
    const found = jobs.find((j) => j.jobName === name);
    if (!found) throw new Error(`no job '${name}' in the example app (jobs: ${jobs.map((j) => j.jobName).join(', ')})`);
    return found;
  };
  const roleOf = (name: string) => job(name).function.role as iam.IRole;

  beforeAll(() => {
    // GIVEN the example app with cdk-nag, synthesized without bundling
    const app = createApp();
    stack = new ScheduledJobsStack(app, 'ScheduledJobs', { env: TEST_ENV });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    template = Template.fromStack(stack);
    jobs = stack.platform.jobs;
  });

  it('THEN every job role reaches the state table only in its own partition, with no Scan and no unconditioned action', () => {
    expect(jobs.map((j) => j.jobName).sort()).toEqual([
      'birthday-emails',
      'daily-recommendations',
      'daily-sales-report',
      'monthly-sales-report',
      'morning-promotions',
      'nightly-backup',
      'nightly-log-archive',
      'payment-reminder',
      'weekly-log-cleanup',
      'weekly-loyalty-points',
    ]);
    const itemActions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
    // A fan-out job also writes, checks and reads back its per-item done records, in the same partition.
    const fanOutActions = ['dynamodb:BatchWriteItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
    for (const j of jobs) {
      const fanOut = j instanceof FanOutJob;
      const onTable = stateTableStatements(stack, template, j.function.role!, stack.platform.table);
      // (statements with the same resource and condition are merged by the CDK into one)
      expect(onTable, j.jobName).toHaveLength(1);
      for (const statement of onTable) {
        expect(statement.Condition, j.jobName).toEqual({
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`JOB#${j.jobName}`] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        });
      }
      const allowed = fanOut ? [...itemActions, ...fanOutActions] : itemActions;
      expect(actionsOf(onTable).filter((a) => !allowed.includes(a)), j.jobName).toEqual([]);
      // and nothing else of the role names the state table (no index, no stream, no table-level action)
      const tableId = logicalIdOf(stack, stack.platform.table as never);
      const others = statementsOfRole(stack, template, j.function.role!).filter((s) => !onTable.includes(s) && resourceText(s).includes(tableId));
      expect(others, j.jobName).toEqual([]);
    }
  });

  it('THEN the watchdog reaches the jobs\' partitions (Query, PutItem) and its own (Query, UpdateItem), nothing else of the table', () => {
    const onTable = stateTableStatements(stack, template, stack.platform.watchdog.role!, stack.platform.table);
    const keys = (s: Statement) => (s.Condition?.['ForAllValues:StringEquals'] ?? s.Condition?.['ForAllValues:StringLike'])?.['dynamodb:LeadingKeys'];
    expect(onTable.map((s) => ({ actions: [s.Action].flat().sort(), keys: keys(s) }))).toEqual([
      { actions: ['dynamodb:PutItem', 'dynamodb:Query'], keys: ['JOB#*'] },
      { actions: ['dynamodb:Query', 'dynamodb:UpdateItem'], keys: ['WATCHDOG'] },
    ]);
  });

  it('THEN the weekly cleanup lists and deletes under logs/ and cannot write or read an object', () => {
    const s3 = statementsOfRole(stack, template, roleOf('weekly-log-cleanup')).filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    expect(actionsOf(s3).sort()).toEqual(['s3:DeleteObject', 's3:ListBucket']);
  });

  it('THEN the backup reads its sources and writes only its backup bucket, deleting nothing', () => {
    const backupBucketId = logicalIdOf(
      stack,
      stack.node.findAll().find((c) => c.node.path.endsWith('/Maintenance/BackupBucket')) as never,
    );
    const s3 = statementsOfRole(stack, template, roleOf('nightly-backup')).filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    const writes = s3.filter((s) => actionsOf([s]).some((a) => /Put|Abort|Delete/.test(a)));
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes) expect(resourceText(s)).toContain(backupBucketId);
    expect(actionsOf(s3).filter((a) => a.includes('Delete') || a.includes('*'))).toEqual([]);
    const elsewhere = s3.filter((s) => !resourceText(s).includes(backupBucketId));
    expect(elsewhere.length).toBeGreaterThan(0);
    expect([...new Set(actionsOf(elsewhere))].sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  it('THEN the birthday emails and loyalty points query an index, never Scan a table', () => {
    for (const name of ['birthday-emails', 'weekly-loyalty-points', 'morning-promotions', 'daily-sales-report']) {
      const statements = statementsOfRole(stack, template, roleOf(name));
      const queries = statements.filter((s) => actionsOf([s]).includes('dynamodb:Query'));
      expect(queries.length, name).toBeGreaterThan(0);
      for (const q of queries) expect(resourceText(q), name).toMatch(/\/index\/[A-Za-z]+"/);
      expect(actionsOf(statements).filter((a) => a.includes('Scan') || a === 'dynamodb:*'), name).toEqual([]);
    }
  });

  it('THEN every job function records its acknowledged unused access in its template Metadata, each with a reason', () => {
    const resources = template.toJSON().Resources as Record<string, { Metadata?: unknown }>;
    for (const j of jobs) {
      const id = logicalIdOf(stack, j.function as never);
      const acknowledged = readAcknowledgedUnused(id, resources[id].Metadata);
      expect(acknowledged.flatMap((a) => a.actions), j.jobName).toEqual(expect.arrayContaining(['logs:CreateLogStream', 'logs:PutLogEvents']));
    }
  });

  it('THEN cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const findings = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((f) => `${f.id}: ${String(f.entry.data).slice(0, 200)}`)).toEqual([]);
  });
});
