/**
 * How busy the rest of the machine was during one timed window (issue 10 §2).
 *
 * The 1-min load average lags a 2 s window by a minute, so each window is measured directly: the
 * machine's busy CPU time from /proc/stat (user, nice, system, irq, softirq, and steal, which is
 * time a VM's cores were taken by the host) minus the CPU time of the benchmarked worker process
 * (/proc/<pid>/stat, all its threads) and of this orchestrator. What remains is what OTHER processes
 * used, in cores averaged over the window.
 *
 * The window's load is that plus the threads the implementation computes with (its demand: spinning
 * OpenMP or thread-pool workers want their cores whether or not they get them). Above the core
 * count, the window was oversubscribed: multi-threaded code then loses far more than its share
 * (PyTorch at 2 threads with one other busy process: 307 samples/s on (a) against 4,601 at 1 thread),
 * so a ratio built on such a window is unreliable.
 *
 * Linux only; elsewhere (no /proc) nothing is measured and the report says so.
 */
import * as fs from 'fs';
import * as os from 'os';

/** Cores of slack before a window counts as oversubscribed: measurement jitter (10 ms ticks) and daemons. */
export const LOAD_TOLERANCE = 0.1;

/** Kernel clock ticks per second for /proc times (USER_HZ; 100 on every mainstream Linux build). */
const USER_HZ = 100;

/** The aggregate 'cpu' line of /proc/stat, in ticks. */
export interface CpuTimes {
  busy: number;
  steal: number;
}

/** Parses the first ('cpu ') line of /proc/stat. guest time is already inside user, so it is not added again. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error("/proc/stat: no aggregate 'cpu' line");
  const [user, nice, system, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq + steal, steal };
}

/** utime + stime (ticks) from /proc/<pid>/stat; the command name may contain spaces and ')' so fields are counted from the last ')'. */
export function parsePidStat(text: string): number {
  const fields = text
    .slice(text.lastIndexOf(')') + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

export interface WindowLoad {
  /** Wall time the measurement covered (the whole 'window' request), seconds. */
  seconds: number;
  /** CPU used by everything except the worker and the orchestrator, cores (steal included). */
  otherCores: number;
  /** Of otherCores: time the hypervisor took (steal). */
  stealCores: number;
  /** CPU the benchmarked worker used, cores. */
  workerCores: number;
  /** Threads the implementation computes with (kd.backend.info().threads / torch.get_num_threads()). */
  threads: number;
  /** otherCores + threads. */
  load: number;
  cores: number;
  /** load > cores + LOAD_TOLERANCE. */
  oversubscribed: boolean;
  /** 1-min load average at the end of the window (for reference; it lags). */
  loadavg1: number;
}

export interface Snapshot {
  cpu: CpuTimes;
  worker: number;
  selfMicros: number;
  t: number;
}

/**
 * The load of a window from two snapshots (pure, so it can be checked with hand-made numbers).
 * Ticks are USER_HZ; the orchestrator's own time comes from process.cpuUsage() in microseconds.
 */
export function windowLoad(a: Snapshot, b: Snapshot, threads: number, cores: number, loadavg1: number): WindowLoad {
  const seconds = b.t - a.t;
  const busy = (b.cpu.busy - a.cpu.busy) / USER_HZ;
  const worker = (b.worker - a.worker) / USER_HZ;
  const self = (b.selfMicros - a.selfMicros) / 1e6;
  // Tick accounting is sampled, so a quiet window can come out a hair below zero.
  const otherCores = Math.max(0, (busy - worker - self) / seconds);
  const load = otherCores + threads;
  return {
    seconds,
    otherCores,
    stealCores: (b.cpu.steal - a.cpu.steal) / USER_HZ / seconds,
    workerCores: worker / seconds,
    threads,
    load,
    cores,
    oversubscribed: load > cores + LOAD_TOLERANCE,
    loadavg1,
  };
}

/** Measures windows of the worker with process id `pid`; null when /proc is not there (not Linux). */
export class LoadProbe {
  static create(pid: number | undefined): LoadProbe | null {
    if (pid === undefined || !fs.existsSync('/proc/stat') || !fs.existsSync(`/proc/${pid}/stat`)) return null;
    return new LoadProbe(pid);
  }

  private constructor(private readonly pid: number) {}

  snapshot(): Snapshot {
    const cpu = parseProcStat(fs.readFileSync('/proc/stat', 'utf8'));
    const worker = parsePidStat(fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8'));
    const u = process.cpuUsage();
    return { cpu, worker, selfMicros: u.user + u.system, t: performance.now() / 1000 };
  }

  finish(start: Snapshot, threads: number): WindowLoad {
    return windowLoad(start, this.snapshot(), threads, os.cpus().length, os.loadavg()[0]);
  }
}
