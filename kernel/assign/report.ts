/**
 * The summary of a grading run, for the instructor: the distribution of scores and each test's pass rate, as
 * kd.plot figures, in report.ipynb (Plotly outputs, also shown by JupyterLab without a kernel) and report.html
 * (offline: plotly.js is inlined once, as in the kernel's own figures).
 */
import { bars } from '../../lib/plot';
import { escapeHtml } from '../display/html';
import { RichDisplay } from '../display/rich';
import type { MimeBundle } from '../display/types';
import { Notebook, newCellId } from '../runner/notebook';
import { Gradebook } from './gradebook';

const BINS = 10;

/** Students per score band: ten bands of width max/10 (the last one closed: max itself counts in it). */
export function scoreHistogram(book: Gradebook): Record<string, number> {
  const counts: Record<string, number> = {};
  const width = book.max / BINS;
  const label = (i: number) => `${+(i * width).toFixed(2)}–${+((i + 1) * width).toFixed(2)}`;
  for (let i = 0; i < BINS; i++) counts[label(i)] = 0;
  for (const s of book.students) {
    if (s.points === null || book.max === 0) continue;
    counts[label(Math.min(BINS - 1, Math.floor(s.points / width)))]++;
  }
  return counts;
}

/** Per test (cell grade_id / test name): the share of graded students who passed it, in %. */
export function passRates(book: Gradebook): Record<string, number> {
  const passed = new Map<string, { pass: number; all: number }>();
  for (const s of book.students) {
    if (s.points === null) continue;
    for (const t of s.tests) {
      const key = `${t.gradeId}: ${t.name}${t.hidden ? ' (hidden)' : ''}`;
      const e = passed.get(key) ?? { pass: 0, all: 0 };
      e.all++;
      if (t.points === t.max && t.max > 0) e.pass++;
      passed.set(key, e);
    }
  }
  return Object.fromEntries([...passed].map(([k, e]) => [k, Math.round((1000 * e.pass) / e.all) / 10]));
}

export function reportFigures(book: Gradebook): { title: string; bundle: MimeBundle }[] {
  const rich = new RichDisplay();
  const figs = [
    {
      title: 'Scores',
      fig: bars(scoreHistogram(book), { title: `${book.assignment}: scores (of ${book.max})`, yTitle: 'students' }),
    },
    {
      title: 'Pass rate per test',
      fig: bars(passRates(book), { title: 'Pass rate per test', yTitle: '% of students', showValues: true }),
    },
  ];
  return figs.map(({ title, fig }) => ({ title, bundle: rich.toBundle(fig)! }));
}

export function reportNotebook(book: Gradebook): { notebook: Notebook; html: string } {
  const graded = book.students.filter((s) => s.points !== null);
  const mean = graded.length ? graded.reduce((s, x) => s + x.points!, 0) / graded.length : 0;
  const summary =
    `# ${book.assignment}: grading report\n\n${graded.length} of ${book.students.length} submissions graded, ` +
    `mean ${mean.toFixed(2)} of ${book.max} points (${book.gradedAt}).` +
    (book.manualMax ? ` ${book.manualMax} more points per student are graded by hand.` : '');
  const figures = reportFigures(book);
  const cells: Notebook['cells'] = [{ id: newCellId(), cell_type: 'markdown', metadata: {}, source: summary }];
  for (const f of figures)
    cells.push({
      id: newCellId(),
      cell_type: 'code',
      metadata: {},
      source: `// ${f.title} (made by kdlab assign grade from gradebook.json)`,
      execution_count: null,
      outputs: [{ output_type: 'display_data', data: f.bundle.data, metadata: f.bundle.metadata ?? {} }],
    });
  const notebook: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
  const html =
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(book.assignment)}: grading report</title></head>` +
    `<body style="font-family:sans-serif;max-width:70rem;margin:2rem auto">` +
    `<p>${escapeHtml(summary.replace(/^# /, ''))}</p>` +
    figures.map((f) => `<h2>${escapeHtml(f.title)}</h2>${String(f.bundle.data['text/html'])}`).join('\n') +
    `</body></html>\n`;
  return { notebook, html };
}
