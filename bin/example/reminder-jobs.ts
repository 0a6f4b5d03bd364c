/**
 * The example application's reminder jobs, both emailing through SES:
 * - `payment-reminder`, a one-time job: the subscriptions function (on the subscriptions table's
 *   stream) keeps one reminder per subscription at 09:00 in the customer's zone, three days before
 *   it expires; moves it on renewal, cancels it on cancellation;
 * - `birthday-emails`, daily at 09:00 (Europe/London by default): the users whose birthday it is,
 *   read from the users table's month-day index, never a Scan.
 *
 * Each function gets only the calls it makes.
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { BIRTHDAY_INDEX, UsersEnv } from '../../lambdas/jobs/birthday-emails/birthdays';
import { PAYMENT_REMINDER_JOB, SubscriptionsEnv } from '../../lambdas/jobs/subscriptions/model';
import { FAILURE_DESTINATION_ACTIONS, FAILURE_DESTINATION_REASON, JobAccess } from '../../lib/access';
import { createPlatformFunction } from '../../lib/platform-function';
import type { JobPlatform } from '../../lib/job-platform';
import { OneTimeJob } from '../../lib/one-time-job';
import { ScheduledJob } from '../../lib/scheduled-job';
import { createEmailSender } from './email-sender';

const LAMBDAS = join(__dirname, '..', '..', 'lambdas', 'jobs');
/** The payment-reminder handler of this package. */
export const PAYMENT_REMINDER_ENTRY = join(LAMBDAS, 'payment-reminder', 'handler.ts');
/** The subscriptions stream handler of this package. */
export const SUBSCRIPTIONS_ENTRY = join(LAMBDAS, 'subscriptions', 'handler.ts');
/** The birthday-emails handler of this package. */
export const BIRTHDAY_EMAILS_ENTRY = join(LAMBDAS, 'birthday-emails', 'handler.ts');

/** Props of {@link ReminderJobs}. */
export interface ReminderJobsProps {
  /** The platform the jobs run on. */
  readonly platform: JobPlatform;
  /**
   * The address the emails come from; an SES email identity is created for it (SES sends a
   * verification email to it on deployment).
   * @default 'no-reply@example.com'
   */
  readonly senderAddress?: string;
  /**
   * The zone the birthday job's "today" and its 09:00 run are in.
   * @default TimeZone.EUROPE_LONDON
   */
  readonly birthdayTimeZone?: TimeZone;
  /**
   * A customer-managed key that encrypts both tables.
   * @default - the AWS managed key `aws/dynamodb`
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * What happens to the tables when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Subscriptions, users, and the jobs that email them. */
export class ReminderJobs extends Construct {
  /** The users table's month-day index (`birthMonthDay` = `MM-DD`). */
  static readonly BIRTHDAY_INDEX = BIRTHDAY_INDEX;

  /** Subscriptions: partition key `subscriptionId`; stream with old and new images. */
  readonly subscriptionsTable: dynamodb.TableV2;
  /** Users: partition key `userId`; index `byBirthMonthDay`. */
  readonly usersTable: dynamodb.TableV2;
  /** The sender's SES identity. */
  readonly emailIdentity: ses.EmailIdentity;
  /** The configuration set every email is sent with. */
  readonly configurationSet: ses.ConfigurationSet;
  /** Keeps each subscription's reminder scheduled, on the subscriptions stream. */
  readonly subscriptionsFunction: nodejs.NodejsFunction;
  readonly paymentReminder: OneTimeJob;
  readonly birthdayEmails: ScheduledJob;

  constructor(scope: Construct, id: string, props: ReminderJobsProps) {
    super(scope, id);
    const { platform } = props;
    const senderAddress = props.senderAddress ?? 'no-reply@example.com';
    const birthdayZone = props.birthdayTimeZone ?? TimeZone.EUROPE_LONDON;
    const encryption = props.encryptionKey
      ? dynamodb.TableEncryptionV2.customerManagedKey(props.encryptionKey)
      : dynamodb.TableEncryptionV2.awsManagedKey();
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.subscriptionsTable = new dynamodb.TableV2(this, 'SubscriptionsTable', {
      partitionKey: { name: 'subscriptionId', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      encryption,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    this.usersTable = new dynamodb.TableV2(this, 'UsersTable', {
      partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
      globalSecondaryIndexes: [
        {
          indexName: BIRTHDAY_INDEX,
          partitionKey: { name: 'birthMonthDay', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: ['email', 'name'],
        },
      ],
    });

    ({ configurationSet: this.configurationSet, emailIdentity: this.emailIdentity } = createEmailSender(this, senderAddress));
    const emailEnvironment = {
      [SubscriptionsEnv.EMAIL_FROM]: senderAddress,
      [SubscriptionsEnv.EMAIL_CONFIGURATION_SET]: this.configurationSet.configurationSetName,
    };

    // The one-time job: one run per reminder.
    this.paymentReminder = new OneTimeJob(this, 'PaymentReminder', {
      platform,
      jobName: PAYMENT_REMINDER_JOB,
      entry: PAYMENT_REMINDER_ENTRY,
      description: 'Emails a subscription payment reminder, once per subscription and expiry date.',
      timeout: Duration.minutes(1),
      environment: { [SubscriptionsEnv.TABLE_NAME]: this.subscriptionsTable.tableName, ...emailEnvironment },
    });
    // Reads the subscription and marks the reminder sent, on the table only.
    iam.Grant.addToPrincipal({
      grantee: this.paymentReminder,
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.subscriptionsTable.tableArn],
    });
    this.grantSend(this.paymentReminder);

    // The stream function that keeps the reminders scheduled.
    this.subscriptionsFunction = this.createSubscriptionsFunction(platform);
    // It schedules, moves and cancels reminders by subscription; it never lists them.
    this.paymentReminder.grantSchedule(this.subscriptionsFunction, { list: false });

    // The daily job.
    this.birthdayEmails = new ScheduledJob(this, 'BirthdayEmails', {
      platform,
      schedule: ScheduleExpression.expression('cron(0 9 * * ? *)', birthdayZone),
      entry: BIRTHDAY_EMAILS_ENTRY,
      description: `Emails the users whose birthday it is (29 February birthdays on 28 February in common years), 09:00 ${birthdayZone.timezoneName}.`,
      payload: { timeZone: birthdayZone.timezoneName },
      timeout: Duration.minutes(15),
      environment: {
        [UsersEnv.TABLE_NAME]: this.usersTable.tableName,
        [UsersEnv.BIRTHDAY_INDEX]: BIRTHDAY_INDEX,
        ...emailEnvironment,
      },
    });
    // Queries the month-day index for today's birthdays and marks each user greeted on the table.
    iam.Grant.addToPrincipal({
      grantee: this.birthdayEmails,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.usersTable.tableArn}/index/${BIRTHDAY_INDEX}`],
    });
    iam.Grant.addToPrincipal({ grantee: this.birthdayEmails, actions: ['dynamodb:UpdateItem'], resourceArns: [this.usersTable.tableArn] });
    this.grantSend(this.birthdayEmails);
  }

  /** `ses:SendEmail` from the sender identity with the configuration set, and nothing else. */
  private grantSend(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail'],
      resourceArns: [
        this.emailIdentity.emailIdentityArn,
        Stack.of(this).formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName }),
      ],
    });
  }

  private createSubscriptionsFunction(platform: JobPlatform): nodejs.NodejsFunction {
    const fn = createPlatformFunction(
      this,
      { role: 'SubscriptionsRole', logGroup: 'SubscriptionsLogGroup', function: 'SubscriptionsFunction' },
      {
        roleDescription: 'Role of the subscriptions stream function (payment reminders)',
        logRetention: platform.logRetention,
        description: 'Keeps each subscription payment reminder scheduled (subscriptions table stream)',
        entry: SUBSCRIPTIONS_ENTRY,
        environment: { POWERTOOLS_SERVICE_NAME: 'subscriptions' },
      },
    );
    fn.addEventSource(
      new DynamoEventSource(this.subscriptionsTable, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        // A batch that still fails lands in the platform's failure inbox with every other failure.
        onFailure: new SqsDlq(platform.failureInbox),
      }),
    );
    Validations.of(fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams (added by the stream event source) supports no resource-level permissions, so its only possible ' +
        'resource is "*"; every other action is on a named resource.',
    });
    // The on-failure destination's grant: Lambda sends a failed batch's record with the role; the code never calls SQS.
    JobAccess.acknowledgeUnused(fn, FAILURE_DESTINATION_ACTIONS, FAILURE_DESTINATION_REASON);
    return fn;
  }
}
