/**
 * The TypeScript compiler tslab compiles cells with (tslab's own build, not necessarily the project's
 * devDependency), and a `require` that resolves from tslab's folder. Its own module so that the engine and the
 * helpers that parse cells (shorthand.ts, server/is-complete.ts) share one instance without importing each other.
 */
import Module = require('module');

export type TS = typeof import('@tslab/typescript-for-tslab');

export const tslabRequire = Module.createRequire(require.resolve('tslab/dist/converter.js'));

export const ts = tslabRequire('@tslab/typescript-for-tslab') as TS;
