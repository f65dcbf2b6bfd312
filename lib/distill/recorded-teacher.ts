/**
 * A teacher's outputs recorded once, for students that see the same, un-augmented samples every epoch: the
 * Distiller then reads them instead of running the teacher on every batch of every epoch — for a small student
 * and a large teacher most of the cost of a distillation step. The recording is a view of the training set
 * (`views[view]`, one logit vector per sample, so it is shuffled with its sample) and the "teacher" is the
 * identity on that view; the terms see exactly what the live teacher in inference mode would give them.
 * Not for training with `augment`: views are never jittered, so the student would see shifted digits while
 * the recording holds the teacher's outputs for the unshifted ones.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data';
import { predict } from './evaluate';

export interface RecordedTeacher {
  /** `ds` with the recorded outputs as `views[teacherView]`. */
  data: Dataset;
  /** The identity on the recording: pass it as the Distiller's `teacher`, with `teacherView`. */
  teacher: tf.LayersModel;
  teacherView: string;
}

/**
 * Runs `teacher` once over `ds` and returns the training set with its outputs attached (see the file comment).
 * Used in chapter 2 (the students of §2.1 and §2.4).
 */
export function recordTeacher(teacher: tf.LayersModel, ds: Dataset, opts: { view?: string } = {}): RecordedTeacher {
  if (!(teacher instanceof tf.LayersModel)) throw new Error('recordTeacher: teacher must be a tf.LayersModel');
  const view = opts.view ?? 'teacher';
  if (typeof view !== 'string' || view === '')
    throw new Error(`recordTeacher: view must be a non-empty name, got ${JSON.stringify(view)}`);
  if (ds?.views?.[view] != null)
    throw new Error(`recordTeacher: the dataset already has a view '${view}'; pick another name`);
  const outputs = predict(teacher, ds);
  const width = outputs.shape[1];
  const values = outputs.dataSync() as Float32Array;
  outputs.dispose();
  const input = tf.input({ shape: [width], name: 'recorded_outputs' });
  const identity = tf.layers.activation({ activation: 'linear', name: 'recorded_logits' }).apply(input);
  return {
    data: { ...ds, views: { ...ds.views, [view]: { x: values, sampleShape: [width] } } },
    teacher: tf.model({ inputs: input, outputs: identity as tf.SymbolicTensor, name: `${teacher.name}_recorded` }),
    teacherView: view,
  };
}
