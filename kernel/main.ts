/**
 * Kernel entry point: `node dist/kernel/main.js <connection_file>` (the argv of the kdlab kernelspec).
 * The notebook's folder is the working directory Jupyter starts the kernel in; relative imports resolve there.
 * The parent watch starts first, before the seconds spent loading TypeScript, tslab and the backend, so a
 * kernel whose parent dies during start-up exits as promptly as one already running (server/parent-watch.ts); that is
 * why the kernel's modules are loaded only after it.
 */
import { readConnectionFile } from './wire/connection';
import { log } from './engine/io';
import { startParentWatch } from './server/parent-watch';
import { removeRunDirOfConnectionFile } from './runner/run-dir';

async function main(argv: string[]): Promise<void> {
  const watch = startParentWatch((e) => log(`parent watch thread error: ${e.stack}`));
  const file = argv[0];
  if (!file || argv.length !== 1) {
    throw new Error(`usage: node ${process.argv[1]} <connection_file> (got ${argv.length} arguments)`);
  }
  const connection = readConnectionFile(file);
  removeRunDirOfConnectionFile(file);
  const { Kernel } = await import('./server/kernel');
  const kernel = new Kernel(connection, process.cwd());
  await kernel.start();
  await kernel.ready;
  watch.started((reason) => {
    log(`${reason}: shutting down`);
    void kernel.shutdown();
  });
}

main(process.argv.slice(2)).catch((e) => {
  log(`failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
