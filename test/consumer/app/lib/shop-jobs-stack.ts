import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { JobPlatform, OneTimeJob, ScheduledJob } from 'cdk-scheduled-jobs';

/** A team's own stack: a platform, one recurring job and one one-time job it schedules. */
export class ShopJobsStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const platform = new JobPlatform(this, 'Platform');

    const tallies = new dynamodb.TableV2(this, 'Tallies', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const tally = new ScheduledJob(this, 'ShiftTally', {
      platform,
      schedule: ScheduleExpression.rate(Duration.hours(6)),
      entry: join(__dirname, '..', 'handlers', 'shift-tally.ts'),
      payload: { shop: 'north' },
    });
    tallies.grantWriteData(tally);
    tally.addEnvironment('TALLIES_TABLE', tallies.tableName);

    const followUp = new OneTimeJob(this, 'TallyFollowUp', {
      platform,
      entry: join(__dirname, '..', 'handlers', 'tally-follow-up.ts'),
    });
    tallies.grantWriteData(followUp);
    followUp.addEnvironment('TALLIES_TABLE', tallies.tableName);
    followUp.grantSchedule(tally);
  }
}
