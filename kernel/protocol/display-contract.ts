/**
 * The kernel/display contract (owned by the display part, see CONTRACTS.md), restated structurally so the
 * protocol layer compiles and runs whether or not kernel/display is present, plus the minimal fallback used
 * when it is not: plain-text values and a text progress line updated in place.
 */
import { inspect } from 'util';

export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface DisplaySink {
  display(b: MimeBundle, opts?: { id?: string }): void;
  update(b: MimeBundle, id: string): void;
  clear(wait?: boolean): void;
}

export interface RichDisplayLike {
  toBundle(value: unknown, ctx?: { displayId?: string }): MimeBundle | null;
  executionStarted(): void;
  outputCleared(): void;
}

/** The subset of TrainingCallbacks (kd.distill) the fallback progress bar implements. */
export interface ProgressCallbacks {
  onTrainBegin?(e: { epochs: number; batchesPerEpoch: number }): void;
  onBatchEnd?(e: { epoch: number; epochs: number; batch: number; batchesPerEpoch: number; losses: Record<string, number> }): void;
  onEpochEnd?(e: { epoch: number; epochs: number; losses: Record<string, number> }): void;
  onTrainEnd?(e: unknown): void;
}

export interface DisplayModule {
  RichDisplay: new () => RichDisplayLike;
  progressBar(sink: DisplaySink, opts?: { title?: string }): unknown;
}

let counter = 0;

/** kernel/display when it has been built, otherwise the fallback below. */
export function loadDisplayModule(): { module: DisplayModule; fallback: boolean } {
  try {
    const m = require('../display') as Partial<DisplayModule>;
    if (typeof m.RichDisplay === 'function' && typeof m.progressBar === 'function') {
      return { module: m as DisplayModule, fallback: false };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
  }
  return { module: fallbackDisplay, fallback: true };
}

const fallbackDisplay: DisplayModule = {
  RichDisplay: class {
    toBundle(): MimeBundle | null {
      return null;
    }
    executionStarted(): void {}
    outputCleared(): void {}
  },
  progressBar(sink: DisplaySink, opts?: { title?: string }): ProgressCallbacks {
    const id = `kdlab-progress-${process.pid}-${++counter}`;
    const title = opts?.title ? `${opts.title}: ` : '';
    const text = (s: string): MimeBundle => ({ data: { 'text/plain': title + s }, metadata: {} });
    const losses = (l: Record<string, number>) => Object.entries(l).map(([k, v]) => `${k}=${v.toPrecision(4)}`).join(' ');
    return {
      onTrainBegin: (e) => sink.display(text(`epoch 0/${e.epochs}`), { id }),
      onBatchEnd: (e) => sink.update(text(`epoch ${e.epoch + 1}/${e.epochs} batch ${e.batch + 1}/${e.batchesPerEpoch} ${losses(e.losses)}`), id),
      onEpochEnd: (e) => sink.update(text(`epoch ${e.epoch + 1}/${e.epochs} ${losses(e.losses)}`), id),
      onTrainEnd: () => undefined,
    };
  },
};

/** The text/plain every value gets, the way Node's REPL shows it. */
export function plainText(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 50, breakLength: 100 });
}
