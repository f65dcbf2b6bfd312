/**
 * Kernel entry point: `node dist/kernel/main.js <connection_file>` (the argv of the kdlab kernelspec).
 * The notebook's folder is the working directory Jupyter starts the kernel in; relative imports resolve there.
 */
import { readConnectionFile } from './protocol/connection';
import { Kernel } from './protocol/kernel';
import { log } from './protocol/io';
import { removeRunDirOfConnectionFile } from './runner/run-dir';

async function main(argv: string[]): Promise<void> {
  const file = argv[0];
  if (!file || argv.length !== 1) {
    throw new Error(`usage: node ${process.argv[1]} <connection_file> (got ${argv.length} arguments)`);
  }
  const connection = readConnectionFile(file);
  removeRunDirOfConnectionFile(file);
  const kernel = new Kernel(connection, process.cwd());
  await kernel.start();
}

main(process.argv.slice(2)).catch((e) => {
  log(`failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
