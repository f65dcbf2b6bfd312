/**
 * Where imports in a notebook resolve to, at compile time (tslab's TypeScript converter) and at run time (Node).
 *
 * tslab roots its compiler at the working directory: a file outside it cannot be imported (`rootDir` error,
 * then "unexpected emit path"). kdlab instead roots the converter at the filesystem root, so any `.ts` file is
 * "inside", and resolves the cell's own imports as if the cell were a file in the notebook's folder:
 *   - `kdlab` and `kdlab/...`  -> this package (types from dist/lib/index.d.ts), from any folder;
 *   - relative paths           -> relative to the notebook's folder;
 *   - other bare names         -> node_modules above the notebook's folder, then this package's own
 *                                 dependencies (so `@tensorflow/tfjs` is the very instance kd uses).
 * At run time the same rules are installed on Node's resolver (Module._resolveFilename).
 */
import * as path from 'path';
import Module = require('module');
import type { TS } from './typescript';

/** The kdlab package root (the folder holding package.json), from dist/kernel/engine. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Files the converter creates at the root; they stand for a cell living in the notebook's folder. */
function isVirtualCellFile(file: string): boolean {
  return path.posix.dirname(file) === '/' && /^__\w+(\.d)?\.ts$/.test(path.posix.basename(file));
}

function isBare(name: string): boolean {
  return !name.startsWith('.') && !path.isAbsolute(name);
}

/** Maps `kdlab` / `kdlab/sub/path` to a path inside this package, or null for other names. */
export function kdlabPath(name: string): string | null {
  if (name === 'kdlab') return path.join(PACKAGE_ROOT, 'dist', 'lib', 'index');
  if (name.startsWith('kdlab/')) return path.join(PACKAGE_ROOT, name.slice('kdlab/'.length));
  return null;
}

/** A file of an installed package: under a node_modules folder, or this package's build (dist/). */
function isInstalled(file: string): boolean {
  return file.split(path.sep).includes('node_modules') || file.startsWith(path.join(PACKAGE_ROOT, 'dist') + path.sep);
}

/**
 * A `resolveModuleNames` for the watch compiler host tslab creates. `host` answers fileExists/readFile like
 * the converter's own virtual file system (so the cell and its previous declarations stay in memory).
 */
export function makeModuleResolver(
  ts: TS,
  notebookDir: string,
  host: import('@tslab/typescript-for-tslab').ModuleResolutionHost,
) {
  // TypeScript does not cache resolutions made by a custom resolver, and every cell is a new program: without
  // these caches each cell re-reads hundreds of package.json files. Relative imports use TypeScript's cache (it
  // remembers failures) only between installed declarations (a package's own files, e.g. tfjs's ~1,000 .d.ts
  // files), which nobody creates mid-session; the user's own, so a file the user creates later is found by the
  // next cell.
  let tsCache: import('@tslab/typescript-for-tslab').ModuleResolutionCache | undefined;
  const hits = new Map<string, import('@tslab/typescript-for-tslab').ResolvedModuleFull>();
  const resolve = (
    name: string,
    containing: string,
    options: import('@tslab/typescript-for-tslab').CompilerOptions,
  ) => {
    const key = `${path.dirname(containing)}\0${name}`;
    const hit = hits.get(key);
    if (hit && host.fileExists(hit.resolvedFileName)) return hit;
    tsCache ??= ts.createModuleResolutionCache('/', (f) => f, options);
    const cached = isBare(name) || isInstalled(containing);
    const r = ts.resolveModuleName(name, containing, options, host, cached ? tsCache : undefined).resolvedModule;
    if (r) hits.set(key, r);
    return r;
  };
  const fromPackage = path.join(PACKAGE_ROOT, '__kdlab_resolve__.ts');
  return (
    names: string[],
    containingFile: string,
    _reused: unknown,
    _redirect: unknown,
    options: import('@tslab/typescript-for-tslab').CompilerOptions,
  ) =>
    names.map((name) => {
      const own = kdlabPath(name);
      if (own) {
        const r = resolve(own, fromPackage, options);
        return r ? { ...r, isExternalLibraryImport: true } : undefined;
      }
      const containing = isVirtualCellFile(containingFile) ? path.join(notebookDir, '__cell__.ts') : containingFile;
      return resolve(name, containing, options) ?? (isBare(name) ? resolve(name, fromPackage, options) : undefined);
    });
}

let installed = false;

/** Installs the run-time half of the rules on Node's module resolver (once per process). */
export function installRuntimeResolver(): void {
  if (installed) return;
  installed = true;
  const M = Module as unknown as {
    _resolveFilename: (this: unknown, request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
  };
  const original = M._resolveFilename;
  M._resolveFilename = function (request, parent, isMain, options) {
    const own = kdlabPath(request);
    if (own) return original.call(this, own, parent, isMain, options);
    try {
      return original.call(this, request, parent, isMain, options);
    } catch (e) {
      if (!isBare(request) || (e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
      try {
        return require.resolve(request, { paths: [PACKAGE_ROOT] });
      } catch {
        throw e;
      }
    }
  };
}
