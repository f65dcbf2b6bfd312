/**
 * The vendored nbformat 4.5 schema: it tells valid notebooks from invalid ones (hand-written cases), and it is
 * still the schema the installed Python nbformat ships (when one is on PATH).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { assertValidNotebook, notebookSchemaErrors, NBFORMAT_SCHEMA } from './nbformat';
import { missing, python3With } from './tools';

const valid = () => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    { cell_type: 'markdown', id: 'intro', metadata: {}, source: '# Title' },
    {
      cell_type: 'code',
      id: 'c-1',
      metadata: {},
      source: '1 + 1',
      execution_count: 1,
      outputs: [{ output_type: 'execute_result', execution_count: 1, metadata: {}, data: { 'text/plain': '2' } }],
    },
  ],
});

test('a hand-written nbformat 4.5 notebook is valid', () => {
  assert.deepEqual(notebookSchemaErrors(valid()), []);
  assertValidNotebook(valid());
});

test('cell ids are required and constrained in 4.5; unknown output types and minor versions are rejected', () => {
  const noId = valid();
  delete (noId.cells[1] as { id?: string }).id;
  assert.ok(
    notebookSchemaErrors(noId).some((e) => /required/.test(e) && /"id"/.test(e)),
    notebookSchemaErrors(noId).join('\n'),
  );
  const badId = valid();
  badId.cells[0].id = 'has space';
  assert.ok(
    notebookSchemaErrors(badId).some((e) => /^\/cells\/0\/id /.test(e)),
    notebookSchemaErrors(badId).join('\n'),
  );
  const badOutput = valid() as any;
  badOutput.cells[1].outputs[0].output_type = 'result';
  assert.ok(notebookSchemaErrors(badOutput).length > 0);
  assert.throws(
    () => assertValidNotebook({ ...valid(), nbformat_minor: 4 }, 'old.ipynb'),
    /old\.ipynb is not valid nbformat 4\.5:\n.*expected nbformat 4\.5, got 4\.4/s,
  );
});

const py = python3With('nbformat');
test(
  "the vendored schema equals the installed nbformat package's",
  { skip: py ? false : missing('python3 with nbformat', 'python3 -m pip install nbformat') },
  () => {
    const dir = execFileSync(py!, ['-c', 'import nbformat,os;print(os.path.dirname(nbformat.__file__))'], {
      encoding: 'utf8',
    }).trim();
    const installed = JSON.parse(fs.readFileSync(path.join(dir, 'v4', 'nbformat.v4.5.schema.json'), 'utf8'));
    assert.deepEqual(JSON.parse(fs.readFileSync(NBFORMAT_SCHEMA, 'utf8')), installed);
  },
);
