/**
 * How sequence models (recurrent, transformer) read their input: either an image read row by row
 * (28 time steps of 28 features, as in the row-by-row MNIST RNN benchmarks) or a token sequence.
 *   image:  'input' [H, W, C] → 'rows' Reshape [H, W·C]                           (→ optionally a projection)
 *   tokens: 'input' [seqLength] int32 → 'embed' Embedding(vocabSize, embedDim)
 */
import * as tf from '@tensorflow/tfjs';
import { checkPositiveInt, checkShape, input } from './common';

export interface TokenInput {
  vocabSize: number;
  seqLength: number;
}

export interface SequenceInputOptions {
  /** Image shape [H, W, C] read as H steps of W·C features (default [28, 28, 1]). Ignored if `tokens` is set. */
  inputShape?: number[];
  /** Read integer token ids instead of an image. */
  tokens?: TokenInput;
}

/** Returns the model input and the [T, F] sequence built from it (embedDim used for tokens). */
export function sequenceInput(
  opts: SequenceInputOptions,
  embedDim: number,
  where: string,
  seed: number,
): { inp: tf.SymbolicTensor; seq: tf.SymbolicTensor; isTokens: boolean } {
  if (opts.tokens) {
    const vocabSize = checkPositiveInt(opts.tokens.vocabSize, `${where}: tokens.vocabSize`);
    const seqLength = checkPositiveInt(opts.tokens.seqLength, `${where}: tokens.seqLength`);
    const inp = input([seqLength], 'int32');
    const seq = tf.layers
      .embedding({
        inputDim: vocabSize,
        outputDim: embedDim,
        name: 'embed',
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }),
      })
      .apply(inp) as tf.SymbolicTensor;
    return { inp, seq, isTokens: true };
  }
  const shape = checkShape(opts.inputShape ?? [28, 28, 1], `${where}: inputShape`);
  const inp = input(shape);
  if (shape.length === 2) return { inp, seq: inp, isTokens: false };
  if (shape.length !== 3)
    throw new Error(`${where}: inputShape must be [H, W, C] or [T, F], got [${shape.join(', ')}]`);
  const seq = tf.layers
    .reshape({ targetShape: [shape[0], shape[1] * shape[2]], name: 'rows' })
    .apply(inp) as tf.SymbolicTensor;
  return { inp, seq, isTokens: false };
}
