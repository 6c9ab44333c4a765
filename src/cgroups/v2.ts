// cgroup v2: one directory, controllers enabled from the root down through cgroup.subtree_control.
import { closeSync, openSync, constants } from "node:fs";
import { readCgroupFile, readOptional, writeCgroupFile, hasFile, parseKeyValues, parseLimit, parsePids } from "./file.ts";
import { ApplyWriter } from "./apply-writer.ts";
import { blkioToIoWeight, cpuQuotaPeriod, DEFAULT_CPU_PERIOD, sharesToWeight } from "./convert.ts";
import { DEFAULT_DEVICE_RULES, type DeviceRule } from "./devices.ts";
import { buildDeviceProgram, encode } from "./device-bpf.ts";
import { CgroupError } from "./errors.ts";
import { killEverything, SIGKILL, waitUntil } from "./kill.ts";
import { removeDir } from "./paths.ts";
import type { Settings } from "./options.ts";
import type { ApplyReport, Cgroup, DeviceReport, Limits, Stats } from "./types.ts";
import { attachCgroupProgram, loadDeviceProgram } from "../sys/bpf.ts";
import { closeFd, O_CLOEXEC } from "../sys/fs.ts";

const NO_SWAP = "Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.";
const NO_MEMORY = "Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.";

export class V2Cgroup implements Cgroup {
  readonly paths: readonly string[];

  constructor(readonly id: string, private readonly dir: string, private readonly settings: Settings) {
    this.paths = [dir];
  }

  addProcess(pid: number): void {
    writeCgroupFile(this.dir, "cgroup.procs", pid, "cgroup");
  }

  apply(l: Limits): ApplyReport {
    const w = new ApplyWriter();
    const d = this.dir;
    this.applyMemory(l, w);
    if (l.cpuShares !== undefined && l.cpuShares > 0) w.write(d, "cpu.weight", sharesToWeight(l.cpuShares), "cpuShares", "Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.");
    const { quota, period } = cpuQuotaPeriod(l);
    if (quota !== undefined || period !== undefined) {
      // cpu.max is "QUOTA PERIOD" in one file; keep whichever half was not given.
      const current = (readOptional(d, "cpu.max") ?? "").trim().split(/\s+/);
      const q = quota === undefined ? (current[0] || "max") : quota > 0 ? String(quota) : "max";
      const p = period !== undefined && period > 0 ? period : Number(current[1]) || DEFAULT_CPU_PERIOD;
      w.write(d, "cpu.max", `${q} ${p}`, l.cpus !== undefined ? "cpus" : quota !== undefined ? "cpuQuota" : "cpuPeriod", "Your kernel does not support CPU CFS scheduler or the cgroup is not mounted. Period/quota discarded.");
    }
    const noCpuset = "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.";
    if (l.cpusetCpus) w.write(d, "cpuset.cpus", l.cpusetCpus, "cpusetCpus", noCpuset);
    if (l.cpusetMems) w.write(d, "cpuset.mems", l.cpusetMems, "cpusetMems", noCpuset);
    if (l.pidsLimit !== undefined) w.write(d, "pids.max", l.pidsLimit > 0 ? l.pidsLimit : "max", "pidsLimit", "Your kernel does not support pids limit capabilities or the cgroup is not mounted. PIDs limit discarded.");
    if (l.blkioWeight !== undefined && l.blkioWeight > 0) {
      // BFQ takes Docker's 10-1000 weight as is; io.weight (iocost) has its own 1-10000 scale.
      if (hasFile(d, "io.bfq.weight")) w.write(d, "io.bfq.weight", l.blkioWeight, "blkioWeight", "");
      else w.write(d, "io.weight", `default ${blkioToIoWeight(l.blkioWeight)}`, "blkioWeight", "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.");
    }
    if (l.oomKillDisable) w.ignore("oomKillDisable", "Your kernel does not support OomKillDisable. OomKillDisable discarded.");
    return w.report;
  }

  private applyMemory(l: Limits, w: ApplyWriter): void {
    const d = this.dir;
    if (l.memoryReservation !== undefined) w.write(d, "memory.low", l.memoryReservation > 0 ? l.memoryReservation : 0, "memoryReservation", NO_MEMORY);
    if (l.memory !== undefined) w.write(d, "memory.max", l.memory > 0 ? l.memory : "max", "memory", NO_MEMORY);
    if (l.memorySwap === undefined) return;
    if (!hasFile(d, "memory.swap.max")) return w.ignore("memorySwap", NO_SWAP);
    // Docker's --memory-swap is memory plus swap; v2's memory.swap.max is the swap alone.
    if (l.memorySwap < 0) return void w.write(d, "memory.swap.max", "max", "memorySwap", NO_SWAP);
    const memory = l.memory !== undefined && l.memory > 0 ? l.memory : parseLimit(readCgroupFile(d, "memory.max"));
    if (memory === undefined || l.memorySwap < memory) {
      throw new CgroupError("memory", `${d}/memory.swap.max`, "EINVAL", "memory+swap limit must be at least the memory limit");
    }
    w.write(d, "memory.swap.max", l.memorySwap - memory, "memorySwap", NO_SWAP);
  }

  applyDefaultDevices(extra: readonly DeviceRule[] = []): DeviceReport {
    let fd: number | undefined;
    let prog: number | undefined;
    try {
      fd = openSync(this.dir, constants.O_RDONLY | constants.O_DIRECTORY | O_CLOEXEC);
      prog = loadDeviceProgram(encode(buildDeviceProgram([...DEFAULT_DEVICE_RULES, ...extra])));
      attachCgroupProgram(fd, prog);
      // The attachment holds its own reference to the program; our fd can go.
      return { enforced: true };
    } catch (e) {
      return { enforced: false, reason: e instanceof Error ? e.message : String(e) };
    } finally {
      if (prog !== undefined) closeFd(prog);
      if (fd !== undefined) closeSync(fd);
    }
  }

  stats(): Stats {
    const d = this.dir;
    const cpu = parseKeyValues(readOptional(d, "cpu.stat") ?? "");
    const num = (file: string) => {
      const t = readOptional(d, file);
      return t === undefined ? undefined : Number(t.trim());
    };
    const limitText = readOptional(d, "memory.max");
    const usec = (key: string) => {
      const v = cpu.get(key);
      return v === undefined ? undefined : v * 1000;
    };
    const io = this.io();
    return {
      cpuUsageNs: usec("usage_usec") ?? 0,
      memoryUsage: num("memory.current") ?? 0,
      memoryLimit: (limitText === undefined ? undefined : parseLimit(limitText)) ?? this.settings.hostMemory,
      memoryInactiveFile: parseKeyValues(readOptional(d, "memory.stat") ?? "").get("inactive_file"),
      pids: num("pids.current") ?? this.pids().length,
      blkioRead: io.read,
      blkioWrite: io.write,
      throttledPeriods: cpu.get("nr_throttled"),
      throttledTimeNs: usec("throttled_usec"),
    };
  }

  /** io.stat: "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0" per device. */
  private io(): { read: number; write: number } {
    let read = 0, write = 0;
    for (const m of (readOptional(this.dir, "io.stat") ?? "").matchAll(/\b([rw])bytes=(\d+)/g)) {
      if (m[1] === "r") read += Number(m[2]);
      else write += Number(m[2]);
    }
    return { read, write };
  }

  oomKilled(): boolean {
    return (parseKeyValues(readOptional(this.dir, "memory.events") ?? "").get("oom_kill") ?? 0) > 0;
  }

  pids(): number[] {
    return parsePids(readOptional(this.dir, "cgroup.procs") ?? "");
  }

  freeze(): void {
    this.setFrozen(true);
  }

  thaw(): void {
    this.setFrozen(false);
  }

  /** cgroup.freeze is a request; cgroup.events "frozen 1" says when every task has stopped. */
  private setFrozen(frozen: boolean): void {
    writeCgroupFile(this.dir, "cgroup.freeze", frozen ? 1 : 0, "cgroup");
    const want = frozen ? 1 : 0;
    const end = Date.now() + this.settings.freezeTimeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      const events = readOptional(this.dir, "cgroup.events");
      if (events === undefined || parseKeyValues(events).get("frozen") === want) return;
      if (Date.now() >= end) {
        if (frozen) writeCgroupFile(this.dir, "cgroup.freeze", 0, "cgroup");
        throw new CgroupError("cgroup", `${this.dir}/cgroup.freeze`, "ETIMEDOUT", `not ${frozen ? "frozen" : "thawed"} after ${this.settings.freezeTimeoutMs} ms`);
      }
      Bun.sleepSync(delay);
    }
  }

  async killAll(signal = SIGKILL): Promise<void> {
    if (signal === SIGKILL && hasFile(this.dir, "cgroup.kill")) {
      // Linux 5.14+: the kernel kills every task, including ones forking right now, in one step.
      try {
        writeCgroupFile(this.dir, "cgroup.kill", 1, "cgroup");
      } catch (e) {
        if (e instanceof CgroupError && e.errno === "ENOENT") return; // the cgroup is already gone
        throw e;
      }
      if (await waitUntil(() => this.pids().length === 0, this.settings.killTimeoutMs)) return;
    }
    await killEverything(this, signal, this.settings.kill, this.settings.killTimeoutMs, this.dir);
  }

  async destroy(): Promise<void> {
    if (this.pids().length > 0) await this.killAll();
    await removeDir(this.dir, "cgroup", this.settings.killTimeoutMs);
  }
}
