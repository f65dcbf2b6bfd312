/**
 * The live page's script (a plain script, so it runs from file://; ../live.ts puts ./digit-input's compiled module
 * before it as window.kdlabDigitInput). The reader draws on the pad with a mouse, finger or pen (pointer events) or
 * the keyboard (arrows move the pen, Space lifts and lowers it); each finished stroke is turned into the 28×28 MNIST
 * input (shown beside the pad) and fed to every model of window.KDLAB_LIVE, loaded with TensorFlow.js from the
 * embedded weights (tf.io.fromMemory, no fetch). The temperature slider re-softens the logits without re-running
 * the models. Each probability is also kept in a data-p attribute (full precision) for tests.
 */
(function () {
  interface LiveModel {
    role: string;
    label: string;
    modelTopology: object;
    weightSpecs: object[];
    /** base64 of the (quantized) weight data. */
    weights: string;
  }
  interface TfLike {
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    tensor2d(values: Float32Array, shape: [number, number]): { dispose(): void };
    loadLayersModel(handler: unknown): Promise<{
      predict(x: unknown): { data(): Promise<Float32Array>; dispose(): void };
    }>;
    io: { fromMemory(artifacts: object): unknown };
  }
  interface DigitInput {
    toMnistInput(ink: ArrayLike<number>, w: number, h: number): Float32Array | null;
    softmax(logits: ArrayLike<number>, t: number): number[];
    entropyBits(p: ArrayLike<number>): number;
  }
  const w = window as unknown as {
    tf?: TfLike;
    KDLAB_LIVE?: { models: LiveModel[] };
    kdlabDigitInput?: DigitInput;
  };
  const pad = document.getElementById('live-pad') as HTMLCanvasElement | null;
  const seen = document.getElementById('live-input') as HTMLCanvasElement | null;
  const slider = document.getElementById('live-temperature') as HTMLInputElement | null;
  const shownT = document.getElementById('live-t');
  const status = document.getElementById('live-status');
  const results = document.getElementById('live-results');
  const clear = document.getElementById('live-clear') as HTMLButtonElement | null;
  const digits = w.kdlabDigitInput;
  if (!pad || !seen || !slider || !shownT || !status || !results || !clear || !digits) return;
  const say = (text: string) => (status.textContent = text);
  if (!w.tf || !w.KDLAB_LIVE) {
    say('The models could not be loaded: assets/tf.min.js or assets/live-models.js is missing.');
    return;
  }
  const tf = w.tf;
  const models = w.KDLAB_LIVE.models;
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  let logits: Float32Array[] | null = null;

  function fromBase64(b64: string): ArrayBuffer {
    const s = atob(b64);
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    return bytes.buffer;
  }

  // Pen: a stroke width about MNIST's (2–3 of 28 pixels for a digit filling the pad's height).
  function pen(): void {
    ctx.lineWidth = pad!.width / 14;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = getComputedStyle(pad!).color;
  }
  let last: { x: number; y: number } | null = null;
  const at = (e: PointerEvent) => {
    const r = pad.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * pad.width) / r.width, y: ((e.clientY - r.top) * pad.height) / r.height };
  };
  function line(from: { x: number; y: number }, to: { x: number; y: number }): void {
    pen();
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  }
  pad.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    try {
      pad.setPointerCapture(e.pointerId); // keeps the stroke when the pointer leaves the pad
    } catch {
      /* an untrusted (script-made) event has no active pointer to capture */
    }
    last = at(e);
    line(last, last);
  });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    line(last, p);
    last = p;
  });
  const end = () => {
    if (!last) return;
    last = null;
    void classify();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);

  // Keyboard drawing: a pen position shown as a ring while the pad has focus.
  const key = { x: pad.width / 2, y: pad.height / 2, down: false };
  pad.addEventListener('keydown', (e) => {
    const step = pad.width / 20;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    if (e.key === ' ' || e.key === 'Enter') {
      e.preventDefault();
      key.down = !key.down;
      if (key.down) line(key, key);
      else void classify();
      say(key.down ? 'Pen down: the arrow keys draw.' : 'Pen up: the arrow keys move without drawing.');
    } else if (moves[e.key]) {
      e.preventDefault();
      const next = {
        x: Math.min(pad.width, Math.max(0, key.x + moves[e.key][0])),
        y: Math.min(pad.height, Math.max(0, key.y + moves[e.key][1])),
      };
      if (key.down) line(key, next);
      key.x = next.x;
      key.y = next.y;
      pad.style.setProperty('--pen-x', `${(100 * key.x) / pad.width}%`);
      pad.style.setProperty('--pen-y', `${(100 * key.y) / pad.height}%`);
    }
  });

  clear.addEventListener('click', () => {
    ctx.clearRect(0, 0, pad.width, pad.height);
    seen.getContext('2d')!.clearRect(0, 0, seen.width, seen.height);
    logits = null;
    results.querySelectorAll<HTMLElement>('.live-model').forEach((m) => {
      m.querySelector('.live-top')!.textContent = 'Draw a digit.';
      m.querySelectorAll<HTMLElement>('li').forEach((li) => show(li, null));
    });
    say('Cleared. Draw a digit.');
  });

  function show(li: HTMLElement, p: number | null): void {
    li.dataset.p = p === null ? '' : String(p);
    (li.querySelector('.bar span') as HTMLElement).style.width = `${p === null ? 0 : 100 * p}%`;
    li.querySelector('.p')!.textContent = p === null ? '' : p.toFixed(3);
  }

  function render(): void {
    const T = Number(slider!.value);
    shownT!.textContent = T.toFixed(1);
    if (!logits) return;
    models.forEach((m, k) => {
      const p = digits!.softmax(logits![k], T);
      const box = results!.querySelector<HTMLElement>(`.live-model[data-role="${m.role}"]`)!;
      box.querySelectorAll<HTMLElement>('li').forEach((li, c) => show(li, p[c]));
      const best = p.indexOf(Math.max(...p));
      box.querySelector('.live-top')!.textContent =
        `Predicts ${best} (p = ${p[best].toFixed(3)}; entropy ${digits!.entropyBits(p).toFixed(2)} bits at T = ${T.toFixed(1)})`;
    });
  }
  slider.addEventListener('input', render);

  let loaded: Awaited<ReturnType<TfLike['loadLayersModel']>>[] = [];
  async function classify(): Promise<void> {
    const img = ctx.getImageData(0, 0, pad!.width, pad!.height).data;
    const ink = new Float32Array(pad!.width * pad!.height);
    for (let i = 0; i < ink.length; i++) ink[i] = img[4 * i + 3] / 255;
    const x = digits!.toMnistInput(ink, pad!.width, pad!.height);
    if (!x) return;
    const small = seen!.getContext('2d')!;
    const out = small.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      out.data[4 * i] = out.data[4 * i + 1] = out.data[4 * i + 2] = Math.round(255 * x[i]);
      out.data[4 * i + 3] = 255;
    }
    small.putImageData(out, 0, 0);
    if (!loaded.length) return;
    const input = tf.tensor2d(x, [1, 784]);
    try {
      logits = [];
      for (const m of loaded) {
        const y = m.predict(input);
        logits.push(await y.data());
        y.dispose();
      }
    } finally {
      input.dispose();
    }
    render();
    say('Classified. Move the temperature slider to soften the distributions.');
  }

  async function load(): Promise<void> {
    say('Loading the models…');
    // The CPU backend: the models are small, and it needs no GPU (nor prints WebGL warnings without one).
    await tf.setBackend('cpu');
    await tf.ready();
    loaded = await Promise.all(
      models.map((m) =>
        tf.loadLayersModel(
          tf.io.fromMemory({
            modelTopology: m.modelTopology,
            weightSpecs: m.weightSpecs,
            weightData: fromBase64(m.weights),
          }),
        ),
      ),
    );
    document.body.dataset.liveReady = 'true';
    say('Ready: draw a digit on the pad.');
  }
  render();
  load().catch((e: unknown) => say(`The models could not be loaded: ${e instanceof Error ? e.message : String(e)}`));
})();
