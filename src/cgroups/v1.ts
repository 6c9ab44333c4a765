// cgroup v1: one directory per hierarchy (cpu, cpuacct, cpuset, memory, devices, freezer, blkio, pids;
// two controllers may share one when mounted together as "cpu,cpuacct").
import { readCgroupFile, readOptional, writeCgroupFile, hasFile, parseKeyValues, parseLimit, parsePids } from "./file.ts";
import { ApplyWriter } from "./apply-writer.ts";
import { cpuQuotaPeriod } from "./convert.ts";
import { DEFAULT_DEVICE_RULES, v1DeviceLine, type DeviceRule } from "./devices.ts";
import { CgroupError } from "./errors.ts";
import { killEverything, SIGKILL } from "./kill.ts";
import { removeDir } from "./paths.ts";
import type { V1Controller } from "./detect.ts";
import type { Settings } from "./options.ts";
import type { ApplyReport, Cgroup, DeviceReport, Limits, Stats } from "./types.ts";

const NO_SWAP = "Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.";

export class V1Cgroup implements Cgroup {
  readonly paths: readonly string[];

  constructor(
    readonly id: string,
    /** Directory of this cgroup per controller (shared hierarchies map to the same directory). */
    private readonly dirs: ReadonlyMap<V1Controller, string>,
    private readonly settings: Settings,
  ) {
    this.paths = [...new Set(dirs.values())];
  }

  private dir(c: V1Controller): string | undefined {
    return this.dirs.get(c);
  }

  addProcess(pid: number): void {
    // cgroup.procs (not tasks) moves the whole thread group; Bun processes are multi-threaded.
    for (const dir of this.paths) writeCgroupFile(dir, "cgroup.procs", pid, "cgroup");
  }

  apply(l: Limits): ApplyReport {
    const w = new ApplyWriter();
    this.applyMemory(l, w);
    const cpu = this.dir("cpu");
    if (l.cpuShares !== undefined && l.cpuShares > 0) w.write(cpu, "cpu.shares", l.cpuShares, "cpuShares", "Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.");
    const { quota, period } = cpuQuotaPeriod(l);
    const cfs = "Your kernel does not support CPU CFS scheduler or the cgroup is not mounted. Period/quota discarded.";
    // The period first: a quota is checked against nothing but its own range, so this order never fails.
    if (period !== undefined && period > 0) w.write(cpu, "cpu.cfs_period_us", period, l.cpus !== undefined ? "cpus" : "cpuPeriod", cfs);
    if (quota !== undefined && quota !== 0) w.write(cpu, "cpu.cfs_quota_us", quota > 0 ? quota : -1, l.cpus !== undefined ? "cpus" : "cpuQuota", cfs);
    const cpuset = this.dir("cpuset");
    const noCpuset = "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.";
    if (l.cpusetCpus) w.write(cpuset, "cpuset.cpus", l.cpusetCpus, "cpusetCpus", noCpuset);
    if (l.cpusetMems) w.write(cpuset, "cpuset.mems", l.cpusetMems, "cpusetMems", noCpuset);
    if (l.pidsLimit !== undefined) w.write(this.dir("pids"), "pids.max", l.pidsLimit > 0 ? l.pidsLimit : "max", "pidsLimit", "Your kernel does not support pids limit capabilities or the cgroup is not mounted. PIDs limit discarded.");
    if (l.blkioWeight !== undefined && l.blkioWeight > 0) {
      // CFQ's blkio.weight is gone from current kernels; BFQ has its own file; without either there is none.
      const blkio = this.dir("blkio");
      const file = blkio && hasFile(blkio, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
      w.write(blkio, file, l.blkioWeight, "blkioWeight", "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.");
    }
    return w.report;
  }

  private applyMemory(l: Limits, w: ApplyWriter): void {
    const mem = this.dir("memory");
    const noMem = "Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.";
    if (l.memoryReservation !== undefined) w.write(mem, "memory.soft_limit_in_bytes", l.memoryReservation > 0 ? l.memoryReservation : -1, "memoryReservation", noMem);
    if (l.oomKillDisable !== undefined) w.write(mem, "memory.oom_control", l.oomKillDisable ? 1 : 0, "oomKillDisable", "Your kernel does not support OomKillDisable. OomKillDisable discarded.");

    const memory = l.memory === undefined ? undefined : l.memory > 0 ? l.memory : -1;
    let swap = l.memorySwap === undefined ? undefined : l.memorySwap > 0 ? l.memorySwap : -1;
    if (swap !== undefined && (mem === undefined || !hasFile(mem, "memory.memsw.limit_in_bytes"))) {
      w.ignore("memorySwap", NO_SWAP);
      swap = undefined;
    }
    if (memory === undefined && swap === undefined) return;
    if (mem === undefined) return w.ignore("memory", noMem);
    // The kernel keeps memory ≤ memory+swap at every step. When the new memory limit exceeds the current
    // memsw limit, memsw has to grow first; otherwise memory goes first (it may be shrinking under memsw).
    const unlimited = (n: number) => (n < 0 ? Infinity : n);
    const currentSwap = swap === undefined ? undefined : parseLimit(readCgroupFile(mem, "memory.memsw.limit_in_bytes")) ?? Infinity;
    const writeMemory = () => memory !== undefined && writeCgroupFile(mem, "memory.limit_in_bytes", memory);
    const writeSwap = () => swap !== undefined && writeCgroupFile(mem, "memory.memsw.limit_in_bytes", swap);
    if (memory !== undefined && currentSwap !== undefined && unlimited(memory) > currentSwap) {
      writeSwap();
      writeMemory();
    } else {
      writeMemory();
      writeSwap();
    }
  }

  applyDefaultDevices(extra: readonly DeviceRule[] = []): DeviceReport {
    const dir = this.dir("devices");
    if (dir === undefined) return { enforced: false, reason: "the devices cgroup is not mounted" };
    writeCgroupFile(dir, "devices.deny", "a");
    for (const rule of [...DEFAULT_DEVICE_RULES, ...extra]) writeCgroupFile(dir, "devices.allow", v1DeviceLine(rule));
    return { enforced: true };
  }

  stats(): Stats {
    const num = (c: V1Controller, file: string): number | undefined => {
      const dir = this.dir(c);
      const text = dir === undefined ? undefined : readOptional(dir, file);
      return text === undefined ? undefined : Number(text.trim());
    };
    const kv = (c: V1Controller, file: string) => {
      const dir = this.dir(c);
      const text = dir === undefined ? undefined : readOptional(dir, file);
      return parseKeyValues(text ?? "");
    };
    const cpuStat = kv("cpu", "cpu.stat");
    const memDir = this.dir("memory");
    const limitText = memDir === undefined ? undefined : readOptional(memDir, "memory.limit_in_bytes");
    const limit = limitText === undefined ? undefined : parseLimit(limitText);
    const io = this.blkio();
    return {
      cpuUsageNs: num("cpuacct", "cpuacct.usage") ?? 0,
      memoryUsage: num("memory", "memory.usage_in_bytes") ?? 0,
      memoryLimit: limit ?? this.settings.hostMemory,
      memoryInactiveFile: kv("memory", "memory.stat").get("total_inactive_file"),
      pids: num("pids", "pids.current") ?? this.pids().length,
      blkioRead: io.read,
      blkioWrite: io.write,
      throttledPeriods: cpuStat.get("nr_throttled"),
      throttledTimeNs: cpuStat.get("throttled_time"),
    };
  }

  /** Bytes read and written, summed over devices: "8:0 Read 4096" lines (the "Total" line is skipped). */
  private blkio(): { read: number; write: number } {
    const dir = this.dir("blkio");
    const text = dir === undefined ? undefined : readOptional(dir, "blkio.throttle.io_service_bytes_recursive") ?? readOptional(dir, "blkio.io_service_bytes_recursive");
    let read = 0, write = 0;
    for (const line of (text ?? "").split("\n")) {
      const [dev, op, value] = line.trim().split(/\s+/);
      if (!dev?.includes(":") || value === undefined) continue;
      if (op === "Read") read += Number(value);
      else if (op === "Write") write += Number(value);
    }
    return { read, write };
  }

  oomKilled(): boolean {
    const dir = this.dir("memory");
    const text = dir === undefined ? undefined : readOptional(dir, "memory.oom_control");
    return (parseKeyValues(text ?? "").get("oom_kill") ?? 0) > 0;
  }

  pids(): number[] {
    // The union over hierarchies: a process half-moved by a failed addProcess must not escape killAll.
    const all = new Set<number>();
    for (const dir of this.paths) {
      const text = readOptional(dir, "cgroup.procs");
      for (const pid of parsePids(text ?? "")) all.add(pid);
    }
    return [...all].sort((a, b) => a - b);
  }

  freeze(): void {
    this.setFreezer("FROZEN");
  }

  thaw(): void {
    this.setFreezer("THAWED");
  }

  /** freezer.state goes through FREEZING while tasks are stopped; we rewrite and poll until it settles. */
  private setFreezer(state: "FROZEN" | "THAWED"): void {
    const dir = this.dir("freezer");
    if (dir === undefined) throw new CgroupError("freezer", "freezer.state", "ENOENT", "the freezer cgroup is not mounted");
    const end = Date.now() + this.settings.freezeTimeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      writeCgroupFile(dir, "freezer.state", state);
      if (readCgroupFile(dir, "freezer.state").trim() === state) return;
      if (Date.now() >= end) {
        if (state === "FROZEN") writeCgroupFile(dir, "freezer.state", "THAWED"); // never leave it half frozen
        throw new CgroupError("freezer", `${dir}/freezer.state`, "ETIMEDOUT", `not ${state} after ${this.settings.freezeTimeoutMs} ms`);
      }
      Bun.sleepSync(delay);
    }
  }

  async killAll(signal = SIGKILL): Promise<void> {
    const canFreeze = this.dir("freezer") !== undefined;
    const target = canFreeze ? this : { pids: () => this.pids() };
    await killEverything(target, signal, this.settings.kill, this.settings.killTimeoutMs, this.paths[0] ?? this.id);
  }

  async destroy(): Promise<void> {
    if (this.pids().length > 0) await this.killAll();
    for (const dir of this.paths) await removeDir(dir, "cgroup", this.settings.killTimeoutMs);
  }
}
