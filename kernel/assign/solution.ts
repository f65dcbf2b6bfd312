/**
 * Solution regions and the student's stubs. A region runs from a line `// BEGIN SOLUTION` to a line
 * `// END SOLUTION` in code, `<!-- BEGIN SOLUTION -->` … `<!-- END SOLUTION -->` in markdown (each alone on its
 * line, any indentation). Code regions become `throw new Error("not implemented: <grade_id>");` at the region's
 * indentation, which type-checks wherever a statement may stand (also as a function's whole body, whatever it
 * returns); markdown regions become a placeholder for the answer. A solution cell without a region is replaced
 * whole, as nbgrader does.
 */
export const SOLUTION_MARK = { begin: 'BEGIN SOLUTION', end: 'END SOLUTION' };

export const MARKDOWN_STUB = '_Write your answer here._';

export const codeStub = (gradeId: string): string =>
  `throw new Error(${JSON.stringify(`not implemented: ${gradeId}`)});`;

export class SolutionRegionError extends Error {}

/**
 * The student's version of a solution cell's source. Throws SolutionRegionError (naming the 1-based line) on a
 * marker not written as expected, a nested BEGIN, an END without BEGIN, or a BEGIN never ended.
 */
export function stubSolution(source: string, cellType: 'code' | 'markdown', gradeId: string): string {
  const [begin, end] =
    cellType === 'code'
      ? ['// BEGIN SOLUTION', '// END SOLUTION']
      : ['<!-- BEGIN SOLUTION -->', '<!-- END SOLUTION -->'];
  const stub = cellType === 'code' ? codeStub(gradeId) : MARKDOWN_STUB;
  const lines = source.split('\n');
  const out: string[] = [];
  let openedAt = 0;
  let replaced = false;
  lines.forEach((line, i) => {
    const n = i + 1;
    const trimmed = line.trim();
    const isBegin = line.includes(SOLUTION_MARK.begin);
    const isEnd = line.includes(SOLUTION_MARK.end);
    if ((isBegin && trimmed !== begin) || (isEnd && trimmed !== end))
      throw new SolutionRegionError(
        `line ${n}: expected \`${isBegin ? begin : end}\` alone on its line, got \`${trimmed}\``,
      );
    if (isBegin) {
      if (openedAt)
        throw new SolutionRegionError(`line ${n}: BEGIN SOLUTION inside the region begun on line ${openedAt}`);
      openedAt = n;
      replaced = true;
      out.push(line.slice(0, line.length - line.trimStart().length) + stub);
    } else if (isEnd) {
      if (!openedAt) throw new SolutionRegionError(`line ${n}: END SOLUTION without a BEGIN SOLUTION before it`);
      openedAt = 0;
    } else if (!openedAt) out.push(line);
  });
  if (openedAt) throw new SolutionRegionError(`line ${openedAt}: BEGIN SOLUTION is never ended (${end})`);
  return replaced ? out.join('\n') : stub;
}
