import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { BusinessData } from '../../../bin/example/business-data';
import { RecommendationJobs } from '../../../bin/example/recommendation-jobs';
import { JobPlatform } from '../../../lib/job-platform';
import { createApp, createStack } from '../../support/cdk';

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

describe('RecommendationJobs', () => {
  let stack: Stack;
  let template: Template;
  let jobs: RecommendationJobs;

  beforeAll(() => {
    // GIVEN a platform and the business data
    const app = createApp();
    stack = createStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const platform = new JobPlatform(stack, 'Platform', {});
    const data = new BusinessData(stack, 'Data');
    // WHEN the recommendations job is declared
    jobs = new RecommendationJobs(stack, 'Recommendations', { platform, data });
    app.synth();
    template = Template.fromStack(stack);
  });

  it('THEN it is the fan-out job daily-recommendations at 03:00 UTC with 16 ranges, one per batch', () => {
    expect(jobs.dailyRecommendations.jobName).toBe('daily-recommendations');
    expect(jobs.dailyRecommendations.maxConcurrency).toBe(16);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
    });
    const definition = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toContain('\\"MaxItemsPerBatch\\":1');
    expect(definition).toContain('\\"MaxConcurrency\\":16');
  });

  it('THEN the recommendations table is keyed by customer, encrypted, with TTL on expiresAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true }),
    });
  });

  it('THEN the job may Query the two order indexes and BatchWriteItem the recommendations, nothing more on the tables', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } } }[];
    const statements = policies
      .filter((p) => JSON.stringify(stack.resolve(p.Properties.Roles)).includes('DailyRecommendations'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    // The business tables' statements (the platform's own state-table grant is the platform's).
    const dynamo = statements.filter((s) => /DataOrdersTable|DataRecommendationsTable/.test(JSON.stringify(s.Resource)));
    expect(dynamo.flatMap((s) => [s.Action].flat()).sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:Query']);
    const query = JSON.stringify(stack.resolve(dynamo.find((s) => [s.Action].flat().includes('dynamodb:Query'))?.Resource));
    expect(query).toContain('/index/byDay');
    expect(query).toContain('/index/byCustomerShard');
    expect(query).not.toContain('index/*');
  });

  it('THEN cdk-nag AwsSolutions reports nothing unacknowledged', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect([...errors, ...warnings].map((m) => `${m.id}: ${String(m.entry.data)}`)).toEqual([]);
  });
});
