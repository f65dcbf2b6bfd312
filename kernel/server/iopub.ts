/**
 * The iopub sender, run in the control thread (control-worker.ts) so that output keeps flowing while a cell
 * blocks the main thread — the role of ipykernel's IO thread.
 *
 * No output is ever lost:
 *  - stream writes are coalesced: consecutive writes to the same stream of the same cell become one `stream`
 *    message, sent FLUSH_MS after the first of them or as soon as FLUSH_CHARS characters are waiting, and
 *    before any other message (so the order of everything a cell outputs is kept). 200,000 console.log calls
 *    are a few hundred messages, not 200,000;
 *  - messages are sent one at a time, in order, each send awaited; nothing is sent while a send is pending;
 *  - the PUB socket is created with no high-water mark (zeromq drops a PUB message, silently, when a
 *    subscriber's queue reaches it, the default being 1,000 messages): a slow subscriber costs memory, never
 *    output, status messages included.
 */
import type { Header } from '../wire/codec';

/** How long a stream write may wait for more writes to join it. */
export const FLUSH_MS = 50;
/** A stream message is sent once this many characters are waiting, whatever the time. */
export const FLUSH_CHARS = 64 * 1024;

export interface IopubSocket {
  send(frames: Buffer[]): Promise<void>;
}

interface PendingStream {
  name: 'stdout' | 'stderr';
  parent: Header | null;
  text: string;
}

export class IopubSender {
  private pending: PendingStream | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly queue: Buffer[][] = [];
  private sending: Promise<void> | null = null;

  /** `encodeStream` builds the signed frames of a stream message; `onError` hears about failed sends. */
  constructor(
    private readonly socket: IopubSocket,
    private readonly encodeStream: (name: string, text: string, parent: Header | null) => Buffer[],
    private readonly onError: (e: unknown) => void,
  ) {}

  stream(name: 'stdout' | 'stderr', text: string, parent: Header | null): void {
    const p = this.pending;
    if (p && (p.name !== name || p.parent?.msg_id !== parent?.msg_id)) this.flushStream();
    if (this.pending) this.pending.text += text;
    else {
      this.pending = { name, parent, text };
      this.timer = setTimeout(() => this.flushStream(), FLUSH_MS);
    }
    if (this.pending.text.length >= FLUSH_CHARS) this.flushStream();
  }

  /** Any other message, already signed: goes out after the stream text written before it. */
  message(frames: Buffer[]): void {
    this.flushStream();
    this.enqueue(frames);
  }

  /** Resolves once everything handed over so far has been given to the socket. */
  async drain(): Promise<void> {
    this.flushStream();
    while (this.sending) await this.sending;
  }

  private flushStream(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const p = this.pending;
    this.pending = null;
    if (p) this.enqueue(this.encodeStream(p.name, p.text, p.parent));
  }

  private enqueue(frames: Buffer[]): void {
    this.queue.push(frames);
    if (!this.sending) this.sending = this.pump();
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const frames = this.queue.shift()!;
      try {
        await this.socket.send(frames);
      } catch (e) {
        this.onError(e);
      }
    }
    this.sending = null;
  }
}
