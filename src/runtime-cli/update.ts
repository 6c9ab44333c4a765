// `update`: new limits for a running container's cgroup, from `-r resources.json` (OCI linux.resources,
// "-" for stdin) and/or runc's flags (flags win). What the cgroups library cannot apply is refused by name.
import { readFileSync } from "node:fs";
import { resourceLimits, type BundleSpec } from "./bundle-spec.ts";
import { cgroupOf, statusOf } from "./status.ts";
import { MESSAGES, RuntimeError } from "./errors.ts";
import type { RuntimeContext } from "./context.ts";

export interface UpdateFlags {
  resourcesFile?: string;
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  cpuShares?: string;
  cpuQuota?: string;
  cpuPeriod?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  blkioWeight?: string;
}

export function updateContainer(ctx: RuntimeContext, id: string, flags: UpdateFlags): string[] {
  const record = ctx.store.load(id);
  const status = statusOf(ctx.store, record);
  if (status === "stopped" || status === "creating") throw new RuntimeError(MESSAGES.notRunning);
  const resources = flags.resourcesFile ? readResources(flags.resourcesFile) : {};
  const int = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^-?[0-9]+$/.test(v)) throw new RuntimeError(`invalid value for --${name}: ${v}`);
    return Number(v);
  };
  const memory = (resources.memory ??= {}) as Record<string, unknown>;
  const cpu = (resources.cpu ??= {}) as Record<string, unknown>;
  if (flags.memory !== undefined) memory.limit = int(flags.memory, "memory");
  if (flags.memoryReservation !== undefined) memory.reservation = int(flags.memoryReservation, "memory-reservation");
  if (flags.memorySwap !== undefined) memory.swap = int(flags.memorySwap, "memory-swap");
  if (flags.cpuShares !== undefined) cpu.shares = int(flags.cpuShares, "cpu-shares");
  if (flags.cpuQuota !== undefined) cpu.quota = int(flags.cpuQuota, "cpu-quota");
  if (flags.cpuPeriod !== undefined) cpu.period = int(flags.cpuPeriod, "cpu-period");
  if (flags.cpusetCpus !== undefined) cpu.cpus = flags.cpusetCpus;
  if (flags.cpusetMems !== undefined) cpu.mems = flags.cpusetMems;
  if (flags.pidsLimit !== undefined) resources.pids = { limit: int(flags.pidsLimit, "pids-limit") };
  if (flags.blkioWeight !== undefined) resources.blockIO = { weight: int(flags.blkioWeight, "blkio-weight") };
  const limits = resourceLimits({ linux: { namespaces: [], resources } } as unknown as BundleSpec);
  const cgroup = cgroupOf(record!);
  if (!cgroup) throw new RuntimeError(`container ${id} has no cgroup`);
  return cgroup.apply(limits).warnings;
}

function readResources(file: string): Record<string, unknown> {
  try {
    const text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new RuntimeError(`unable to read resources from ${file}: ${(e as Error).message}`);
  }
}
