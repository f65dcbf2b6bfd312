/**
 * `kdlab kernel install [--user | --sys-prefix | --prefix P] [--name kdlab]`
 * `kdlab kernel uninstall [--user | --sys-prefix | --prefix P] [--name kdlab]`
 * `kdlab kernel list [--json]`
 * Manages the Jupyter kernelspec without Python (see kernel/kernelspec/paths.ts for the directories).
 * The default location is --user. Uninstall without a location removes the first match on the search path.
 */
import { install, list, uninstall } from '../kernelspec/install';
import { findSysPrefix, prefixDataDir, searchPath, userDataDir } from '../kernelspec/paths';

const USAGE = `usage: kdlab kernel install   [--user | --sys-prefix | --prefix P] [--name NAME]
       kdlab kernel uninstall [--user | --sys-prefix | --prefix P] [--name NAME]
       kdlab kernel list [--json]
`;

interface Options {
  location: 'user' | 'sys-prefix' | 'prefix' | null;
  prefix?: string;
  name: string;
  json: boolean;
}

function parse(args: string[]): Options {
  const o: Options = { location: null, name: 'kdlab', json: false };
  const setLocation = (l: Options['location']) => {
    if (o.location && o.location !== l)
      throw new Error(`choose one of --user, --sys-prefix, --prefix (got --${o.location} and --${l})`);
    o.location = l;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (flag: string) => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = args[++i];
      if (v === undefined || v.startsWith('--'))
        throw new Error(`${flag}: expected a value, got ${v === undefined ? 'nothing' : `'${v}'`}`);
      return v;
    };
    if (a === '--user') setLocation('user');
    else if (a === '--sys-prefix') setLocation('sys-prefix');
    else if (a === '--prefix' || a.startsWith('--prefix=')) {
      setLocation('prefix');
      o.prefix = value('--prefix');
    } else if (a === '--name' || a.startsWith('--name=')) o.name = value('--name');
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown option '${a}'\n${USAGE}`);
  }
  return o;
}

function dataDir(o: Options): string {
  if (o.location === 'prefix') return prefixDataDir(o.prefix!);
  if (o.location === 'sys-prefix') {
    const prefix = findSysPrefix();
    if (!prefix) {
      throw new Error(
        '--sys-prefix: cannot find the Python environment of `jupyter` (no $CONDA_PREFIX/$VIRTUAL_ENV, and `jupyter` on PATH names no interpreter); use --prefix "$(python -c \'import sys; print(sys.prefix)\')"',
      );
    }
    return prefixDataDir(prefix);
  }
  return userDataDir();
}

export async function main(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '-h' || sub === '--help') {
    process.stdout.write(USAGE);
    return sub ? 0 : 2;
  }
  const o = parse(rest);
  switch (sub) {
    case 'install': {
      const dir = install(dataDir(o), o.name);
      process.stdout.write(`installed kernelspec '${o.name}' in ${dir}\n`);
      return 0;
    }
    case 'uninstall': {
      const dirs = o.location ? [dataDir(o)] : searchPath();
      for (const d of dirs) {
        const removed = uninstall(d, o.name);
        if (removed) {
          process.stdout.write(`removed kernelspec '${o.name}' from ${removed}\n`);
          return 0;
        }
      }
      process.stderr.write(`kdlab kernel uninstall: no kernelspec '${o.name}' in ${dirs.join(', ')}\n`);
      return 1;
    }
    case 'list': {
      const specs = list();
      if (o.json) {
        process.stdout.write(
          JSON.stringify(
            { kernelspecs: Object.fromEntries(specs.map((s) => [s.name, { resource_dir: s.dir, spec: s.spec }])) },
            null,
            2,
          ) + '\n',
        );
      } else if (specs.length === 0) {
        process.stdout.write('no kernelspecs found\n');
      } else {
        const width = Math.max(...specs.map((s) => s.name.length));
        for (const s of specs) process.stdout.write(`  ${s.name.padEnd(width)}  ${s.dir}\n`);
      }
      return 0;
    }
    default:
      process.stderr.write(`kdlab kernel: unknown subcommand '${sub}'\n${USAGE}`);
      return 2;
  }
}
