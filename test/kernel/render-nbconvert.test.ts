/**
 * Real nbconvert: a notebook whose outputs are kdlab display bundles is exported with
 * `jupyter nbconvert --to html` (its lab template references require.js and MathJax on cdnjs) and opened
 * in chromium with the network cut off — and once more with a stand-in RequireJS served for the
 * require.js URL (as when the reader is online). Both figures must draw either way.
 * Skipped when chromium or jupyter-nbconvert is missing.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { RichDisplay } from '../../kernel/display';
import * as plot from '../../lib/plot';
import { chromiumMissing, launchChromium, openBlocked } from '../support/chromium';

function nbconvertMissing(): string | false {
  const noChromium = chromiumMissing();
  if (noChromium) return noChromium;
  try {
    execFileSync('jupyter', ['nbconvert', '--version'], { stdio: 'pipe' });
    return false;
  } catch {
    return 'jupyter nbconvert not found (pip install nbconvert)';
  }
}
const skip = nbconvertMissing();

function notebook(): unknown {
  const rd = new RichDisplay();
  const out = (v: unknown) => {
    const b = rd.toBundle(v)!;
    return { output_type: 'display_data', data: b.data, metadata: b.metadata };
  };
  const cell = (i: number, source: string, outputs: unknown[]) => ({
    cell_type: 'code',
    id: `cell-${i}`,
    execution_count: i,
    metadata: {},
    source,
    outputs,
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'kdlab', display_name: 'TypeScript (kdlab)', language: 'typescript' },
      language_info: { name: 'typescript' },
    },
    cells: [
      cell(1, 'kd.plot.bars({teacher: 146, student: 201, distilled: 159})', [
        out(plot.bars({ teacher: 146, student: 201, distilled: 159 }, { yTitle: 'test errors' })),
      ]),
      { cell_type: 'markdown', id: 'md', metadata: {}, source: 'Between the figures.' },
      cell(2, 'kd.plot.probabilities(...)', [
        out(plot.probabilities({ 'T=1': [0.7, 0.2, 0.1], 'T=5': [0.4, 0.32, 0.28] })),
      ]),
    ],
  };
}

const REQUIREJS_STANDIN = `window.define = function () { throw new Error('Mismatched anonymous define() module'); };
window.define.amd = {}; window.require = window.requirejs = function () {}; window.require.config = function () {};`;

test('nbconvert HTML export renders kdlab figures offline', { skip, timeout: 240_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-nbconvert-'));
  const browser = await launchChromium();
  try {
    fs.writeFileSync(path.join(dir, 'chapter.ipynb'), JSON.stringify(notebook()));
    execFileSync('jupyter', ['nbconvert', '--to', 'html', '--output-dir', dir, path.join(dir, 'chapter.ipynb')], {
      stdio: 'pipe',
    });
    const file = path.join(dir, 'chapter.html');
    const exported = fs.readFileSync(file, 'utf8');
    assert.equal(
      (exported.match(/if \(!window\.Plotly\) \{/g) ?? []).length,
      1,
      'library kept exactly once in the export',
    );
    for (const online of [false, true]) {
      const {
        page: p,
        requests,
        errors,
        close,
      } = await openBlocked(browser, file, {
        viewport: { width: 1000, height: 1200 },
        fulfill: (url, route) =>
          online && /require(\.min)?\.js/.test(url)
            ? route.fulfill({ contentType: 'text/javascript', body: REQUIREJS_STANDIN })
            : undefined,
      });
      await p.goto(`file://${file}`);
      await p.waitForFunction(
        () =>
          Array.from(document.querySelectorAll('.js-plotly-plot')).filter((e) => e.querySelector('.main-svg')).length >=
          2,
        null,
        { timeout: 120_000 },
      );
      const drawn = await p.evaluate(() => {
        const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
        return {
          plots: plots.length,
          bars: plots.map((pl) => pl.querySelectorAll('.barlayer .point path').length),
          amd: typeof (window as unknown as { define?: { amd?: unknown } }).define?.amd,
        };
      });
      assert.equal(drawn.plots, 2, `online=${online}`);
      assert.deepEqual(drawn.bars, [3, 6], `online=${online}: 3 bars; 2 distributions × 3 classes`);
      assert.equal(drawn.amd, online ? 'object' : 'undefined');
      assert.deepEqual(errors, [], `online=${online}: no page errors`);
      assert.ok(
        requests.every((u) => /cdnjs\.cloudflare\.com\/ajax\/libs\/(require\.js|mathjax)\//.test(u)),
        `only nbconvert's own template assets are requested, never plotly: ${requests.join(', ')}`,
      );
      await close();
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
