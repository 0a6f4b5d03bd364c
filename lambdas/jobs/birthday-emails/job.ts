/**
 * The daily birthday emails: Query the users table's month-day index for today's `MM-DD` (and
 * `02-29` on 28 February of a common year), never a Scan, and email each user once a year.
 *
 * Once per user and year: before sending, a conditional write claims the year on the user
 * (`birthdayEmailYear`, `SENDING` with this run's slot); after sending it is marked `SENT`. A retry
 * of the run skips the users done and sends to those it claimed but did not finish. Users are
 * processed page by page; a run close to its timeout continues in a new invocation from the page
 * it reached (`continueLater`), so the job scales past one Lambda's 15 minutes.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ContinuedLater, JobContext } from '../../runtime';
import { sendEmail, type EmailSender } from '../payment-reminder/email';
import { birthdayDay, birthdayMessage, type BirthdayPayload, type BirthdayUser } from './birthdays';
import { ScheduledJobsError } from '../../runtime';

export interface BirthdayDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly table: string;
  readonly index: string;
  readonly email: EmailSender;
  /** Emails in flight at once. @default 10 */
  readonly concurrency?: number;
  /** Users read per Query page. @default 100 */
  readonly pageSize?: number;
  /** Time left below which the run continues in a new invocation. @default 60 seconds */
  readonly reserveMs?: number;
}

/** Where a continued run resumes. */
export interface BirthdayCheckpoint {
  readonly date: string;
  /** Index in `monthDays` of the month-day being read. */
  readonly monthDayIndex: number;
  /** The Query page to read next (LastEvaluatedKey). */
  readonly cursor?: Record<string, unknown>;
  readonly sent: number;
  readonly alreadySent: number;
}

export interface BirthdayResult {
  readonly date: string;
  readonly monthDays: readonly string[];
  /** Emails sent by this run (all its invocations). */
  readonly sent: number;
  /** Users already emailed this year (an earlier run). */
  readonly alreadySent: number;
}

/** Some emails failed; the users done are recorded and a retry sends the rest. */
export class BirthdayEmailError extends ScheduledJobsError {}

type Outcome = 'sent' | 'already-sent';

async function emailUser(ctx: JobContext<BirthdayPayload>, deps: BirthdayDeps, user: BirthdayUser, year: number): Promise<Outcome> {
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: { userId: user.userId },
        UpdateExpression: 'SET birthdayEmailYear = :year, birthdayEmailStatus = :sending, birthdayEmailSlot = :slot',
        ConditionExpression:
          'attribute_exists(userId) AND birthMonthDay = :monthDay AND ' +
          '(attribute_not_exists(birthdayEmailYear) OR birthdayEmailYear <> :year OR (birthdayEmailStatus = :sending AND birthdayEmailSlot = :slot))',
        ExpressionAttributeValues: { ':year': year, ':sending': 'SENDING', ':slot': ctx.slot, ':monthDay': user.birthMonthDay },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'already-sent';
    throw error;
  }
  await sendEmail(deps.email, birthdayMessage(user));
  await deps.ddb.send(
    new UpdateCommand({
      TableName: deps.table,
      Key: { userId: user.userId },
      UpdateExpression: 'SET birthdayEmailStatus = :sent',
      ConditionExpression: 'birthdayEmailYear = :year AND birthdayEmailSlot = :slot',
      ExpressionAttributeValues: { ':sent': 'SENT', ':year': year, ':slot': ctx.slot },
    }),
  );
  return 'sent';
}

/** The job. */
export async function sendBirthdayEmails(ctx: JobContext<BirthdayPayload>, deps: BirthdayDeps): Promise<BirthdayResult | ContinuedLater> {
  const day = birthdayDay(ctx.scheduledTime, ctx.payload.timeZone);
  const concurrency = deps.concurrency ?? 10;
  const reserveMs = deps.reserveMs ?? 60_000;
  const saved = await ctx.checkpoint.get<BirthdayCheckpoint>();
  const resume = saved?.date === day.date ? saved : undefined;
  let sent = resume?.sent ?? 0;
  let alreadySent = resume?.alreadySent ?? 0;
  const sentBefore = sent;
  const countSent = () => ctx.metrics.addMetric('BirthdayEmailsSent', MetricUnit.Count, sent - sentBefore);

  for (let i = resume?.monthDayIndex ?? 0; i < day.monthDays.length; i++) {
    const monthDay = day.monthDays[i]!;
    let cursor = i === resume?.monthDayIndex ? resume.cursor : undefined;
    do {
      const page = await deps.ddb.send(
        new QueryCommand({
          TableName: deps.table,
          IndexName: deps.index,
          KeyConditionExpression: 'birthMonthDay = :monthDay',
          ExpressionAttributeValues: { ':monthDay': monthDay },
          ExclusiveStartKey: cursor,
          Limit: deps.pageSize ?? 100,
        }),
      );
      const users = (page.Items ?? []) as BirthdayUser[];
      const failures: { user: BirthdayUser; error: unknown }[] = [];
      for (let k = 0; k < users.length; k += concurrency) {
        const batch = users.slice(k, k + concurrency);
        const outcomes = await Promise.allSettled(batch.map((u) => emailUser(ctx, deps, u, day.year)));
        outcomes.forEach((o, n) => {
          if (o.status === 'rejected') failures.push({ user: batch[n]!, error: o.reason });
          else if (o.value === 'sent') sent++;
          else alreadySent++;
        });
      }
      if (failures.length > 0) {
        const first = failures[0]!;
        countSent();
        throw new BirthdayEmailError(
          `job '${ctx.job}': ${day.date}: ${failures.length} of ${users.length} birthday emails of this page failed ` +
            `(first: user '${first.user.userId}': ${(first.error as Error).message}); the users done are recorded and a retry sends the rest`,
          { cause: first.error },
        );
      }
      cursor = page.LastEvaluatedKey;
      const more = cursor !== undefined || i + 1 < day.monthDays.length;
      if (more && ctx.remainingTimeMs() < reserveMs) {
        const next: BirthdayCheckpoint = cursor
          ? { date: day.date, monthDayIndex: i, cursor, sent, alreadySent }
          : { date: day.date, monthDayIndex: i + 1, sent, alreadySent };
        ctx.logger.info('birthday emails continue in a new invocation', { ...next });
        countSent();
        return ctx.continueLater(next);
      }
    } while (cursor);
  }
  countSent();
  const result: BirthdayResult = { date: day.date, monthDays: day.monthDays, sent, alreadySent };
  ctx.logger.info('birthday emails done', { ...result });
  return result;
}
