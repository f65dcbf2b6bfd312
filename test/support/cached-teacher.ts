/**
 * The check shared by the tests of the library's cached teachers (hintonMnistTeacher, metricLearningSetting): the
 * teacher loaded from the cache has exactly the weights of the one that was trained, and both agree with a teacher
 * trained by hand with the recipe the function documents.
 */
import * as assert from 'node:assert/strict';
import { tf } from '../../lib';

export function assertCachedTeacher(trained: tf.LayersModel, cached: tf.LayersModel, byHand: tf.LayersModel): void {
  const a = trained.getWeights(),
    b = cached.getWeights(),
    c = byHand.getWeights();
  assert.equal(a.length, c.length);
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual(Array.from(b[i].dataSync()), Array.from(a[i].dataSync()), `cached weight ${i}`);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a[i], c[i]))).dataSync()[0]);
    assert.ok(d < 1e-5, `weight ${i} differs from the hand-written recipe by ${d}`);
  }
}
