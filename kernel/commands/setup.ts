/**
 * `kdlab setup tensorflow [--gpu] [--wheel FILE] [--index-url URL] [--force] [--save]` — builds the native
 * TensorFlow backend offline. The work lives in setup/tensorflow.ts (testable without the CLI).
 */
import * as path from 'path';
import { setupTensorflow, SetupOptions, TENSORFLOW_WHEEL_VERSION, TFJS_NODE_VERSION } from './setup/tensorflow';

const USAGE = `usage: kdlab setup tensorflow [--gpu] [--wheel FILE] [--index-url URL] [--force] [--save]

Installs @tensorflow/tfjs-node@${TFJS_NODE_VERSION} (with --gpu: @tensorflow/tfjs-node-gpu) without its
download script and builds its native addon against the TensorFlow C library inside a TensorFlow
Python wheel: tensorflow-cpu==${TENSORFLOW_WHEEL_VERSION} (--gpu: tensorflow==${TENSORFLOW_WHEEL_VERSION}) from
\`pip download\`, or the wheel given with --wheel. Needs python3 with pip (or --wheel and python3),
a C++ compiler, make, and node-gyp (bundled with npm).
The package is installed with --no-save (a later npm install/ci prunes it: rerun this command);
--save records it in package.json as an exact optional dependency instead.
With internet access, \`npm install @tensorflow/tfjs-node@${TFJS_NODE_VERSION}\` does the same.`;

/** Parses `setup` arguments; throws an Error (with usage) on anything unexpected. */
export function parseSetupArgs(args: string[]): SetupOptions & { help?: boolean } {
  const out: SetupOptions & { help?: boolean } = {};
  const rest = [...args];
  const what = rest.shift();
  if (what === '-h' || what === '--help') return { help: true };
  if (what !== 'tensorflow') {
    throw new Error(
      `kdlab setup: expected 'tensorflow' as the first argument, got ${what === undefined ? 'nothing' : `'${what}'`}\n\n${USAGE}`,
    );
  }
  while (rest.length) {
    const a = rest.shift() as string;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = (): string => {
      const v = inline ?? rest.shift();
      if (v === undefined || v === '') throw new Error(`kdlab setup: ${flag} expects a value\n\n${USAGE}`);
      return v;
    };
    if (flag === '--gpu') out.gpu = true;
    else if (flag === '--force') out.force = true;
    else if (flag === '--save') out.save = true;
    else if (flag === '--wheel') out.wheel = path.resolve(value());
    else if (flag === '--index-url') out.indexUrl = value();
    else if (flag === '-h' || flag === '--help') out.help = true;
    else throw new Error(`kdlab setup: unknown option '${a}'\n\n${USAGE}`);
  }
  return out;
}

export async function main(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parseSetupArgs(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const r = await setupTensorflow(opts);
    process.stdout.write(`done in ${r.seconds.toFixed(1)} s\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
}
