/**
 * An email message and the HTML escaping its bodies need. Pure (no SDK), so the message builders
 * and the constructs can import it without loading the SES client.
 */

/** A message to one recipient. */
export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** Extra headers of the message (SES v2 `Content.Simple.Headers`). @default none */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Escapes text for HTML bodies. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
