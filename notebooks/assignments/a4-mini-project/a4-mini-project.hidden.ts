// Hidden tests of A4 (kdlab assign): never released to students. The section runs right after the test cell whose
// grade_id it names, and its points count towards that cell's metadata.nbgrader.points.
// The held-out set comes from the grader (heldOutSet(): Fashion-MNIST's test images, or the bundled digits outside
// kd.data.mnist()'s training split); no cell of the student's can read it. The thresholds are the notebook's rules:
// target 80 % (65 % in a --quick run), size limits 50,000 / 12,000 / 5,000 parameters, each only with the target.

// @hidden-tests project_tests
{
  const { data, source, quick } = heldOutSet();
  const target = quick ? 0.65 : 0.8;
  const pct = (a: number) => `${(100 * a).toFixed(1)} %`;
  // Measured once, on first use, inside a check: a missing or broken submission fails each test with the reason.
  let measured: { params: number; accuracy: number } | undefined;
  const scored = () => {
    if (!measured) {
      const model = submission?.model;
      if (!(model instanceof tf.LayersModel)) throw new Error('submission.model is not a tf.LayersModel');
      const r = kd.compress.measure(model, { test: data, latency: { runs: 1, warmup: 0 } });
      measured = { params: r.params, accuracy: r.accuracy ?? Number.NaN };
    }
    return measured;
  };
  const onTarget = () => {
    const { accuracy } = scored();
    if (!(accuracy >= target))
      throw new Error(
        `held-out accuracy ${pct(accuracy)} on ${data.n} ${source} images, below the target ${pct(target)}`,
      );
  };
  check(`held-out accuracy at least ${pct(target)} (the target)`, 3, onTarget);
  for (const [limit, points] of [
    [50_000, 2],
    [12_000, 2],
    [5_000, 2],
  ]) {
    check(`on target with at most ${limit.toLocaleString('en-US')} parameters`, points, () => {
      onTarget();
      const { params } = scored();
      if (params > limit)
        throw new Error(`${params.toLocaleString('en-US')} parameters, more than ${limit.toLocaleString('en-US')}`);
    });
  }
}
