/**
 * The exported site in a real browser (Debian's chromium via playwright-core, every request that is not a file of
 * the site aborted and counted). It does not execute chapters: with KDLAB_TEST_SITE=<dir> it checks that built
 * site (CI builds it from the quick-mode chapters; the executed notebooks, for the figure counts, are read from
 * KDLAB_TEST_EXECUTED, default out/), otherwise a site built here from the fixture notebooks. Per page: 0 failed
 * requests, 0 console errors, every Plotly output of the notebook drawn, no raw `$` math, code highlighted, links
 * resolving, no serious/critical axe-core violation; search finds a Chinese and an English term's chapter;
 * screenshots (desktop, phone) go to out/export-browser/; page and asset sizes are printed. The live page (the
 * fixture's tiny models come from test/support/live-fixture.ts) classifies a stroke drawn with the mouse and one
 * drawn with the keyboard: each model's probabilities sum to 1, and a higher temperature raises their entropy.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../support/chromium';
import { exportSite } from '../../kernel/export/site';
import { LIVE_PAGE } from '../../kernel/export/live';
import { notebooksWithLive, tinyLiveModels } from '../support/live-fixture';
import { PLOTLY_MIME, plotlyLibrary } from '../../kernel/display';

const REPO = path.resolve(__dirname, '..', '..', '..');
const ARTEFACTS = path.join(REPO, 'out', 'export-browser');
const skip = chromiumMissing();

/** The site under test, the folder of the executed notebooks it was built from, and search terms → page. */
async function siteUnderTest(): Promise<{ dir: string; executed: string; searches: [string, string][] }> {
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
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-site-src-'));
  const files = notebooksWithLive(work, await tinyLiveModels(path.join(work, 'live-models')));
  exportSite(
    files.map((file) => ({ file })),
    dir,
  );
  return {
    dir,
    executed: path.join(work, 'notebooks'),
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

/** Each model's probabilities on the live page (from data-p), keyed by role. */
const shownProbabilities = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll<HTMLElement>('.live-model')).map((m) => [
        m.dataset.role ?? '',
        Array.from(m.querySelectorAll<HTMLElement>('li')).map((li) => (li.dataset.p ? Number(li.dataset.p) : NaN)),
      ]),
    ),
  );

const entropy = (p: number[]) => -p.reduce((h, x) => h + (x > 0 ? x * Math.log2(x) : 0), 0);

function assertDistributions(probs: Record<string, number[]>, what: string): void {
  assert.ok(Object.keys(probs).length >= 2, `${what}: at least the teacher and the student are shown`);
  for (const [role, p] of Object.entries(probs)) {
    assert.equal(p.length, 10, `${what}: ${role} shows 10 classes`);
    assert.ok(
      p.every((x) => x >= 0 && x <= 1),
      `${what}: ${role}'s probabilities are in [0, 1]: ${p.join(', ')}`,
    );
    const sum = p.reduce((a, x) => a + x, 0);
    assert.ok(Math.abs(sum - 1) <= 1e-3, `${what}: ${role}'s probabilities sum to ${sum}`);
  }
}

/** The live page: a mouse stroke and a keyboard stroke are classified; the temperature slider softens. */
async function checkLivePage(browser: Browser, dir: string): Promise<void> {
  const p = await open(browser, dir, LIVE_PAGE, { width: 1280, height: 900 });
  try {
    const { page } = p;
    await page.waitForSelector('body[data-live-ready="true"]', { timeout: 60_000 });
    const box = (await page.locator('#live-pad').boundingBox())!;
    // A "7", drawn with the mouse (Chromium turns it into pointerdown / pointermove / pointerup).
    const stroke: [number, number][] = [
      [0.25, 0.2],
      [0.75, 0.2],
      [0.6, 0.5],
      [0.45, 0.85],
    ];
    await page.mouse.move(box.x + stroke[0][0] * box.width, box.y + stroke[0][1] * box.height);
    await page.mouse.down();
    for (const [x, y] of stroke.slice(1))
      await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() => !!document.querySelector<HTMLElement>('.live-model li')?.dataset.p);
    const seen = await page.evaluate(() => {
      const c = document.getElementById('live-input') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let ink = 0;
      for (let i = 0; i < d.length; i += 4) ink += d[i];
      return ink / 255;
    });
    assert.ok(seen > 20, `the 28×28 input shows the stroke (total ink ${seen.toFixed(1)})`);
    const cold = await shownProbabilities(page);
    assertDistributions(cold, 'T = 1');
    // The slider by keyboard: End moves it to its maximum.
    await page.focus('#live-temperature');
    await page.keyboard.press('End');
    assert.equal(await page.locator('#live-t').textContent(), '20.0');
    const hot = await shownProbabilities(page);
    assertDistributions(hot, 'T = 20');
    for (const role of Object.keys(cold))
      assert.ok(
        entropy(hot[role]) > entropy(cold[role]) + 1e-6,
        `${role}: entropy ${entropy(cold[role]).toFixed(3)} bits at T = 1 < ${entropy(hot[role]).toFixed(3)} at T = 20`,
      );
    await page.screenshot({ path: path.join(ARTEFACTS, 'live-digits-drawn-desktop.png') });
    // Clear, then draw with the keyboard: Space lowers the pen, arrows draw, Space lifts it and classifies.
    await page.click('#live-clear');
    assert.ok(Object.values(await shownProbabilities(page)).every((ps) => ps.every((x) => Number.isNaN(x))));
    await page.focus('#live-pad');
    await page.keyboard.press('Space');
    for (const k of ['ArrowUp', 'ArrowUp', 'ArrowUp', 'ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowDown'])
      await page.keyboard.press(k);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => !!document.querySelector<HTMLElement>('.live-model li')?.dataset.p);
    assertDistributions(await shownProbabilities(page), 'keyboard stroke');
    assert.deepEqual([p.outside, p.failed, p.errors], [[], [], []], 'live page: no request out, none failed, no error');
  } finally {
    await p.close();
  }
}

test(
  'exported site in chromium: loads offline, draws every figure, search, links, accessibility',
  // Every page is opened twice (desktop and phone) and scanned by axe: ≈ 12 s a page here, 98 s for the eight pages
  // of six chapters one at a time on a quiet machine, more beside other tests. Each wait inside has its own 60 s bound.
  { skip, timeout: 600_000 },
  async (t) => {
    const started = Date.now();
    const { dir, executed, searches } = await siteUnderTest();
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
      const checkPage = async (file: string) => {
        const html = fs.readFileSync(path.join(dir, file), 'utf8');
        sizes.push(`${file} ${html.length} B`);
        assert.ok(!html.includes(plotlyMark), `${file} does not carry plotly.js itself`);
        const p = await open(browser, dir, file, { width: 1280, height: 900 });
        try {
          const { page } = p;
          // Figures: the chapter's notebook's Plotly outputs, each drawn (Plotly's SVG inside the figure element).
          const expected =
            file === 'index.html' || file === LIVE_PAGE
              ? null
              : figureOutputs(path.join(executed, file.replace(/\.html$/, '.ipynb')));
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
          if (file !== 'index.html' && file !== LIVE_PAGE) {
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
      };
      // Two pages at a time: a page's time is mostly Chromium drawing and axe scanning in one renderer process.
      const queue = [...pages];
      const lane = async () => {
        for (let file = queue.shift(); file !== undefined; file = queue.shift()) await checkPage(file);
      };
      await Promise.all([lane(), lane()]);
      assert.ok(pages.includes(LIVE_PAGE), `the site has the live page (${LIVE_PAGE})`);
      await checkLivePage(browser, dir);
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
