/**
 * kdlab export's site and --single files built from the fixture notebooks (no kernel): pages, shared assets
 * linked not inlined (no page carries plotly.js), the curriculum index, prev/next, the run note, --single's
 * self-contained file; the --execute cache key and the command line's errors.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportSingle, exportSite } from '../../kernel/export/site';
import { buildHash, cacheKey, expectedBackend, reusable, CACHE_FILE } from '../../kernel/export/execute';
import { parseExportArgs } from '../../kernel/commands/export';
import { plotlyLibrary } from '../../kernel/display';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'kernel', 'fixtures', 'export');
const CH1 = path.join(FIXTURES, '01-soft-targets.ipynb');
const CH4 = path.join(FIXTURES, '04-dark-knowledge.ipynb');
/** A piece of plotly.min.js's own source, to find the library wherever it is copied. */
const PLOTLY_MARK = plotlyLibrary().source.slice(1000, 1200);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-export-'));

test('site: index, one page per chapter, shared assets once, no page carries plotly.js', () => {
  const dir = tmp();
  const written = exportSite([{ file: CH1 }, { file: CH4 }], dir);
  const page = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  for (const f of ['index.html', '01-soft-targets.html', '04-dark-knowledge.html']) {
    const html = page(f);
    assert.ok(!html.includes(PLOTLY_MARK), `${f} does not inline plotly.js`);
    assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), `${f} references nothing off the machine`);
    for (const [, ref] of html.matchAll(/(?:src|href)="(assets\/[^"]+|[^"#:]+\.html|notebooks\/[^"]+)"/g))
      assert.ok(fs.existsSync(path.join(dir, ref)), `${f} links ${ref}, which exists`);
  }
  assert.ok(fs.readFileSync(path.join(dir, 'assets', 'plotly.min.js'), 'utf8').includes(PLOTLY_MARK));
  assert.ok(fs.existsSync(path.join(dir, 'assets', 'katex', 'fonts', 'KaTeX_Main-Regular.woff2')));
  assert.ok(!page('assets/katex/katex.min.css').includes('.ttf'), 'fonts reduced to woff2');
  // Chapter 1 draws its one figure with the shared script; the page without a figure does not load plotly.js.
  assert.match(page('01-soft-targets.html'), /<script src="assets\/plotly.min.js"><\/script>/);
  assert.equal(written.find((w) => w.file.endsWith('04-dark-knowledge.html'))!.figures, 2);
  // Navigation: prev/next between the two chapters, the sidebar lists both, the run note names the notebook.
  assert.match(page('01-soft-targets.html'), /<a class="next" rel="next" href="04-dark-knowledge.html">/);
  assert.match(page('04-dark-knowledge.html'), /<a class="prev" rel="prev" href="01-soft-targets.html">/);
  assert.match(page('04-dark-knowledge.html'), /<a href="01-soft-targets.html">/);
  assert.ok(page('01-soft-targets.html').includes(`npx kdlab run ${CH1} --out out/`));
  assert.ok(fs.existsSync(path.join(dir, 'notebooks', '01-soft-targets.ipynb')));
  // Index: the article's eight sections in order, chapters 1 and 4 under theirs, the others planned.
  const index = page('index.html');
  const sections = [...index.matchAll(/<li class="article-section( planned)?"><h2><span class="num">(\d)<\/span>/g)];
  assert.deepEqual(
    sections.map((m) => `${m[2]}${m[1] ? 'p' : ''}`),
    ['1', '2p', '3p', '4', '5p', '6p', '7p', '8p'],
  );
  assert.match(index, /This run:<\/strong> Distillation at T = 4 beats the baseline by 1.2 points./);
});

test('--single: one self-contained file per notebook, plotly.js and fonts inlined, no links out', () => {
  const dir = tmp();
  exportSingle([{ file: CH1 }], dir);
  const html = fs.readFileSync(path.join(dir, '01-soft-targets.html'), 'utf8');
  assert.equal(html.split(PLOTLY_MARK).length - 1, 1, 'plotly.js inlined once');
  assert.ok(!/(src|href)="assets\//.test(html), 'no asset files');
  assert.match(html, /url\(data:font\/woff2;base64,/);
  assert.deepEqual(fs.readdirSync(dir), ['01-soft-targets.html']);
});

test('--execute cache key: notebook bytes, parameters (any order), kdlab version, build and backend', () => {
  const nb = fs.readFileSync(CH1);
  const env = { version: '1.0', build: 'b1', backend: 'wasm' };
  assert.equal(cacheKey(nb, { quick: true, seed: 1 }, env), cacheKey(nb, { seed: 1, quick: true }, env));
  assert.notEqual(cacheKey(nb, { quick: true }, env), cacheKey(nb, { quick: false }, env));
  for (const other of [{ version: '1.1' }, { build: 'b2' }, { backend: 'tensorflow' }])
    assert.notEqual(cacheKey(nb, {}, env), cacheKey(nb, {}, { ...env, ...other }), JSON.stringify(other));
  assert.notEqual(cacheKey(nb, {}, env), cacheKey(Buffer.concat([nb, Buffer.from(' ')]), {}, env));
  // The build hash follows the compiled files' bytes and names; the expected backend, KDLAB_BACKEND first.
  const dist = tmp();
  fs.mkdirSync(path.join(dist, 'lib', 'x'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'lib', 'x', 'a.js'), 'one');
  const before = buildHash(dist);
  assert.equal(buildHash(dist), before);
  fs.writeFileSync(path.join(dist, 'lib', 'x', 'a.js'), 'two');
  assert.notEqual(buildHash(dist), before);
  fs.writeFileSync(path.join(dist, 'lib', 'x', 'a.d.ts'), 'types only');
  const withTypes = buildHash(dist);
  fs.rmSync(path.join(dist, 'lib', 'x', 'a.d.ts'));
  assert.equal(buildHash(dist), withTypes, 'only .js files count');
  assert.equal(expectedBackend({ KDLAB_BACKEND: 'cpu' }), 'cpu');
  assert.match(expectedBackend({}), /^(tensorflow|wasm)$/);
  // A result is reused only while the written file is the one recorded.
  const dir = tmp();
  const output = path.join(dir, '01-soft-targets.ipynb');
  fs.writeFileSync(output, 'executed');
  const job = { input: CH1, output, params: { quick: true } };
  const sha = crypto.createHash('sha256').update('executed').digest('hex');
  const cache = {
    [path.resolve(output)]: { key: cacheKey(nb, job.params), outputSha256: sha, seconds: 3, at: 'then' },
  };
  assert.equal(reusable(job, cache)?.seconds, 3);
  assert.equal(reusable({ ...job, params: { quick: false } }, cache), null);
  fs.writeFileSync(output, 'overwritten by another run');
  assert.equal(reusable(job, cache), null);
  assert.equal(CACHE_FILE, '.kdlab-export-cache.json');
});

test('command line: --out required, execution options need --execute, --quick is quick=true', () => {
  assert.throws(() => parseExportArgs(['nb.ipynb']), /--out DIR is required/);
  assert.throws(() => parseExportArgs(['nb.ipynb', '--out', 'x', '--param', 'quick=true']), /need --execute/);
  assert.throws(() => parseExportArgs(['--out', 'x']), /at least one notebook/);
  assert.throws(() => parseExportArgs(['nb.ipynb', '--out', 'x', '--bogus']), /unknown option '--bogus'/);
  const a = parseExportArgs(['notebooks', '--execute', '--quick', '--out=site', '--timeout', '60']);
  assert.deepEqual([a.params, a.out, a.timeoutS, a.executedOut], [{ quick: true }, 'site', 60, 'out']);
});
