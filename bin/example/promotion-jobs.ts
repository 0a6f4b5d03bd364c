/**
 * The example application's promotion job, `morning-promotions`: the promotional email at 08:00 on
 * each recipient's own clock, every morning, whatever their zone (Los Angeles to Chatham).
 *
 * One `ScheduledJob` every 15 minutes (UTC; every zone offset in use is a multiple of 15 minutes)
 * rather than one schedule per zone: the zones belong to the recipients, so a schedule per zone
 * would have to follow them as they come and go, and each zone's run would still have to find its
 * recipients. Each recipient instead carries the UTC instant of its next local 08:00 (`nextSendAt`,
 * computed from its local date, so daylight saving time is exact) in a sparse index that the run
 * Queries for `nextSendAt <= slot`. See `lambdas/jobs/morning-promotions/job.ts` for the claim that
 * makes each local date's email go out at most once.
 *
 * The function gets only the calls it makes: Query on the due index, UpdateItem on the table,
 * ses:SendEmail from the sender identity with the configuration set, ses:GetAccount and
 * ses:GetSuppressedDestination.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { DUE_INDEX, DUE_INDEX_PROJECTION, MORNING_PROMOTIONS_JOB, PromotionsEnv } from '../../lambdas/jobs/morning-promotions/promotions';
import type { JobPlatform } from '../../lib/job-platform';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createEmailSender } from './email-sender';

/** The morning-promotions handler of this package. */
export const MORNING_PROMOTIONS_ENTRY = join(__dirname, '..', '..', 'lambdas', 'jobs', 'morning-promotions', 'handler.ts');

/** Props of {@link PromotionJobs}. */
export interface PromotionJobsProps {
  /** The platform the job runs on. */
  readonly platform: JobPlatform;
  /**
   * The address the promotions come from; an SES email identity is created for it (SES sends a
   * verification email to it on deployment).
   * @default 'offers@example.com'
   */
  readonly senderAddress?: string;
  /**
   * The promotion's subject line (the job's payload).
   * @default "Today's offer"
   */
  readonly subject?: string;
  /**
   * What happens to the recipients table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Promotion recipients and the job that emails them every morning at their 08:00. */
export class PromotionJobs extends Construct {
  /** The recipients table's sparse due index (partition key `dueBucket`, sort key `nextSendAt`). */
  static readonly DUE_INDEX = DUE_INDEX;

  /** Recipients: partition key `recipientId`; index `byNextSendAt`. */
  readonly recipientsTable: dynamodb.TableV2;
  /** The sender's SES identity. */
  readonly emailIdentity: ses.EmailIdentity;
  /** The configuration set every promotion is sent with. */
  readonly configurationSet: ses.ConfigurationSet;
  readonly morningPromotions: ScheduledJob;

  constructor(scope: Construct, id: string, props: PromotionJobsProps) {
    super(scope, id);
    const senderAddress = props.senderAddress ?? 'offers@example.com';

    this.recipientsTable = new dynamodb.TableV2(this, 'RecipientsTable', {
      partitionKey: { name: 'recipientId', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [
        {
          indexName: DUE_INDEX,
          partitionKey: { name: 'dueBucket', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'nextSendAt', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: [...DUE_INDEX_PROJECTION],
        },
      ],
    });

    ({ configurationSet: this.configurationSet, emailIdentity: this.emailIdentity } = createEmailSender(this, senderAddress));

    this.morningPromotions = new ScheduledJob(this, 'MorningPromotions', {
      platform: props.platform,
      jobName: MORNING_PROMOTIONS_JOB,
      // UTC: every zone offset in use (+05:45 Kathmandu, +12:45 Chatham...) is a multiple of 15 minutes.
      schedule: ScheduleExpression.expression('cron(0/15 * * * ? *)', TimeZone.ETC_UTC),
      entry: MORNING_PROMOTIONS_ENTRY,
      description: "Emails the promotion to each recipient whose local 08:00 has come (every 15 minutes, UTC), at most once per recipient and local date.",
      payload: { subject: props.subject ?? "Today's offer", maxLatenessMinutes: 240 },
      timeout: Duration.minutes(10),
      environment: {
        [PromotionsEnv.TABLE_NAME]: this.recipientsTable.tableName,
        [PromotionsEnv.DUE_INDEX]: DUE_INDEX,
        [PromotionsEnv.EMAIL_FROM]: senderAddress,
        [PromotionsEnv.EMAIL_CONFIGURATION_SET]: this.configurationSet.configurationSetName,
      },
    });
    this.grantRun(this.morningPromotions);
  }

  /** Exactly the calls the job makes. */
  private grantRun(grantee: iam.IGrantable): void {
    const table = this.recipientsTable;
    iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [`${table.tableArn}/index/${DUE_INDEX}`] });
    iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:UpdateItem'], resourceArns: [table.tableArn] });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail'],
      resourceArns: [
        this.emailIdentity.emailIdentityArn,
        Stack.of(this).formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName }),
      ],
    });
    iam.Grant.addToPrincipal({ grantee, actions: ['ses:GetAccount', 'ses:GetSuppressedDestination'], resourceArns: ['*'] });
    Validations.of(this.morningPromotions).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ses:GetAccount (the send quota) and ses:GetSuppressedDestination (the account-level suppression list) support no resource-level ' +
        'permissions, so their only possible resource is "*"; every other action is on a named resource.',
    });
  }
}
