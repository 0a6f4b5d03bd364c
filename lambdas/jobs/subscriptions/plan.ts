/**
 * What a change to a subscription means for its payment reminder. Pure: the stream handler applies
 * the decision with the one-time scheduler.
 */
import { MIN_LEAD_MS } from '../../runtime/once-request';
import { parseSubscription, reminderInstant, reminderKey, SubscriptionDataError, type ReminderPayload, type Subscription } from './model';

export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

export type ReminderAction =
  /** A new subscription: create its reminder (an existing one with the key stays as it is). */
  | { readonly kind: 'schedule'; readonly key: string; readonly at: Date; readonly timeZone: string; readonly payload: ReminderPayload; readonly reason: string }
  /** The expiry (or zone) changed: move the reminder, creating it if there is none. */
  | { readonly kind: 'reschedule'; readonly key: string; readonly at: Date; readonly timeZone: string; readonly payload: ReminderPayload; readonly reason: string }
  /** Cancelled, deleted, or the reminder time has passed: remove any pending reminder. */
  | { readonly kind: 'cancel'; readonly key: string; readonly reason: string }
  /** Nothing to do (another attribute changed). */
  | { readonly kind: 'none'; readonly reason: string }
  /** The item cannot be used (logged, not retried: retrying would not fix the data). */
  | { readonly kind: 'invalid'; readonly reason: string };

function tryParse(image: Record<string, unknown> | undefined): Subscription | SubscriptionDataError | undefined {
  if (!image) return undefined;
  try {
    return parseSubscription(image);
  } catch (error) {
    if (error instanceof SubscriptionDataError) return error;
    throw error;
  }
}

/**
 * Decides the reminder action for one stream record. The reminder is due at 09:00 in the
 * customer's zone, three days before `expiresOn`; one that would be due less than a minute from
 * `now` (expiry too close) is not scheduled.
 */
export function planReminder(
  eventName: StreamEventName,
  oldImage: Record<string, unknown> | undefined,
  newImage: Record<string, unknown> | undefined,
  now: Date,
): ReminderAction {
  if (eventName === 'REMOVE') {
    const id = oldImage?.subscriptionId;
    if (typeof id !== 'string' || id.length === 0) return { kind: 'invalid', reason: 'removed item has no subscriptionId' };
    return { kind: 'cancel', key: reminderKey(id), reason: 'subscription deleted' };
  }
  const next = tryParse(newImage);
  if (next === undefined) return { kind: 'invalid', reason: `${eventName} record without a new image` };
  if (next instanceof SubscriptionDataError) return { kind: 'invalid', reason: next.message };
  const previous = tryParse(oldImage);
  const before = previous instanceof SubscriptionDataError ? undefined : previous;
  const key = reminderKey(next.subscriptionId);

  if (next.status !== 'active') {
    if (eventName === 'MODIFY' && before && before.status === next.status) {
      return { kind: 'none', reason: `still ${next.status}` };
    }
    return eventName === 'INSERT'
      ? { kind: 'none', reason: `created ${next.status}` }
      : { kind: 'cancel', key, reason: `subscription ${next.status}` };
  }

  const changed =
    eventName === 'INSERT' || !before || before.status !== 'active' || before.expiresOn !== next.expiresOn || before.timeZone !== next.timeZone;
  if (!changed) return { kind: 'none', reason: 'expiry, zone and status unchanged' };

  const at = reminderInstant(next.expiresOn, next.timeZone);
  if (at.getTime() < now.getTime() + MIN_LEAD_MS) {
    return eventName === 'INSERT'
      ? { kind: 'none', reason: `reminder time ${at.toISOString()} has passed` }
      : { kind: 'cancel', key, reason: `reminder time ${at.toISOString()} has passed` };
  }
  const payload: ReminderPayload = { subscriptionId: next.subscriptionId, expiresOn: next.expiresOn };
  if (eventName === 'INSERT') {
    return { kind: 'schedule', key, at, timeZone: next.timeZone, payload, reason: 'new subscription' };
  }
  const reason = before && before.status === 'active' ? `expiry ${before.expiresOn} -> ${next.expiresOn}` : 'subscription reactivated';
  return { kind: 'reschedule', key, at, timeZone: next.timeZone, payload, reason };
}
