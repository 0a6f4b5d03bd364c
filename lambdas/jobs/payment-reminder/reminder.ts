/**
 * The payment reminder: one email per subscription and expiry date, sent by the one-time schedule
 * the subscriptions function keeps at 09:00 (customer's zone) three days before the expiry.
 *
 * Exactly-once as far as SES allows:
 * - the runtime claims the slot, so a second delivery of the same schedule does nothing;
 * - a conditional write on the subscription claims the reminder for (subscription, expiry) before
 *   sending, on condition that the subscription is still active with that expiry and no other run
 *   has claimed it: a rescheduled or repeated reminder for the same expiry never sends twice;
 * - a retry of the same run (after SES failed) may send, as its claim is its own.
 * The one window left is a crash between SES accepting the email and the claim being marked SENT:
 * the retry sends again (SES has no idempotency key).
 *
 * A reminder whose subscription was cancelled, deleted or renewed since it was scheduled is not
 * sent; the run succeeds with a result saying why, which the run record keeps.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobContext } from '../../runtime';
import { parseSubscription, SubscriptionDataError, type ReminderPayload, type Subscription } from '../subscriptions/model';
import { escapeHtml, sendEmail, type EmailMessage, type EmailSender } from './email';

export interface ReminderDeps {
  readonly ddb: DynamoDBDocumentClient;
  /** The subscriptions table. */
  readonly table: string;
  readonly email: EmailSender;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Why a reminder was not sent. */
export type SkipReason = 'subscription-not-found' | 'subscription-not-active' | 'expiry-changed' | 'already-sent' | 'claimed-by-another-run' | 'invalid-subscription';

export type ReminderDecision =
  | { readonly send: true; readonly subscription: Subscription }
  | { readonly send: false; readonly skipped: SkipReason; readonly reason: string };

/** What the run record keeps. */
export interface ReminderResult {
  readonly subscriptionId: string;
  readonly expiresOn: string;
  readonly sent: boolean;
  readonly messageId?: string;
  readonly skipped?: SkipReason;
  readonly reason?: string;
}

/**
 * Whether the reminder scheduled for `payload` should go out, given the subscription as it is now.
 * `slot` is this run's: a claim this run holds (`SENDING` from a failed attempt) is no obstacle.
 */
export function decideReminder(payload: ReminderPayload, item: Record<string, unknown> | undefined, slot: string): ReminderDecision {
  if (!item) {
    return { send: false, skipped: 'subscription-not-found', reason: `subscription '${payload.subscriptionId}' no longer exists` };
  }
  let subscription: Subscription;
  try {
    subscription = parseSubscription(item);
  } catch (error) {
    if (!(error instanceof SubscriptionDataError)) throw error;
    return { send: false, skipped: 'invalid-subscription', reason: error.message };
  }
  if (subscription.status !== 'active') {
    return { send: false, skipped: 'subscription-not-active', reason: `subscription is ${subscription.status}` };
  }
  if (subscription.expiresOn !== payload.expiresOn) {
    return {
      send: false,
      skipped: 'expiry-changed',
      reason: `scheduled for expiry ${payload.expiresOn}, the subscription now expires on ${subscription.expiresOn}`,
    };
  }
  if (subscription.reminderSentFor === payload.expiresOn) {
    if (subscription.reminderStatus === 'SENT') {
      return { send: false, skipped: 'already-sent', reason: `the reminder for expiry ${payload.expiresOn} was already sent` };
    }
    if (subscription.reminderSlot !== slot) {
      return {
        send: false,
        skipped: 'claimed-by-another-run',
        reason: `the reminder for expiry ${payload.expiresOn} is being sent by the run of ${subscription.reminderSlot}`,
      };
    }
  }
  return { send: true, subscription };
}

/** The email: plain text and HTML. */
export function reminderMessage(subscription: Subscription): EmailMessage {
  const [y, m, d] = subscription.expiresOn.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
  const greeting = subscription.name ? `Hello ${subscription.name},` : 'Hello,';
  const plan = subscription.plan ? `Your ${subscription.plan} subscription` : 'Your subscription';
  const text = `${greeting}\n\n${plan} expires on ${date}. Renew before then to keep it without interruption.\n`;
  const html =
    `<p>${escapeHtml(greeting)}</p>` +
    `<p>${escapeHtml(plan)} expires on <strong>${escapeHtml(date)}</strong>. Renew before then to keep it without interruption.</p>`;
  return { to: subscription.email, subject: `Your subscription expires on ${date}`, text, html };
}

async function readSubscription(deps: ReminderDeps, subscriptionId: string): Promise<Record<string, unknown> | undefined> {
  const out = await deps.ddb.send(new GetCommand({ TableName: deps.table, Key: { subscriptionId }, ConsistentRead: true }));
  return out.Item;
}

/** The job. */
export async function sendPaymentReminder(ctx: JobContext<ReminderPayload>, deps: ReminderDeps): Promise<ReminderResult> {
  const { subscriptionId, expiresOn } = ctx.payload;
  const now = deps.now ?? (() => new Date());
  const skip = (decision: Extract<ReminderDecision, { send: false }>): ReminderResult => {
    ctx.logger.info('payment reminder not sent', { subscriptionId, expiresOn, skipped: decision.skipped, reason: decision.reason });
    ctx.metrics.addMetric('RemindersSkipped', MetricUnit.Count, 1);
    return { subscriptionId, expiresOn, sent: false, skipped: decision.skipped, reason: decision.reason };
  };

  let decision = decideReminder(ctx.payload, await readSubscription(deps, subscriptionId), ctx.slot);
  if (!decision.send) return skip(decision);

  // Claim (subscription, expiry), re-checking everything the decision was based on.
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: { subscriptionId },
        UpdateExpression: 'SET reminderSentFor = :expiry, reminderStatus = :sending, reminderSlot = :slot, reminderClaimedAt = :now',
        ConditionExpression:
          'attribute_exists(subscriptionId) AND #status = :active AND expiresOn = :expiry AND ' +
          '(attribute_not_exists(reminderSentFor) OR reminderSentFor <> :expiry OR (reminderStatus = :sending AND reminderSlot = :slot))',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':expiry': expiresOn, ':sending': 'SENDING', ':slot': ctx.slot, ':active': 'active', ':now': now().toISOString() },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // Changed between the read and the claim: tell why from what it is now.
    decision = decideReminder(ctx.payload, await readSubscription(deps, subscriptionId), ctx.slot);
    return skip(
      decision.send
        ? { send: false, skipped: 'claimed-by-another-run', reason: 'another run claimed the reminder first' }
        : decision,
    );
  }

  const messageId = await sendEmail(deps.email, reminderMessage(decision.subscription));
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.table,
        Key: { subscriptionId },
        UpdateExpression: 'SET reminderStatus = :sent, reminderSentAt = :now, reminderMessageId = :id',
        ConditionExpression: 'reminderSentFor = :expiry AND reminderSlot = :slot',
        ExpressionAttributeValues: { ':sent': 'SENT', ':now': now().toISOString(), ':id': messageId ?? 'unknown', ':expiry': expiresOn, ':slot': ctx.slot },
      }),
    );
  } catch (error) {
    // The email is out; a subscription renewed in the meantime needs no SENT mark for this expiry.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  ctx.metrics.addMetric('RemindersSent', MetricUnit.Count, 1);
  ctx.logger.info('payment reminder sent', { subscriptionId, expiresOn, messageId });
  return { subscriptionId, expiresOn, sent: true, messageId };
}
