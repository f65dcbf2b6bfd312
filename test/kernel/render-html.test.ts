/**
 * Rendering proof: the text/html outputs of kdlab figures draw in a real browser with the network cut off,
 * the way JupyterLab / Notebook 7 (innerHTML + re-created scripts) and nbconvert's HTML export
 * (outputs concatenated in one page, possibly with RequireJS loaded) present them.
 * Needs Debian's chromium (`apt-get install -y chromium`); skipped with a message when it is missing.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RichDisplay } from '../../kernel/display';
import * as plot from '../../lib/plot';
import { chromiumMissing, launchChromium, openBlocked } from '../support/chromium';

const skip = chromiumMissing();

function figures(): plot.Figure[] {
  return [
    plot.curves(
      [
        {
          name: 'teacher',
          runs: [
            [1.0, 0.6, 0.4, 0.3],
            [1.2, 0.7, 0.45, 0.32],
          ],
        },
        { name: 'student', y: [1.4, 0.9, 0.7, 0.6] },
      ],
      { title: 'Learning curves' },
    ),
    plot.confusionMatrix(
      [
        [50, 2, 1],
        [3, 45, 4],
        [0, 5, 40],
      ],
      { labels: ['a', 'b', 'c'] },
    ),
    // rings of growing radius, white on black like MNIST digits
    plot.imageGrid(
      Array.from({ length: 6 }, (_, k) =>
        Array.from({ length: 784 }, (_, i) =>
          Math.abs(Math.hypot((i % 28) - 13.5, Math.floor(i / 28) - 13.5) - (4 + 1.5 * k)) < 1.5 ? 1 : 0,
        ),
      ),
      { titles: ['0', '1', '2', '3', '4', '5'], columns: 3, title: 'digits' },
    ),
  ];
}

function outputsHtml(): string[] {
  const rd = new RichDisplay();
  return figures().map((f) => String(rd.toBundle(f)!.data['text/html']));
}

const page = (head: string, body: string) =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>kdlab render</title>${head}</head><body>${body}</body></html>`;

/** nbconvert-like: outputs inlined in order, in output-area wrappers. */
function concatenated(outputs: string[], head = ''): string {
  return page(
    head,
    outputs
      .map((h, i) => `<div class="cell"><div class="jp-OutputArea-output" data-cell="${i}">${h}</div></div>`)
      .join('\n'),
  );
}

/**
 * JupyterLab-like: each output set with innerHTML, then every <script> replaced by a fresh copy so it
 * executes; outputs are attached in REVERSE order (a later figure runs before the one carrying plotly.js).
 */
function dynamic(outputs: string[]): string {
  const script = `<script>
    (function () {
      var outputs = ${JSON.stringify(outputs).replace(/</g, '\\u003c')};
      var hosts = outputs.map(function (_, i) { var d = document.createElement('div'); d.className = 'jp-OutputArea-output'; document.body.appendChild(d); return d; });
      function attach(i) {
        var host = hosts[i];
        host.innerHTML = outputs[i];
        Array.prototype.forEach.call(host.querySelectorAll('script'), function (old) {
          var s = document.createElement('script');
          for (var a = 0; a < old.attributes.length; a++) s.setAttribute(old.attributes[a].name, old.attributes[a].value);
          s.textContent = old.textContent;
          old.parentNode.replaceChild(s, old);
        });
      }
      var order = outputs.map(function (_, i) { return i; }).reverse();
      order.forEach(function (i, k) { setTimeout(function () { attach(i); }, 150 * k); });
    })();
  </script>`;
  return page('', script);
}

/** A stand-in for RequireJS (as nbconvert templates load it): `define.amd` set, anonymous define() throws. */
const FAKE_REQUIREJS = `<script>window.define = function () { throw new Error('Mismatched anonymous define() module'); }; window.define.amd = { jQuery: true };</script>`;

test(
  'figures render offline in chromium (concatenated page with RequireJS present; JupyterLab-style insertion out of order)',
  { skip, timeout: 240_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-render-'));
    // (render-nbconvert.test.ts covers a concatenated page without RequireJS, through real nbconvert.)
    const pages = {
      nbconvert: concatenated(outputsHtml(), FAKE_REQUIREJS),
      jupyterlab: dynamic(outputsHtml()),
    };
    const browser = await launchChromium();
    try {
      for (const [name, html] of Object.entries(pages)) {
        const file = path.join(dir, `${name}.html`);
        fs.writeFileSync(file, html);
        // Block everything that is not the page itself; record every attempt.
        const {
          page: p,
          requests,
          errors,
          close,
        } = await openBlocked(browser, file, { viewport: { width: 1000, height: 1800 } });
        p.on('request', (r) => {
          if (r.url() !== `file://${file}`) requests.push(r.url());
        });
        p.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        await p.goto(`file://${file}`);
        await p.waitForFunction(
          () =>
            Array.from(document.querySelectorAll('.js-plotly-plot')).filter((e) => e.querySelector('.main-svg'))
              .length >= 3 && document.querySelectorAll('.js-plotly-plot .heatmaplayer image').length >= 2,
          null,
          { timeout: 120_000 },
        );
        const drawn = await p.evaluate(() => {
          const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
          return {
            plots: plots.length,
            // curves: the teacher's band (from 2 runs) + 2 lines with non-empty paths
            lineTraces: plots[0].querySelectorAll('.scatterlayer .trace').length,
            linePaths: Array.from(plots[0].querySelectorAll('.scatterlayer .trace path.js-line')).filter(
              (e) => (e.getAttribute('d') ?? '').length > 10,
            ).length,
            bandFills: Array.from(plots[0].querySelectorAll('.scatterlayer .trace path.js-fill')).filter(
              (e) => (e.getAttribute('d') ?? '').length > 10,
            ).length,
            legend: Array.from(plots[0].querySelectorAll('.legendtext')).map((e) => e.textContent),
            heatmapImages: plots[1].querySelectorAll('.heatmaplayer image').length,
            cellTexts: Array.from(plots[1].querySelectorAll('.heatmaplayer text')).map((e) => e.textContent),
            xTitle: plots[1].querySelector('.xtitle')?.textContent,
            yTitle: plots[1].querySelector('.ytitle')?.textContent,
            gridImage: plots[2].querySelectorAll('.heatmaplayer image').length,
            captions: Array.from(plots[2].querySelectorAll('.annotation-text')).map((e) => e.textContent),
            notes: document.querySelectorAll('.kdlab-plot-note').length,
            plotlyVersion: (window as unknown as { Plotly?: { version?: string } }).Plotly?.version,
          };
        });
        assert.equal(drawn.plots, 3, name);
        assert.equal(drawn.lineTraces, 3, `${name}: teacher band + 2 lines`);
        assert.equal(drawn.linePaths, 3, `${name}: both curves (and the band outline) drawn`);
        assert.equal(drawn.bandFills, 1, `${name}: error band drawn`);
        assert.deepEqual(drawn.legend, ['teacher', 'student'], name);
        assert.equal(drawn.heatmapImages, 1, name);
        assert.deepEqual(
          drawn.cellTexts,
          ['50', '2', '1', '3', '45', '4', '0', '5', '40'],
          `${name}: counts annotated, row 0 on top`,
        );
        assert.equal(drawn.xTitle, 'predicted');
        assert.equal(drawn.yTitle, 'true');
        assert.equal(drawn.gridImage, 1);
        assert.deepEqual(drawn.captions, ['0', '1', '2', '3', '4', '5']);
        assert.equal(drawn.notes, 0, `${name}: placeholder notes removed`);
        assert.equal(drawn.plotlyVersion, '2.35.3');
        assert.deepEqual(requests, [], `${name}: no network request may be attempted`);
        assert.deepEqual(errors, [], `${name}: no page errors`);
        if (name === 'nbconvert') {
          const shot = path.join(os.tmpdir(), 'kdlab-render-nbconvert.png');
          await p.screenshot({ path: shot, fullPage: true });
          process.stdout.write(`# screenshot: ${shot}\n`);
        }
        await close();
      }
    } finally {
      await browser.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
