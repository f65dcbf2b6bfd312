/**
 * The Jupyter wire protocol, version 5.3 (https://jupyter-client.readthedocs.io/en/latest/messaging.html):
 *
 *   [routing ids..., "<IDS|MSG>", hmac, header, parent_header, metadata, content, buffers...]
 *
 * The HMAC is HMAC-SHA256 (the scheme named in the connection file) over the four JSON frames, hex encoded.
 * Every incoming message is verified with a constant-time comparison before anything in it is trusted;
 * an empty key disables signing, exactly as the spec says. A signed message is accepted once: its signature
 * is remembered (ReplayGuard), so a captured message sent again is refused, as ipykernel does. A message
 * whose frames are not the four JSON objects the spec requires (a `null` header, a header without msg_type,
 * broken JSON) is rejected with an error naming the frame; the kernel logs it and keeps serving.
 * The one implementation of framing and signing: the kernel (server) uses it directly, the runner (client,
 * kernel/runner/protocol.ts) wraps it in its Session.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'crypto';

export const PROTOCOL_VERSION = '5.3';
const DELIMITER = Buffer.from('<IDS|MSG>');

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** A Jupyter message; the content's shape depends on msg_type (server/messages.ts, runner/messages.ts read it). */
export interface Message<C = Record<string, unknown>> {
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** A decoded message plus the routing ids needed to answer it on a ROUTER socket. */
export interface Incoming {
  ids: Buffer[];
  msg: Message;
}

export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureError';
  }
}

export class Signer {
  private readonly key: Buffer;
  constructor(
    key: string,
    readonly scheme = 'hmac-sha256',
  ) {
    if (scheme !== 'hmac-sha256') {
      throw new Error(`signature_scheme: expected 'hmac-sha256', got '${scheme}'`);
    }
    this.key = Buffer.from(key, 'utf8');
  }

  /** Hex HMAC over the header, parent, metadata and content frames ('' when the key is empty). */
  sign(frames: Buffer[]): string {
    if (this.key.length === 0) return '';
    const h = createHmac('sha256', this.key);
    for (const f of frames) h.update(f);
    return h.digest('hex');
  }

  /** Constant-time check of a received signature; never short-circuits on the first differing byte. */
  verify(signature: Buffer, frames: Buffer[]): boolean {
    if (this.key.length === 0) return true;
    const expected = Buffer.from(this.sign(frames), 'ascii');
    if (signature.length !== expected.length) return false;
    return timingSafeEqual(signature, expected);
  }
}

export class ReplayError extends Error {
  constructor() {
    super('replayed message: this signature was accepted before');
    this.name = 'ReplayError';
  }
}

/** The signatures of recently accepted messages; bounded like ipykernel's digest history (oldest forgotten). */
export class ReplayGuard {
  private readonly seen = new Set<string>();
  constructor(private readonly capacity = 1 << 16) {}

  /** Records `signature`; false if it was already there. Empty signatures (no key) are never recorded. */
  accept(signature: string): boolean {
    if (signature === '') return true;
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}

const FRAMES = ['header', 'parent_header', 'metadata', 'content'] as const;

/**
 * Splits raw frames at the delimiter, verifies the signature, refuses a replay (when given a guard), parses
 * and checks the JSON frames. Throws SignatureError for a bad signature, ReplayError for a replay and Error
 * naming what is wrong for a malformed message.
 */
export function decode(signer: Signer, frames: Buffer[], replays?: ReplayGuard): Incoming {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new Error('malformed message: no <IDS|MSG> delimiter');
  if (frames.length < at + 6)
    throw new Error(`malformed message: expected 5 frames after the delimiter, got ${frames.length - at - 1}`);
  const ids = frames.slice(0, at);
  const signature = frames[at + 1];
  const body = frames.slice(at + 2, at + 6);
  if (!signer.verify(signature, body)) {
    throw new SignatureError('invalid HMAC signature');
  }
  if (replays && !replays.accept(signature.toString('latin1'))) throw new ReplayError();
  const [header, parent_header, metadata, content] = body.map((b, i) => {
    let v: unknown;
    try {
      v = JSON.parse(b.toString('utf8'));
    } catch (e) {
      throw new Error(`malformed message: ${FRAMES[i]} frame is not JSON (${(e as Error).message})`, { cause: e });
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new Error(
        `malformed message: ${FRAMES[i]} frame must be a JSON object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`,
      );
    }
    return v as Record<string, unknown>;
  });
  for (const field of ['msg_id', 'msg_type'] as const) {
    if (typeof header[field] !== 'string' || header[field] === '') {
      throw new Error(
        `malformed message: header.${field} must be a non-empty string, got ${JSON.stringify(header[field])}`,
      );
    }
  }
  return {
    ids,
    msg: { header: header as unknown as Header, parent_header, metadata, content, buffers: frames.slice(at + 6) },
  };
}

/** Serialises and signs a message, prefixed by the routing ids (none for PUB). */
export function encode(signer: Signer, ids: Buffer[], msg: Message<object>): Buffer[] {
  const body = [msg.header, msg.parent_header, msg.metadata, msg.content].map((o) =>
    Buffer.from(JSON.stringify(o), 'utf8'),
  );
  return [...ids, DELIMITER, Buffer.from(signer.sign(body), 'ascii'), ...body, ...msg.buffers];
}

/** A new message whose parent is `parent` (or none, e.g. the 'starting' status). */
export function makeMessage<C extends object>(
  msgType: string,
  content: C,
  parent: Partial<Header> | null,
  session: string,
): Message<C> {
  return {
    header: {
      msg_id: randomUUID(),
      msg_type: msgType,
      session,
      username: parent?.username ?? 'kernel',
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: parent ?? {},
    metadata: {},
    content,
    buffers: [],
  };
}

/** `execute_request` -> `execute_reply` etc. */
export function replyType(requestType: string): string {
  return requestType.endsWith('_request')
    ? requestType.slice(0, -'_request'.length) + '_reply'
    : requestType + '_reply';
}
