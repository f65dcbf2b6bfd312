/**
 * A chapter's own checks: `test/notebooks/checks/<chapter file name without .ipynb>.ts` exports
 * `check(run: ExecutedChapter)`, which asserts what that chapter's quick-mode run must show (e.g. that a verdict
 * sentence follows from the per-seed numbers printed beside it, recomputed by hand). chapters.test.ts runs it on
 * every execution of the chapter, after the checks common to all chapters.
 */
export interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  text?: string | string[];
}

export interface ExecutedChapter {
  /** "kdlab run 04-response-based-kd.ipynb" or "jupyter execute …": for assertion messages. */
  where: string;
  /** Every output of every code cell, in order. */
  outputs: Output[];
  /** The text/markdown of every output that has one (the generated result sentences), in order. */
  markdown: string[];
}

export type ChapterCheck = (run: ExecutedChapter) => void;
