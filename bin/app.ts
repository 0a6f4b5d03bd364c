#!/usr/bin/env node
/**
 * The CDK app: `cdk synth` / `cdk deploy` (add `-c schedules=disabled` to deploy every schedule
 * disabled, `-c alarmEmail=ops@example.com` to subscribe to the alarms). cdk-nag's AwsSolutions
 * rules check every stack at synth time.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ScheduledJobsStack } from './example/scheduled-jobs-stack';

const app = new App();
new ScheduledJobsStack(app, 'ScheduledJobs', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
