#!/usr/bin/env node
/**
 * `kdlab <command> ...`: each command lives in kernel/commands/<command>.ts and exports
 * `main(args: string[]): Promise<number>` (the exit code), so commands stay independent.
 */
import * as path from 'path';
import * as fs from 'fs';
import { PACKAGE_ROOT } from './kernelspec/install';

const USAGE = `usage: kdlab <command> [options]

commands:
  assign release|validate ...     coursework: release student versions, validate a notebook's tests
  export <notebook|folder ...>    build the offline HTML tutorial site (--out DIR, --single, --execute)
  init [DIR]                      copy the chapter notebooks into DIR to work in (default ./kdlab-notebooks)
  kernel install|uninstall|list   manage the Jupyter kernelspec
  run <notebook|folder ...>       execute notebooks headlessly
  setup tensorflow [--gpu]        install the TensorFlow (native) backend offline

  -V, --version                   print kdlab's version
`;

async function cli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '-V' || command === '--version') {
    process.stdout.write(
      `kdlab ${(require(path.join(PACKAGE_ROOT, 'package.json')) as { version: string }).version}\n`,
    );
    return 0;
  }
  const file = path.join(__dirname, 'commands', `${command}.js`);
  if (!/^[a-z-]+$/.test(command) || !fs.existsSync(file)) {
    process.stderr.write(`kdlab: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  const mod = require(file) as { main(args: string[]): Promise<number> };
  return mod.main(rest);
}

cli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`kdlab: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
