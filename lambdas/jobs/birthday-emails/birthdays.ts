/**
 * Whose birthday is it, and what to tell them. Pure.
 */
import { validateTimeZone } from '../../../lib/schedule';
import { wallClockAt } from '../../runtime/once-time';
import { escapeHtml, type EmailMessage } from '../payment-reminder/message';
import { ScheduledJobsError } from '../../runtime';

/** Environment variables of the birthday job. */
export const UsersEnv = {
  /** The users table (partition key `userId`). */
  TABLE_NAME: 'USERS_TABLE_NAME',
  /** Its month-day index (partition key `birthMonthDay`). */
  BIRTHDAY_INDEX: 'USERS_BIRTHDAY_INDEX',
} as const;

/** The users table's month-day index. */
export const BIRTHDAY_INDEX = 'byBirthMonthDay';

/** The job's payload. */
export interface BirthdayPayload {
  /**
   * The zone "today" is read in (the schedule's zone).
   * @default 'UTC'
   */
  readonly timeZone: string;
}

/** A user as the month-day index projects it. */
export interface BirthdayUser {
  readonly userId: string;
  readonly email: string;
  readonly name?: string;
  /** `MM-DD`. */
  readonly birthMonthDay: string;
}

/** The payload is not what the job expects. */
export class BirthdayPayloadError extends ScheduledJobsError {}

export function parseBirthdayPayload(raw: unknown): BirthdayPayload {
  const p = (raw ?? {}) as Record<string, unknown>;
  const timeZone = p.timeZone ?? 'UTC';
  try {
    validateTimeZone(timeZone as string);
  } catch (cause) {
    throw new BirthdayPayloadError(
      `birthday-emails payload: timeZone must be an IANA time zone such as 'Europe/London' (got ${JSON.stringify(timeZone)})`,
      { cause },
    );
  }
  return { timeZone: timeZone as string };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The day a run is for, and the birthdays (`MM-DD`) celebrated on it. */
export interface BirthdayDay {
  /** `YYYY-MM-DD` in the job's zone. */
  readonly date: string;
  readonly year: number;
  /** Whose birthdays: today's `MM-DD`, plus `02-29` on 28 February of a year without one. */
  readonly monthDays: readonly string[];
}

/** "Today" for a run: the slot's calendar date in `timeZone` (a late retry still means the scheduled day). */
export function birthdayDay(slot: Date, timeZone: string): BirthdayDay {
  const wall = wallClockAt(slot, timeZone);
  const monthDay = `${pad(wall.month)}-${pad(wall.day)}`;
  const monthDays = monthDay === '02-28' && !isLeapYear(wall.year) ? ['02-28', '02-29'] : [monthDay];
  return { date: `${wall.year}-${monthDay}`, year: wall.year, monthDays };
}

/** The email. */
export function birthdayMessage(user: BirthdayUser): EmailMessage {
  const greeting = user.name ? `Happy birthday, ${user.name}!` : 'Happy birthday!';
  return {
    to: user.email,
    subject: greeting,
    text: `${greeting}\n\nAll of us wish you a wonderful day.\n`,
    html: `<p><strong>${escapeHtml(greeting)}</strong></p><p>All of us wish you a wonderful day.</p>`,
  };
}
