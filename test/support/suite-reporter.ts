/**
 * A node:test reporter that run-suite adds next to the usual one: one JSON line per skipped, todo or failed
 * test, naming its file, so run-suite knows which files did not prove everything on this machine.
 */
import type { TestEvent } from 'node:test/reporters';

async function* suiteReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data as { name: string; file?: string; skip?: string | boolean; todo?: string | boolean };
    const failed = event.type === 'test:fail';
    if (!failed && d.skip === undefined && d.todo === undefined) continue;
    const line = { file: d.file ?? null, test: d.name, failed, skip: d.skip ?? null, todo: d.todo ?? null };
    yield JSON.stringify(line) + '\n';
  }
}

export = suiteReporter;
