// Hidden tests of A2 (kdlab assign): never released to students. Each section runs right after the test cell
// whose grade_id it names, and its points count towards that cell's metadata.nbgrader.points.
// The cases are drawn at random on every run: shapes, powers, scales and layers the student cannot see.

// @hidden-tests attention_tests
{
  const randInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
  check('attentionMap: matches kd.losses.attentionMap on random shapes and powers p = 1, 2, 3, 4', 2, () => {
    for (const p of [1, 2, 3, 4, 0.5 + 3 * Math.random()]) {
      tf.tidy(() => {
        const f = tf.randomNormal([randInt(1, 4), randInt(1, 7), randInt(1, 7), randInt(1, 9)]) as tf.Tensor4D;
        checkClose(attentionMap(f, p), kd.losses.attentionMap(f, p), { rtol: 1e-4, atol: 1e-6 });
      });
    }
  });
  check('attentionMap: unchanged when the features are scaled by any positive factor', 1, () =>
    tf.tidy(() => {
      const f = tf.randomNormal([randInt(1, 3), randInt(2, 6), randInt(2, 6), randInt(1, 6)]) as tf.Tensor4D;
      const c = 10 ** (4 * Math.random() - 2);
      checkClose(attentionMap(tf.mul(f, c) as tf.Tensor4D), kd.losses.attentionMap(f), { rtol: 1e-3, atol: 1e-6 });
    }),
  );
}

// @hidden-tests at_tests
{
  const randInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
  const pair = () => {
    const [n, h, w] = [randInt(1, 5), randInt(1, 6), randInt(1, 6)];
    return [tf.randomNormal([n, h, w, randInt(1, 6)]), tf.randomNormal([n, h, w, randInt(1, 9)])] as tf.Tensor4D[];
  };
  check('atLoss: matches kd.losses.attentionTransferLoss on random shapes, channels and powers', 2, () => {
    for (const p of [1, 2, 3, 1 + 3 * Math.random()]) {
      tf.tidy(() => {
        const [s, t] = pair();
        checkClose(atLoss(s, t, p), kd.losses.attentionTransferLoss(s, t, { p }), { rtol: 1e-3, atol: 1e-7 });
      });
    }
  });
  check("atLoss: its gradient with respect to the student features equals the library's", 1, () =>
    tf.tidy(() => {
      const [s, t] = pair();
      const mine = tf.grad((x: tf.Tensor) => atLoss(x as tf.Tensor4D, t))(s);
      const theirs = tf.grad((x: tf.Tensor) => kd.losses.attentionTransferLoss(x, t))(s);
      checkClose(mine, theirs, { rtol: 1e-2, atol: 1e-6 });
    }),
  );
}

// @hidden-tests term_tests
{
  const layers = Math.random() < 0.5 ? ['block2', 'block1'] : ['block1'];
  const beta = 1 + Math.floor(Math.random() * 2000);
  const make = () => ({
    student: kd.models.cnnStudent({ inputShape: [12, 12, 1], filters: [3, 5], dense: [8], seed: 5 }),
    teacher: kd.models.cnnTeacher({ inputShape: [12, 12, 1], filters: [7, 9], dense: [8], seed: 6 }),
  });
  check(
    `atTerms: layers [${layers.join(', ')}], weight ${beta}: the total is the weighted sum of the library's AT losses`,
    1,
    () => {
      const m = make();
      const x = tf.randomNormal([6, 12, 12, 1]);
      const y = tf.zeros([6], 'int32') as tf.Tensor1D;
      const expected = layers.map((l) =>
        tf.tidy(() => {
          const fs = kd.features.extractor(m.student, [l])(x).features[l];
          const ft = kd.features.extractor(m.teacher, [l])(x).features[l];
          return kd.losses.attentionTransferLoss(fs, ft).dataSync()[0];
        }),
      );
      const terms = atTerms(layers, beta);
      const d = new kd.Distiller({ ...m, task: null, terms });
      const got = d.trainOnBatch({ x, y });
      d.dispose();
      tf.dispose([x, y]);
      m.student.dispose();
      m.teacher.dispose();
      checkEqual(
        terms.map((t) => t.name),
        layers.map((l) => `at_${l}`),
      );
      checkClose(got.total, beta * expected.reduce((a, b) => a + b, 0), { rtol: 1e-3 });
    },
  );
  check('atTerms: Distiller steps with the terms leave no tensors behind', 1, () => {
    const m = make();
    const x = tf.randomNormal([6, 12, 12, 1]);
    const y = tf.zeros([6], 'int32') as tf.Tensor1D;
    const d = new kd.Distiller({ ...m, task: null, terms: atTerms(['block1', 'block2'], 1000) });
    d.trainOnBatch({ x, y }); // the optimiser creates its slots on the first step
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) d.trainOnBatch({ x, y });
    const grew = tf.memory().numTensors - before;
    d.dispose();
    tf.dispose([x, y]);
    m.student.dispose();
    m.teacher.dispose();
    checkEqual(grew, 0);
  });
}
