// The hardening flags of run/create (issue #8), parsed and validated before anything is written. The
// result is also what `inspect` shows under HostConfig, so it keeps the flags as given (normalized).
import { UserError } from "../errors.ts";
import { parseBytes } from "../cgroups/units.ts";
import { normalizeCapabilities } from "../oci/capabilities.ts";
import { allHostDevices, parseDeviceFlag, resolveHostDevices } from "./device-flags.ts";
import { parseDeviceCgroupRule } from "../oci/device-cgroup-rule.ts";
import type { HardeningOptions } from "../oci/hardening.ts";

export type { HardeningOptions, HostDevice, NamespaceDonor } from "../oci/hardening.ts";
import { checkSysctlNamespaces, parseSysctl } from "./sysctl-flags.ts";
import { joinedContainer, parseIpcMode, parsePidMode, parseUtsMode } from "./namespace-flags.ts";

export const DEFAULT_SHM_SIZE = 64 * 2 ** 20;

export const hardeningArgs = {
  "cap-add": { type: "string", description: "Add Linux capabilities (repeatable; ALL for all)" },
  "cap-drop": { type: "string", description: "Drop Linux capabilities (repeatable; ALL for all)" },
  privileged: { type: "boolean", description: "Give extended privileges to this container" },
  device: { type: "string", description: "Add a host device to the container HOST[:CONTAINER[:rwm]] (repeatable)" },
  "device-cgroup-rule": { type: "string", description: "Add a rule to the cgroup allowed devices list, e.g. 'c 1:3 rwm' (repeatable)" },
  sysctl: { type: "string", description: "Namespaced kernel parameter NAME=VALUE (repeatable)" },
  "group-add": { type: "string", description: "Add additional groups to join (repeatable)" },
  "shm-size": { type: "string", description: "Size of /dev/shm (default 64m)" },
  pid: { type: "string", description: "PID namespace to use: host or container:<name|id>" },
  ipc: { type: "string", description: "IPC mode to use: private, shareable, host, none or container:<name|id>" },
  uts: { type: "string", description: "UTS namespace to use: host" },
} as const;

export const HARDENING_REPEATABLE = ["cap-add", "cap-drop", "device", "device-cgroup-rule", "sysctl", "group-add"];

const GROUP = /^[^:\s]+$/;

/** `values`: the parsed argv; `hostname`: the --hostname flag, which --uts host forbids. */
export function parseHardeningFlags(values: Record<string, unknown>, hostname?: string): HardeningOptions {
  const list = (k: string) => (values[k] as string[] | undefined) ?? [];
  const str = (k: string) => values[k] as string | undefined;
  const privileged = values.privileged === true;
  const pidMode = parsePidMode(str("pid") ?? "");
  const ipcMode = parseIpcMode(str("ipc") ?? "") || "private";
  const utsMode = parseUtsMode(str("uts") ?? "");
  if (utsMode === "host" && hostname !== undefined) throw new UserError("conflicting options: hostname and the UTS mode");

  const sysctls: Record<string, string> = {};
  for (const flag of list("sysctl")) {
    const [name, value] = parseSysctl(flag);
    sysctls[name] = value;
  }
  checkSysctlNamespaces(sysctls, { network: true, ipc: ipcMode !== "host", uts: utsMode !== "host" });

  const groupAdd = list("group-add");
  for (const g of groupAdd) if (!GROUP.test(g)) throw new UserError(`invalid argument "${g}" for "--group-add" flag: not a group name or id`);

  const shm = str("shm-size");
  const shmSize = shm === undefined ? 0 : parseBytes(shm, "--shm-size");

  const devices = list("device").map(parseDeviceFlag);
  const deviceCgroupRules = list("device-cgroup-rule");
  for (const rule of deviceCgroupRules) parseDeviceCgroupRule(rule);
  return {
    capAdd: normalizeCapabilities(list("cap-add"), "CapAdd"),
    capDrop: normalizeCapabilities(list("cap-drop"), "CapDrop"),
    privileged,
    devices,
    hostDevices: [
      ...(privileged ? allHostDevices().map((device) => ({ device, access: "rwm" })) : []),
      ...devices.flatMap((m) => resolveHostDevices(m).map((device) => ({ device, access: m.CgroupPermissions }))),
    ],
    deviceCgroupRules,
    sysctls,
    groupAdd,
    shmSize: shmSize > 0 ? shmSize : DEFAULT_SHM_SIZE,
    pidMode,
    ipcMode,
    utsMode,
  };
}

/** The containers named by container:X modes, for create to resolve. */
export function namespaceDonors(h: HardeningOptions): { pid?: string; ipc?: string } {
  return { pid: joinedContainer(h.pidMode), ipc: joinedContainer(h.ipcMode) };
}
