import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  envelope: { from: string; to: string[] };
  user?: string;
  parsed: ParsedMail;
  from: string[];
  to: string[];
}

/** An SMTP reply to give instead of accepting: `451 try later`, `550 no such user`. */
export interface SmtpRefusal {
  code: number;
  message: string;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 without TLS, requiring AUTH PLAIN/LOGIN with the given
 * user, that parses every accepted message (mailparser) and can refuse at RCPT TO or after DATA.
 */
export class CaptureSmtpServer {
  readonly mails: CapturedMail[] = [];
  /** Refuse recipients with this reply. */
  refuseRcpt?: SmtpRefusal;
  /** Refuse the login with this text (a careless server may quote what it got). */
  refuseAuth?: (password: string) => string;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(credentials: { username: string; password: string }): Promise<CaptureSmtpServer> {
    // The handlers are built before the server exists; they reach it through this holder.
    const holder: { capture?: CaptureSmtpServer } = {};
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth(auth, _session, callback) {
        const refuse = holder.capture?.refuseAuth;
        if (refuse) return callback(withCode(new Error(refuse(auth.password ?? '')), 535));
        if (auth.username === credentials.username && auth.password === credentials.password)
          return callback(null, { user: auth.username });
        callback(withCode(new Error('Invalid username or password'), 535));
      },
      onRcptTo(_address, _session, callback) {
        const refusal = holder.capture?.refuseRcpt;
        callback(refusal ? withCode(new Error(refusal.message), refusal.code) : null);
      },
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (parsed) => {
            holder.capture?.mails.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              user: typeof session.user === 'string' ? session.user : undefined,
              parsed,
              from: addresses(parsed.from),
              to: addresses(parsed.to),
            });
            callback();
          },
          (e: Error) => callback(e),
        );
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port));
    });
    holder.capture = new CaptureSmtpServer(server, port);
    return holder.capture;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function withCode(e: Error, responseCode: number): Error {
  return Object.assign(e, { responseCode });
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a) => a.value.map((v) => v.address ?? ''));
}

/** A TCP server that accepts connections and never says a word (no SMTP greeting): for timeouts. */
export async function silentTcpServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
