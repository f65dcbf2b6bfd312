/**
 * The connection file Jupyter writes before starting a kernel ({connection_file} in kernel.json argv).
 * Only the tcp transport is supported; every socket is bound to `ip` and nothing else.
 */
import * as fs from 'fs';

export interface ConnectionInfo {
  transport: 'tcp';
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  kernel_name?: string;
  /** `kdlab assign grade`'s key: runs the kernel in grading mode (kernel/assign/seal.ts). */
  kdlab_grading_key?: string;
  /** `kdlab assign`'s held-out set for the sealed test cells (kernel/assign/held-out.ts). */
  kdlab_held_out?: string;
}

const PORTS = ['shell_port', 'iopub_port', 'stdin_port', 'control_port', 'hb_port'] as const;

export function readConnectionFile(file: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`connection file '${file}': ${(e as Error).message}`, { cause: e });
  }
  const c = raw as Partial<ConnectionInfo>;
  if (c.transport !== undefined && c.transport !== 'tcp') {
    throw new Error(`connection file transport: expected 'tcp', got '${c.transport}'`);
  }
  if (typeof c.ip !== 'string' || c.ip === '')
    throw new Error(`connection file ip: expected an address, got ${JSON.stringify(c.ip)}`);
  for (const p of PORTS) {
    const v = c[p];
    if (!Number.isInteger(v) || (v as number) <= 0 || (v as number) > 65535) {
      throw new Error(`connection file ${p}: expected a port in 1..65535, got ${JSON.stringify(v)}`);
    }
  }
  return {
    transport: 'tcp',
    ip: c.ip,
    key: typeof c.key === 'string' ? c.key : '',
    signature_scheme: c.signature_scheme ?? 'hmac-sha256',
    shell_port: c.shell_port!,
    iopub_port: c.iopub_port!,
    stdin_port: c.stdin_port!,
    control_port: c.control_port!,
    hb_port: c.hb_port!,
    kernel_name: c.kernel_name,
    ...(typeof c.kdlab_grading_key === 'string' && c.kdlab_grading_key !== ''
      ? { kdlab_grading_key: c.kdlab_grading_key }
      : {}),
    ...(typeof c.kdlab_held_out === 'string' && c.kdlab_held_out !== '' ? { kdlab_held_out: c.kdlab_held_out } : {}),
  };
}

/** `tcp://ip:port`, with IPv6 addresses bracketed as zeromq requires. */
export function endpoint(info: ConnectionInfo, port: number): string {
  const host = info.ip.includes(':') ? `[${info.ip}]` : info.ip;
  return `${info.transport}://${host}:${port}`;
}
