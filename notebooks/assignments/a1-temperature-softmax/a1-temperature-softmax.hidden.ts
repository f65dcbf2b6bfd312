// Hidden tests of A1 (kdlab assign): never released to students. Each section runs right after the test cell
// whose grade_id it names, and its points count towards that cell's metadata.nbgrader.points.
// The cases are drawn at random on every run: shapes, temperatures and logit scales the student cannot see.

// @hidden-tests softmax_tests
{
  const randInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
  check('softmaxT: matches kd.losses.softmaxWithTemperature on random logits and temperatures', 2, () => {
    for (let k = 0; k < 8; k++) {
      const [n, c, T, scale] = [randInt(1, 16), randInt(2, 12), 0.25 + Math.random() * 10, 10 * Math.random()];
      tf.tidy(() => {
        const z = tf.mul(tf.randomNormal([n, c]), scale) as tf.Tensor2D;
        checkClose(softmaxT(z, T), kd.losses.softmaxWithTemperature(z, T), { rtol: 1e-4, atol: 1e-6 });
      });
    }
  });
  check('softmaxT: finite and correct for logits up to ±1000', 1, () =>
    tf.tidy(() => {
      const z = tf.randomUniform([randInt(2, 8), randInt(2, 10)], -1000, 1000) as tf.Tensor2D;
      const T = 0.5 + Math.random() * 2;
      checkClose(softmaxT(z, T), kd.losses.softmaxWithTemperature(z, T), { rtol: 1e-4, atol: 1e-6 });
    }),
  );
}

// @hidden-tests kdloss_tests
{
  const randInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
  check('kdLossT: matches kd.losses.kdLoss on random logits and temperatures', 3, () => {
    for (const T of [1, 2, 4, 8, 0.5 + Math.random() * 10]) {
      const [n, c] = [randInt(1, 32), randInt(2, 12)];
      tf.tidy(() => {
        const s = tf.mul(tf.randomNormal([n, c]), 3) as tf.Tensor2D;
        const t = tf.mul(tf.randomNormal([n, c]), 3) as tf.Tensor2D;
        checkClose(kdLossT(s, t, T), kd.losses.kdLoss(s, t, { temperature: T }), { rtol: 1e-3, atol: 1e-5 });
      });
    }
  });
  check('kdLossT: finite and correct for logits up to ±100', 1, () =>
    tf.tidy(() => {
      const [n, c] = [randInt(2, 8), randInt(2, 10)];
      const s = tf.randomUniform([n, c], -100, 100) as tf.Tensor2D;
      const t = tf.randomUniform([n, c], -100, 100) as tf.Tensor2D;
      checkClose(kdLossT(s, t, 1), kd.losses.kdLoss(s, t, { temperature: 1 }), { rtol: 1e-3, atol: 1e-4 });
    }),
  );
}
