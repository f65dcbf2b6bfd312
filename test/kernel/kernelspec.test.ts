/**
 * `kdlab kernel install | uninstall | list` through the real CLI, with temp Jupyter directories, and the logos
 * checked by decoding the PNG files independently (chunk layout, CRC, inflated pixels).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inflateSync } from 'zlib';
import { KernelClient } from '../support/kernel-client';

const CLI = path.resolve(__dirname, '..', '..', 'kernel', 'cli.js');
const MAIN = path.resolve(__dirname, '..', '..', 'kernel', 'main.js');

function kdlab(args: string[], env: Record<string, string | undefined>) {
  const r = spawnSync(process.execPath, [CLI, 'kernel', ...args], {
    env: { ...process.env, CONDA_PREFIX: undefined, VIRTUAL_ENV: undefined, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-spec-'));
}

/** Independent PNG reader: returns width, height and RGBA rows (filter type 0 only, which is all we write). */
function readPng(file: string) {
  const buf = fs.readFileSync(file);
  assert.deepEqual([...buf.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const table = new Int32Array(256).map((_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    let c = -1;
    for (const b of buf.subarray(off + 4, off + 8 + len)) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
    assert.equal((c ^ -1) >>> 0, buf.readUInt32BE(off + 8 + len), `CRC of ${type}`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.deepEqual([data[8], data[9]], [8, 6], '8-bit RGBA');
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  assert.equal(raw.length, height * (1 + 4 * width));
  const pixel = (x: number, y: number) => [
    ...raw.subarray(y * (1 + 4 * width) + 1 + 4 * x, y * (1 + 4 * width) + 5 + 4 * x),
  ];
  return { width, height, pixel };
}

test('install --user writes kernel.json and logos into $JUPYTER_DATA_DIR', () => {
  const data = tmp();
  const r = kdlab(['install', '--user'], { JUPYTER_DATA_DIR: data });
  assert.equal(r.code, 0, r.err);
  const dir = path.join(data, 'kernels', 'kdlab');
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8'));
  assert.deepEqual(spec.argv, [process.execPath, MAIN, '{connection_file}']);
  assert.ok(path.isAbsolute(spec.argv[0]) && path.isAbsolute(spec.argv[1]));
  assert.ok(fs.existsSync(spec.argv[1]), 'the kernel entry exists');
  assert.equal(spec.display_name, 'TypeScript (kdlab)');
  assert.equal(spec.language, 'typescript');
  assert.equal(spec.interrupt_mode, 'message');
  assert.equal(typeof spec.metadata, 'object');
  assert.equal(spec.metadata.debugger, false, 'no debugger advertised (JupyterLab reads this to offer one)');
  for (const size of [32, 64]) {
    const png = readPng(path.join(dir, `logo-${size}x${size}.png`));
    assert.deepEqual([png.width, png.height], [size, size]);
    assert.equal(png.pixel(0, 0)[3], 0, 'rounded corner is transparent');
    assert.equal(png.pixel(size / 2, 2)[3], 255, 'top edge is opaque');
  }
  fs.rmSync(data, { recursive: true, force: true });
});

test('--prefix installs under P/share/jupyter, list finds it through JUPYTER_PATH, uninstall removes it', () => {
  const prefix = tmp();
  const home = tmp();
  const env = { JUPYTER_DATA_DIR: home, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter') };
  assert.equal(kdlab(['install', '--prefix', prefix, '--name', 'kd-test'], env).code, 0);
  assert.ok(fs.existsSync(path.join(prefix, 'share', 'jupyter', 'kernels', 'kd-test', 'kernel.json')));
  const listed = JSON.parse(kdlab(['list', '--json'], env).out);
  assert.equal(listed.kernelspecs['kd-test'].resource_dir, path.join(prefix, 'share', 'jupyter', 'kernels', 'kd-test'));
  assert.equal(listed.kernelspecs['kd-test'].spec.display_name, 'TypeScript (kdlab)');
  const plain = kdlab(['list'], env).out;
  assert.match(plain, /kd-test\s+\S+kd-test/);
  assert.equal(kdlab(['uninstall', '--name', 'kd-test'], env).code, 0);
  assert.equal(fs.existsSync(path.join(prefix, 'share', 'jupyter', 'kernels', 'kd-test')), false);
  const again = kdlab(['uninstall', '--name', 'kd-test'], env);
  assert.equal(again.code, 1);
  assert.match(again.err, /no kernelspec 'kd-test'/);
});

test('--sys-prefix uses the active environment ($VIRTUAL_ENV)', () => {
  const venv = tmp();
  const r = kdlab(['install', '--sys-prefix'], { JUPYTER_DATA_DIR: tmp(), VIRTUAL_ENV: venv });
  assert.equal(r.code, 0, r.err);
  assert.ok(fs.existsSync(path.join(venv, 'share', 'jupyter', 'kernels', 'kdlab', 'kernel.json')));
});

test('--sys-prefix finds the prefix from the shebang of the jupyter on PATH', () => {
  const prefix = tmp();
  fs.mkdirSync(path.join(prefix, 'bin'));
  const script = path.join(prefix, 'bin', 'jupyter');
  fs.writeFileSync(script, `#!${path.join(prefix, 'bin', 'python3.11')}\nimport sys\n`, { mode: 0o755 });
  const r = kdlab(['install', '--sys-prefix'], {
    JUPYTER_DATA_DIR: tmp(),
    PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH}`,
  });
  assert.equal(r.code, 0, r.err);
  assert.ok(fs.existsSync(path.join(prefix, 'share', 'jupyter', 'kernels', 'kdlab', 'kernel.json')));
});

test('bad arguments are errors naming the argument', () => {
  const bad = kdlab(['install', '--name', 'no spaces'], { JUPYTER_DATA_DIR: tmp() });
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /--name: expected letters, digits.*got 'no spaces'/);
  const both = kdlab(['install', '--user', '--prefix', '/tmp/x'], { JUPYTER_DATA_DIR: tmp() });
  assert.notEqual(both.code, 0);
  assert.match(both.err, /choose one of --user, --sys-prefix, --prefix/);
  const missing = kdlab(['install', '--prefix'], { JUPYTER_DATA_DIR: tmp() });
  assert.match(missing.err, /--prefix: expected a value, got nothing/);
});

test('the kernel advertises no debugger: kernel_info_reply has debugger false', async () => {
  // JupyterLab offers its debugger (and sends debug_request) only to kernels whose kernelspec metadata or
  // kernel_info says debugger true; kdlab has none.
  const k = await KernelClient.start();
  try {
    const info = await k.request('shell', 'kernel_info_request', {});
    assert.equal(info.content.status, 'ok');
    assert.equal(info.content.debugger, false);
  } finally {
    await k.close();
  }
});
