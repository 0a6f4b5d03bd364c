/**
 * The subscriptions table's items and the payment reminder they lead to. Pure: shared by the
 * subscriptions function (which schedules reminders) and the payment-reminder job (which sends them).
 */
import { validateTimeZone } from '../../../lib/schedule';
import { addDays, instantOfWallClock } from '../../runtime/once-time';
import { ScheduledJobsError } from '../../runtime';

/** Environment variables of the subscriptions function and the payment-reminder job. */
export const SubscriptionsEnv = {
  /** The subscriptions table (partition key `subscriptionId`). */
  TABLE_NAME: 'SUBSCRIPTIONS_TABLE_NAME',
  /** The verified sender address of reminder emails. */
  EMAIL_FROM: 'EMAIL_FROM_ADDRESS',
  /** The SES configuration set the emails are sent with. */
  EMAIL_CONFIGURATION_SET: 'EMAIL_CONFIGURATION_SET',
} as const;

/** The one-time job that sends the reminders. */
export const PAYMENT_REMINDER_JOB = 'payment-reminder';
/** How many days before expiry the reminder goes out. */
export const REMINDER_DAYS_BEFORE = 3;
/** The local hour (in the customer's zone) at which it goes out. */
export const REMINDER_HOUR = 9;

/** A subscription as stored (only the attributes the reminders use). */
export interface Subscription {
  readonly subscriptionId: string;
  readonly email: string;
  readonly name?: string;
  readonly plan?: string;
  /** Only `active` subscriptions get a reminder. */
  readonly status: string;
  /** The last day of the paid period, `YYYY-MM-DD` (a calendar date in the customer's zone). */
  readonly expiresOn: string;
  /** The customer's IANA zone. */
  readonly timeZone: string;
  /** The expiry a reminder was claimed for (`SENDING`) or sent for (`SENT`). */
  readonly reminderSentFor?: string;
  readonly reminderStatus?: 'SENDING' | 'SENT';
  /** The run (slot) that claimed the reminder. */
  readonly reminderSlot?: string;
}

/** What the reminder job receives: which subscription, and the expiry it was scheduled for. */
export interface ReminderPayload {
  readonly subscriptionId: string;
  readonly expiresOn: string;
}

/** A subscription item or reminder payload that cannot be used as it is. */
export class SubscriptionDataError extends ScheduledJobsError {}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a `YYYY-MM-DD` calendar date (rejecting 2027-02-30 and the like). */
export function parseCalendarDate(text: unknown): { year: number; month: number; day: number } | undefined {
  const match = typeof text === 'string' ? DATE.exec(text) : null;
  if (!match) return undefined;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

/** Checks an item read from the table (or a stream image); throws SubscriptionDataError naming the field. */
export function parseSubscription(item: Record<string, unknown>): Subscription {
  const id = item.subscriptionId;
  const where = typeof id === 'string' && id ? `subscription '${id}'` : 'subscription';
  const fail = (field: string, expected: string): never => {
    throw new SubscriptionDataError(`${where}: ${field} must be ${expected} (got ${JSON.stringify(item[field]) ?? 'nothing'})`);
  };
  if (typeof id !== 'string' || id.length === 0) fail('subscriptionId', 'a non-empty string');
  if (typeof item.email !== 'string' || !item.email.includes('@')) fail('email', 'an email address');
  if (typeof item.status !== 'string') fail('status', "a string such as 'active'");
  if (!parseCalendarDate(item.expiresOn)) fail('expiresOn', 'a date YYYY-MM-DD');
  try {
    validateTimeZone(item.timeZone as string);
  } catch {
    fail('timeZone', "an IANA time zone such as 'Europe/Paris'");
  }
  return item as unknown as Subscription;
}

/** Checks the reminder job's payload. */
export function parseReminderPayload(raw: unknown): ReminderPayload {
  const p = (raw ?? {}) as Record<string, unknown>;
  if (typeof p.subscriptionId !== 'string' || p.subscriptionId.length === 0) {
    throw new SubscriptionDataError(`payment reminder payload: subscriptionId must be a non-empty string (got ${JSON.stringify(p.subscriptionId) ?? 'nothing'})`);
  }
  if (!parseCalendarDate(p.expiresOn)) {
    throw new SubscriptionDataError(`payment reminder payload: expiresOn must be a date YYYY-MM-DD (got ${JSON.stringify(p.expiresOn) ?? 'nothing'})`);
  }
  return { subscriptionId: p.subscriptionId, expiresOn: p.expiresOn as string };
}

/** When the reminder for a subscription expiring on `expiresOn` goes out: 09:00 in its zone, 3 days before. */
export function reminderInstant(expiresOn: string, timeZone: string): Date {
  const date = parseCalendarDate(expiresOn);
  if (!date) throw new SubscriptionDataError(`expiresOn must be a date YYYY-MM-DD (got ${JSON.stringify(expiresOn)})`);
  const wall = addDays({ ...date, hour: REMINDER_HOUR, minute: 0, second: 0 }, -REMINDER_DAYS_BEFORE);
  return instantOfWallClock(wall, timeZone);
}

/** The one-time schedule key of a subscription's reminder: one pending reminder per subscription. */
export function reminderKey(subscriptionId: string): string {
  return subscriptionId;
}
