/**
 * A site fixture with a live page, made at test time (no model files committed): three tiny MLPs (784-16-10 with
 * kdlab's SeededDropout as the teacher, 784-8-10 students) saved through the kernel's saveForLivePage code into
 * `dir`, and copies of the export fixture notebooks in which chapter 4 ends with the bundle that names them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as kd from '../../lib';
import { LiveModels, liveModelsBundle, saveLiveModels } from '../../kernel/display/live-models';

export const EXPORT_FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'kernel', 'fixtures', 'export');
export const LIVE_CHAPTER = '04-dark-knowledge.ipynb';

export async function tinyLiveModels(dir: string): Promise<LiveModels> {
  const teacher = kd.models.mlp({ hidden: [16], dropout: 0.5, seed: 1, name: 'tiny_teacher' });
  const student = kd.models.mlp({ hidden: [8], seed: 2, name: 'tiny_student' });
  const baseline = kd.models.mlp({ hidden: [8], seed: 3, name: 'tiny_baseline' });
  try {
    return await saveLiveModels({ teacher, student, baseline, temperature: 4 }, kd.distill.saveModel, dir);
  } finally {
    for (const m of [teacher, student, baseline]) m.dispose();
  }
}

/** Copies of the fixture notebooks in `dir`/notebooks, chapter 4 ending with the live-models bundle of `saved`. */
export function notebooksWithLive(dir: string, saved: LiveModels): string[] {
  const out = path.join(dir, 'notebooks');
  fs.mkdirSync(out, { recursive: true });
  return fs
    .readdirSync(EXPORT_FIXTURES)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => {
      const nb = JSON.parse(fs.readFileSync(path.join(EXPORT_FIXTURES, f), 'utf8')) as { cells: object[] };
      if (f === LIVE_CHAPTER) {
        const bundle = liveModelsBundle(saved);
        nb.cells.push({
          cell_type: 'code',
          id: 'live-page',
          metadata: {},
          source: ['await saveForLivePage({ teacher, student, baseline, temperature: 4 });'],
          execution_count: 9,
          outputs: [{ output_type: 'display_data', data: bundle.data, metadata: {} }],
        });
      }
      fs.writeFileSync(path.join(out, f), JSON.stringify(nb, null, 1));
      return path.join(out, f);
    });
}
