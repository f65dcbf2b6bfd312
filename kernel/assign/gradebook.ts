/**
 * The gradebook of a grading run: gradebook.json (everything: per student, per test) and gradebook.csv (one row
 * per student: total, each test cell, the manual points still to grade, tamper flags), for a spreadsheet or an
 * LMS import. A submission that could not be graded (not a notebook) has a row with its error and no score.
 */
import { StudentGrade, TestRow } from './grade';
import { Tamper } from './restore';

export interface Ungraded {
  id: string;
  file: string;
  error: string;
}

export interface Gradebook {
  assignment: string;
  source: string;
  gradedAt: string;
  /** Test cells in notebook order, with their points. */
  cells: { gradeId: string; max: number }[];
  max: number;
  manualMax: number;
  students: {
    id: string;
    file: string;
    points: number | null;
    max: number;
    error?: string;
    cells: Record<string, number>;
    tests: TestRow[];
    tamper: Tamper[];
    notes: string[];
  }[];
}

export function gradebook(
  assignment: string,
  source: string,
  cells: { gradeId: string; max: number }[],
  manualMax: number,
  grades: (StudentGrade | Ungraded)[],
): Gradebook {
  const max = cells.reduce((s, c) => s + c.max, 0);
  return {
    assignment,
    source,
    gradedAt: new Date().toISOString(),
    cells,
    max,
    manualMax,
    students: grades.map((g) =>
      'error' in g
        ? { id: g.id, file: g.file, points: null, max, error: g.error, cells: {}, tests: [], tamper: [], notes: [] }
        : {
            id: g.id,
            file: g.file,
            points: g.points,
            max: g.max,
            cells: Object.fromEntries(g.cells.map((c) => [c.gradeId, c.points])),
            tests: g.tests,
            tamper: g.tamper,
            notes: g.notes,
          },
    ),
  };
}

/** RFC 4180: quoted when it holds a comma, quote or line break. */
const field = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function gradebookCsv(book: Gradebook): string {
  const header = ['student_id', 'points', 'max', ...book.cells.map((c) => c.gradeId), 'manual_max', 'tamper', 'error'];
  const rows = book.students.map((s) => [
    s.id,
    s.points,
    s.max,
    ...book.cells.map((c) => s.cells[c.gradeId] ?? null),
    book.manualMax,
    s.tamper.map((t) => `${t.gradeId}: ${t.kind}`).join('; '),
    s.error ?? '',
  ]);
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}
