/** The TensorFlow wheel: fetched with pip, and the parts tfjs-node needs taken out of it (see tensorflow.ts). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run, tail } from './spawn';

/** python3 (or python): setup reads the wheel with Python's zipfile. */
export function findPython(): string {
  for (const py of ['python3', 'python']) {
    if (run(py, ['--version'], os.tmpdir()).status === 0) return py;
  }
  throw new Error(
    'kdlab setup: python3 not found; it is needed to read the TensorFlow wheel (install python3, e.g. `apt-get install python3 python3-pip`)',
  );
}

/** pip download of the wheel `spec` (e.g. tensorflow-cpu==2.21.0) into `dir`; returns the wheel path. */
export function downloadWheel(
  py: string,
  dir: string,
  spec: string,
  indexUrl: string | undefined,
  log: (s: string) => void,
): string {
  if (run(py, ['-m', 'pip', '--version'], dir).status !== 0) {
    throw new Error(
      `kdlab setup: pip is not available for ${py}; install it (e.g. \`apt-get install python3-pip\`) or pass a wheel with --wheel FILE`,
    );
  }
  const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--dest', dir, spec];
  if (indexUrl) args.push('--index-url', indexUrl);
  log(`downloading the ${spec} wheel: ${py} ${args.join(' ')}`);
  const r = run(py, args, dir);
  const wheel = fs.readdirSync(dir).find((f) => f.endsWith('.whl'));
  if (r.status !== 0 || !wheel) {
    throw new Error(
      `kdlab setup: \`pip download ${spec}\` failed (no wheel for this platform/Python in your index?); ` +
        `pass one with --wheel FILE or point pip at an index with --index-url URL.\n${tail(r.stderr || r.stdout, 15)}`,
    );
  }
  return path.join(dir, wheel);
}

/**
 * Python helper: extracts the two libraries and the include-closure of the binding's TensorFlow
 * headers from the wheel (argv: wheel, deps dir, binding source dir). Streams each member to disk.
 */
const EXTRACT_SCRIPT = String.raw`
import os, re, shutil, sys, zipfile
wheel, deps, binding = sys.argv[1:4]
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
def copy(member, dest):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with z.open(member) as src, open(dest + '.part', 'wb') as out:
        shutil.copyfileobj(src, out, 1 << 20)
    os.replace(dest + '.part', dest)
libs = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']
for lib in libs:
    if 'tensorflow/' + lib not in names:
        sys.exit('not a TensorFlow 2.x Linux wheel: tensorflow/%s is missing from %s' % (lib, wheel))
    copy('tensorflow/' + lib, os.path.join(deps, 'lib', lib))
inc = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
todo = []
for f in os.listdir(binding):
    with open(os.path.join(binding, f), errors='replace') as fh:
        todo += [h for h in inc.findall(fh.read()) if '/' in h]
seen = set()
while todo:
    h = todo.pop()
    member = 'tensorflow/include/' + h
    if h in seen or member not in names:
        continue
    seen.add(h)
    copy(member, os.path.join(deps, 'include', h))
    todo += inc.findall(z.read(member).decode('utf8', 'replace'))
if 'tensorflow/c/c_api.h' not in seen or 'tensorflow/c/eager/c_api.h' not in seen:
    sys.exit('the wheel lacks the TensorFlow C API headers (tensorflow/include/tensorflow/c)')
print(len(seen))
`;

/**
 * Extracts libtensorflow and its C headers from `wheel` into `deps` (lib/, include/) and adds the library names
 * tfjs-node's binding.gyp links against; `bindingDir` holds the binding sources whose #includes are followed.
 */
export function extractWheel(py: string, wheel: string, deps: string, bindingDir: string, cwd: string): void {
  const r = run(py, ['-c', EXTRACT_SCRIPT, wheel, deps, bindingDir], cwd);
  if (r.status !== 0) throw new Error(`kdlab setup: extracting ${wheel} failed: ${tail(r.stderr || r.stdout, 10)}`);
  linkLibraries(path.join(deps, 'lib'));
}

function linkLibraries(libDir: string): void {
  const links: [string, string][] = [
    ['libtensorflow.so.2', 'libtensorflow_cc.so.2'],
    ['libtensorflow.so', 'libtensorflow_cc.so.2'],
    ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
  ];
  for (const [name, target] of links) {
    const p = path.join(libDir, name);
    fs.rmSync(p, { force: true });
    fs.symlinkSync(target, p);
  }
}
