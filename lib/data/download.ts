/**
 * Optional download helper for machines that are online: fetch a file once, verify its SHA-256,
 * keep it in a cache folder. Nothing in kdlab needs it (the bundled digits and local IDX folders
 * work offline); it exists so a notebook can say `idxDataset(dirOf(await download(...)))` on a laptop.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir as kdlabCacheDir } from '../common/cache-dir';

export interface DownloadOptions {
  url: string;
  /** Expected SHA-256 of the file, hex (64 characters). The file is rejected (and not cached) if it differs. */
  sha256: string;
  /** Cache folder (default: the `data` sub-folder of kdlab's cache folder, lib/common/cache-dir.ts). */
  cacheDir?: string;
  /** File name in the cache (default: last path segment of the URL). */
  fileName?: string;
}

/** Returns the path of the verified cached file; downloads only if it is missing or its checksum is wrong. */
export async function download(opts: DownloadOptions): Promise<string> {
  const { url } = opts;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url))
    throw new Error(`download: url must be an http(s) URL, got ${String(url)}`);
  const want = String(opts.sha256 ?? '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(want))
    throw new Error(`download: sha256 must be 64 hex characters, got '${String(opts.sha256)}'`);
  const cacheDir = opts.cacheDir ?? path.join(kdlabCacheDir(), 'data');
  const fileName = opts.fileName ?? (decodeURIComponent(new URL(url).pathname.split('/').pop() || '') || 'download');
  const target = path.join(cacheDir, fileName);
  if (fs.existsSync(target) && sha256Of(fs.readFileSync(target)) === want) return target;

  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`download: fetching ${url} failed: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) throw new Error(`download: ${url} answered HTTP ${res.status} ${res.statusText}`);
  const body = Buffer.from(await res.arrayBuffer());
  const got = sha256Of(body);
  if (got !== want) {
    throw new Error(
      `download: checksum mismatch for ${url}: expected sha256 ${want}, got ${got} (${body.length} bytes); not cached`,
    );
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, body);
  fs.renameSync(tmp, target);
  return target;
}

/** Hex SHA-256 of a buffer. */
export function sha256Of(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
