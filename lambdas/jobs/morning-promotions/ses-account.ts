/**
 * The SES account calls of the job: the send rate (`GetAccount` → `SendQuota.MaxSendRate`) and the
 * account-level suppression list (`GetSuppressedDestination`: found means suppressed,
 * `NotFoundException` means not). A thin adapter.
 *
 * An endpoint that does not implement one of them (moto, which local mode runs on, implements
 * neither) answers 404 with a body that is no SES error; the SDK then throws an error that is not an
 * `SESv2ServiceException`. That case, and only that one, falls back: the sandbox rate of one email a
 * second, and "not suppressed"; the caller logs a warning. AWS itself always answers these calls with
 * a modelled error, which is thrown on.
 */
import {
  GetAccountCommand,
  GetSuppressedDestinationCommand,
  NotFoundException,
  SESv2ServiceException,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';

/** The send rate of a sandbox account, used when the endpoint has no `GetAccount`. */
export const FALLBACK_SEND_RATE = 1;

/** True when `error` is the endpoint's "no such operation" (a 404 that is no SES error). */
export function isUnimplemented(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status === 404 && !(error instanceof SESv2ServiceException);
}

/** The account's maximum send rate (emails a second), and whether it is the fallback. */
export async function accountSendRate(ses: SESv2Client): Promise<{ rate: number; fallback: boolean }> {
  try {
    const out = await ses.send(new GetAccountCommand({}));
    const rate = out.SendQuota?.MaxSendRate;
    if (typeof rate === 'number' && rate > 0) return { rate, fallback: false };
    return { rate: FALLBACK_SEND_RATE, fallback: true };
  } catch (error) {
    if (isUnimplemented(error)) return { rate: FALLBACK_SEND_RATE, fallback: true };
    throw error;
  }
}

/** `suppressed` when the address is on the account's suppression list; `unchecked` when the endpoint cannot tell. */
export async function suppressionOf(ses: SESv2Client, email: string): Promise<'suppressed' | 'not-suppressed' | 'unchecked'> {
  try {
    await ses.send(new GetSuppressedDestinationCommand({ EmailAddress: email }));
    return 'suppressed';
  } catch (error) {
    if (error instanceof NotFoundException) return 'not-suppressed';
    if (isUnimplemented(error)) return 'unchecked';
    throw error;
  }
}
