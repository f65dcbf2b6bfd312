// Hidden tests of A3 (kdlab assign): never released to students. Each section runs right after the test cell
// whose grade_id it names, and its points count towards that cell's metadata.nbgrader.points.
// The cases are drawn at random on every run: batch sizes, widths, scales and weights the student cannot see.

// @hidden-tests distance_tests
{
  const randInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
  check('distancePotential: matches kd.losses.rkdPotentials on random batches and widths', 2, () => {
    for (let k = 0; k < 6; k++) {
      tf.tidy(() => {
        const x = tf.mul(
          tf.randomNormal([randInt(2, 12), randInt(1, 16)]),
          10 ** (3 * Math.random() - 1),
        ) as tf.Tensor2D;
        checkClose(distancePotential(x), kd.losses.rkdPotentials(x).distances, { rtol: 1e-3, atol: 1e-5 });
      });
    }
  });
  check('distancePotential: a repeated sample counts in μ with distance 0', 1, () =>
    tf.tidy(() => {
      const base = tf.randomNormal([randInt(3, 7), randInt(2, 5)]);
      const x = tf.concat([base, base.slice([0, 0], [2, -1])]) as tf.Tensor2D;
      checkClose(distancePotential(x), kd.losses.rkdPotentials(x).distances, { rtol: 1e-3, atol: 1e-5 });
    }),
  );
}

// @hidden-tests angle_tests
{
  const randInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
  check('anglePotential: matches kd.losses.rkdPotentials on random batches and widths', 2, () => {
    for (let k = 0; k < 6; k++) {
      tf.tidy(() => {
        const x = tf.mul(
          tf.randomNormal([randInt(2, 10), randInt(1, 16)]),
          10 ** (3 * Math.random() - 1),
        ) as tf.Tensor2D;
        checkClose(anglePotential(x), kd.losses.rkdPotentials(x).angles, { atol: 1e-4 });
      });
    }
  });
  check("anglePotential: repeated samples give the library's cosines (0 for a degenerate direction)", 1, () =>
    tf.tidy(() => {
      const base = tf.randomNormal([randInt(3, 6), randInt(2, 5)]);
      const x = tf.concat([base, base.slice([1, 0], [2, -1])]) as tf.Tensor2D;
      checkClose(anglePotential(x), kd.losses.rkdPotentials(x).angles, { atol: 1e-4 });
    }),
  );
}

// @hidden-tests loss_tests
{
  const randInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
  const batch = () => {
    const n = randInt(3, 10);
    return [tf.randomNormal([n, randInt(1, 8)]), tf.mul(tf.randomNormal([n, randInt(1, 16)]), 5)] as tf.Tensor2D[];
  };
  check('rkdLoss: matches kd.losses.rkdLoss on random batches, widths and weights', 2, () => {
    for (let k = 0; k < 5; k++) {
      tf.tidy(() => {
        const [s, t] = batch();
        const [wd, wa] = k === 0 ? [25, 50] : [100 * Math.random(), 100 * Math.random()];
        const expected = kd.losses.rkdLoss(s, t, { distanceWeight: wd, angleWeight: wa });
        checkClose(k === 0 ? rkdLoss(s, t) : rkdLoss(s, t, wd, wa), expected, { rtol: 1e-3, atol: 1e-6 });
      });
    }
  });
  check("rkdLoss: its gradient with respect to the student equals the library's", 1, () =>
    tf.tidy(() => {
      const [s, t] = batch();
      const mine = tf.grad((x: tf.Tensor) => rkdLoss(x as tf.Tensor2D, t))(s);
      const theirs = tf.grad((x: tf.Tensor) => kd.losses.rkdLoss(x, t))(s);
      checkClose(mine, theirs, { rtol: 1e-2, atol: 1e-5 });
    }),
  );
}
