/**
 * Jupyter messaging protocol 5.3, client side: the runner's session (message ids, username) on top of the
 * framing and HMAC-SHA256 signing shared with the kernel in kernel/wire/codec.ts
 * (https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol).
 */
import * as crypto from 'crypto';
import { decode, encode, Message, PROTOCOL_VERSION, Signer } from '../wire/codec';

export { PROTOCOL_VERSION } from '../wire/codec';
export type { Header, Message } from '../wire/codec';

/** Signs and checks messages for one session (one key, one session id). */
export class Session {
  readonly id = crypto.randomUUID();
  private counter = 0;
  private readonly signer: Signer;

  constructor(
    key: string,
    private readonly username = 'kdlab-run',
  ) {
    this.signer = new Signer(key);
  }

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

  /** Frames to send on a DEALER socket (no routing ids: the DEALER adds its own). */
  serialize(msg: Message): Buffer[] {
    return encode(this.signer, [], msg);
  }

  /**
   * Parse received frames. Throws when the delimiter is missing or the signature does not match:
   * an unsigned or forged message must never be acted upon. Null parent/metadata/content read as {}.
   * The content is the kernel's JSON, unchecked: messages.ts reads it as the msg_type's interface.
   */
  deserialize(frames: Buffer[]): Message<Record<string, unknown>> {
    const { msg } = decode(this.signer, frames);
    return { ...msg, parent_header: msg.parent_header ?? {}, metadata: msg.metadata ?? {}, content: msg.content ?? {} };
  }
}
