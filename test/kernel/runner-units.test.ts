/**
 * The runner's parts without a kernel: argument parsing and output paths, parameter injection, nbclient's
 * output semantics, notebook reading/writing, message signing and kernelspec lookup.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs, plan, UsageError } from '../../kernel/runner/args';
import { checkParameters, declarations, injectParameters, parseParam } from '../../kernel/runner/parameters';
import { heartbeatLine, heartbeatSeconds, progressOf, progressState } from '../../kernel/runner/heartbeat';
import { DisplaySink, progressBar } from '../../kernel/display';
import { figureMarkup, trustCommand } from '../../kernel/display/plotly';
import { shellWord } from '../../kernel/shell-word';
import { OutputCollector } from '../../kernel/runner/outputs';
import { Cell, checkNotebook, readNotebook, serializeNotebook, splitLines } from '../../kernel/runner/notebook';
import { Message, Session } from '../../kernel/runner/protocol';
import { findKernelSpec, kernelArgv } from '../../kernel/runner/kernelspec';
import { assertValidNotebook } from '../support/nbformat';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-runner-unit-'));

test('parseArgs: options, defaults and usage errors', () => {
  const a = parseArgs([
    'nb.ipynb',
    '--timeout',
    '5',
    '--param',
    'n=3',
    '--param=name=mnist',
    '--allow-errors',
    '--kernel',
    'python3',
  ]);
  assert.deepEqual(a.inputs, ['nb.ipynb']);
  assert.equal(a.timeoutS, 5);
  assert.deepEqual(a.params, { n: 3, name: 'mnist' });
  assert.equal(a.allowErrors, true);
  assert.equal(a.kernel, 'python3');
  // No per-cell timeout unless asked for, as nbclient: a long training cell is not a failure.
  assert.equal(parseArgs(['x.ipynb']).timeoutS, 0);
  assert.equal(parseArgs(['x.ipynb']).trust, true);
  assert.equal(parseArgs(['x.ipynb', '--no-trust']).trust, false);
  assert.throws(() => parseArgs(['x.ipynb', '--timeout', '-1']), /--timeout: expected seconds >= 0.*'-1'/);
  assert.throws(() => parseArgs(['x.ipynb', '--out', 'd', '--inplace']), UsageError);
  assert.throws(() => parseArgs(['x.ipynb', '--bogus']), /unknown option '--bogus'/);
  assert.throws(() => parseArgs([]), /at least one notebook/);
  assert.throws(() => parseArgs(['x.ipynb', '--param', 'novalue']), /expected k=v, got 'novalue'/);
  assert.throws(() => parseArgs(['x.ipynb', '--param', '2x=1']), /'2x' is not a TypeScript identifier/);
});

test('parseParam: JSON when it parses, else a string', () => {
  assert.deepEqual(parseParam('quick=true'), ['quick', true]);
  assert.deepEqual(parseParam('lr=0.5'), ['lr', 0.5]);
  assert.deepEqual(parseParam('sizes=[1,2]'), ['sizes', [1, 2]]);
  assert.deepEqual(parseParam('s="a b"'), ['s', 'a b']);
  assert.deepEqual(parseParam('s=mnist'), ['s', 'mnist']);
  assert.deepEqual(parseParam('eq=a=b'), ['eq', 'a=b']);
});

test('plan: default <name>.out.ipynb beside the input, --out keeps folder layout, never onto the input', () => {
  const d = tmp();
  fs.mkdirSync(path.join(d, 'sub'));
  fs.mkdirSync(path.join(d, '.ipynb_checkpoints'));
  for (const f of [
    'b.ipynb',
    'a.ipynb',
    'a.out.ipynb',
    'sub/c.ipynb',
    '.ipynb_checkpoints/a-checkpoint.ipynb',
    'notes.txt',
    'README.md',
  ])
    fs.writeFileSync(path.join(d, f), '{}');
  const jobs = plan(parseArgs([d]));
  assert.deepEqual(
    jobs.map((j) => path.relative(d, j.input)),
    ['a.ipynb', 'b.ipynb', path.join('sub', 'c.ipynb')],
  );
  assert.deepEqual(
    jobs.map((j) => path.relative(d, j.output)),
    ['a.out.ipynb', 'b.out.ipynb', path.join('sub', 'c.out.ipynb')],
  );
  const out = plan(parseArgs([d, '--out', path.join(d, 'o')]));
  assert.deepEqual(
    out.map((j) => path.relative(d, j.output)),
    [path.join('o', 'a.ipynb'), path.join('o', 'b.ipynb'), path.join('o', 'sub', 'c.ipynb')],
  );
  fs.mkdirSync(path.join(d, 'o'));
  fs.writeFileSync(path.join(d, 'o', 'a.ipynb'), '{}');
  assert.equal(plan(parseArgs([d, '--out', path.join(d, 'o')])).length, 3, 'results inside the folder are not inputs');
  assert.equal(plan(parseArgs([path.join(d, 'a.ipynb'), '--inplace']))[0].output, path.join(d, 'a.ipynb'));
  assert.throws(() => plan(parseArgs([path.join(d, 'a.ipynb'), '--out', d])), /would overwrite the input notebook/);
  assert.throws(
    () =>
      plan(parseArgs([path.join(d, 'a.ipynb'), path.join(d, 'sub', 'c.ipynb'), path.join(d, 'a.ipynb'), '--out', 'o'])),
    /would both be written/,
  );
  fs.rmSync(d, { recursive: true });
});

const code = (source: string, tags?: string[]): Cell => ({
  cell_type: 'code',
  source,
  metadata: tags ? { tags } : {},
  outputs: [],
  execution_count: null,
});

test('injectParameters: after the parameters cell, replaces an old injection; TypeScript gets no Out[]', () => {
  const nb = checkNotebook(
    { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [code('let a = 1;', ['parameters']), code('a')] },
    'x',
  );
  assert.deepEqual(injectParameters(nb, { a: 5, z: 'q' }, { typescript: true }), []);
  assert.deepEqual(
    nb.cells.map((c) => c.metadata.tags ?? null),
    [['parameters'], ['injected-parameters'], null],
  );
  assert.equal(nb.cells[1].source, 'a = 5;\nz = "q";\nvoid 0; // no Out[] for this cell');
  injectParameters(nb, { a: false }, { typescript: true });
  assert.equal(nb.cells.length, 3, 'the old injected cell was replaced');
  assert.equal(nb.cells[1].source, 'a = false;\nvoid 0; // no Out[] for this cell');
  const python = checkNotebook(
    { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [code('x = 1', ['parameters'])] },
    'x',
  );
  assert.deepEqual(injectParameters(python, { x: 2 }, { typescript: false }), []);
  assert.equal(python.cells[1].source, 'x = 2;');
  const bare = checkNotebook({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [code('1')] }, 'x');
  assert.match(injectParameters(bare, { q: 1 }, { typescript: false })[0], /no cell tagged 'parameters'/);
  assert.equal(bare.cells[0].source, 'q = 1;');
  assertValidNotebook(JSON.parse(serializeNotebook(nb)));
});

test('declarations: top-level let/var/const by name, plain types from annotations and literal initialisers', () => {
  const d = declarations(
    [
      'let quick = false, n = -2; // let fake = 1',
      "var label = 'x';",
      'let sizes: number[] = [1, 2], m: number = f(a, b);',
      'const fixed = 3;',
      '/* const hidden = 1; */ let t = `tmpl`;',
      'function g() { let inner = 1; }',
    ].join('\n'),
  );
  assert.deepEqual(
    [...d].map(([k, v]) => [k, v.kind, v.type]),
    [
      ['quick', 'let', 'boolean'],
      ['n', 'let', 'number'],
      ['label', 'var', 'string'],
      ['sizes', 'let', undefined],
      ['m', 'let', 'number'],
      ['fixed', 'const', 'number'],
      ['t', 'let', 'string'],
    ],
  );
  assert.equal(d.get('sizes')!.text, 'let sizes: number[] = [1, 2]');
});

test('checkParameters: undeclared names list the declared ones; const and plain-type mismatches; no parameters cell', () => {
  const nb = checkNotebook(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        code("let quick = false;\nlet n: number = 2;\nlet label = 'a';\nlet sizes = [1];\nconst c = 1;", [
          'parameters',
        ]),
      ],
    },
    'x',
  );
  assert.deepEqual(checkParameters(nb, { quick: true, n: 3, label: 'b', sizes: ['any', 'json'] }, 'nb.ipynb'), []);
  assert.deepEqual(checkParameters(nb, {}, 'nb.ipynb'), []);
  assert.deepEqual(checkParameters(nb, { quik: true, c: 2 }, 'nb.ipynb'), [
    "nb.ipynb: 'quik' is not declared in the 'parameters' cell; it declares quick, n, label, sizes",
    "nb.ipynb: 'c' is declared with const in the 'parameters' cell (`const c = 1`); declare it with let so it can be set",
  ]);
  assert.deepEqual(checkParameters(nb, { quick: 'yes', n: true, label: 3 }, 'nb.ipynb'), [
    "nb.ipynb: 'quick' is a boolean in the 'parameters' cell (`let quick = false`), got string \"yes\"",
    "nb.ipynb: 'n' is a number in the 'parameters' cell (`let n: number = 2`), got boolean true",
    "nb.ipynb: 'label' is a string in the 'parameters' cell (`let label = 'a'`), got number 3 (quote it: --param 'label=\"3\"')",
  ]);
  const bare = checkNotebook({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [code('let q = 1;')] }, 'x');
  assert.deepEqual(checkParameters(bare, { q: 2 }, 'b.ipynb'), [
    "b.ipynb: has no cell tagged 'parameters', so it takes no --param (got q)",
  ]);
});

test('progressState reads the state of a real kdlab progress bar; heartbeat lines; KDLAB_RUN_HEARTBEAT_S', async () => {
  const texts: string[] = [];
  const sink: DisplaySink = {
    display: (b) => {
      texts.push(String(b.data['text/plain']));
    },
    update: (b) => {
      texts.push(String(b.data['text/plain']));
    },
    clear: () => {},
  };
  let t = 0;
  const bar = progressBar(sink, { title: 'KD fit', now: () => t, minIntervalMs: 0 });
  await bar.onTrainBegin!({ epochs: 4, batchesPerEpoch: 5 });
  // 0 of 20 batches: 0%, no ETA yet.
  assert.equal(progressState(texts.at(-1)!), 'KD fit: epoch 1/4, batch 0/5, 0%, ETA ?');
  // Epoch 2, batch 3 done: 5 + 3 = 8 of 20 batches = 40%; 8 s elapsed, ETA 8 * 0.6 / 0.4 = 12 s.
  t = 8000;
  await bar.onBatchEnd!({ epoch: 1, epochs: 4, batch: 2, batchesPerEpoch: 5, losses: { kd: 0.25 } });
  assert.equal(progressState(texts.at(-1)!), 'KD fit: epoch 2/4, batch 3/5, 40%, ETA 0:12');
  t = 30000;
  await bar.onTrainEnd!({ history: { epochs: [], batches: {} } });
  assert.equal(progressState(texts.at(-1)!), 'KD fit: epoch 2/4, batch 3/5, 100%, done in 0:30');
  assert.equal(progressState('3'), null);
  assert.equal(progressState('loss [1, 2]'), null);
  const m = (type: string, plain: unknown): Message => ({
    header: { msg_id: 'x', session: 's', username: 'u', date: '', msg_type: type, version: '5.3' },
    parent_header: {},
    metadata: {},
    content: { data: { 'text/plain': plain } },
    buffers: [],
  });
  assert.equal(progressOf(m('update_display_data', texts[1])), 'KD fit: epoch 2/4, batch 3/5, 40%, ETA 0:12');
  assert.equal(progressOf(m('stream', texts[1])), null);
  assert.equal(heartbeatLine('code cell 3/9', 125_000, null), 'code cell 3/9 still running, 2:05 elapsed');
  assert.equal(
    heartbeatLine('code cell 3/9', 61_000, 'KD fit: epoch 2/4'),
    'code cell 3/9 still running, 1:01 elapsed (KD fit: epoch 2/4)',
  );
  assert.equal(heartbeatSeconds({}), 60);
  assert.equal(heartbeatSeconds({ KDLAB_RUN_HEARTBEAT_S: '' }), 60);
  assert.equal(heartbeatSeconds({ KDLAB_RUN_HEARTBEAT_S: '0.5' }), 0.5);
  assert.throws(
    () => heartbeatSeconds({ KDLAB_RUN_HEARTBEAT_S: '0' }),
    /KDLAB_RUN_HEARTBEAT_S: expected seconds > 0, got '0'/,
  );
});

test('trust: the Plotly placeholder names the notebook to trust (JPY_SESSION_NAME), shell-quoted and HTML-escaped', () => {
  assert.equal(trustCommand('out/04-kd.ipynb'), 'jupyter trust out/04-kd.ipynb');
  assert.equal(trustCommand("/home/a b/it's.ipynb"), "jupyter trust '/home/a b/it'\\''s.ipynb'");
  assert.equal(trustCommand(''), 'jupyter trust <your notebook>.ipynb');
  const html = figureMarkup({ data: [], layout: {}, config: {} }, 'p1', trustCommand('a<b>.ipynb'));
  assert.ok(
    html.includes('Run <code>jupyter trust &#39;a&lt;b&gt;.ipynb&#39;</code>, then reopen the notebook.'),
    html.slice(0, 400),
  );
  assert.ok(
    figureMarkup({ data: [], layout: {}, config: {} }, 'p1', trustCommand(undefined)).includes(
      'jupyter trust &lt;your notebook&gt;.ipynb',
    ),
  );
  assert.equal(shellWord('a-b_c/d.ipynb'), 'a-b_c/d.ipynb');
});

let seq = 0;
const msg = (msg_type: string, content: Record<string, unknown>): Message => ({
  header: {
    msg_id: `m${seq++}`,
    session: 's',
    username: 'u',
    date: '2026-01-01T00:00:00.000Z',
    msg_type,
    version: '5.3',
  },
  parent_header: {},
  metadata: {},
  content,
  buffers: [],
});

test('OutputCollector: streams merge, display ids update across cells, clear_output now and with wait', () => {
  const col = new OutputCollector();
  const a = code('a');
  const b = code('b');
  col.begin(a);
  col.handle(a, msg('stream', { name: 'stdout', text: 'x' }));
  col.handle(a, msg('stream', { name: 'stdout', text: 'y\n' }));
  col.handle(a, msg('stream', { name: 'stderr', text: 'e' }));
  col.handle(a, msg('stream', { name: 'stdout', text: 'z' }));
  col.handle(a, msg('display_data', { data: { 'text/plain': 'v1' }, metadata: {}, transient: { display_id: 'd' } }));
  col.handle(a, msg('execute_result', { data: { 'text/plain': '3' }, metadata: {}, execution_count: 7 }));
  assert.deepEqual(
    (a.outputs as any[]).map((o) => o.text ?? o.data['text/plain']),
    ['xy\n', 'e', 'z', 'v1', '3'],
  );
  assert.equal(a.execution_count, 7);
  col.begin(b);
  col.handle(
    b,
    msg('update_display_data', { data: { 'text/plain': 'v2' }, metadata: { m: 1 }, transient: { display_id: 'd' } }),
  );
  assert.equal(b.outputs!.length, 0, 'update_display_data adds no output');
  assert.deepEqual(a.outputs![3], { output_type: 'display_data', data: { 'text/plain': 'v2' }, metadata: { m: 1 } });
  col.handle(b, msg('display_data', { data: { 'text/plain': 'v3' }, metadata: {}, transient: { display_id: 'd' } }));
  assert.equal(
    (a.outputs as any[])[3].data['text/plain'],
    'v3',
    're-display with the same id updates earlier outputs too',
  );
  assert.equal((b.outputs as any[])[0].data['text/plain'], 'v3');
  col.handle(b, msg('clear_output', { wait: true }));
  assert.equal(b.outputs!.length, 1, 'wait=true keeps outputs until the next one');
  col.handle(b, msg('stream', { name: 'stdout', text: 'new' }));
  assert.deepEqual(
    b.outputs!.map((o) => o.output_type),
    ['stream'],
  );
  col.handle(
    b,
    msg('update_display_data', { data: { 'text/plain': 'v4' }, metadata: {}, transient: { display_id: 'd' } }),
  );
  assert.equal((a.outputs as any[])[3].data['text/plain'], 'v4');
  col.handle(b, msg('clear_output', { wait: false }));
  assert.deepEqual(b.outputs, []);
  col.handle(b, msg('error', { ename: 'E', evalue: 'v', traceback: ['t'] }));
  assert.deepEqual(b.outputs, [{ output_type: 'error', ename: 'E', evalue: 'v', traceback: ['t'] }]);
});

test('readNotebook: clear errors naming the file; 4.4 is upgraded to 4.5 with ids', () => {
  const d = tmp();
  const f = path.join(d, 'n.ipynb');
  fs.writeFileSync(f, '[1,');
  assert.throws(
    () => readNotebook(f),
    (e: Error) => e.message.startsWith(`${f}: not a valid notebook: invalid JSON`),
  );
  fs.writeFileSync(f, '[]');
  assert.throws(() => readNotebook(f), /expected a JSON object, got an array/);
  fs.writeFileSync(
    f,
    JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [{ cell_type: 'code', source: 1 }] }),
  );
  assert.throws(() => readNotebook(f), /cell 0: expected "source" to be a string or a list of strings/);
  fs.writeFileSync(
    f,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 4,
      metadata: {},
      cells: [
        { cell_type: 'markdown', metadata: {}, source: ['# t'] },
        { cell_type: 'code', metadata: {}, source: 'x', outputs: [], execution_count: null, id: 'same' },
        { cell_type: 'code', metadata: {}, source: 'y', outputs: [], execution_count: null, id: 'same' },
      ],
    }),
  );
  const nb = readNotebook(f);
  assert.equal(nb.nbformat_minor, 5);
  assert.equal(new Set(nb.cells.map((c) => c.id)).size, 3, 'missing and duplicate ids replaced');
  assertValidNotebook(JSON.parse(serializeNotebook(nb)));
  assert.throws(() => readNotebook(path.join(d, 'none.ipynb')), /none\.ipynb: cannot read notebook \(ENOENT\)/);
  fs.rmSync(d, { recursive: true });
});

test('checkNotebook: outputs must have the fields of their output_type (nbformat 4 schema)', () => {
  const withOutput = (o: unknown) => ({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: 'markdown', metadata: {}, source: '' },
      { cell_type: 'code', metadata: {}, source: '', outputs: [o], execution_count: null },
    ],
  });
  const bad = /x: not a valid nbformat 4 notebook: cell 1, output 0: /;
  assert.throws(() => checkNotebook(withOutput('text'), 'x'), new RegExp(bad.source + 'expected an object$'));
  assert.throws(
    () => checkNotebook(withOutput({ output_type: 'update_display_data', data: {} }), 'x'),
    new RegExp(
      bad.source + 'expected output_type stream, display_data, execute_result or error, got "update_display_data"$',
    ),
  );
  assert.throws(
    () => checkNotebook(withOutput({ output_type: 'stream', name: 'stdout', text: 3 }), 'x'),
    /output 0: expected stream "text" to be a string or a list of strings/,
  );
  assert.throws(
    () =>
      checkNotebook(withOutput({ output_type: 'execute_result', data: 'x', metadata: {}, execution_count: 1 }), 'x'),
    /output 0: expected execute_result "data" to be an object/,
  );
  assert.throws(
    () => checkNotebook(withOutput({ output_type: 'error', ename: 'E', evalue: '', traceback: 'E' }), 'x'),
    /output 0: expected error "traceback" to be a list of strings/,
  );
  const good = { output_type: 'stream', name: 'stdout', text: ['a\n', 'b'], extra: 1 };
  assert.deepEqual(checkNotebook(withOutput(good), 'x').cells[1].outputs, [good], 'a valid output is kept as it is');
});

test('serializeNotebook: lines split like nbformat, JSON mime types left whole, sorted keys', () => {
  assert.deepEqual(splitLines('a\nb\n\nc'), ['a\n', 'b\n', '\n', 'c']);
  assert.deepEqual(splitLines(''), []);
  const nb = checkNotebook({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [code('x\ny')] }, 'x');
  nb.cells[0].outputs = [
    {
      output_type: 'display_data',
      data: { 'text/html': '<b>\n</b>', 'application/vnd.plotly.v1+json': { data: [] }, 'image/png': 'AAAA\nBBBB' },
      metadata: {},
      transient: { display_id: 'q' },
    },
    { output_type: 'stream', name: 'stdout', text: 'p\nq' },
  ];
  const s = serializeNotebook(nb);
  const back = JSON.parse(s);
  assert.deepEqual(back.cells[0].source, ['x\n', 'y']);
  assert.deepEqual(back.cells[0].outputs[0].data['text/html'], ['<b>\n', '</b>']);
  assert.deepEqual(back.cells[0].outputs[0].data['application/vnd.plotly.v1+json'], { data: [] });
  assert.equal(back.cells[0].outputs[0].data['image/png'], 'AAAA\nBBBB');
  assert.equal(back.cells[0].outputs[0].transient, undefined);
  assert.deepEqual(back.cells[0].outputs[1].text, ['p\n', 'q']);
  assert.deepEqual(Object.keys(back), ['cells', 'metadata', 'nbformat', 'nbformat_minor']);
  assert.ok(s.startsWith('{\n "cells": [\n  {\n'), 'indent 1 like nbformat');
  assertValidNotebook(back);
});

test('Session: HMAC-SHA256 over header, parent, metadata, content; forged messages rejected', () => {
  const key = 'k3y';
  const s = new Session(key);
  const m = s.message('kernel_info_request', {});
  const frames = s.serialize(m);
  assert.equal(frames[0].toString(), '<IDS|MSG>');
  // The signature computed here from the spec, independently of Session.sign.
  const expected = crypto
    .createHmac('sha256', key)
    .update(Buffer.concat(frames.slice(2, 6)))
    .digest('hex');
  assert.equal(frames[1].toString(), expected);
  const back = s.deserialize([Buffer.from('routing-id'), ...frames]);
  assert.equal(back.header.msg_type, 'kernel_info_request');
  const forged = [...frames];
  forged[5] = Buffer.from('{"code":"evil"}');
  assert.throws(() => s.deserialize(forged), /invalid HMAC signature/);
  assert.throws(() => s.deserialize(frames.slice(1)), /malformed/);
});

test('findKernelSpec: first match on JUPYTER_PATH wins; argv substitution; unknown names', () => {
  const d1 = tmp();
  const d2 = tmp();
  for (const [d, mode] of [
    [d1, 'message'],
    [d2, 'signal'],
  ] as const) {
    fs.mkdirSync(path.join(d, 'kernels', 'kx'), { recursive: true });
    fs.writeFileSync(
      path.join(d, 'kernels', 'kx', 'kernel.json'),
      JSON.stringify({
        argv: ['run', '-f', '{connection_file}', '{resource_dir}'],
        display_name: 'KX',
        language: 'x',
        interrupt_mode: mode,
      }),
    );
  }
  const env = { ...process.env, JUPYTER_PATH: [d1, d2].join(path.delimiter) };
  const spec = findKernelSpec('kx', env)!;
  assert.equal(spec.interruptMode, 'message');
  assert.deepEqual(kernelArgv(spec, '/c.json'), ['run', '-f', '/c.json', path.join(d1, 'kernels', 'kx')]);
  assert.equal(findKernelSpec('kx', { ...env, JUPYTER_PATH: d2 })!.interruptMode, 'signal');
  assert.equal(findKernelSpec('surely-not-installed-kx', env), null);
  assert.throws(() => findKernelSpec('../x', env), /invalid kernelspec name/);
  fs.rmSync(d1, { recursive: true });
  fs.rmSync(d2, { recursive: true });
});
