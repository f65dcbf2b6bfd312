/**
 * nbgrader's cell checksum (nbgrader/utils.py compute_checksum), reproduced so that a release made here can be
 * imported into nbgrader's formgrader: MD5 over the UTF-8 bytes of, in order, the cell source, the cell type,
 * Python's str() of is_grade / is_solution / is_locked ("True"/"False"), the grade_id and, for grade cells
 * only, Python's str(float(points)).
 */
import * as crypto from 'crypto';
import { Cell, text } from '../runner/notebook';
import { isGrade, isLocked, isSolution, nbgraderOf } from './metadata';

/**
 * Python 3's str(float(x)) for a finite number: the shortest digits that round-trip (as JavaScript's), but
 * written in fixed notation only for decimal exponents -4..15, and always with a fractional part
 * ("1.0", "0.0001", "1e-05", "1e+16", "1.5e+300").
 */
export function pythonFloatStr(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`pythonFloatStr: expected a finite number, got ${x}`);
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exp] = x.toExponential().split('e');
  const e = Number(exp);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  if (e < -4 || e >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${frac}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  const int = digits.slice(0, e + 1).padEnd(e + 1, '0');
  const frac = digits.slice(e + 1) || '0';
  return `${sign}${int}.${frac}`;
}

const pyBool = (b: boolean) => (b ? 'True' : 'False');

/** The checksum nbgrader would store for `cell` (which must carry nbgrader metadata with a grade_id). */
export function computeChecksum(cell: Cell): string {
  const meta = nbgraderOf(cell);
  if (!meta || typeof meta.grade_id !== 'string')
    throw new Error('computeChecksum: the cell has no nbgrader metadata with a grade_id');
  const md5 = crypto.createHash('md5');
  md5.update(text(cell.source), 'utf8');
  md5.update(cell.cell_type, 'utf8');
  md5.update(pyBool(isGrade(cell)), 'utf8');
  md5.update(pyBool(isSolution(cell)), 'utf8');
  md5.update(pyBool(isLocked(cell)), 'utf8');
  md5.update(meta.grade_id, 'utf8');
  if (isGrade(cell)) md5.update(pythonFloatStr(Number(meta.points)), 'utf8');
  return md5.digest('hex');
}
