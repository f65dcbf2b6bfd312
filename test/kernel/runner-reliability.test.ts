/**
 * `kdlab run` under hostile conditions (issue 17): output floods are capped, every failure still writes the
 * partial notebook and names the cell, a kernel's exit code is reported as such, and command-line mistakes are
 * usage errors (exit 2) found before any notebook runs. Tests that run a kernel run on each backend
 * (runnerBackends). What survives the runner: runner-lifetime.test.ts.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { OutputCollector } from '../../kernel/runner/outputs';
import { Cell, Notebook, serializeNotebook, writeNotebook } from '../../kernel/runner/notebook';
import { Message } from '../../kernel/runner/protocol';
import { runNotebook } from '../../kernel/runner/execute';
import { builtinKdlabSpec } from '../../kernel/runner/kernelspec';
import { makeTestKernelspec } from '../support/test-kernelspec';
import { kdlabRun, leftovers, notebook, RunOptions, runnerBackends } from '../support/kdlab-run';
import { assertValidNotebook } from '../support/nbformat';

let tmp: string;
let jupyterPath: string;

before(() => {
  ({ tmp, jupyterPath } = makeTestKernelspec('kdlab-runrel-test-'));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// ---- helpers ---------------------------------------------------------------------------------------------

const run = (args: string[], opts: Omit<RunOptions, 'tmp' | 'jupyterPath'> = {}) =>
  kdlabRun(args, { tmp, jupyterPath, ...opts });
const makeNotebook = (name: string, sources: string[], dir?: string) => notebook(tmp, name, sources, dir);
const joined = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);
const outName = (f: string) => f.replace(/\.ipynb$/, '.out.ipynb');
const read = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));
const countNewlines = (s: string) => s.split('\n').length - 1;

let seq = 0;
const msg = (type: string, content: Record<string, unknown>): Message => ({
  header: {
    msg_id: `m${seq++}`,
    msg_type: type,
    session: 's',
    username: 'u',
    date: new Date().toISOString(),
    version: '5.3',
  },
  parent_header: {},
  metadata: {},
  content,
  buffers: [],
});
const code = (): Cell => ({ cell_type: 'code', source: '', metadata: {}, outputs: [], execution_count: null });

// ---- 3. output cap -----------------------------------------------------------------------------------------

test('output cap: a stream flood keeps its exact first and last characters and counts what was dropped between', () => {
  const cap = 10_000;
  const col = new OutputCollector(cap);
  const cell = code();
  col.begin(cell);
  // 5,000 numbered lines of varying length, sent in irregular chunks as a kernel's coalesced writes would be.
  let full = '';
  for (let i = 0; i < 5000; i++) full += `line ${i} ${'x'.repeat(i % 37)}\n`;
  for (let at = 0, k = 1; at < full.length; at += k, k = ((k * 7) % 997) + 1) {
    col.handle(cell, msg('stream', { name: 'stdout', text: full.slice(at, at + k) }));
  }
  const outs = cell.outputs as any[];
  assert.deepEqual(
    outs.map((o) => [o.output_type, o.name]),
    [
      ['stream', 'stdout'],
      ['stream', 'stdout'],
      ['stream', 'stdout'],
    ],
  );
  const [head, note, tail] = outs.map((o) => o.text as string);
  assert.ok(
    full.startsWith(head) && head.length >= cap / 2 - 100,
    `head is the start of the text (${head.length} chars)`,
  );
  assert.ok(full.endsWith(tail) && tail.length >= cap / 4, `tail is the end of the text (${tail.length} chars)`);
  assert.ok(head.length + tail.length <= cap, 'at most the cap is kept');
  const dropped = full.slice(head.length, full.length - tail.length);
  const m = /… (\d+) characters \((\d+) lines\) dropped/.exec(note);
  assert.ok(m, note);
  assert.equal(Number(m[1]), dropped.length);
  assert.equal(Number(m[2]), countNewlines(dropped));
  assert.equal(col.dropped(cell), note.trim());
  // clear_output starts the count again: what is shown now is small.
  col.handle(cell, msg('clear_output', { wait: false }));
  col.handle(cell, msg('stream', { name: 'stdout', text: 'fresh\n' }));
  assert.deepEqual(cell.outputs, [{ output_type: 'stream', name: 'stdout', text: 'fresh\n' }]);
  assert.equal(col.dropped(cell), null);
});

test('output cap: a flood of rich outputs keeps the first and last ones and counts the dropped outputs; small cells are untouched', () => {
  const cap = 20_000;
  const col = new OutputCollector(cap);
  const cell = code();
  col.begin(cell);
  const n = 2000;
  for (let i = 0; i < n; i++)
    col.handle(cell, msg('display_data', { data: { 'text/plain': `figure ${i}` }, metadata: {} }));
  const outs = cell.outputs as any[];
  const shown = outs
    .filter((o) => o.output_type === 'display_data')
    .map((o) => Number(/\d+/.exec(o.data['text/plain'])![0]));
  const note = outs.find((o) => o.output_type === 'stream')!;
  const k = Number(/and (\d+) other outputs dropped/.exec(note.text)![1]);
  assert.equal(shown.length + k, n, 'kept + dropped = sent');
  // Kept: figures 0..h-1 and the last ones, in order, nothing in between.
  const h = shown.findIndex((v, i) => v !== i);
  assert.ok(h > 0);
  assert.deepEqual(
    shown.slice(h),
    Array.from({ length: shown.length - h }, (_, i) => n - (shown.length - h) + i),
  );
  assert.ok(JSON.stringify(outs).length <= cap * 1.2, 'stored size stays near the cap');

  // An error in the middle of a flood of prints is kept (it says why the cell ended).
  const failing = code();
  col.begin(failing);
  for (let i = 0; i < 500; i++) col.handle(failing, msg('stream', { name: 'stdout', text: 'z'.repeat(100) }));
  col.handle(failing, msg('error', { ename: 'Interrupted', evalue: 'stop', traceback: [] }));
  for (let i = 0; i < 500; i++) col.handle(failing, msg('stream', { name: 'stdout', text: 'z'.repeat(100) }));
  assert.deepEqual(
    (failing.outputs as any[]).filter((o) => o.output_type === 'error').map((o) => o.ename),
    ['Interrupted'],
  );
  assert.doesNotMatch(col.dropped(failing)!, /other output/);

  const small = code();
  col.begin(small);
  col.handle(small, msg('stream', { name: 'stdout', text: 'a'.repeat(cap - 100) }));
  assert.equal((small.outputs as any[])[0].text.length, cap - 100, 'output under the cap is kept whole');
  assert.throws(() => new OutputCollector(10), /output cap: expected at least/);
});

test('the notebook is written a cell at a time, byte for byte as nbformat would write it whole', () => {
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { signature: 'sha256:x', kernelspec: { name: 'kdlab', display_name: 'K' } },
    cells: [
      { id: 'a', cell_type: 'markdown', metadata: { trusted: true }, source: '# T\ntext' },
      {
        id: 'b',
        cell_type: 'code',
        metadata: {},
        source: 'x\ny',
        execution_count: 2,
        outputs: [
          { output_type: 'stream', name: 'stdout', text: 'one\ntwo\n' },
          {
            output_type: 'display_data',
            data: { 'text/plain': 'p\nq', 'application/json': { k: [1, 2] } },
            metadata: {},
            transient: { display_id: 'd' },
          },
        ],
      },
    ],
  };
  // What nbformat.write gives, written out by hand: keys sorted, strings split into lines, no signature/trusted/transient.
  const expected = {
    cells: [
      { cell_type: 'markdown', id: 'a', metadata: {}, source: ['# T\n', 'text'] },
      {
        cell_type: 'code',
        execution_count: 2,
        id: 'b',
        metadata: {},
        outputs: [
          { name: 'stdout', output_type: 'stream', text: ['one\n', 'two\n'] },
          {
            data: { 'application/json': { k: [1, 2] }, 'text/plain': ['p\n', 'q'] },
            metadata: {},
            output_type: 'display_data',
          },
        ],
        source: ['x\n', 'y'],
      },
    ],
    metadata: { kernelspec: { display_name: 'K', name: 'kdlab' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  assert.equal(serializeNotebook(nb), JSON.stringify(expected, null, 1) + '\n');
  assert.equal(serializeNotebook({ ...nb, cells: [] }), JSON.stringify({ ...expected, cells: [] }, null, 1) + '\n');
  const dir = fs.mkdtempSync(path.join(tmp, 'write-'));
  writeNotebook(path.join(dir, 'n.ipynb'), nb);
  assert.equal(fs.readFileSync(path.join(dir, 'n.ipynb'), 'utf8'), JSON.stringify(expected, null, 1) + '\n');
  assert.equal(nb.metadata.signature, 'sha256:x', 'the notebook in memory is left as it was');
  assert.throws(() => writeNotebook(path.join(dir, 'missing', 'n.ipynb'), nb), /ENOENT/);
  assert.deepEqual(fs.readdirSync(dir), ['n.ipynb'], 'a failed write leaves no temp file');
});

// ---- 9. usage errors before running ------------------------------------------------------------------------------

test('--out naming a file, an unwritable --out and an unknown --kernel are usage errors (exit 2) before any kernel starts', async () => {
  const input = makeNotebook('usage', ['console.log(1)']);
  const file = path.join(path.dirname(input), 'a-file');
  fs.writeFileSync(file, 'x');
  const cases: [string[], RegExp][] = [
    [['--out', file], /--out: '.*a-file' is a file; expected a folder/],
    [['--out', path.join(file, 'sub')], /cannot write the result: .*a-file is a file, not a folder/],
    [['--kernel', 'no-such'], /--kernel: no kernelspec named 'no-such'; available: .*\bkdlab\b/],
  ];
  for (const [args, expected] of cases) {
    const r = await run([input, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.match(r.stderr, /usage: kdlab run/);
    assert.doesNotMatch(r.stderr, /\] code cell/, 'no cell ran');
    assert.deepEqual(leftovers(r.tmpdir).folders, [], 'no kernel was started');
  }
  assert.equal(fs.readFileSync(file, 'utf8'), 'x');
  assert.ok(!fs.existsSync(outName(input)));
});

// ---- on each backend: 3. runaway output and runner failures, 9. exit codes and write failures ---------------------

for (const backend of runnerBackends(false)) {
  describe(`kdlab run on ${backend}`, () => {
    test('a runaway print loop: the timeout still ends the cell, the notebook is written with capped output, notebook and cell named', async () => {
      // Short lines and a 0.1 M cap: the loop floods the cap many times over (~25 k lines/s on a loaded machine)
      // while what the kernel queues, and the runner must drain after the interrupt, stays tens of MB, not the
      // hundreds that 1,000-character lines for 15 s made (half a minute of draining per run).
      const input = makeNotebook(`runaway-${backend}`, [
        'console.log("before")',
        'while (true) console.log("y".repeat(100))',
      ]);
      const r = await run([input, '--timeout', '6', '--max-output', '0.1'], { backend });
      assert.equal(r.code, 1, r.stderr);
      const line = r.stderr.split('\n').find((l) => l.startsWith(`${input}: FAILED (timeout)`));
      assert.ok(
        line && line.includes(input) && line.includes('at code cell 2/2') && line.includes('while (true)'),
        r.stderr,
      );
      assert.match(r.stderr, /code cell 2\/2: output over the cap: … \d+ characters/);
      const nb = read(outName(input));
      assertValidNotebook(nb, 'runaway.out.ipynb');
      assert.ok(joined(nb.cells[0].outputs.at(-1).text).endsWith('before\n'));
      const streams = nb.cells[1].outputs
        .filter((o: any) => o.output_type === 'stream')
        .map((o: any) => joined(o.text));
      const all = streams.join('');
      assert.ok(all.length <= 100_000, `stored ${all.length} characters`);
      const m = /… (\d+) characters \((\d+) lines\) dropped/.exec(all);
      assert.ok(m, 'the note says how much was dropped');
      assert.doesNotMatch(all, /other output/, "only printed text was dropped: the interrupt's error is kept");
      // Every dropped line is 100 y's and a newline: the two counts agree to within the two partial lines.
      assert.ok(Math.abs(Number(m[1]) - 101 * Number(m[2])) <= 101, `${m[1]} characters vs ${m[2]} lines`);
      assert.ok(streams[0].startsWith('y'.repeat(100) + '\n'));
      assert.ok(
        nb.cells[1].outputs.some((o: any) => o.ename === 'CellTimeoutError'),
        'the timeout is recorded in the cell',
      );
    });

    test('an unexpected error in the runner itself still writes the partial notebook and names the cell', async () => {
      const input = makeNotebook(`internal-${backend}`, [
        'console.log("one")',
        'console.log("two")',
        'console.log("three")',
      ]);
      const output = outName(input);
      const spec = builtinKdlabSpec();
      let thrown = false;
      const r = await runNotebook(input, output, {
        spec: { ...spec, env: { ...spec.env, KDLAB_BACKEND: backend } },
        timeoutS: 60,
        heartbeatS: 0,
        allowErrors: false,
        params: {},
        log: (l) => {
          if (!thrown && /code cell 2\/3 ok/.test(l)) {
            thrown = true;
            throw new Error('log sink broke');
          }
        },
      });
      assert.ok(thrown);
      assert.equal(r.ok, false);
      assert.equal(r.output, output);
      assert.equal(r.failure?.kind, 'internal');
      assert.deepEqual(r.failure?.cell, { number: 2, of: 3, firstLine: 'console.log("two")' });
      assert.match(r.failure.message, /log sink broke/);
      const nb = read(output);
      assertValidNotebook(nb, 'internal.out.ipynb');
      assert.ok(joined(nb.cells[0].outputs.at(-1).text).endsWith('one\n'));
      assert.equal(joined(nb.cells[1].outputs[0].text), 'two\n');
      assert.equal(nb.cells[1].outputs.at(-1).ename, 'RunnerError');
      assert.deepEqual(nb.cells[2].outputs, []);
    });

    test("process.exit(3) in a cell: the runner reports the kernel's exit code 3, not a signal, and writes the partial notebook", async () => {
      const input = makeNotebook(`exit-${backend}`, [
        'console.log("before")',
        'process.exit(3)',
        'console.log("not reached")',
      ]);
      const r = await run([input], { backend });
      assert.equal(r.code, 1, r.stderr);
      const line = r.stderr.split('\n').find((l) => l.includes('FAILED (kernel died)'));
      assert.ok(line && line.includes('at code cell 2/3') && line.includes('process.exit(3)'), r.stderr);
      assert.match(line, /kernel process exited \(code 3\)/);
      const out = read(outName(input));
      assert.ok(joined(out.cells[0].outputs.at(-1).text).endsWith('before\n'));
      assert.equal(out.cells[1].outputs.at(-1).ename, 'DeadKernelError');
      assert.deepEqual(out.cells[2].outputs, []);
      assert.deepEqual(leftovers(r.tmpdir), { processes: [], folders: [] });
    });

    test('a notebook that cannot be written is reported; the folder run goes on with the others and summarises', async () => {
      const dir = fs.mkdtempSync(path.join(tmp, `folder-${backend}-`));
      // The first notebook makes its own output path a folder while it runs, so only its final write fails.
      const a = makeNotebook(
        'a',
        [`import * as fs from 'fs'; fs.mkdirSync(${JSON.stringify(path.join(dir, 'a.out.ipynb'))});`],
        dir,
      );
      const b = makeNotebook('b', ['console.log("b ran")'], dir);
      const r = await run([dir], { backend });
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: FAILED \\(not written\\): 1 code cells executed, but cannot write .*a\\.out\\.ipynb`,
        ),
      );
      assert.match(r.stderr, /b\.ipynb: ok, 1 code cells executed/);
      assert.match(r.stderr, /kdlab run: 1\/2 notebooks ok/);
      assert.equal(joined(read(outName(b)).cells[0].outputs.at(-1).text).endsWith('b ran\n'), true);
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
        [],
        'no temp file left behind',
      );
    });
  });
}
