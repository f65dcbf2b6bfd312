/**
 * README's library example must stay true: it type-checks against the built public API (so a renamed option,
 * namespace or callback there fails here), and a typo in a term's option is the compile error README promises.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '..', '..', '..');
const index = path.join(root, 'dist', 'lib', 'index');

/** The ```ts block of README's "## The library" section. */
function libraryExample(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## The library\n'));
  const m = /```ts\n([\s\S]*?)\n```/.exec(section);
  assert.ok(m, "README has a ```ts block under '## The library'");
  return m[1];
}

/** Type errors of `code` as a module body (top-level await inside an async function), importing kdlab from dist. */
function typeErrors(code: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-readme-'));
  const file = path.join(dir, 'example.ts');
  const body = code.replace(/from 'kdlab'/, `from ${JSON.stringify(index)}`).split('\n');
  const imports = body.filter((l) => l.startsWith('import '));
  const rest = body.filter((l) => !l.startsWith('import '));
  fs.writeFileSync(file, [...imports, 'export async function main(): Promise<void> {', ...rest, '}', ''].join('\n'));
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    esModuleInterop: true,
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules', '@types')],
  });
  const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
  fs.rmSync(dir, { recursive: true, force: true });
  return diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

test("README's library example type-checks against the built API", () => {
  const code = libraryExample();
  assert.match(code, /kd\.terms\.hinton\(/, 'the example uses the typed term constructors');
  assert.deepEqual(typeErrors(code), []);
});

test("README's promise holds: a typo in a term's option is a type error naming the option", () => {
  const code = libraryExample().replace('temperature: 4', 'temprature: 4');
  assert.notEqual(code, libraryExample(), 'the example sets temperature');
  const errors = typeErrors(code);
  assert.ok(
    errors.some((e) => /temprature/.test(e)),
    `expected an error about 'temprature', got ${JSON.stringify(errors)}`,
  );
});
