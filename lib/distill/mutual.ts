/**
 * Online distillation by deep mutual learning (Zhang, Xiang, Hospedales & Lu, "Deep Mutual Learning",
 * CVPR 2018): two students train together from scratch, each on its labels plus the KL divergence to the
 * other's current predictions — no pre-trained teacher. Per batch (the paper's Algorithm 1):
 *   θ₁ ← θ₁ − η ∇θ₁ [ CE(y, p₁) + w · T² · KL(p₂ ‖ p₁) ]      with p₂ from the peer as it is now
 *   θ₂ ← θ₂ − η ∇θ₂ [ CE(y, p₂) + w · T² · KL(p₁′ ‖ p₂) ]     with p₁′ from the just-updated first student
 * (p = softmax(logits / T); the paper uses T = 1, w = 1).
 *
 * It reuses the Distiller rather than a second loop: the first student is this Distiller's student with the
 * second as its (frozen for that step) teacher; `peer` is the mirror-image Distiller. `fit` is the Distiller's
 * own loop; only the step is extended to update the peer after the first student. The peer's predictions are
 * taken in inference mode (as every Distiller teacher's), which differs from the paper only for models with
 * dropout or batch statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { Distiller } from './distiller';
import { terms } from '../losses/terms';
import type { Batch } from '../data/batches';

export interface MutualLearningConfig {
  /** The two students, trained together; both are updated, both must output the same number of classes. */
  students: [tf.LayersModel, tf.LayersModel];
  /** Temperature of the mutual KL term (default 1, as the paper). */
  temperature?: number;
  /** Weight w of the mutual KL term against the cross-entropy (default 1, as the paper). */
  weight?: number;
  /** Each student gets its own optimizer of this spec (default Adam 1e-3); an optimizer instance cannot be shared. */
  optimizer?: { name: 'adam' | 'sgd' | 'momentum'; learningRate: number; momentum?: number };
  /** Batch order and dropout noise, as Distiller's seed (default 0). */
  seed?: number;
}

/**
 * Deep mutual learning: `fit` trains `student` and `peer.student` together (see the file comment). The
 * History's losses hold the first student's 'task', 'mutual', 'total' and the peer's as 'peer_task',
 * 'peer_mutual', 'peer_total'; its validation is the first student's.
 * Used in chapter 3 (§3.3, online distillation).
 * @example
 * const dml = new kd.distill.MutualLearning({ students: [a, b], seed: 0 });
 * await dml.fit(train, { epochs: 10, batchSize: 64 });
 * dml.dispose();
 */
export class MutualLearning extends Distiller {
  /** The mirror-image Distiller: the second student, taught by the first. */
  readonly peer: Distiller;

  constructor(config: MutualLearningConfig) {
    const { students, seed, optimizer } = checkConfig(config);
    const mutual = () => [
      terms.kd({ temperature: config.temperature ?? 1, weight: config.weight ?? 1, name: 'mutual' }),
    ];
    super({ student: students[0], teacher: students[1], task: 'crossEntropy', terms: mutual(), optimizer, seed });
    this.peer = new Distiller({
      student: students[1],
      teacher: students[0],
      task: 'crossEntropy',
      terms: mutual(),
      optimizer,
      seed,
    });
    // fit reports lossNames: the peer's keys go after the first student's.
    this.lossNames.push(...this.peer.lossNames.map((n) => `peer_${n}`));
  }

  /** One step of each student on the same batch, the first student first (returns both students' losses). */
  override trainOnBatch(b: Batch): Record<string, number> {
    const own = super.trainOnBatch(b);
    const peer = this.peer.trainOnBatch(b);
    for (const [n, v] of Object.entries(peer)) own[`peer_${n}`] = v;
    return own;
  }

  /** Frees both students' optimizer states; the models stay. */
  override dispose(): void {
    super.dispose();
    this.peer.dispose();
  }
}

function checkConfig(config: MutualLearningConfig) {
  if (config == null || typeof config !== 'object')
    throw new Error(`MutualLearning config: expected { students: [a, b], ... }, got ${String(config)}`);
  const s = config.students;
  if (!Array.isArray(s) || s.length !== 2 || !s.every((m) => m instanceof tf.LayersModel))
    throw new Error(
      `MutualLearning: students must be an array of two tf.LayersModels, got ${Array.isArray(s) ? `${s.length} items` : typeof s}`,
    );
  if (s[0] === s[1])
    throw new Error('MutualLearning: the two students must be different models, got the same one twice');
  const width = (m: tf.LayersModel) => m.outputs[0].shape[m.outputs[0].shape.length - 1];
  if (width(s[0]) !== width(s[1]))
    throw new Error(
      `MutualLearning: the students must output the same classes, got ${width(s[0])} and ${width(s[1])} outputs`,
    );
  if (config.optimizer != null && config.optimizer instanceof tf.Optimizer)
    throw new Error(
      'MutualLearning: optimizer must be a spec like { name: "adam", learningRate: 1e-3 }, not an optimizer instance (each student needs its own)',
    );
  return { students: s, seed: config.seed, optimizer: config.optimizer };
}
