/**
 * Sending one email through SES v2 (`SendEmail`, simple content). A thin adapter: the message
 * itself is built by pure functions of each job.
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { EmailMessage } from './message';
import { ScheduledJobsError } from '../../runtime';

export { escapeHtml, type EmailMessage } from './message';


/** Where emails come from. */
export interface EmailSender {
  readonly ses: SESv2Client;
  /** A verified identity (address or an address of a verified domain). */
  readonly from: string;
  /** The configuration set (event publishing, suppression). @default none */
  readonly configurationSet?: string;
}

/** Sends `message`; resolves with SES's message id. */
export async function sendEmail(sender: EmailSender, message: EmailMessage): Promise<string | undefined> {
  const out = await sender.ses.send(
    new SendEmailCommand({
      FromEmailAddress: sender.from,
      Destination: { ToAddresses: [message.to] },
      ...(sender.configurationSet ? { ConfigurationSetName: sender.configurationSet } : {}),
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: message.text, Charset: 'UTF-8' },
            ...(message.html ? { Html: { Data: message.html, Charset: 'UTF-8' } } : {}),
          },
          ...(message.headers ? { Headers: Object.entries(message.headers).map(([Name, Value]) => ({ Name, Value })) } : {}),
        },
      },
    }),
  );
  return out.MessageId;
}


/** A variable the function needs is not set (the construct sets it; an imported function must). */
export class MissingEnvironmentError extends ScheduledJobsError {
  constructor(message: string) {
    super(message);
  }
}

/** Reads a required environment variable, with an error that names it and its owner. */
export function requiredEnv(owner: string, name: string, env: Record<string, string | undefined> = process.env): string {
  const value = env[name];
  if (!value) throw new MissingEnvironmentError(`${owner}: environment variable ${name} is not set`);
  return value;
}
