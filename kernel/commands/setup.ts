/**
 * `kdlab setup tensorflow [--gpu] [--wheel FILE] [--index-url URL] [--force] [--save]` — builds the native
 * TensorFlow backend offline. The work lives in lib/backend/setup.ts (testable without the CLI).
 */
import { parseSetupArgs, setupTensorflow, SETUP_USAGE } from '../../lib/backend/setup';

export async function main(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parseSetupArgs(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${SETUP_USAGE}\n`);
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
