/**
 * Compile-time checks of kd.terms: every `@ts-expect-error` line below MUST be a TypeScript error, or
 * `npm run build` (tsc) fails with "Unused '@ts-expect-error' directive". This is what makes a typo or a
 * wrong type in a notebook cell an error at the cell. The calls sit in a function that never runs.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';

function refusedByTheCompiler(): void {
  // @ts-expect-error misspelt option
  kd.terms.hinton({ temprature: 4 });
  // @ts-expect-error wrong type
  kd.terms.hinton({ alpha: '0.9' });
  // @ts-expect-error an option of another loss
  kd.terms.kd({ alpha: 0.9 });
  // @ts-expect-error fitnet has no options of its own
  kd.terms.fitnet({ p: 2 });
  // @ts-expect-error weighting is 'mean' | 'entropy' | 'confidence' | number[]
  kd.terms.multiTeacher({ weighting: 'max' });
  // @ts-expect-error labels come from the batch, not from the term
  kd.terms.multiTeacher({ labels: undefined });
  // @ts-expect-error Term field of the wrong type
  kd.terms.rkd({ weight: '2' });
  // @ts-expect-error transformPairs holds [a, b] index pairs
  kd.terms.irg({ transformPairs: [0, 1] });
  // @ts-expect-error misspelt Term field
  kd.terms.attention({ studentlayer: 'conv1' });
  // @ts-expect-error the loss-function options are typed too
  kd.losses.kdLoss(kd.tf.zeros([1, 2]), kd.tf.zeros([1, 2]), { temperture: 2 });
  // @ts-expect-error no such constructor
  kd.terms.hintn();
}

test('well-typed constructions compile and run (the refused ones are compile-time checks above)', () => {
  const terms: kd.distill.Term[] = [
    kd.terms.hinton({ temperature: 4, alpha: 0.9, weight: 1, name: 'soft' }),
    kd.terms.fitnet({ studentLayer: 'block1', teacherLayer: 'block1' }),
    kd.terms.rkd({ distanceWeight: 25, angleWeight: 50, teacherIndex: 0 }),
    kd.terms.multiTeacher({ weighting: [1, 2] }),
    kd.terms.irg({ studentLayer: ['a', 'b'], teacherLayer: ['a', 'b'] }),
    kd.terms.irg({
      studentLayer: ['a', 'b', 'c'],
      teacherLayer: ['a', 'b', 'c'],
      vertexWeight: 0,
      transformPairs: [[0, 1]],
    }),
  ];
  assert.deepEqual(
    terms.map((t) => t.loss),
    ['hinton', 'fitnet', 'rkd', 'multiTeacher', 'irg', 'irg'],
  );
  assert.equal(typeof refusedByTheCompiler, 'function');
});
