/**
 * Recurrent classifier (GRU, Cho et al. 2014, or LSTM, Hochreiter & Schmidhuber 1997) — the
 * "recurrent" structure family of the article's §3.1 — reading image rows or token sequences.
 *
 * Layer names:
 *   'input'            [28, 28, 1] image (or [T, F]) | [seqLength] int32 tokens
 *   'rows'             Reshape to [H, W·C] (image input of rank 3)
 *   'embed'            Embedding (token input)
 *   'rnn1'..'rnnN'     GRU/LSTM with `units`; all but the last return sequences ([T, units]);
 *                      the last returns its final state [units] — the natural hint layer
 *   'logits'           Dense to `classes`, linear
 * Params per layer (input width F, units u): LSTM 4(Fu + u² + u); GRU (tfjs, reset_after = false) 3(Fu + u² + u).
 */
import * as tf from '@tensorflow/tfjs';
import { checkPositiveInt, glorot, seeder } from './common';
import { SequenceInputOptions, sequenceInput } from './sequence';

export interface RecurrentOptions extends SequenceInputOptions {
  /** 'gru' (default) or 'lstm'. */
  cell?: 'gru' | 'lstm';
  /** Units of each recurrent layer (default 128). */
  units?: number;
  /** Number of stacked recurrent layers (default 1). */
  layers?: number;
  /** Token embedding size (default 64; token input only). */
  embedDim?: number;
  classes?: number;
  name?: string;
  seed?: number;
}

/**
 * tfjs warns "Orthogonal initializer is being called on a matrix with more than 2000 elements: Slowness
 * may result" for every recurrent kernel above 2000 weights (u ≥ 26 units); the QR it runs takes
 * milliseconds at these sizes, so that one message is filtered while the layer is built. Everything
 * else passes through.
 */
function withoutOrthogonalWarning<T>(fn: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Orthogonal initializer is being called')) return;
    warn.apply(console, args);
  };
  try {
    return fn();
  } finally {
    console.warn = warn;
  }
}

export function recurrent(opts: RecurrentOptions = {}): tf.LayersModel {
  const cell = opts.cell ?? 'gru';
  if (cell !== 'gru' && cell !== 'lstm')
    throw new Error(`recurrent: cell must be 'gru' or 'lstm', got '${String(cell)}'`);
  const units = checkPositiveInt(opts.units ?? 128, 'recurrent: units');
  const nLayers = checkPositiveInt(opts.layers ?? 1, 'recurrent: layers');
  const classes = checkPositiveInt(opts.classes ?? 10, 'recurrent: classes');
  const embedDim = checkPositiveInt(opts.embedDim ?? 64, 'recurrent: embedDim');
  const next = seeder(opts.seed ?? 0);
  const { inp, seq } = sequenceInput(opts, embedDim, 'recurrent', next());
  let h = seq;
  for (let i = 0; i < nLayers; i++) {
    const args = {
      units,
      returnSequences: i < nLayers - 1,
      name: `rnn${i + 1}`,
      kernelInitializer: glorot(next()),
      recurrentInitializer: tf.initializers.orthogonal({ gain: 1, seed: next() }),
    };
    const layer = cell === 'gru' ? tf.layers.gru(args) : tf.layers.lstm(args);
    h = withoutOrthogonalWarning(() => layer.apply(h) as tf.SymbolicTensor);
  }
  const out = tf.layers
    .dense({ units: classes, kernelInitializer: glorot(next()), name: 'logits' })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: out, name: opts.name ?? `${cell}_classifier` });
}
