/**
 * Writing, removing and listing kernelspecs. The kdlab kernelspec is a folder
 * <data dir>/kernels/<name>/ with kernel.json and the two logos; kernel.json starts this package's kernel with
 * the absolute path of the node running the installer, so the kernel works whatever PATH Jupyter has.
 */
import * as fs from 'fs';
import * as path from 'path';
import { searchPath } from './paths';

/** The kdlab package root, from dist/kernel/kernelspec. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
export const KERNEL_MAIN = path.join(PACKAGE_ROOT, 'dist', 'kernel', 'main.js');
const ASSETS = path.join(PACKAGE_ROOT, 'kernel', 'assets');

export interface KernelJson {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode?: 'signal' | 'message';
  env?: Record<string, string>;
  metadata?: Record<string, unknown>;
}

export function validateName(name: string): string {
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    throw new Error(`--name: expected letters, digits, '.', '_' or '-', got '${name}'`);
  }
  return name;
}

export function kdlabKernelJson(): KernelJson {
  return {
    argv: [process.execPath, KERNEL_MAIN, '{connection_file}'],
    display_name: 'TypeScript (kdlab)',
    language: 'typescript',
    interrupt_mode: 'message',
    metadata: {
      debugger: false,
      kdlab: {
        version: (require(path.join(PACKAGE_ROOT, 'package.json')) as { version: string }).version,
        package: PACKAGE_ROOT,
      },
    },
  };
}

/** Writes the kernelspec into `<dataDir>/kernels/<name>`, replacing an older one; returns that folder. */
export function install(dataDir: string, name: string): string {
  validateName(name);
  const dir = path.join(dataDir, 'kernels', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(kdlabKernelJson(), null, 2) + '\n');
  for (const logo of ['logo-32x32.png', 'logo-64x64.png']) {
    fs.copyFileSync(path.join(ASSETS, logo), path.join(dir, logo));
  }
  return dir;
}

/** Removes `<dataDir>/kernels/<name>`; returns the folder removed, or null if there was none. */
export function uninstall(dataDir: string, name: string): string | null {
  validateName(name);
  const dir = path.join(dataDir, 'kernels', name);
  if (!fs.existsSync(path.join(dir, 'kernel.json'))) return null;
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

export interface Listed {
  name: string;
  dir: string;
  /** kernel.json as parsed, unchecked: a listing shows what is installed, whatever its shape. */
  spec: unknown;
}

/** Every kernelspec on the search path; a name found twice is reported once, from the first directory. */
export function list(env: NodeJS.ProcessEnv = process.env): Listed[] {
  const out: Listed[] = [];
  const seen = new Set<string>();
  for (const data of searchPath(env)) {
    const kernels = path.join(data, 'kernels');
    let names: string[];
    try {
      names = fs.readdirSync(kernels).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(kernels, name, 'kernel.json');
      if (seen.has(name.toLowerCase()) || !fs.existsSync(file)) continue;
      try {
        const spec: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
        out.push({ name, dir: path.join(kernels, name), spec });
        seen.add(name.toLowerCase());
      } catch {
        /* unreadable kernel.json: Jupyter skips it too */
      }
    }
  }
  return out;
}
