/**
 * kdlab export's renderer on hand-written notebooks (test/kernel/fixtures/export, real kdlab bundles): math typeset
 * at build time, code highlighted, each output type, broken and unknown outputs as visible placeholders, Chinese
 * text marked, and the search index finding Chinese and English terms.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { renderMarkdown, Slugger, plainText } from '../../kernel/export/markdown';
import { highlight } from '../../kernel/export/highlight';
import { renderOutput, renderOutputs } from '../../kernel/export/outputs';
import { markChinese } from '../../kernel/export/lang';
import { buildIndex, indexScript, search, tokenize } from '../../kernel/export/search';
import { renderChapter } from '../../kernel/export/chapter';
import { readNotebook, Output } from '../../kernel/runner/notebook';
import { PLOTLY_MIME } from '../../kernel/display';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'kernel', 'fixtures', 'export');
const CH1 = path.join(FIXTURES, '01-soft-targets.ipynb');
const CH4 = path.join(FIXTURES, '04-dark-knowledge.ipynb');
const ctx = () => ({ slugger: new Slugger(), figures: { count: 0 } });
/** Text of the HTML outside tags (what a reader sees), KaTeX's MathML annotations removed. */
const visible = (html: string) => plainText(html.replace(/<annotation[\s\S]*?<\/annotation>/g, ''));

test('math: $…$ and $$…$$ typeset by KaTeX at build time; a price stays a literal dollar', () => {
  const html = renderMarkdown(
    'Temperature $T$ softens:\n\n$$q_i = \\frac{e^{z_i/T}}{\\sum_j e^{z_j/T}}$$\n\nIt costs $5 and $6.',
  );
  assert.equal((html.match(/class="katex"/g) ?? []).length, 2, 'one inline, one display');
  assert.match(html, /class="katex-display"/);
  assert.match(html, /<annotation encoding="application\/x-tex">T<\/annotation>/);
  assert.ok(visible(html).includes('$5 and $6'), 'currency untouched');
  assert.ok(!/\$T\$|\$\$/.test(visible(html)), 'no TeX delimiters left');
  const bad = renderMarkdown('$\\frac{1}{$ ok');
  assert.ok(!bad.includes('undefined'), 'bad TeX does not throw');
});

test('code: TypeScript highlighted at build time into hljs classes, HTML escaped', () => {
  const h = highlight('const x: number = 1; // <b>', 'typescript');
  assert.match(h, /<span class="hljs-keyword">const<\/span>/);
  assert.match(h, /<span class="hljs-comment">\/\/ &lt;b&gt;<\/span>/);
  assert.equal(highlight('<x>', 'nosuchlang'), '&lt;x&gt;');
});

test('headings get unique ids and anchors; Chinese slugs stay readable', () => {
  const slugger = new Slugger();
  const headings: { level: number; text: string; id: string }[] = [];
  const html = renderMarkdown('## 4.1 软目标 · Soft targets\n\n## 4.1 软目标 · Soft targets', { slugger, headings });
  assert.deepEqual(
    headings.map((h) => h.id),
    ['41-软目标-soft-targets', '41-软目标-soft-targets-2'],
  );
  assert.match(html, /<a class="anchor" href="#41-软目标-soft-targets"/);
});

test('outputs: every type the kernel writes, from the fixture notebook', () => {
  const nb = readNotebook(CH1);
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  const c = ctx();
  const html = renderOutputs(outputs, c);
  // Plotly: one figure div carrying the notebook's JSON; the kernel's text/html (which inlines the library) unused.
  const fig = outputs.find((o) => o.output_type === 'execute_result')!;
  assert.equal(c.figures.count, 1);
  const json = /<script type="application\/json" class="plotly-data">(.*?)<\/script>/s.exec(html)![1];
  assert.deepEqual(JSON.parse(json).data, (fig as { data: Record<string, { data: unknown }> }).data[PLOTLY_MIME].data);
  assert.ok(!html.includes('stand-in for plotly.js'), "the kernel's inlined library is not copied");
  assert.match(html, /aria-label="Plotly figure: Learning curves"/);
  // Streams with ANSI colours as classes; stderr marked.
  assert.match(html, /<pre class="output-stream stdout"><span class="ansi-green-fg">ok<\/span> loss 0.31/);
  assert.match(html, /<pre class="output-stream stderr"><span class="ansi-red-fg">warning<\/span>: few samples/);
  // Table, markdown output with math, error with traceback, final progress state, image with alt text.
  assert.match(html, /<caption[^>]*>accuracy by T<\/caption>/);
  assert.match(html, /<strong>98.0 %<\/strong> at <span class="katex">/);
  assert.match(
    html,
    /<pre class="output-error" role="alert"><span class="ansi-red-fg">Error<\/span>: shapes differ\n {4}at &lt;cell&gt;:1:7/,
  );
  assert.match(html, /student<\/b> epoch 2\/2 · batch 3\/3 · 100% · done in/);
  assert.match(html, /<img class="output-image" src="data:image\/png;base64,[A-Za-z0-9+/]+=*" alt="[^"]+"/);
  // A widget has nothing a static page can show: a visible placeholder naming it.
  assert.match(
    html,
    /<div class="output-missing" role="note">Output not shown: .*application\/vnd.jupyter.widget-view\+json/,
  );
});

test('broken outputs fall back or become placeholders, never a throw', () => {
  const c = ctx();
  const brokenFig = {
    output_type: 'display_data',
    data: { [PLOTLY_MIME]: { data: 'nope' }, 'text/plain': 'fig' },
    metadata: {},
  };
  assert.equal(renderOutput(brokenFig as Output, c), '<pre class="output-text">fig</pre>');
  assert.equal(c.figures.count, 0);
  const badPng = {
    output_type: 'display_data',
    data: { 'image/png': '%%%not base64', 'text/plain': 'img' },
    metadata: {},
  };
  assert.equal(renderOutput(badPng as Output, c), '<pre class="output-text">img</pre>');
  assert.match(
    renderOutput({ output_type: 'display_data', data: {}, metadata: {} }, c),
    /output-missing.*empty output/,
  );
  assert.match(
    renderOutput({ output_type: 'mystery' } as unknown as Output, c),
    /output-missing.*unknown output type &#39;mystery&#39;/,
  );
  assert.match(renderOutput({ output_type: 'display_data' } as unknown as Output, c), /output-missing/);
  assert.match(renderOutput(null as unknown as Output, c), /output-missing/);
  // A carriage-return progress line shows its last state only.
  assert.match(renderOutput({ output_type: 'stream', name: 'stdout', text: '10%\r50%\r100%\n' }, c), />100%\n</);
});

test('Chinese runs get lang="zh-Hans" in text, never inside tags, scripts or attributes', () => {
  const html = markChinese('<p title="温度">温度 T · temperature</p><script>var s = "蒸馏";</script>');
  assert.equal(
    html,
    '<p title="温度"><span lang="zh-Hans">温度</span> T · temperature</p><script>var s = "蒸馏";</script>',
  );
});

test('search: CJK bigrams and English words; 温度 and "dark knowledge" find their chapters', () => {
  assert.deepEqual(tokenize('知识蒸馏, Dark knowledge'), [
    '知',
    '识',
    '蒸',
    '馏',
    '知识',
    '识蒸',
    '蒸馏',
    'dark',
    'knowledge',
  ]);
  const chapters = [renderChapter(readNotebook(CH1), CH1), renderChapter(readNotebook(CH4), CH4)];
  const ms = buildIndex(chapters.flatMap((c) => c.search));
  assert.equal(search(ms, '温度')[0].page, '01-soft-targets.html');
  assert.equal(search(ms, '蒸馏')[0].page, '04-dark-knowledge.html');
  assert.equal(search(ms, 'dark knowledge')[0].page, '04-dark-knowledge.html');
  const table = search(ms, 'entropy')[0];
  assert.deepEqual([table.page, table.anchor], ['01-soft-targets.html', '11-表格-a-table']);
  // The shipped script: the same tokenizer, and an index the browser can load.
  const sandbox = { window: {} as Record<string, unknown> };
  vm.runInNewContext(indexScript(chapters.flatMap((c) => c.search)), sandbox);
  const shipped = sandbox.window.KDLAB_SEARCH as { tokenize: (s: string) => string[]; index: string };
  // (compared as JSON: the sandbox's arrays are another realm's)
  assert.equal(JSON.stringify(shipped.tokenize('温度 Temperature')), JSON.stringify(tokenize('温度 Temperature')));
  assert.equal(JSON.parse(shipped.index).documentCount, chapters.flatMap((c) => c.search).length);
});

test('chapter: title, summary, sections, figure count from the notebook, headline from its summary section', () => {
  const c = renderChapter(readNotebook(CH4), CH4);
  const nb = JSON.parse(fs.readFileSync(CH4, 'utf8')) as { cells: { outputs?: { data?: object }[] }[] };
  const plotlyOutputs = nb.cells.flatMap((x) => x.outputs ?? []).filter((o) => o.data && PLOTLY_MIME in o.data).length;
  assert.equal(plotlyOutputs, 2);
  assert.equal(c.figures, plotlyOutputs);
  assert.equal(c.title, '第四章 蒸馏 · Chapter 4: Dark knowledge');
  assert.equal(c.number, 4);
  assert.equal(c.summary, "The teacher's small probabilities carry dark knowledge about similar classes.");
  const c1 = renderChapter(readNotebook(CH1), CH1);
  assert.equal(c1.headline, 'Distillation at T = 4 beats the baseline by 1.2 points.');
  assert.deepEqual(
    c1.headings.map((h) => h.level),
    [1, 2, 2],
  );
});
