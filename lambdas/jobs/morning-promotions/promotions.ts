/**
 * The recipients table as the `morning-promotions` job sees it, its payload and its email. Pure.
 *
 * A recipient item (partition key `recipientId`):
 * - `email`, `name` (optional), `timeZone` (IANA), `optedOut` (boolean, optional);
 * - `dueBucket` and `nextSendAt`, the keys of the sparse due index: `nextSendAt` is the ISO UTC
 *   instant of the recipient's next local 08:00, `dueBucket` one of {@link DUE_BUCKETS} partitions
 *   (from the recipient id), which spread the index's writes over several partitions instead of one
 *   hot key. A recipient without them (opted out) is not in the index at all;
 * - `lastSentLocalDate` (`YYYY-MM-DD` on the recipient's clock) and `lastSentSlot`, written by the
 *   claim that precedes each send.
 */
import { RECIPIENT_TIME_ZONE_HEADER } from '../../../lib/contract';
import { validateTimeZone } from '../../../lib/schedule';
import { ScheduledJobsError } from '../../runtime';
import { escapeHtml, type EmailMessage } from '../payment-reminder/message';
import { MORNING, nextSendAfter, type LocalTime } from './delivery-time';

/** The job's name. */
export const MORNING_PROMOTIONS_JOB = 'morning-promotions';

/** Environment variables of the job. */
export const PromotionsEnv = {
  /** The recipients table (partition key `recipientId`). */
  TABLE_NAME: 'PROMOTIONS_TABLE_NAME',
  /** Its sparse due index (partition key `dueBucket`, sort key `nextSendAt`). */
  DUE_INDEX: 'PROMOTIONS_DUE_INDEX',
  /** The sender address (an SES identity). */
  EMAIL_FROM: 'PROMOTIONS_EMAIL_FROM',
  /** The SES configuration set the emails are sent with. */
  EMAIL_CONFIGURATION_SET: 'PROMOTIONS_EMAIL_CONFIGURATION_SET',
} as const;

/** The recipients table's sparse due index. */
export const DUE_INDEX = 'byNextSendAt';

/** The due index's partitions: `due-0` ... `due-3`. Writers and the job must agree on them. */
export const DUE_BUCKETS: readonly string[] = ['due-0', 'due-1', 'due-2', 'due-3'];

/** The attributes the due index projects besides its keys (and the table's key). */
export const DUE_INDEX_PROJECTION: readonly string[] = ['email', 'name', 'timeZone', 'optedOut', 'lastSentLocalDate'];

/** The due-index partition of a recipient: a stable hash of its id. */
export function dueBucketOf(recipientId: string): string {
  let h = 0;
  for (let i = 0; i < recipientId.length; i++) h = (h * 31 + recipientId.charCodeAt(i)) >>> 0;
  return DUE_BUCKETS[h % DUE_BUCKETS.length]!;
}

/**
 * The attributes that put a recipient in the due index from `now` on: its bucket and its next
 * local send time. Whoever creates a recipient or opts one back in writes them.
 */
export function enrollment(recipientId: string, timeZone: string, now: Date, time: LocalTime = MORNING): { dueBucket: string; nextSendAt: string } {
  return { dueBucket: dueBucketOf(recipientId), nextSendAt: new Date(nextSendAfter(now.getTime(), timeZone, time)).toISOString() };
}

/** A recipient as the due index projects it. */
export interface DueRecipient {
  readonly recipientId: string;
  readonly dueBucket: string;
  readonly nextSendAt: string;
  readonly email: string;
  readonly name?: string;
  readonly timeZone: string;
  readonly optedOut?: boolean;
  readonly lastSentLocalDate?: string;
}

/** The job's payload. */
export interface PromotionPayload {
  /**
   * The promotion's subject line.
   * @default "Today's offer"
   */
  readonly subject: string;
  /**
   * How late (in minutes after the recipient's 08:00) a promotion may still go out; past that the
   * day is skipped.
   * @default 240
   */
  readonly maxLatenessMinutes: number;
}

/** The payload is not what the job expects. */
export class PromotionPayloadError extends ScheduledJobsError {}

export function parsePromotionPayload(raw: unknown): PromotionPayload {
  const p = (raw ?? {}) as Record<string, unknown>;
  const subject = p.subject ?? "Today's offer";
  if (typeof subject !== 'string' || subject.trim() === '') {
    throw new PromotionPayloadError(`morning-promotions payload: subject must be a non-empty string (got ${JSON.stringify(subject)})`);
  }
  const lateness = p.maxLatenessMinutes ?? 240;
  if (typeof lateness !== 'number' || !Number.isInteger(lateness) || lateness < 0 || lateness > 1440) {
    throw new PromotionPayloadError(
      `morning-promotions payload: maxLatenessMinutes must be an integer from 0 to 1440 (got ${JSON.stringify(lateness)})`,
    );
  }
  return { subject, maxLatenessMinutes: lateness };
}

/** True when the recipient's zone is one `Intl` knows. */
export function hasValidTimeZone(recipient: Pick<DueRecipient, 'timeZone'>): boolean {
  try {
    validateTimeZone(recipient.timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The email of `localDate`. */
export function promotionMessage(recipient: DueRecipient, subject: string, localDate: string): EmailMessage {
  const greeting = recipient.name ? `Good morning, ${recipient.name}!` : 'Good morning!';
  const body = `Here is today's offer (${localDate}). You receive this email every morning; reply STOP or use the link in your account to opt out.`;
  return {
    to: recipient.email,
    subject,
    text: `${greeting}\n\n${body}\n`,
    html: `<p><strong>${escapeHtml(greeting)}</strong></p><p>${escapeHtml(body)}</p>`,
    // The clock the email is timed to: local mode shows each send at its recipient's local time.
    headers: { [RECIPIENT_TIME_ZONE_HEADER]: recipient.timeZone },
  };
}
