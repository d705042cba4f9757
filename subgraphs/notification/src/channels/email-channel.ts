import nodemailer, { type Transporter } from 'nodemailer';
import type { NotificationChannel, OutgoingNotification, Recipient } from './channel';

/** How to reach the SMTP server, and as whom to send. */
export interface SmtpSettings {
  /**
   * `smtp://[user:pass@]host:port` (STARTTLS when the server offers it) or `smtps://...` (TLS
   * from the first byte); when set, `host`/`port`/`secure`/`user`/`password` are ignored.
   */
  url?: string;
  host?: string;
  /** Default 587. */
  port?: number;
  /** TLS from the first byte (port 465). Default false (STARTTLS when offered). */
  secure?: boolean;
  user?: string;
  password?: string;
  /** The From header: `"E-book Rental" <no-reply@ebook.example>`. */
  from: string;
  /** Connection, greeting and socket timeouts, ms (default 10 000): a hung server is a failed attempt, retried. */
  timeoutMs?: number;
}

/** Default From header. */
export const DEFAULT_FROM = '"E-book Rental" <no-reply@ebook.local>';

/**
 * The e-mail channel: plain-text mails through an SMTP server with nodemailer, one connection per
 * message (nothing to go stale while a server restarts). The `Message-ID` is derived from the
 * delivery's idempotency key, so a mail system that sees one twice can drop the repeat.
 */
export class EmailChannel implements NotificationChannel {
  readonly name = 'email';
  private readonly transport: Transporter;

  constructor(private readonly settings: SmtpSettings) {
    const timeout = settings.timeoutMs ?? 10_000;
    const timeouts = { connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout };
    this.transport = settings.url
      ? nodemailer.createTransport({ url: settings.url, ...timeouts })
      : nodemailer.createTransport({
          host: settings.host ?? 'localhost',
          port: settings.port ?? 587,
          secure: settings.secure ?? false,
          ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
          ...timeouts,
        });
  }

  canReach(recipient: Recipient): boolean {
    return !!recipient.email;
  }

  async send(message: OutgoingNotification): Promise<void> {
    await this.transport.sendMail({
      from: this.settings.from,
      to: { name: message.recipient.name, address: message.recipient.email! },
      subject: message.subject,
      text: message.body,
      messageId: `<${message.idempotencyKey}@notification.ebook-rental>`,
      headers: { 'Content-Language': message.locale },
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
