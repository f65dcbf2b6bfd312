/**
 * Live front ends: a trusted notebook holding kdlab figure outputs is opened in JupyterLab 4 and in
 * Notebook 7 (no Plotly extension installed) in chromium, with every request that is not to the local
 * Jupyter server aborted. Both figures must draw from the inlined plotly.js.
 * Opt-in with KDLAB_TEST_FRONTENDS=1; skipped when chromium or jupyterlab/notebook are missing
 * (`pip install jupyterlab notebook`).
 * Jupyter's config/data/runtime dirs are private temp dirs, so nothing of the user's setup is touched.
 *
 * A second test runs a kdlab notebook live in JupyterLab (kdlab kernelspec installed with `kdlab kernel
 * install` into the private data dir) and checks where late timer output appears.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import type { Browser, BrowserContext } from 'playwright-core';
import { RichDisplay } from '../../kernel/display';
import * as plot from '../../lib/plot';
import { chromiumMissing, launchChromium } from '../support/chromium';

function missing(): string | false {
  // ~1.5 min (a Jupyter server and two front ends): opt-in so `npm test` stays short; .ci/run turns it on.
  if (process.env.KDLAB_TEST_FRONTENDS !== '1')
    return 'set KDLAB_TEST_FRONTENDS=1 to render in live JupyterLab 4 / Notebook 7';
  const noChromium = chromiumMissing();
  if (noChromium) return noChromium;
  try {
    execFileSync('python3', ['-c', 'import jupyterlab, notebook, ipykernel'], { stdio: 'pipe' });
    return false;
  } catch {
    return 'jupyterlab / notebook / ipykernel not installed (pip install jupyterlab notebook)';
  }
}
const skip = missing();

function notebook(): unknown {
  const rd = new RichDisplay();
  const out = (v: unknown) => {
    const b = rd.toBundle(v)!;
    return { output_type: 'display_data', data: b.data, metadata: b.metadata };
  };
  return {
    nbformat: 4,
    nbformat_minor: 5,
    // python3 so the front end finds a kernelspec and shows no kernel dialog; the outputs are what matter.
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [
      {
        cell_type: 'code',
        id: 'c1',
        execution_count: 1,
        metadata: {},
        source: 'curves',
        outputs: [out(plot.curves({ teacher: [1, 0.6, 0.4], student: [1.5, 1, 0.8] }))],
      },
      {
        cell_type: 'code',
        id: 'c2',
        execution_count: 2,
        metadata: {},
        source: 'confusion',
        outputs: [
          out(
            plot.confusionMatrix([
              [9, 1],
              [2, 8],
            ]),
          ),
        ],
      },
    ],
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

interface Lab {
  base: string;
  token: string;
  root: string;
  env: NodeJS.ProcessEnv;
  browser: Browser;
  /** A browser context whose requests outside the local server are aborted and recorded in `blocked`. */
  context(): Promise<{ ctx: BrowserContext; blocked: string[] }>;
  stop(): Promise<void>;
}

/** A JupyterLab server on a free port with private Jupyter dirs, and chromium. `files` are written into its root first. */
async function startLab(
  files: Record<string, string>,
  prepare?: (env: NodeJS.ProcessEnv, root: string) => void,
): Promise<Lab> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-lab-'));
  const root = path.join(dir, 'root');
  fs.mkdirSync(root);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_CONFIG_DIR: path.join(dir, 'config'),
    JUPYTER_DATA_DIR: path.join(dir, 'data'),
    JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'),
    JUPYTERLAB_SETTINGS_DIR: path.join(dir, 'settings'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(dir, 'workspaces'),
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name), text);
  prepare?.(env, root);
  const port = await freePort();
  const token = 'kdlab-render-test';
  const server: ChildProcess = spawn(
    'jupyter',
    [
      'lab',
      '--no-browser',
      `--port=${port}`,
      '--ip=127.0.0.1',
      `--IdentityProvider.token=${token}`,
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
      `--ServerApp.root_dir=${root}`,
      '--ServerApp.port_retries=0',
      '--LabApp.news_url=',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      // window.jupyterapp, so the test can run cells through JupyterLab's own commands.
      '--LabApp.expose_app_in_browser=True',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  server.stdout!.on('data', (d) => {
    log += d;
  });
  server.stderr!.on('data', (d) => {
    log += d;
  });
  const base = `http://127.0.0.1:${port}`;
  const stopServer = async () => {
    server.kill('SIGTERM');
    await new Promise((r) => {
      if (server.exitCode !== null) r(null);
      else server.once('exit', r);
      setTimeout(r, 10_000);
    });
    if (server.exitCode === null) server.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  let browser: Browser;
  try {
    browser = await launchChromium();
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/api/status?token=${token}`)).ok) break;
      } catch {
        /* not up yet */
      }
      if (i > 240 || server.exitCode !== null) throw new Error(`jupyter lab did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (e) {
    await stopServer();
    throw e;
  }
  return {
    base,
    token,
    root,
    env,
    browser,
    async context() {
      const ctx = await browser.newContext({ viewport: { width: 1200, height: 1400 } });
      const blocked: string[] = [];
      await ctx.route('**/*', (route) => {
        const u = route.request().url();
        if (
          u.startsWith(base) ||
          u.startsWith(`ws://127.0.0.1:${port}`) ||
          u.startsWith('data:') ||
          u.startsWith('blob:')
        )
          return route.continue();
        blocked.push(u);
        return route.abort();
      });
      return { ctx, blocked };
    },
    async stop() {
      await browser.close();
      await stopServer();
    },
  };
}

test(
  'JupyterLab 4 and Notebook 7 render kdlab figures offline (trusted notebook, no Plotly extension)',
  { skip, timeout: 400_000 },
  async () => {
    const lab = await startLab({ 'chapter.ipynb': JSON.stringify(notebook()) }, (env, root) => {
      execFileSync('jupyter', ['trust', path.join(root, 'chapter.ipynb')], { env, stdio: 'pipe' });
    });
    const { base, token } = lab;
    try {
      for (const [frontEnd, url] of [
        ['JupyterLab', `${base}/lab/tree/chapter.ipynb?token=${token}`],
        ['Notebook 7', `${base}/notebooks/chapter.ipynb?token=${token}`],
      ]) {
        const { ctx, blocked } = await lab.context();
        const pageErrors: string[] = [];
        const p = await ctx.newPage();
        p.on('pageerror', (e) => pageErrors.push(String(e)));
        await p.goto(url);
        // JupyterLab 4.6 windows its notebooks (cells outside the viewport leave the DOM), so the counts are read together
        // in one snapshot, polled until it shows both figures drawn or the time is up; the last snapshot is asserted.
        const expected = { plots: 2, lines: 2, heatmaps: 1, inOutputArea: true };
        const snapshot = () =>
          p.evaluate(() => ({
            plots: document.querySelectorAll('.js-plotly-plot').length,
            lines: document.querySelectorAll('.js-plotly-plot .scatterlayer .trace').length,
            heatmaps: document.querySelectorAll('.js-plotly-plot .heatmaplayer image').length,
            inOutputArea: Array.from(document.querySelectorAll('.js-plotly-plot')).every(
              (e) => e.closest('.jp-OutputArea-output') !== null,
            ),
          }));
        let drawn = await snapshot();
        for (
          const deadline = Date.now() + 180_000;
          JSON.stringify(drawn) !== JSON.stringify(expected) && Date.now() < deadline;
        ) {
          await new Promise((r) => setTimeout(r, 250));
          drawn = await snapshot();
        }
        if (JSON.stringify(drawn) !== JSON.stringify(expected)) {
          await p.screenshot({
            path: path.join(os.tmpdir(), `kdlab-render-${frontEnd.replace(/\W/g, '')}-failed.png`),
          });
        }
        assert.deepEqual(drawn, expected, `${frontEnd}: figures drawn (page errors: ${pageErrors.join('; ')})`);
        assert.ok(
          !blocked.some((u) => /plotly/i.test(u)),
          `${frontEnd}: plotly.js never requested from the network: ${blocked.join(', ')}`,
        );
        assert.ok(!pageErrors.some((e) => /plotly|kdlab/i.test(e)), `${frontEnd}: ${pageErrors.join('; ')}`);
        await p.screenshot({ path: path.join(os.tmpdir(), `kdlab-render-${frontEnd.replace(/\W/g, '')}.png`) });
        await ctx.close();
      }
    } finally {
      await lab.stop();
    }
  },
);

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'kernel', 'fixtures');

function trainingNotebook(): unknown {
  const code = (id: string, source: string) => ({
    cell_type: 'code',
    id,
    execution_count: null,
    metadata: {},
    source,
    outputs: [],
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'kdlab', display_name: 'TypeScript (kdlab)', language: 'typescript' } },
    cells: [
      code(
        'setup',
        [
          'const data = kd.data.mnist({ train: 256, test: 10, seed: 0 }).train;',
          'console.log(`tensors before: ${tf.memory().numTensors}`);',
          'const student = kd.models.mlp({ hidden: [32], seed: 0 });',
          "const trainer = new kd.Distiller({ student, task: 'crossEntropy', seed: 0 });",
        ].join('\n'),
      ),
      code(
        'short',
        "const short = await trainer.fit(data, { epochs: 3, batchSize: 64, callbacks: progressBar({ title: 'tiny' }) });",
      ),
      code(
        'long',
        "const long = await trainer.fit(data, { epochs: 1000000, batchSize: 64, callbacks: progressBar({ title: 'long' }) });",
      ),
      code(
        'cleanup',
        'trainer.dispose();\nstudent.dispose();\nconsole.log(`tensors after dispose: ${tf.memory().numTensors}`);',
      ),
    ],
  };
}
const CLI = path.resolve(__dirname, '..', '..', 'kernel', 'cli.js');

test(
  'JupyterLab 4 runs kdlab notebooks: late timer output in its own cell, a live progress bar, Interrupt stops training',
  { skip, timeout: 400_000 },
  async () => {
    const lab = await startLab(
      {
        'late.ipynb': fs.readFileSync(path.join(FIXTURES, 'late.ipynb'), 'utf8'),
        'training.ipynb': JSON.stringify(trainingNotebook()),
      },
      (env) => {
        execFileSync(process.execPath, [CLI, 'kernel', 'install', '--user'], { env, stdio: 'pipe' });
      },
    );
    try {
      const { ctx } = await lab.context();
      const p = await ctx.newPage();
      await p.goto(`${lab.base}/lab/tree/late.ipynb?token=${lab.token}`);
      try {
        await p.waitForFunction(
          () => (window as any).jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle',
          null,
          { timeout: 180_000 },
        );
        await p.evaluate(() => (window as any).jupyterapp.commands.execute('notebook:run-all-cells'));
        // c4's timer fires a second after the notebook finished, while the kernel is idle.
        await p.waitForFunction(
          () => {
            const cells = document.querySelectorAll('.jp-Notebook .jp-CodeCell');
            return (
              cells.length === 5 &&
              (cells[4].querySelector('.jp-OutputArea')?.textContent ?? '').includes('late while idle')
            );
          },
          null,
          { timeout: 180_000 },
        );
      } catch (e) {
        await p.screenshot({ path: path.join(os.tmpdir(), 'kdlab-late-JupyterLab-failed.png') });
        throw e;
      }
      const cells = await p.evaluate(() =>
        Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell')).map((c) => {
          const outs = Array.from(c.querySelectorAll('.jp-OutputArea-output'));
          const stderr = outs
            .flatMap((o) => Array.from(o.querySelectorAll('pre')))
            .find((e) => e.textContent === 'ticker stopped\n');
          return {
            text: outs.map((o) => o.textContent ?? '').join('|'),
            stderrBackground: stderr ? getComputedStyle(stderr).backgroundColor : null,
          };
        }),
      );
      assert.equal(cells.length, 5);
      assert.match(cells[0].text, /'c0 done'\|late from c0\n/, 'c0: its result, then its late line');
      assert.doesNotMatch(cells[1].text, /late/, 'c1 ran while c0 printed, but shows none of it');
      assert.match(
        cells[2].text,
        /^tick 1\ntick 2\ntick 3\n\s*ticker stopped\n$/,
        'c2: all ticks of its interval, in order, in one output',
      );
      assert.equal(cells[2].stderrBackground, 'rgb(255, 221, 221)', 'stderr tinted');
      assert.equal(cells[3].text, 'c3 own line\n', 'c3 ran while c2 ticked, and shows only its own line');
      assert.match(cells[4].text, /'c4 done'\|late while idle\n/, 'c4: printed while the kernel was idle');
      await p.screenshot({ path: path.join(os.tmpdir(), 'kdlab-late-JupyterLab.png') });
      await ctx.close();
      await training(lab);
    } finally {
      await lab.stop();
    }
  },
);

/** Training: the progress bar is one output updated in place; Interrupt stops a long fit and the kernel goes idle. */
async function training(lab: Lab): Promise<void> {
  const { ctx } = await lab.context();
  const p = await ctx.newPage();
  await p.goto(`${lab.base}/lab/tree/training.ipynb?token=${lab.token}`);
  const kernelIdle = () =>
    p.waitForFunction(
      () => {
        const w = (window as any).jupyterapp?.shell.currentWidget;
        return w?.context?.path === 'training.ipynb' && w.sessionContext?.session?.kernel?.status === 'idle';
      },
      null,
      { timeout: 180_000 },
    );
  // Cells of this notebook only (the restored workspace keeps late.ipynb open in another tab).
  const run = (i: number) =>
    p.evaluate((i) => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      panel.content.activeCellIndex = i;
      // Not awaited: the command resolves when the cell finishes, which the long fit never does by itself.
      void (window as any).jupyterapp.commands.execute('notebook:run-cell');
    }, i);
  const outputsOf = (i: number) =>
    p.evaluate((i) => {
      const cell = (window as any).jupyterapp.shell.currentWidget.content.node.querySelectorAll('.jp-CodeCell')[
        i
      ] as Element;
      return Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map((o) => o.textContent ?? '');
    }, i);
  const until = (i: number, re: RegExp, timeout: number) =>
    p.waitForFunction(
      ([i, source]) => {
        const cell = (window as any).jupyterapp.shell.currentWidget.content.node.querySelectorAll('.jp-CodeCell')[i] as
          Element | undefined;
        return new RegExp(source).test(cell?.querySelector('.jp-OutputArea')?.textContent ?? '');
      },
      [i, re.source] as const,
      { timeout },
    );
  try {
    await kernelIdle();
    void run(0);
    await until(0, /tensors before: \d+/, 120_000);
    void run(1);
    await until(1, /tiny.*done in/, 120_000);
    const bar = await outputsOf(1);
    assert.equal(bar.length, 1, `one progress output, updated in place: ${JSON.stringify(bar)}`);
    assert.match(bar[0], /^tiny epoch 3\/3 · batch 4\/4 · 100% · done in/);
    assert.equal(
      await p.evaluate(
        () =>
          (window as any).jupyterapp.shell.currentWidget.content.node
            .querySelectorAll('.jp-CodeCell')[1]
            .querySelectorAll('.kdlab-progress tbody tr').length,
      ),
      3,
      'one table row per epoch',
    );

    await kernelIdle();
    void run(2);
    await until(2, /long epoch/, 120_000);
    await new Promise((r) => setTimeout(r, 1000));
    const asked = Date.now();
    await p.evaluate(() => (window as any).jupyterapp.commands.execute('kernelmenu:interrupt'));
    await until(2, /KeyboardInterrupt/, 30_000);
    const took = Date.now() - asked;
    assert.ok(took < 10_000, `Interrupt took ${took} ms`);
    await kernelIdle();
    void run(3);
    await until(3, /tensors after dispose: \d+/, 60_000);
    const [after] = await outputsOf(3);
    const [, before] = /tensors before: (\d+)/.exec((await outputsOf(0)).join(''))!;
    assert.match(
      after,
      new RegExp(`tensors after dispose: ${before}\\b`),
      'the interrupted fit left no tensors behind',
    );
  } catch (e) {
    await p.screenshot({ path: path.join(os.tmpdir(), 'kdlab-training-JupyterLab-failed.png') });
    throw e;
  }
  await p.screenshot({ path: path.join(os.tmpdir(), 'kdlab-training-JupyterLab.png') });
  await ctx.close();
}
