/**
 * The kernel drives kernel/display's RichDisplay session state over the real protocol: plotly.js is inlined
 * once per kernel session (in the first figure's text/html), and again when the output that carried it is
 * replaced (display update with the same id) or cleared by the cell that produced it (clearOutput()).
 * Each kernel here is fresh, so "first figure" is well defined.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { KernelClient, Msg } from '../support/kernel-client';

/** The comment kernel/display/plotly.ts's libraryScript opens the inlined plotly.js with. */
const LIBRARY = /\/\* plotly\.js \d+\.\d+\.\d+ \(MIT\), inlined by kdlab/g;
const FIG = (n: number) => `kd.plot.curves({ s${n}: [1, ${n}] }, { title: "f${n}" })`;

/** For each figure output of a cell (display, update, execute_result), in order: [title, carries plotly.js]. */
function figures(outputs: Msg[]): [string, boolean][] {
  return outputs
    .filter((m) => ['display_data', 'update_display_data', 'execute_result'].includes(m.header.msg_type))
    .filter((m) => typeof m.content.data['text/html'] === 'string' && m.content.data['text/plain'].startsWith('Figure'))
    .map((m) => {
      const html: string = m.content.data['text/html'];
      const n = html.match(LIBRARY)?.length ?? 0;
      assert.ok(n <= 1, `plotly.js inlined ${n} times in one output`);
      return [m.content.data['text/plain'].match(/"(f\d+)"/)![1], n === 1];
    });
}

async function run(k: KernelClient, code: string): Promise<[string, boolean][]> {
  const { reply, outputs } = await k.execute(code);
  assert.equal(reply.content.status, 'ok', JSON.stringify(reply.content));
  return figures(outputs);
}

test('one kernel session: plotly.js only in the first figure; an update of that output re-embeds it', async () => {
  const k = await KernelClient.start();
  try {
    assert.deepEqual(await run(k, `display(${FIG(1)}, { id: "p" });`), [['f1', true]]);
    assert.deepEqual(await run(k, `display(${FIG(2)});`), [['f2', false]]);
    assert.deepEqual(await run(k, FIG(3)), [['f3', false]], 'execute_result figure');
    // Updating display "p" replaces the output that holds plotly.js, so the update carries it.
    assert.deepEqual(await run(k, `display(${FIG(4)}, { id: "p", update: true });`), [['f4', true]]);
    // Clearing a cell that did not carry the library leaves it where it is (cell 4's update): no new copy.
    assert.deepEqual(await run(k, `display(${FIG(5)});\nclearOutput();\ndisplay(${FIG(6)});`), [
      ['f5', false],
      ['f6', false],
    ]);
  } finally {
    await k.close();
  }
});

test('clearOutput() in the cell that carried plotly.js makes its next figure carry it again', async () => {
  const k = await KernelClient.start();
  try {
    assert.deepEqual(await run(k, `display(${FIG(1)});\nclearOutput();\ndisplay(${FIG(2)});`), [
      ['f1', true],
      ['f2', true],
    ]);
    assert.deepEqual(await run(k, `display(${FIG(3)});`), [['f3', false]]);
  } finally {
    await k.close();
  }
});
