/**
 * The kernel's grading mode, for `kdlab assign grade`: the submission's cells run first, then the grader's test
 * cells, in the same JavaScript realm, so a solution cell could try to make later tests pass (replace `check`,
 * `Math.random` or a kd.losses function, declare its own `check`, print fake results). Grading mode, turned on
 * by a key in the connection file (which the kernel deletes before any cell runs), closes those doors:
 *
 * - lockdown, once the library has loaded and before any cell: the grading API, display, console, Math, JSON,
 *   kd, tf and tslab's `__tslab__` become non-writable, non-configurable globals (so no script can shadow
 *   them either); Math, JSON, Reflect, console, Object, Array, Number, Promise and the prototypes of Array,
 *   Function, String, Promise, Map and Set are frozen, as are the exports of the library's and TensorFlow.js's
 *   modules and the Tensor prototype; a cell can no longer declare a top-level name from that list.
 * - sealed cells: a test cell the grader marks (execute_request metadata `kdlab_sealed`: its label) gets its own
 *   check/checkClose/checkEqual/checkThrows, and heldOutSet (the assignment's held-out set: held-out.ts), handed
 *   over through a one-time nonce written into its compiled code after type-checking, so no other code can
 *   obtain them. Only these sign their results: HMAC-SHA256 with the
 *   key over (label, name, points, passed, message). The grader counts signed results of the right cell only;
 *   printed text, a display of fake JSON or a result from the unsealed global `check` scores nothing.
 *
 * Limits (README): a cell can still patch what is not frozen (e.g. Object.prototype getters, which are left
 * alone because freezing Object.prototype breaks ordinary code), which can make a test fail but not forge a
 * signed pass; reading files is the sandbox's job (Node's permission model, set up by the grader).
 */
import * as crypto from 'crypto';
import * as path from 'path';
// The module object itself (`import * as` would freeze a copy of it).
import vm = require('vm');
import type { GradingApi } from './check-api';
import type { HeldOut } from './held-out';

/** What a sealed cell gets: its own signing grading API and the held-out set (which throws when there is none). */
export type SealedApi = GradingApi & { heldOutSet: () => HeldOut };

/** Names no cell may declare at top level in a graded kernel (tslab would make later cells use the declaration). */
export const RESERVED = [
  'check',
  'checkClose',
  'checkEqual',
  'checkThrows',
  'heldOutSet',
  'display',
  'console',
  'Math',
  'JSON',
  'kd',
  'tf',
  '__tslab__',
] as const;

const createHmac = crypto.createHmac;
const randomBytes = crypto.randomBytes;
const defineProperty = Object.defineProperty;
const freeze = Object.freeze;
const reflectDefine = Reflect.defineProperty;
const reflectSet = Reflect.set;

export function signWith(key: string): (payload: string) => string {
  return (payload) => createHmac('sha256', key).update(payload, 'utf8').digest('hex');
}

export class GradingMode {
  private armed: { nonce: string; api: SealedApi } | null = null;
  private readonly sign: (payload: string) => string;
  private readonly reserved: Record<string, true> = Object.create(null) as Record<string, true>;

  constructor(
    key: string,
    private readonly apiFor: (seal: { label: string; sign: (payload: string) => string }) => SealedApi,
  ) {
    this.sign = signWith(key);
    for (const name of RESERVED) this.reserved[name] = true;
  }

  /** Replaces tslab's `__tslab__` (exports + require for the compiled cells) with a guarded, locked one. */
  lockTslab(): void {
    const g = globalThis as unknown as Record<string, { exports: object; require: unknown }>;
    const orig = g.__tslab__;
    const reserved = this.reserved;
    const refuse = (p: string | symbol) => {
      if (typeof p === 'string' && reserved[p] === true)
        throw new TypeError(`'${p}' is reserved while grading: a graded notebook cannot declare it at top level`);
    };
    const exports = new Proxy(orig.exports, {
      defineProperty: (t, p, d) => {
        refuse(p);
        return reflectDefine(t, p, d);
      },
      set: (t, p, v) => {
        refuse(p);
        return reflectSet(t, p, v);
      },
    });
    const holder = Object.create(null) as Record<string, unknown>;
    holder.exports = exports;
    holder.require = orig.require;
    holder.sealed = (nonce: string): SealedApi => {
      const a = this.armed;
      this.armed = null;
      if (!a || a.nonce !== nonce) throw new TypeError('__tslab__.sealed: not for you');
      return a.api;
    };
    defineProperty(globalThis, '__tslab__', { value: freeze(holder), writable: false, configurable: false });
  }

  /** Freezes what tests rely on; called once the library has loaded, before the first cell. */
  lockdown(packageRoot: string): void {
    const g = globalThis as Record<string, unknown>;
    const tf = (g.kd as { tf?: { Tensor?: { prototype: object } } } | undefined)?.tf;
    for (const o of [
      Math,
      JSON,
      Reflect,
      console,
      Object,
      Array,
      Array.prototype,
      Number,
      Promise,
      Promise.prototype,
      Function.prototype,
      String.prototype,
      Map.prototype,
      Set.prototype,
      tf,
      tf?.Tensor?.prototype,
      // tslab runs each compiled cell through vm.runInThisContext: a replaced one would see a sealed cell's code.
      vm,
      vm.Script.prototype,
    ])
      if (o) freeze(o);
    // The library, the kernel itself (e.g. Engine.prototype.run sees every cell's code), tslab and TensorFlow.js.
    const ours = path.join(packageRoot, 'dist') + path.sep;
    const theirs = [`${path.sep}@tensorflow${path.sep}`, `${path.sep}tslab${path.sep}`];
    for (const [file, mod] of Object.entries(require.cache)) {
      const exports: unknown = mod?.exports;
      if (!exports || typeof exports !== 'object' || !(file.startsWith(ours) || theirs.some((t) => file.includes(t))))
        continue;
      for (const v of Object.values(exports) as unknown[]) {
        const proto: unknown = typeof v === 'function' ? (v as { prototype?: unknown }).prototype : undefined;
        if (proto && typeof proto === 'object') freeze(proto);
      }
      freeze(exports);
    }
    for (const name of RESERVED)
      if (name !== '__tslab__' && name in g)
        defineProperty(g, name, { value: g[name], writable: false, configurable: false });
  }

  /**
   * The compiled code of a sealed cell, wrapped so that its check* (and heldOutSet) are this cell's own, signed under `label`.
   * Called after type-checking, right before tslab runs the code; `isAsync` when it has a top-level await.
   */
  seal(output: string, isAsync: boolean, label: string): string {
    const nonce = randomBytes(16).toString('hex');
    this.armed = { nonce, api: this.apiFor({ label, sign: this.sign }) };
    const names = ['check', 'checkClose', 'checkEqual', 'checkThrows', 'heldOutSet'];
    return (
      `"use strict"; const __kdlab_seal = __tslab__.sealed("${nonce}"); ` +
      `return (${isAsync ? 'async ' : ''}function (${names.join(', ')}) {\n${output}\n})` +
      `(${names.map((n) => `__kdlab_seal.${n}`).join(', ')});`
    );
  }

  /** After a sealed cell: a nonce its code never claimed (it failed before) is void. */
  disarm(): void {
    this.armed = null;
  }
}
