/**
 * Headers a job may set on the emails it sends (SES v2 `Content.Simple.Headers`), read by local
 * mode to show what was sent.
 */

/**
 * The IANA zone of the recipient's clock, on an email timed to it (`Europe/Berlin`). Local mode's
 * `cdk-jobs dev` reads it from the SendEmail request to show each email's local send time
 * (`sent[].timeZone` of `--json`).
 */
export const RECIPIENT_TIME_ZONE_HEADER = 'X-Recipient-Time-Zone';
