/**
 * Validate notebooks against the official nbformat 4.5 JSON schema, vendored from the Python `nbformat` package
 * (test/support/vendor/nbformat: schema, licence, version) so validation needs no Python. The schema is
 * draft-04; Ajv 8 reads it as draft-07 once `$schema` is dropped, which is equivalent for the keywords it uses.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';

/** The vendored nbformat.v4.5.schema.json (tests run from dist/test/support, the schema stays in the source tree). */
export const NBFORMAT_SCHEMA = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  'test',
  'support',
  'vendor',
  'nbformat',
  'nbformat.v4.5.schema.json',
);

let cached: ValidateFunction | null = null;

function validator(): ValidateFunction {
  if (cached) return cached;
  const schema = JSON.parse(fs.readFileSync(NBFORMAT_SCHEMA, 'utf8'));
  delete schema.$schema;
  cached = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return cached;
}

/** Schema errors as readable lines; empty when the notebook is valid nbformat 4.5. */
export function notebookSchemaErrors(nb: unknown): string[] {
  const validate = validator();
  if (validate(nb)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Throws listing every schema violation. Also requires nbformat_minor 5 (cell ids are 4.5's point). */
export function assertValidNotebook(nb: any, label = 'notebook'): void {
  const errors = notebookSchemaErrors(nb);
  if (nb?.nbformat !== 4 || nb?.nbformat_minor !== 5)
    errors.push(`expected nbformat 4.5, got ${nb?.nbformat}.${nb?.nbformat_minor}`);
  if (errors.length) throw new Error(`${label} is not valid nbformat 4.5:\n${errors.join('\n')}`);
}
