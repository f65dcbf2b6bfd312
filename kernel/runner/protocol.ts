/**
 * Jupyter messaging protocol 5.3, client side: message shapes, HMAC-SHA256 signing and the
 * multipart wire format (https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol).
 *
 * Wire frames: [routing ids..., '<IDS|MSG>', signature, header, parent_header, metadata, content, buffers...].
 * The signature is the hex HMAC of the four JSON frames, in that order, keyed by the connection file's key.
 */
import * as crypto from 'crypto';

export const DELIMITER = '<IDS|MSG>';
export const PROTOCOL_VERSION = '5.3';

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface Message<C = Record<string, any>> {
  header: Header;
  /** Empty object when the message has no parent. */
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** Signs and checks messages for one session (one key, one session id). */
export class Session {
  readonly id = crypto.randomUUID();
  private counter = 0;

  constructor(private readonly key: string, private readonly username = 'kdlab-run') {}

  /** Build a new request message. */
  message<C>(msgType: string, content: C, metadata: Record<string, unknown> = {}): Message<C> {
    return {
      header: {
        msg_id: `${this.id}_${process.pid}_${this.counter++}`,
        session: this.id,
        username: this.username,
        date: new Date().toISOString(),
        msg_type: msgType,
        version: PROTOCOL_VERSION,
      },
      parent_header: {},
      metadata,
      content,
      buffers: [],
    };
  }

  sign(frames: (string | Buffer)[]): string {
    if (!this.key) return '';
    const hmac = crypto.createHmac('sha256', this.key);
    for (const f of frames) hmac.update(f);
    return hmac.digest('hex');
  }

  /** Frames to send on a DEALER socket (no routing ids: the DEALER adds its own). */
  serialize(msg: Message): Buffer[] {
    const json = [msg.header, msg.parent_header, msg.metadata, msg.content].map((o) => Buffer.from(JSON.stringify(o), 'utf8'));
    return [Buffer.from(DELIMITER), Buffer.from(this.sign(json)), ...json, ...msg.buffers];
  }

  /**
   * Parse received frames. Throws when the delimiter is missing or the signature does not match:
   * an unsigned or forged message must never be acted upon.
   */
  deserialize(frames: Buffer[]): Message {
    const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString() === DELIMITER);
    if (at < 0 || frames.length < at + 6) throw new Error(`malformed Jupyter message: ${frames.length} frames, delimiter at ${at}`);
    const signature = frames[at + 1].toString();
    const json = frames.slice(at + 2, at + 6);
    const expected = this.sign(json);
    if (this.key && !timingSafeEqualHex(signature, expected)) {
      throw new Error('Jupyter message with an invalid HMAC signature was rejected');
    }
    const [header, parent, metadata, content] = json.map((b) => JSON.parse(b.toString('utf8')));
    return { header, parent_header: parent ?? {}, metadata: metadata ?? {}, content: content ?? {}, buffers: frames.slice(at + 6) };
  }
}

function timingSafeEqualHex(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && crypto.timingSafeEqual(ba, bb);
}
