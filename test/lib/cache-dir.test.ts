/**
 * One cache folder for everything kdlab caches: `$KDLAB_CACHE` (an empty value counts as unset), else
 * `.kdlab-cache` in the working directory — teachers at its top, downloads in its `data/` sub-folder.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as kd from '../../lib';
import { cacheDir } from '../../lib/common/cache-dir';
import { stableHash } from '../../lib/distill/cache';

test('cacheDir: KDLAB_CACHE when set and non-empty (made absolute), else ./.kdlab-cache', () => {
  const cwd = process.cwd();
  assert.equal(cacheDir({}), path.join(cwd, '.kdlab-cache'));
  assert.equal(cacheDir({ KDLAB_CACHE: '' }), path.join(cwd, '.kdlab-cache'));
  assert.equal(cacheDir({ KDLAB_CACHE: '/var/tmp/kd' }), '/var/tmp/kd');
  assert.equal(cacheDir({ KDLAB_CACHE: 'rel/c' }), path.join(cwd, 'rel', 'c'));
  assert.equal(kd.distill.cacheDir, cacheDir, 'kd.distill.cacheDir is the same function');
});

test('with KDLAB_CACHE empty, teachers and downloads both land under ./.kdlab-cache of the working directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-cache-dir-'));
  const saved = { cwd: process.cwd(), env: process.env.KDLAB_CACHE };
  const body = Buffer.from('payload\n');
  const server = http.createServer((_, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    process.chdir(dir);
    process.env.KDLAB_CACHE = '';
    const key = { model: 'mlp', hidden: [3], seed: 4 };
    const model = await kd.distill.cachedModel(key, () => kd.models.mlp({ hidden: [3], seed: 4 }));
    model.dispose();
    assert.ok(fs.existsSync(path.join(dir, '.kdlab-cache', stableHash(key), 'model.json')));
    const sha = crypto.createHash('sha256').update(body).digest('hex');
    const { port } = server.address() as { port: number };
    const file = await kd.data.download({ url: `http://127.0.0.1:${port}/x/file.bin`, sha256: sha });
    assert.equal(file, path.join(dir, '.kdlab-cache', 'data', 'file.bin'));
    assert.ok(fs.readFileSync(file).equals(body));
  } finally {
    process.chdir(saved.cwd);
    if (saved.env === undefined) delete process.env.KDLAB_CACHE;
    else process.env.KDLAB_CACHE = saved.env;
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
