// Reading a runc bundle's config.json: root.path made absolute, and every field minibox does not enforce
// refused by name when ignoring it would weaken isolation or limits (never silently dropped).
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { Spec } from "../oci/spec.ts";
import { NAMESPACES } from "../sys/sched.ts";
import type { Limits } from "../cgroups/index.ts";
import { MESSAGES, RuntimeError } from "./errors.ts";
import { checkHooks, type Hooks } from "./hooks.ts";

/** A bundle's config.json, plus what it says that the init's Spec type does not name. */
export type BundleSpec = Spec & {
  process: Spec["process"] & { oomScoreAdj?: number } & Record<string, unknown>;
  linux: Spec["linux"] & { cgroupsPath?: string } & Record<string, unknown>;
  hooks?: Hooks;
} & Record<string, unknown>;

export function loadBundleSpec(bundle: string): BundleSpec {
  let text: string;
  try {
    text = readFileSync(resolve(bundle, "config.json"), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new RuntimeError(MESSAGES.noConfig);
    throw e;
  }
  let spec: BundleSpec;
  try {
    spec = JSON.parse(text) as BundleSpec;
  } catch (e) {
    throw new RuntimeError(`unable to parse config.json: ${(e as Error).message}`);
  }
  if (typeof spec !== "object" || spec === null || typeof spec.process !== "object" || typeof spec.root?.path !== "string") {
    throw new RuntimeError("config.json: process and root.path are required");
  }
  spec.linux ??= { namespaces: [] };
  spec.linux.namespaces ??= [];
  spec.mounts ??= [];
  spec.process.env ??= [];
  spec.process.cwd ??= "/";
  if (!Array.isArray(spec.process.args) || spec.process.args.length === 0) throw new RuntimeError("config.json: process.args must not be empty");
  if (!isAbsolute(spec.process.cwd)) throw new RuntimeError("config.json: process.cwd must be an absolute path");
  spec.root.path = resolve(bundle, spec.root.path);
  // The init's Spec has every capability set (absent in OCI means empty) and options on every mount.
  normalizeCapabilities(spec.process);
  for (const m of spec.mounts) m.options ??= [];
  refuseUnsupported(spec);
  return spec;
}

function set(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.values(value).some(set);
  return true;
}

/** Fields that would be silently lost: each refused with its name. */
function refuseUnsupported(spec: BundleSpec): void {
  const refuse = (field: string, why = "not supported by minibox") => {
    throw new RuntimeError(`config.json: ${field} is ${why}`);
  };
  for (const ns of spec.linux.namespaces) {
    if (ns.type === ("user" as string)) refuse("linux.namespaces[user]", "not supported by minibox (no user namespaces yet)");
    if (!(ns.type in NAMESPACES)) refuse(`linux.namespaces[${ns.type}]`);
  }
  const linux = spec.linux as Record<string, unknown>;
  for (const f of ["uidMappings", "gidMappings", "intelRdt", "personality", "mountLabel", "timeOffsets"]) if (set(linux[f])) refuse(`linux.${f}`);
  if (set(linux.rootfsPropagation) && !/^r?(private|slave)$/.test(String(linux.rootfsPropagation))) refuse("linux.rootfsPropagation", `"${String(linux.rootfsPropagation)}" is not supported (private or slave only)`);
  if (set((spec.linux.seccomp as Record<string, unknown> | undefined)?.listenerPath)) refuse("linux.seccomp.listenerPath");
  spec.hooks = checkHooks(spec.hooks);
  if (set(spec.domainname)) refuse("domainname");
  const proc = spec.process as Record<string, unknown>;
  for (const f of ["apparmorProfile", "selinuxLabel", "ioPriority", "scheduler"]) if (set(proc[f])) refuse(`process.${f}`, "not supported on this host by minibox");
  if ((spec.process.user as Record<string, unknown> | undefined)?.umask !== undefined) refuse("process.user.umask");
  resourceLimits(spec); // refuses what it cannot apply
}

type Resources = {
  memory?: Record<string, unknown> & { limit?: number; reservation?: number; swap?: number; disableOOMKiller?: boolean };
  cpu?: Record<string, unknown> & { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit?: number };
  blockIO?: Record<string, unknown> & { weight?: number };
} & Record<string, unknown>;

/** linux.resources in the cgroups library's terms; the parts it cannot apply are refused by name. */
export function resourceLimits(spec: BundleSpec): Limits {
  const r = (spec.linux.resources ?? {}) as Resources;
  for (const f of ["hugepageLimits", "network", "rdma", "unified"]) if (set(r[f])) throw new RuntimeError(`config.json: linux.resources.${f} is not supported by minibox`);
  for (const f of ["kernel", "kernelTCP", "swappiness", "useHierarchy", "checkBeforeUpdate"]) if (set(r.memory?.[f])) throw new RuntimeError(`config.json: linux.resources.memory.${f} is not supported by minibox`);
  for (const f of ["realtimeRuntime", "realtimePeriod", "idle", "burst"]) if (set(r.cpu?.[f])) throw new RuntimeError(`config.json: linux.resources.cpu.${f} is not supported by minibox`);
  for (const f of ["leafWeight", "weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice"]) {
    if (set(r.blockIO?.[f])) throw new RuntimeError(`config.json: linux.resources.blockIO.${f} is not supported by minibox`);
  }
  const limits: Limits = {};
  if (r.memory?.limit !== undefined && r.memory.limit > 0) limits.memory = r.memory.limit;
  if (r.memory?.reservation !== undefined && r.memory.reservation > 0) limits.memoryReservation = r.memory.reservation;
  if (r.memory?.swap !== undefined && r.memory.swap !== 0) limits.memorySwap = r.memory.swap;
  if (r.memory?.disableOOMKiller) limits.oomKillDisable = true;
  if (r.cpu?.shares) limits.cpuShares = r.cpu.shares;
  if (r.cpu?.quota) limits.cpuQuota = r.cpu.quota;
  if (r.cpu?.period) limits.cpuPeriod = r.cpu.period;
  if (r.cpu?.cpus) limits.cpusetCpus = r.cpu.cpus;
  if (r.cpu?.mems) limits.cpusetMems = r.cpu.mems;
  if (r.pids?.limit !== undefined && r.pids.limit > 0) limits.pidsLimit = r.pids.limit;
  if (r.blockIO?.weight) limits.blkioWeight = r.blockIO.weight;
  return limits;
}

export const DEFAULT_CGROUP_PARENT = "minibox-runtime";

/**
 * cgroupsPath → the cgroups library's (parent, name). "/a/b/c" and "a/b/c" are paths under each hierarchy;
 * systemd's "slice:prefix:name" (--systemd-cgroup) becomes <slice>/<prefix>-<name>.scope, as runc names it;
 * empty: minibox-runtime/<id>.
 */
export function cgroupName(cgroupsPath: string | undefined, id: string, systemd: boolean): { parent: string; name: string } {
  if (!cgroupsPath) return { parent: DEFAULT_CGROUP_PARENT, name: id };
  if (systemd) {
    const parts = cgroupsPath.split(":");
    if (parts.length !== 3) throw new RuntimeError(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${cgroupsPath}" instead`);
    const [slice, prefix, name] = parts as [string, string, string];
    return { parent: slice || "system.slice", name: prefix ? `${prefix}-${name}.scope` : name };
  }
  const parts = cgroupsPath.split("/").filter((p) => p !== "");
  if (parts.length === 0) throw new RuntimeError(`config.json: invalid linux.cgroupsPath "${cgroupsPath}"`);
  return { parent: parts.slice(0, -1).join("/"), name: parts.at(-1)! };
}

/** Every capability set present (absent in OCI means empty), as the init and exec-init expect. */
export function normalizeCapabilities(process: Spec["process"]): void {
  const caps = process.capabilities as Partial<NonNullable<Spec["process"]["capabilities"]>> | undefined;
  if (caps) process.capabilities = { bounding: caps.bounding ?? [], effective: caps.effective ?? [], permitted: caps.permitted ?? [], inheritable: caps.inheritable ?? [], ambient: caps.ambient ?? [] };
}
