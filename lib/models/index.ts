/**
 * kd.models — model builders returning tf.LayersModels with stable, meaningful layer names
 * (each builder's file documents its names; the Distiller selects hint/attention layers by them),
 * deterministic initial weights for a given `seed`, and summary() for size/FLOPs tables.
 * All classifiers output LOGITS (no softmax layer).
 */
export { mlp, hintonTeacher, hintonStudent, tinyMlp, MlpOptions } from './mlp';
export { cnn, cnnTeacher, cnnStudent, CnnOptions } from './cnn';
export { recurrent, RecurrentOptions } from './recurrent';
export { unrollRecurrent, UnrolledRecurrent } from './unroll';
export { transformer, TransformerOptions } from './transformer';
export { embeddingNet, EmbeddingNetOptions } from './embedding';
export { adapter, AdapterOptions } from './adapter';
export { summary, ModelSummary, LayerSummary } from './summary';
export { layerShape, inputShapeOf } from './common';
export { TokenInput } from './sequence';
export { LayerNorm, LayerNormArgs } from './layer-norm';
export {
  MultiHeadSelfAttention,
  MultiHeadSelfAttentionArgs,
  PositionEmbedding,
  L2Normalize,
  SeededDropout,
  SeededDropoutArgs,
} from './layers';
