/**
 * Marking executed notebooks trusted. Jupyter front ends run an output's scripts (kdlab's Plotly figures) only
 * in a trusted notebook: one whose signature is in the user's notary database. A live session trusts what it
 * computes; a notebook written by a batch runner is untrusted when reopened until `jupyter trust FILE` signs it.
 * The signing (HMAC with the user's secret, in Jupyter's data dir) belongs to nbformat, so it is asked to do it.
 */
import { spawnSync } from 'child_process';

export type TrustResult =
  { kind: 'trusted'; files: string[] } | { kind: 'no-jupyter' } | { kind: 'failed'; message: string };

export function trustNotebooks(files: string[], env: NodeJS.ProcessEnv = process.env): TrustResult {
  const r = spawnSync('jupyter', ['trust', ...files], { env, encoding: 'utf8', timeout: 120_000 });
  // 127: a shell wrapper or version-manager shim found no jupyter behind it.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it (the rule misreads the narrowing here)
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' || r.status === 127)
    return { kind: 'no-jupyter' };
  if (r.error) return { kind: 'failed', message: r.error.message };
  if (r.status !== 0) {
    const last =
      `${r.stderr}\n${r.stdout}`
        .trim()
        .split('\n')
        .filter((l) => l.trim())
        .pop() ?? '';
    return { kind: 'failed', message: `exit ${r.status ?? r.signal}${last ? `: ${last}` : ''}` };
  }
  return { kind: 'trusted', files };
}

/** The one line `kdlab run` prints about trust. */
export function trustReport(r: TrustResult): string {
  switch (r.kind) {
    case 'trusted':
      return `kdlab run: marked ${r.files.length === 1 ? r.files[0] : `${r.files.length} notebooks`} trusted (jupyter trust): figures show when reopened`;
    case 'no-jupyter':
      return 'kdlab run: jupyter is not on PATH, so the notebooks were not marked trusted; their figures show once you run `jupyter trust <notebook.ipynb>`';
    case 'failed':
      return `kdlab run: \`jupyter trust\` failed (${r.message}); the notebooks stay untrusted`;
  }
}
