// The hardening flags (issue #8) applied to a spec built from Docker's defaults: capabilities, privileged,
// devices and their cgroup rules, sysctls, /dev/shm, and the pid/ipc/uts namespaces. What `inspect`
// shows and what the init and launch need later travels in two annotations.
import { readFileSync } from "node:fs";
import { parseDeviceCgroupRule } from "./device-cgroup-rule.ts";
import { allCapabilities, capabilitiesInMask, tweakCapabilities } from "./capabilities.ts";
import { DEFAULT_CAPABILITIES } from "./defaults.ts";
import type { LinuxDevice, LinuxDeviceCgroup, Mount, Spec } from "./spec.ts";
import type { NamespaceType } from "../sys/sched.ts";
import { NAMESPACES } from "../sys/sched.ts";

export const HARDENING_ANNOTATION = {
  /** JSON: the HostConfig keys of these flags, for inspect (and GroupAdd for the init). */
  hostConfig: "org.minibox.hostconfig.hardening",
  /** JSON: { pid?: id, ipc?: id } — containers whose namespaces launch joins. */
  donors: "org.minibox.namespace-donors",
} as const;

/** The hardening flags of run/create, parsed and validated (src/container/hardening-options.ts). */
export interface HardeningOptions {
  /** Normalized: CAP_X or ALL. */
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  /** --device as given (for inspect). */
  devices: DeviceMapping[];
  /** The nodes to create, with their cgroup access: --device resolved on the host, plus every host device with --privileged. */
  hostDevices: HostDevice[];
  /** --device-cgroup-rule as given, validated. */
  deviceCgroupRules: string[];
  sysctls: Record<string, string>;
  /** Group names (looked up in the container's /etc/group at start) or numeric gids. */
  groupAdd: string[];
  /** Bytes of /dev/shm. */
  shmSize: number;
  pidMode: string;
  ipcMode: string;
  utsMode: string;
  /** Filled in by create: the containers whose namespaces this one joins. */
  joins?: { pid?: NamespaceDonor; ipc?: NamespaceDonor };
}

export interface HostDevice { device: LinuxDevice; access: string }
/** A running container whose namespace is joined: its id, and its init's pid when it was resolved. */
export interface NamespaceDonor { id: string; pid: number }

/** Docker's HostConfig.Devices entry (--device as given). */
export interface DeviceMapping { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }

export interface HardeningHostConfig {
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  Privileged: boolean;
  Devices: DeviceMapping[];
  DeviceCgroupRules: string[] | null;
  /** Docker omits the key when empty. */
  Sysctls?: Record<string, string>;
  GroupAdd: string[] | null;
  ShmSize: number;
  PidMode: string;
  IpcMode: string;
  UTSMode: string;
}

/**
 * What privileged and ALL give: the kernel's capabilities (0..cap_last_cap) that this engine process
 * holds in its bounding set (Docker assumes it holds them all; on a restricted host capset would fail).
 */
export function hostCapabilities(): string[] {
  const lastCap = Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
  const bnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
  const mask = bnd ? BigInt(`0x${bnd[1]}`) : (1n << BigInt(lastCap + 1)) - 1n;
  return capabilitiesInMask(mask).filter((c) => allCapabilities(lastCap).includes(c));
}

export function applyHardening(spec: Spec, h: HardeningOptions, all: readonly string[] = hostCapabilities()): Spec {
  const caps = tweakCapabilities(DEFAULT_CAPABILITIES, h.capAdd, h.capDrop, h.privileged, all);
  spec.process.capabilities = { bounding: caps, effective: [...caps], permitted: [...caps], inheritable: [], ambient: [] };

  const rules: LinuxDeviceCgroup[] = [];
  if (h.privileged) {
    spec.linux.maskedPaths = [];
    spec.linux.readonlyPaths = [];
    spec.mounts = spec.mounts.map((m) => (m.type === "sysfs" ? { ...m, options: (m.options ?? []).filter((o) => o !== "ro").concat("rw") } : m));
    rules.push({ allow: true, access: "rwm" });
  }
  const devices = new Map<string, LinuxDevice>();
  for (const { device, access } of h.hostDevices) {
    devices.set(device.path, device); // an explicit --device wins over the privileged copy at the same path
    // "m" too: the init itself makes the node after the cgroup is in force (runc would bind-mount the
    // host's node instead). It grants no access: opening still needs the r/w the user gave.
    if (!h.privileged) rules.push({ allow: true, type: device.type, major: device.major, minor: device.minor, access: access.includes("m") ? access : `${access}m` });
  }
  rules.push(...h.deviceCgroupRules.map(parseDeviceCgroupRule));
  if (devices.size > 0) spec.linux.devices = [...devices.values()];
  if (rules.length > 0) spec.linux.resources = { ...spec.linux.resources, devices: rules };
  if (Object.keys(h.sysctls).length > 0) spec.linux.sysctl = { ...h.sysctls };

  spec.mounts = spec.mounts.flatMap((m) => (m.destination === "/dev/shm" ? shmMount(m, h) : [m]));
  applyNamespaces(spec, h);
  spec.annotations = { ...spec.annotations, ...hardeningAnnotations(h) };
  return spec;
}

function shmMount(m: Mount, h: HardeningOptions): Mount[] {
  if (h.ipcMode === "none") return [];
  // Docker shares the host's /dev/shm with the host's IPC namespace.
  if (h.ipcMode === "host") return [{ destination: "/dev/shm", type: "bind", source: "/dev/shm", options: ["rbind", "nosuid", "noexec", "nodev"] }];
  return [{ ...m, options: (m.options ?? []).filter((o) => !o.startsWith("size=")).concat(`size=${h.shmSize}`) }];
}

function applyNamespaces(spec: Spec, h: HardeningOptions): void {
  const host = new Set<NamespaceType>();
  if (h.pidMode === "host") host.add("pid");
  if (h.ipcMode === "host") host.add("ipc");
  if (h.utsMode === "host") {
    host.add("uts");
    delete spec.hostname; // the host's own: the init must never call sethostname on it
  }
  const paths: Partial<Record<NamespaceType, string>> = {};
  if (h.joins?.pid) paths.pid = `/proc/${h.joins.pid.pid}/ns/${NAMESPACES.pid.proc}`;
  if (h.joins?.ipc) paths.ipc = `/proc/${h.joins.ipc.pid}/ns/${NAMESPACES.ipc.proc}`;
  spec.linux.namespaces = spec.linux.namespaces.filter((n) => !host.has(n.type)).map((n) => (paths[n.type] ? { type: n.type, path: paths[n.type] } : n));
  if (h.joins && (h.joins.pid || h.joins.ipc)) {
    spec.annotations = { ...spec.annotations, [HARDENING_ANNOTATION.donors]: JSON.stringify({ pid: h.joins.pid?.id, ipc: h.joins.ipc?.id }) };
  }
}

export function hardeningAnnotations(h: HardeningOptions): Record<string, string> {
  const orNull = (l: string[]) => (l.length > 0 ? l : null);
  const hc: HardeningHostConfig = {
    CapAdd: orNull(h.capAdd), CapDrop: orNull(h.capDrop), Privileged: h.privileged, Devices: h.devices,
    DeviceCgroupRules: orNull(h.deviceCgroupRules),
    ...(Object.keys(h.sysctls).length > 0 ? { Sysctls: h.sysctls } : {}),
    GroupAdd: orNull(h.groupAdd), ShmSize: h.shmSize, PidMode: h.pidMode, IpcMode: h.ipcMode, UTSMode: h.utsMode,
  };
  return { [HARDENING_ANNOTATION.hostConfig]: JSON.stringify(hc) };
}

/** Docker's values for a container created without these flags (or before they existed). */
const DEFAULT_HOST_CONFIG: HardeningHostConfig = {
  CapAdd: null, CapDrop: null, Privileged: false, Devices: [], DeviceCgroupRules: null, GroupAdd: null,
  ShmSize: 64 * 2 ** 20, PidMode: "", IpcMode: "private", UTSMode: "",
};

export function readHostConfig(spec: Spec | undefined): HardeningHostConfig {
  const text = spec?.annotations?.[HARDENING_ANNOTATION.hostConfig];
  return text ? { ...DEFAULT_HOST_CONFIG, ...(JSON.parse(text) as Partial<HardeningHostConfig>) } : { ...DEFAULT_HOST_CONFIG };
}

export function readDonors(spec: Spec): { pid?: string; ipc?: string; network?: string } {
  const text = spec.annotations?.[HARDENING_ANNOTATION.donors];
  return text ? (JSON.parse(text) as { pid?: string; ipc?: string; network?: string }) : {};
}
