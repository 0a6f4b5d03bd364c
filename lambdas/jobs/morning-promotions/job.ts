/**
 * The morning promotions: every 15 minutes (UTC), email each recipient whose local 08:00 has come.
 *
 * Why one job and an index rather than one schedule per zone: the zones are the recipients', not
 * the team's. A schedule per zone has to be created and deleted as recipients come and go (and a
 * zone like Pacific/Chatham, +12:45/+13:45, would get its own for a handful of people), and each
 * zone's run still has to find its recipients. Here each recipient carries the UTC instant of its
 * next local 08:00 (`nextSendAt`), computed from its local date with the schedule engine's zone
 * math, so daylight saving time is settled per recipient when that instant is computed; one run
 * every 15 minutes (every zone offset in use is a multiple of 15 minutes) Queries the sparse due
 * index for `nextSendAt <= slot`, never a Scan. A new zone needs no deployment.
 *
 * At most once per recipient and local date, claim then send: one conditional UpdateItem claims the
 * promotion of the recipient's local date (`lastSentLocalDate`), rolls `nextSendAt` on to the next
 * local day's 08:00, and re-checks the opt-out flag, all on the condition that `nextSendAt` is still
 * the instant this run found, the recipient has not opted out and no promotion of that date was
 * claimed. Only the winner of that write sends. A retry, a redrive or an overlapping run finds the
 * recipient no longer due, or loses the condition, and sends nothing.
 * - SES refuses the send (a client fault such as throttling after the SDK's own retries, a paused
 *   account): nothing went out, so the claim is released (`nextSendAt` and `lastSentLocalDate` put
 *   back, conditionally) and the run fails; its retry, or the next run, sends it. Nothing lost.
 * - The outcome is unknown (a server fault, a timeout) or the function crashes between the claim and
 *   the send: the claim stays and that recipient gets no promotion that day. A missed promotion is
 *   preferred to a duplicate one; the run fails (`unknown` counted) so that it is seen.
 * Suppressed addresses (the account's suppression list) are claimed but not sent to. Sends are paced
 * to the account's `MaxSendRate` (`GetAccount`).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SESv2ServiceException } from '@aws-sdk/client-sesv2';
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from '../../shared/concurrency';
import type { ContinuedLater, JobContext } from '../../runtime';
import { ScheduledJobsError } from '../../runtime';
import { sendEmail, type EmailSender } from '../payment-reminder/email';
import { planDelivery } from './delivery-time';
import { SendPacer } from './pacer';
import { DUE_BUCKETS, hasValidTimeZone, promotionMessage, type DueRecipient, type PromotionPayload } from './promotions';
import { accountSendRate, suppressionOf } from './ses-account';

export interface PromotionDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly table: string;
  readonly index: string;
  readonly email: EmailSender;
  /** Recipients handled at once (sends are paced regardless). @default 10 */
  readonly concurrency?: number;
  /** Recipients read per Query page. @default 100 */
  readonly pageSize?: number;
  /** Time left below which the run continues in a new invocation. @default 60 seconds */
  readonly reserveMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
  /** Waits between paced sends. @default a setTimeout promise */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type Outcome = 'sent' | 'suppressed' | 'opted-out' | 'already-claimed' | 'expired' | 'invalid' | 'released' | 'unknown';

/** Recipients per outcome. */
export type PromotionCounts = Readonly<Record<Outcome, number>>;

/** Where a continued run resumes. */
export interface PromotionCheckpoint {
  /** Index in `DUE_BUCKETS` of the bucket being read. */
  readonly bucketIndex: number;
  /** The Query page to read next (LastEvaluatedKey). */
  readonly cursor?: Record<string, unknown>;
  readonly counts: PromotionCounts;
  /** The message of the first failure so far. */
  readonly firstFailure?: string;
}

export interface PromotionResult {
  readonly slot: string;
  /** The send rate the run kept to (emails a second). */
  readonly sendRate: number;
  readonly counts: PromotionCounts;
}

/** Some recipients could not be handled; the error says which and what a retry does. */
export class PromotionSendError extends ScheduledJobsError {}

/** One recipient's send failed: its claim was `released` (a retry sends it) or kept (`unknown` outcome). */
class RecipientSendError extends PromotionSendError {
  constructor(
    readonly outcome: 'released' | 'unknown',
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

const ZERO: PromotionCounts = { sent: 0, suppressed: 0, 'opted-out': 0, 'already-claimed': 0, expired: 0, invalid: 0, released: 0, unknown: 0 };

interface RunState {
  readonly ctx: JobContext<PromotionPayload>;
  readonly deps: PromotionDeps;
  readonly slotMs: number;
  readonly now: () => number;
  readonly pacer: SendPacer;
  warnedUnchecked: boolean;
}

const isConditionFailure = (error: unknown): error is ConditionalCheckFailedException => error instanceof ConditionalCheckFailedException;

/** Whether the item a failed condition returned (`ALL_OLD`, in the low-level form) is opted out. */
const optedOutIn = (error: ConditionalCheckFailedException): boolean => error.Item?.optedOut?.BOOL === true;

/** Removes an opted-out recipient from the due index (while it is still opted out). */
async function leaveIndex(run: RunState, recipient: DueRecipient): Promise<void> {
  try {
    await run.deps.ddb.send(
      new UpdateCommand({
        TableName: run.deps.table,
        Key: { recipientId: recipient.recipientId },
        UpdateExpression: 'REMOVE dueBucket, nextSendAt',
        ConditionExpression: 'optedOut = :true',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

async function handleRecipient(run: RunState, recipient: DueRecipient): Promise<Outcome> {
  const { ctx, deps } = run;
  if (!hasValidTimeZone(recipient) || typeof recipient.email !== 'string' || !recipient.email.includes('@')) {
    ctx.logger.warn('recipient skipped: it needs an IANA timeZone and an email address', {
      recipientId: recipient.recipientId,
      timeZone: recipient.timeZone,
      hasEmail: typeof recipient.email === 'string',
    });
    return 'invalid';
  }
  if (recipient.optedOut === true) {
    await leaveIndex(run, recipient);
    return 'opted-out';
  }
  const due = Date.parse(recipient.nextSendAt);
  const plan = planDelivery(due, recipient.timeZone, {
    slot: run.slotMs,
    now: run.now(),
    maxLatenessMs: ctx.payload.maxLatenessMinutes * 60_000,
  });
  if (plan.action === 'not-due') return 'already-claimed';
  const next = new Date(plan.next).toISOString();
  const key = { recipientId: recipient.recipientId };

  if (plan.action === 'expired') {
    try {
      await deps.ddb.send(
        new UpdateCommand({
          TableName: deps.table,
          Key: key,
          UpdateExpression: 'SET nextSendAt = :next',
          ConditionExpression: 'nextSendAt = :due',
          ExpressionAttributeValues: { ':next': next, ':due': recipient.nextSendAt },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return 'already-claimed';
      throw error;
    }
    ctx.logger.warn('promotion expired unsent: its morning is over', { recipientId: recipient.recipientId, localDate: plan.localDate, next });
    return 'expired';
  }

  // The claim: at most once per recipient and local date, opt-out re-checked by the write itself.
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: key,
        UpdateExpression: 'SET nextSendAt = :next, lastSentLocalDate = :localDate, lastSentSlot = :slot',
        ConditionExpression:
          'nextSendAt = :due AND (attribute_not_exists(optedOut) OR optedOut = :false) AND ' +
          '(attribute_not_exists(lastSentLocalDate) OR lastSentLocalDate < :localDate)',
        ExpressionAttributeValues: { ':next': next, ':due': recipient.nextSendAt, ':localDate': plan.localDate, ':slot': ctx.slot, ':false': false },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    if (optedOutIn(error)) {
      await leaveIndex(run, recipient);
      return 'opted-out';
    }
    return 'already-claimed';
  }

  // No email was attempted yet: whatever fails here, the claim goes back.
  let suppression: Awaited<ReturnType<typeof suppressionOf>>;
  try {
    suppression = await suppressionOf(deps.email.ses, recipient.email);
  } catch (error) {
    await release(run, recipient, plan.localDate, next);
    throw new RecipientSendError('released', `recipient '${recipient.recipientId}': suppression check failed, claim released: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (suppression === 'suppressed') return 'suppressed';
  if (suppression === 'unchecked' && !run.warnedUnchecked) {
    run.warnedUnchecked = true;
    ctx.logger.warn('the SES endpoint has no GetSuppressedDestination: sending without the suppression-list check');
  }

  try {
    await run.pacer.take();
    await sendEmail(deps.email, promotionMessage(recipient, ctx.payload.subject, plan.localDate));
    return 'sent';
  } catch (error) {
    if (!(error instanceof SESv2ServiceException && error.$fault === 'client')) {
      // SES may have sent it: keep the claim (at most once).
      throw new RecipientSendError('unknown', `recipient '${recipient.recipientId}': outcome unknown, claim kept: ${(error as Error).message}`, {
        cause: error,
      });
    }
    await release(run, recipient, plan.localDate, next);
    throw new RecipientSendError('released', `recipient '${recipient.recipientId}': SES refused (${error.name}), claim released: ${error.message}`, {
      cause: error,
    });
  }
}

/** Puts a claim back after SES refused the email, so that a retry or the next run sends it. */
async function release(run: RunState, recipient: DueRecipient, localDate: string, next: string): Promise<void> {
  const previous = recipient.lastSentLocalDate;
  await run.deps.ddb.send(
    new UpdateCommand({
      TableName: run.deps.table,
      Key: { recipientId: recipient.recipientId },
      UpdateExpression: previous ? 'SET nextSendAt = :due, lastSentLocalDate = :previous' : 'SET nextSendAt = :due REMOVE lastSentLocalDate',
      ConditionExpression: 'nextSendAt = :next AND lastSentLocalDate = :localDate AND lastSentSlot = :slot',
      ExpressionAttributeValues: {
        ':due': recipient.nextSendAt,
        ':next': next,
        ':localDate': localDate,
        ':slot': run.ctx.slot,
        ...(previous ? { ':previous': previous } : {}),
      },
    }),
  );
}

/** The job. */
export async function sendMorningPromotions(ctx: JobContext<PromotionPayload>, deps: PromotionDeps): Promise<PromotionResult | ContinuedLater> {
  const now = deps.now ?? Date.now;
  const { rate, fallback } = await accountSendRate(deps.email.ses);
  if (fallback) ctx.logger.warn('no send quota from SES GetAccount: sending at the sandbox rate', { sendRate: rate });
  const run: RunState = { ctx, deps, slotMs: ctx.scheduledTime.getTime(), now, pacer: new SendPacer(rate, { now, sleep: deps.sleep }), warnedUnchecked: false };
  const saved = await ctx.checkpoint.get<PromotionCheckpoint>();
  const counts: Record<Outcome, number> = { ...ZERO, ...saved?.counts };
  const sentBefore = counts.sent;
  const countSent = () => ctx.metrics.addMetric('PromotionEmailsSent', MetricUnit.Count, counts.sent - sentBefore);
  const concurrency = deps.concurrency ?? 10;
  let firstFailure = saved?.firstFailure;

  for (let b = saved?.bucketIndex ?? 0; b < DUE_BUCKETS.length; b++) {
    let cursor = b === saved?.bucketIndex ? saved.cursor : undefined;
    do {
      const page = await deps.ddb.send(
        new QueryCommand({
          TableName: deps.table,
          IndexName: deps.index,
          KeyConditionExpression: 'dueBucket = :bucket AND nextSendAt <= :slot',
          ExpressionAttributeValues: { ':bucket': DUE_BUCKETS[b], ':slot': ctx.slot },
          ExclusiveStartKey: cursor,
          Limit: deps.pageSize ?? 100,
        }),
      );
      const recipients = (page.Items ?? []) as DueRecipient[];
      await mapWithConcurrency(recipients, concurrency, async (recipient) => {
        try {
          counts[await handleRecipient(run, recipient)]++;
        } catch (error) {
          counts[error instanceof RecipientSendError ? error.outcome : 'unknown']++;
          firstFailure ??= (error as Error).message;
          ctx.logger.error('promotion failed', { recipientId: recipient.recipientId, error: error as Error });
        }
      });
      cursor = page.LastEvaluatedKey;
      const more = cursor !== undefined || b + 1 < DUE_BUCKETS.length;
      if (more && ctx.remainingTimeMs() < (deps.reserveMs ?? 60_000)) {
        const next: PromotionCheckpoint = cursor ? { bucketIndex: b, cursor, counts, firstFailure } : { bucketIndex: b + 1, counts, firstFailure };
        ctx.logger.info('morning promotions continue in a new invocation', { ...next });
        countSent();
        return ctx.continueLater(next);
      }
    } while (cursor);
  }
  countSent();
  const failed = counts.released + counts.unknown;
  if (failed > 0) {
    throw new PromotionSendError(
      `job '${ctx.job}': slot ${ctx.slot}: promotions failed: ${failed} (${counts.released} released for a retry, ` +
        `${counts.unknown} with an unknown outcome; first: ${firstFailure}); ${counts.sent} sent`,
    );
  }
  const result: PromotionResult = { slot: ctx.slot, sendRate: rate, counts };
  ctx.logger.info('morning promotions done', { ...result });
  return result;
}
