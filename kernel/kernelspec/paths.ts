/**
 * Where Jupyter looks for kernelspecs (jupyter_core.paths), computed without Python:
 *   user        $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter (Linux),
 *               ~/Library/Jupyter (macOS), %APPDATA%\jupyter (Windows);
 *   sys-prefix  <sys.prefix>/share/jupyter, the Python environment Jupyter runs in;
 *   --prefix P  P/share/jupyter;
 *   search path $JUPYTER_PATH entries, then the user dir, then the env (sys-prefix), then
 *               /usr/local/share/jupyter and /usr/share/jupyter.
 * Kernelspecs live in <dir>/kernels/<name>/kernel.json.
 *
 * sys.prefix without running Python: $CONDA_PREFIX or $VIRTUAL_ENV if set; otherwise the `jupyter` found on
 * PATH: if it is a symlink or a script whose shebang names a Python interpreter `<prefix>/bin/python…`, the
 * prefix is two levels above that interpreter. Wrappers like pyenv shims reveal no interpreter: use --prefix.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Jupyter');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'jupyter');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'jupyter');
}

export function prefixDataDir(prefix: string): string {
  return path.join(path.resolve(prefix), 'share', 'jupyter');
}

function which(cmd: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, cmd);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** The Python environment prefix Jupyter runs in, or null when it cannot be determined without Python. */
export function findSysPrefix(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CONDA_PREFIX) return path.resolve(env.CONDA_PREFIX);
  if (env.VIRTUAL_ENV) return path.resolve(env.VIRTUAL_ENV);
  const jupyter = which('jupyter', env);
  if (!jupyter) return null;
  const real = fs.realpathSync(jupyter);
  if (real !== jupyter && /[\\/]bin[\\/]jupyter[^\\/]*$/.test(real)) return path.dirname(path.dirname(real));
  const firstLine = fs.readFileSync(real, 'utf8').split('\n', 1)[0];
  const m = /^#!\s*(\S*[\\/]bin[\\/]python[\d.]*)\s*$/.exec(firstLine);
  return m ? path.dirname(path.dirname(m[1])) : null;
}

/** The data directories searched for kernels, in Jupyter's priority order, without duplicates. */
export function searchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [
    ...(env.JUPYTER_PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((d) => path.resolve(d)),
    userDataDir(env),
  ];
  const prefix = findSysPrefix(env);
  if (prefix) dirs.push(prefixDataDir(prefix));
  if (process.platform !== 'win32') dirs.push('/usr/local/share/jupyter', '/usr/share/jupyter');
  return [...new Set(dirs)];
}
