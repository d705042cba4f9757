/**
 * A real SMTP server for tests (the `smtp-server` package, in process, 127.0.0.1): it accepts
 * every message, parses it with `mailparser` and keeps it, so a test can read what was
 * delivered. `stop()` and `start()` again on the same port make a real outage (connections
 * refused) and a recovery.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message the server accepted. */
export interface ReceivedMail {
  /** Envelope recipients (RCPT TO). */
  to: string[];
  from: string;
  subject: string;
  /** Plain-text body. */
  text: string;
  messageId: string;
  /** The `Content-Language` header. */
  language: string | undefined;
}

/** A running test SMTP server and what it received. */
export class SmtpTestServer {
  /** Every accepted message, in order. */
  readonly received: ReceivedMail[] = [];
  private server: SMTPServer | undefined;
  private constructor(private boundPort: number) {}

  /** Starts a server on `port` (0 = any free port). */
  static async start(port = 0): Promise<SmtpTestServer> {
    const s = new SmtpTestServer(port);
    await s.start();
    return s;
  }

  /** `smtp://127.0.0.1:<port>` (plain SMTP, no authentication). */
  get url(): string {
    return `smtp://127.0.0.1:${this.boundPort}`;
  }

  /** The messages whose recipients include `address`. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address.toLowerCase()));
  }

  /** (Re)starts listening on the port it had (or any free port the first time). */
  async start(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.received.push({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              messageId: mail.messageId ?? '',
              language: mail.headers.get('content-language') as string | undefined,
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
    server.listen(this.boundPort, '127.0.0.1');
    await once(server.server, 'listening');
    this.boundPort = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open connections (an outage: connections are refused). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
