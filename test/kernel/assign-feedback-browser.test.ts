/**
 * A feedback page of `kdlab assign grade` in Chromium with the network blocked: the scores show, and no line of the
 * hidden tests reaches the DOM. One hostile A1 submission is graded for it (a real sandboxed kernel, cpu backend);
 * ./assign-grade.test.ts grades the whole set without a browser. Skips, naming the install command, without chromium.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTestKernelspec } from '../support/test-kernelspec';
import { kdlabAssign } from '../support/kdlab-assign';
import { chromiumMissing, launchChromium, openBlocked } from '../support/chromium';
import { writeNotebook } from '../../kernel/runner/notebook';
import { a1SubmissionNotebook, a1Submissions } from './fixtures/a1-submissions';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIR = path.join(ROOT, 'notebooks', 'assignments', 'a1-temperature-softmax');
const A1 = path.join(DIR, 'a1-temperature-softmax.ipynb');
const HIDDEN = path.join(DIR, 'a1-temperature-softmax.hidden.ts');
const skip = chromiumMissing();
const { tmp, jupyterPath } = makeTestKernelspec('kdlab-assign-feedback-');
const out = path.join(tmp, 'out');

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

before(async () => {
  if (skip) return;
  const subs = path.join(tmp, 'submissions');
  fs.mkdirSync(subs, { recursive: true });
  const f = a1Submissions(HIDDEN).find((s) => s.id === 'redefine-library')!;
  writeNotebook(path.join(subs, `${f.id}.ipynb`), a1SubmissionNotebook(f, A1));
  const run = await kdlabAssign(['grade', subs, '--source', A1, '--out', out, '--timeout', '15', '--memory', '512'], {
    tmp,
    jupyterPath,
  });
  assert.equal(run.code, 0, run.stderr);
});

test(
  'grade: a feedback page in Chromium (network blocked): scores shown, no hidden-test code in the DOM',
  { skip },
  async () => {
    const browser = await launchChromium();
    try {
      const file = path.join(out, 'feedback', 'redefine-library.html');
      const { page, requests, errors, close } = await openBlocked(browser, file, {
        viewport: { width: 1000, height: 800 },
      });
      await page.goto(`file://${file}`);
      const dom = await page.content();
      const body = await page.innerText('body');
      const all = await page.evaluate(() => document.documentElement.textContent ?? '');
      await close();
      assert.deepEqual(requests, []);
      assert.deepEqual(errors, []);
      assert.match(body, /redefine-library: 12\/17 points/);
      assert.match(body, /softmaxT: finite and correct for logits up to ±1000\s+hidden test/);
      for (const line of fs
        .readFileSync(HIDDEN, 'utf8')
        .split('\n')
        .map((l) => l.trim()))
        if (line.length >= 24 && !line.startsWith('//')) assert.ok(!all.includes(line), line);
      assert.ok(!dom.includes('@hidden-tests'));
    } finally {
      await browser.close();
    }
  },
);
