/**
 * The exported site in a real browser (Debian's chromium via playwright-core, every request that is not a file of
 * the site aborted and counted). It does not execute chapters: with KDLAB_TEST_SITE=<dir> it checks that built
 * site (CI builds it from the quick-mode chapters; the executed notebooks, for the figure counts, are read from
 * KDLAB_TEST_EXECUTED, default out/), otherwise a site built here from the fixture notebooks. Per page: 0 failed
 * requests, 0 console errors, every Plotly output of the notebook drawn, no raw `$` math, code highlighted, links
 * resolving, no serious/critical axe-core violation; search finds a Chinese and an English term's chapter;
 * screenshots (desktop, phone) go to out/export-browser/; page and asset sizes are printed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium';
import { exportSite } from '../../kernel/export/site';
import { PLOTLY_MIME, plotlyLibrary } from '../../kernel/display';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'kernel', 'fixtures', 'export');
const ARTEFACTS = path.join(REPO, 'out', 'export-browser');
const skip = chromiumMissing();

/** The site under test, the folder of the executed notebooks it was built from, and search terms → page. */
function siteUnderTest(): { dir: string; executed: string; searches: [string, string][] } {
  const given = process.env.KDLAB_TEST_SITE;
  if (given) {
    return {
      dir: path.resolve(given),
      executed: path.resolve(process.env.KDLAB_TEST_EXECUTED ?? path.join(REPO, 'out')),
      searches: [
        ['温度', '04-response-based-kd.html'],
        ['Pareto', '02-what-is-kd.html'],
      ],
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-site-'));
  const files = fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.ipynb'))
    .sort();
  exportSite(
    files.map((f) => ({ file: path.join(FIXTURES, f) })),
    dir,
  );
  return {
    dir,
    executed: FIXTURES,
    searches: [
      ['温度', '01-soft-targets.html'],
      ['dark knowledge', '04-dark-knowledge.html'],
    ],
  };
}

/** Plotly outputs in an executed notebook, counted from its JSON (not from the renderer). */
function figureOutputs(notebook: string): number {
  const nb = JSON.parse(fs.readFileSync(notebook, 'utf8')) as { cells: { outputs?: { data?: object }[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && PLOTLY_MIME in o.data).length;
}

async function open(browser: Browser, dir: string, file: string, viewport: { width: number; height: number }) {
  const ctx = await browser.newContext({ viewport });
  const outside: string[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  const root = `file://${dir}/`;
  // Only requests outside the site are intercepted (and aborted); the site's own files load untouched.
  await ctx.route(
    (url) => !url.href.startsWith(root),
    (route) => {
      outside.push(route.request().url());
      return route.abort();
    },
  );
  const page = await ctx.newPage();
  page.on('requestfailed', (r) => failed.push(`${r.url()} (${r.failure()?.errorText})`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(root + file, { waitUntil: 'load', timeout: 60_000 });
  return { page, outside, failed, errors, close: () => ctx.close() };
}

/** Visible text outside code, scripts and typeset math that still holds a TeX delimiter. */
const rawMath = (page: Page) =>
  page.evaluate(() => {
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('pre, code, script, style, .katex, .math-error')) continue;
      // `$5` (a price) is literal by design; `$x`, `$$` or `\(` are math left untypeset.
      if (/\$\$|\$[^\d\s$]|\\\(|\\\[/.test(n.textContent ?? '')) found.push((n.textContent ?? '').trim().slice(0, 80));
    }
    return found;
  });

test(
  'exported site in chromium: loads offline, draws every figure, search, links, accessibility',
  { skip, timeout: 120_000 },
  async (t) => {
    const started = Date.now();
    const { dir, executed, searches } = siteUnderTest();
    const pages = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.html'))
      .sort();
    assert.ok(pages.includes('index.html'), `${dir} has an index.html`);
    fs.mkdirSync(ARTEFACTS, { recursive: true });
    const plotlyMark = plotlyLibrary().source.slice(1000, 1200);
    const axe = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    const sizes: string[] = [];
    const browser = await launchChromium();
    try {
      for (const file of pages) {
        const html = fs.readFileSync(path.join(dir, file), 'utf8');
        sizes.push(`${file} ${html.length} B`);
        assert.ok(!html.includes(plotlyMark), `${file} does not carry plotly.js itself`);
        const p = await open(browser, dir, file, { width: 1280, height: 900 });
        try {
          const { page } = p;
          // Figures: the chapter's notebook's Plotly outputs, each drawn (Plotly's SVG inside the figure element).
          const expected =
            file === 'index.html' ? null : figureOutputs(path.join(executed, file.replace(/\.html$/, '.ipynb')));
          const present = await page.locator('main .plotly-figure').count();
          if (expected !== null) assert.equal(present, expected, `${file}: one figure element per Plotly output`);
          await page.waitForFunction(
            () =>
              Array.from(document.querySelectorAll('.plotly-figure')).every(
                (e) => (e as HTMLElement).dataset.drawn === 'true',
              ),
            undefined,
            { timeout: 60_000 },
          );
          const drawn = await page.locator('.plotly-figure[data-drawn="true"] svg.main-svg').count();
          assert.ok(drawn >= present, `${file}: ${drawn} drawn SVGs for ${present} figures`);
          assert.deepEqual(await rawMath(page), [], `${file}: no raw TeX`);
          if (file !== 'index.html') {
            // Highlighted: token spans exist and are coloured differently from the code around them.
            const colours = await page.evaluate(() => {
              const kw = document.querySelector('pre.code .hljs-keyword, pre.code .hljs-string, pre.code .hljs-number');
              const code = document.querySelector('pre.code code.hljs');
              return kw && code ? [getComputedStyle(kw).color, getComputedStyle(code).color] : null;
            });
            assert.ok(colours && colours[0] !== colours[1], `${file}: code highlighted (${String(colours)})`);
          }
          // Links of the sidebar and prev/next: pages exist, in-page anchors exist.
          const links = await page.evaluate(() =>
            Array.from(document.querySelectorAll('#sidebar a, .prevnext a')).map((a) => a.getAttribute('href') ?? ''),
          );
          assert.ok(links.length > 0, `${file} has navigation links`);
          for (const href of links) {
            const [target, anchor] = href.split('#');
            if (target) assert.ok(fs.existsSync(path.join(dir, target)), `${file}: link ${href} resolves`);
            if (!target && anchor)
              assert.ok(
                await page.evaluate((id) => !!document.getElementById(id), decodeURIComponent(anchor)),
                `${file}: #${anchor}`,
              );
          }
          // Accessibility (preload off: axe would re-fetch the stylesheets, which file:// forbids to scripts).
          await page.addScriptTag({ content: axe });
          const violations = await page.evaluate(async () => {
            const r = await (
              window as unknown as {
                axe: {
                  run(
                    context: Document,
                    options: { preload: boolean },
                  ): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
                };
              }
            ).axe.run(document, { preload: false });
            return r.violations
              .filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
          });
          assert.deepEqual(violations, [], `${file}: no serious or critical axe violations`);
          await page.screenshot({ path: path.join(ARTEFACTS, `${file.replace(/\.html$/, '')}-desktop.png`) });
          assert.deepEqual(p.outside, [], `${file}: no request leaves the site`);
          assert.deepEqual(p.failed, [], `${file}: no failed request`);
          assert.deepEqual(p.errors, [], `${file}: no console error`);
        } finally {
          await p.close();
        }
        const phone = await open(browser, dir, file, { width: 390, height: 844 });
        try {
          const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 1, `${file}: no sideways scrolling at phone width (${overflow}px)`);
          await phone.page.screenshot({ path: path.join(ARTEFACTS, `${file.replace(/\.html$/, '')}-phone.png`) });
        } finally {
          await phone.close();
        }
      }
      // Search from the index page: the first result is the expected chapter, and following it loads that page.
      for (const [term, expected] of searches) {
        const p = await open(browser, dir, 'index.html', { width: 1280, height: 900 });
        try {
          await p.page.fill('#search-input', term);
          const first = p.page.locator('#search-results a').first();
          await first.waitFor({ timeout: 10_000 });
          const href = (await first.getAttribute('href')) ?? '';
          assert.equal(href.split('#')[0], expected, `search '${term}' → ${href}`);
          await first.click();
          await p.page.waitForURL(`**/${expected}*`);
          assert.deepEqual([p.failed, p.errors], [[], []]);
        } finally {
          await p.close();
        }
      }
    } finally {
      await browser.close();
    }
    const assets = fs
      .readdirSync(path.join(dir, 'assets'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map(
        (e) =>
          [
            path.relative(dir, path.join(e.parentPath, e.name)),
            fs.statSync(path.join(e.parentPath, e.name)).size,
          ] as const,
      );
    t.diagnostic(`pages: ${sizes.join(', ')}`);
    t.diagnostic(
      `assets: ${assets.reduce((s, [, n]) => s + n, 0)} B in ${assets.length} files; largest ${[...assets]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([f, n]) => `${f} ${n} B`)
        .join(', ')}`,
    );
    t.diagnostic(
      `screenshots in ${ARTEFACTS}; ${((Date.now() - started) / 1000).toFixed(1)} s, loadavg ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`,
    );
  },
);
