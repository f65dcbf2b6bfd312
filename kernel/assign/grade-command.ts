/**
 * `kdlab assign grade <submissions> --source <source.ipynb> --out DIR`: finds the submissions (a notebook per
 * student: `<id>.ipynb`, or a folder `<id>/` holding one notebook), grades each (grade.ts), `--jobs` at a time,
 * and writes the gradebook, graded notebooks, feedback pages and the report. The source, its metadata and its
 * hidden tests are checked before any kernel starts. A submission that cannot be graded (not a notebook) gets a
 * gradebook row with the reason; the exit status is then 1.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError, unwritable } from '../runner/args';
import { killAllNow } from '../runner/client';
import { KernelSpec } from '../runner/kernelspec';
import { Notebook, writeNotebook } from '../runner/notebook';
import { AssignArgs } from './args';
import { feedbackHtml } from './feedback';
import { PreparedHeldOut, heldOutKindOf, prepareHeldOut } from './held-out';
import { StudentGrade, gradeSubmission } from './grade';
import { Ungraded, gradebook, gradebookCsv } from './gradebook';
import { HiddenTests, hiddenFileOf, parseHiddenTests, withHiddenTests } from './hidden';
import { checkMetadata, gradeIdOf, isManualCell, isTestCell, nbgraderOf } from './metadata';
import { reportNotebook } from './report';

interface Submission {
  id: string;
  file: string;
  /** Why it cannot be graded, found before reading it. */
  problem?: string;
}

export function findSubmissions(dir: string): Submission[] {
  const found: Submission[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const nbs = fs.readdirSync(p).filter((f) => f.endsWith('.ipynb'));
      if (nbs.length === 1) found.push({ id: e.name, file: path.join(p, nbs[0]) });
      else
        found.push({
          id: e.name,
          file: p,
          problem: `${p}: expected one notebook in the student's folder, found ${nbs.length}`,
        });
    } else if (e.name.endsWith('.ipynb')) found.push({ id: e.name.slice(0, -'.ipynb'.length), file: p });
    else
      found.push({
        id: e.name.replace(/\.[^.]*$/, ''),
        file: p,
        problem: `${p}: not a notebook (a submission is <student id>.ipynb or a folder <student id>/)`,
      });
  }
  return found;
}

export async function gradeCommand(
  a: AssignArgs,
  spec: KernelSpec,
  log: (line: string) => void,
  read: (file: string) => Notebook,
): Promise<number> {
  const folder = a.inputs[0];
  const sourceFile = a.source!;
  const out = a.out!;
  if (!fs.existsSync(sourceFile)) throw new UsageError(`--source ${sourceFile}: no such notebook`);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory())
    throw new UsageError(`${folder}: no such submissions folder`);
  const problem = unwritable(path.join(out, 'gradebook.json'));
  if (problem) throw new UsageError(`--out ${out}: ${problem}`);
  const source = read(sourceFile);
  checkMetadata(source, sourceFile);
  const hiddenFile = hiddenFileOf(sourceFile);
  const hidden: HiddenTests | null = fs.existsSync(hiddenFile) ? parseHiddenTests(hiddenFile) : null;
  if (hidden)
    withHiddenTests(source, hidden, sourceFile); // an unknown grade_id is refused before any kernel
  else log(`kdlab assign grade: ${sourceFile}: no hidden tests (${hiddenFile} does not exist)`);
  const submissions = findSubmissions(folder);
  if (submissions.length === 0) throw new UsageError(`${folder}: no submissions (expected <student id>.ipynb files)`);
  const assignment = path.basename(sourceFile, '.ipynb');
  const kind = heldOutKindOf(source, sourceFile);
  // Loaded once, by the grader: each kernel gets it for its sealed tests only.
  const heldOut = kind ? prepareHeldOut(kind, a.quick) : null;
  if (heldOut) log(`kdlab assign grade: held-out set: ${heldOut.n} ${heldOut.source} samples`);
  for (const d of ['graded', 'feedback']) fs.mkdirSync(path.join(out, d), { recursive: true });

  // Interrupted: no student's kernel may outlive the grader (they run in process groups of their own).
  const onSignal = (sig: NodeJS.Signals) => {
    killAllNow();
    log(
      `kdlab assign grade: ${sig}: stopped (gradebook not written; graded notebooks and feedback so far are in --out)`,
    );
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const grades: (StudentGrade | Ungraded)[] = [];
  let next = 0;
  const worker = async () => {
    while (next < submissions.length) {
      const i = next++;
      const s = submissions[i];
      grades[i] = await gradeOne(s, read, source, sourceFile, hidden, heldOut, a, spec, log);
      const g = grades[i];
      if ('error' in g) {
        log(`kdlab assign grade: ${s.id}: not graded: ${g.error}`);
        continue;
      }
      writeNotebook(path.join(out, 'graded', `${s.id}.ipynb`), g.graded);
      fs.writeFileSync(path.join(out, 'feedback', `${s.id}.html`), feedbackHtml(g, assignment, hiddenCode(hidden)));
      const flags = g.tamper.length ? `, ${g.tamper.length} tamper flag${g.tamper.length === 1 ? '' : 's'}` : '';
      log(`kdlab assign grade: ${s.id}: ${g.points}/${g.max}${flags}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(a.jobs, submissions.length) }, worker));
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  const cells = source.cells.filter(isTestCell).map((c) => ({ gradeId: gradeIdOf(c)!, max: nbgraderOf(c)!.points! }));
  const manualMax = source.cells.filter(isManualCell).reduce((s, c) => s + (nbgraderOf(c)!.points ?? 0), 0);
  const book = gradebook(assignment, path.resolve(sourceFile), cells, manualMax, grades);
  fs.writeFileSync(path.join(out, 'gradebook.json'), JSON.stringify(book, null, 1) + '\n');
  fs.writeFileSync(path.join(out, 'gradebook.csv'), gradebookCsv(book));
  const report = reportNotebook(book);
  writeNotebook(path.join(out, 'report.ipynb'), report.notebook);
  fs.writeFileSync(path.join(out, 'report.html'), report.html);
  const failed = grades.filter((g) => 'error' in g).length;
  log(
    `kdlab assign grade: ${submissions.length - failed}/${submissions.length} submissions graded -> ${out}` +
      (failed ? ` (${failed} could not be graded)` : ''),
  );
  return failed ? 1 : 0;
}

const hiddenCode = (h: HiddenTests | null) => (h ? [...h.sections.values()].join('\n') : '');

async function gradeOne(
  s: Submission,
  read: (file: string) => Notebook,
  source: Notebook,
  sourceFile: string,
  hidden: HiddenTests | null,
  heldOut: PreparedHeldOut | null,
  a: AssignArgs,
  spec: KernelSpec,
  log: (line: string) => void,
): Promise<StudentGrade | Ungraded> {
  if (s.problem) return { id: s.id, file: s.file, error: s.problem };
  let nb: Notebook;
  try {
    nb = read(s.file);
  } catch (e) {
    return { id: s.id, file: s.file, error: `not a notebook: ${(e as Error).message}` };
  }
  return gradeSubmission(s.id, s.file, nb, source, sourceFile, hidden, {
    spec,
    heldOut,
    quick: a.quick,
    timeoutS: a.timeoutS,
    memoryMB: a.memoryMB,
    log,
  });
}
