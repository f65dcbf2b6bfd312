/**
 * Shared memory between the control thread (which receives interrupt_request) and the main thread (which runs
 * cells), so that an interrupt applies to the cell it was sent for even when the main thread learns of it late:
 * while it compiles a large cell, or while a callback blocks it with the cell still unread on the shell socket.
 *
 * The main thread publishes which execution is current and in what phase (one atomic word); the control thread,
 * on receiving an interrupt, records its sequence number and its target: the execution in progress, or the next
 * one to start when none is. The main thread settles a request when it applies it or finds its target gone, and
 * checks for unsettled ones when a cell starts and again right after compiling it. Both sides write before they
 * read the other's word (sequentially consistent atomics), so a request stored after the main thread's check
 * is seen by the control thread as "code running" and gets a SIGINT instead.
 */

/** Slots of the shared Int32Array. */
export const enum Slot {
  /** Highest sequence number a responsive main thread has seen (the control thread waits on it). */
  ack = 0,
  /** Sequence number of the last interrupt_request received (control thread). */
  requested = 1,
  /** The execution that request targets (control thread). */
  target = 2,
  /** The current execution and its phase: execution * 4 + Phase (main thread). */
  cell = 3,
  /** Sequence number of the last interrupt the control thread raised SIGINT for. */
  signalled = 4,
}
export const SLOTS = 5;

export const enum Phase {
  /** No cell's code in progress (between cells or idle). */
  idle = 0,
  /** A cell started: waiting for the library, compiling. A SIGINT now would not stop anything. */
  preparing = 1,
  /** The cell's code runs (under V8's SIGINT watchdog while synchronous). */
  running = 2,
}

export const execOf = (cell: number): number => cell >> 2;
export const phaseOf = (cell: number): Phase => cell & 3;

/** What the control thread records for an interrupt_request; returns nothing, the main thread reads it. */
export function requestInterrupt(shared: Int32Array, seq: number): void {
  const cell = Atomics.load(shared, Slot.cell);
  Atomics.store(shared, Slot.target, phaseOf(cell) === Phase.idle ? execOf(cell) + 1 : execOf(cell));
  Atomics.store(shared, Slot.requested, seq);
}

/** The main thread's side. */
export class InterruptState {
  readonly shared = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  private settled = 0;
  private signalsSeen = 0;
  private exec = 0;

  /** A cell starts: it becomes the target of interrupts; returns its execution number. */
  start(): number {
    this.exec++;
    this.setPhase(Phase.preparing);
    return this.exec;
  }

  /** Phase of the current execution (call `running` before the last check ahead of running its code). */
  setPhase(phase: Phase): void {
    Atomics.store(this.shared, Slot.cell, this.exec * 4 + phase);
  }

  current(): { exec: number; busy: boolean } {
    return { exec: this.exec, busy: phaseOf(Atomics.load(this.shared, Slot.cell)) !== Phase.idle };
  }

  /** The unsettled interrupt_request, if any. */
  pending(): { seq: number; target: number } | null {
    const seq = Atomics.load(this.shared, Slot.requested);
    if (seq <= this.settled) return null;
    return { seq, target: Atomics.load(this.shared, Slot.target) };
  }

  /** The main thread has seen requests up to `seq`: the control thread need not raise SIGINT for them. */
  acknowledge(seq: number): void {
    if (Atomics.load(this.shared, Slot.ack) >= seq) return;
    Atomics.store(this.shared, Slot.ack, seq);
    Atomics.notify(this.shared, Slot.ack);
  }

  /** Requests up to `seq` are applied or dropped. */
  settle(seq: number): void {
    this.settled = Math.max(this.settled, seq);
    this.acknowledge(seq);
  }

  /** V8's watchdog stopped a cell on a SIGINT: the control thread's signals so far will not reach the handler. */
  signalConsumed(): void {
    this.signalsSeen = Math.max(this.signalsSeen, Atomics.load(this.shared, Slot.signalled));
  }

  /** Whether a SIGINT received now was raised by the control thread (else it came from outside). */
  fromControlThread(): boolean {
    const s = Atomics.load(this.shared, Slot.signalled);
    if (s <= this.signalsSeen) return false;
    this.signalsSeen = s;
    return true;
  }
}
