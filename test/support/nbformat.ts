/**
 * Validate notebooks against the official nbformat 4.5 JSON schema, taken at test time from the Python
 * `nbformat` package (not vendored: `python3 -m pip install nbformat`). The schema is draft-04; Ajv 8 reads
 * it as draft-07 once `$schema` is dropped, which is equivalent for the keywords this schema uses.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';

let cached: ValidateFunction | null = null;

/** Path of nbformat.v4.5.schema.json; throws with the install command when nbformat is missing. */
export function nbformatSchemaPath(): string {
  let dir: string;
  try {
    dir = execFileSync('python3', ['-c', 'import nbformat,os;print(os.path.dirname(nbformat.__file__))'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('the Python nbformat package is needed for the schema: python3 -m pip install nbformat');
  }
  const file = path.join(dir, 'v4', 'nbformat.v4.5.schema.json');
  if (!fs.existsSync(file)) throw new Error(`nbformat is installed but ${file} is missing`);
  return file;
}

function validator(): ValidateFunction {
  if (cached) return cached;
  const schema = JSON.parse(fs.readFileSync(nbformatSchemaPath(), 'utf8'));
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
  if (nb?.nbformat !== 4 || nb?.nbformat_minor !== 5) errors.push(`expected nbformat 4.5, got ${nb?.nbformat}.${nb?.nbformat_minor}`);
  if (errors.length) throw new Error(`${label} is not valid nbformat 4.5:\n${errors.join('\n')}`);
}
