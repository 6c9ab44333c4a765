// compat-sys: the keys of Docker's container inspect document that minibox has no setting for, at the
// values Docker shows when they are unset, plus those it can tell from the bundle (the overlay dirs as
// GraphDriver, the masked and read-only paths, the console size). Only keys absent from `doc` are added:
// whatever another module records (labels, health, log config) always wins.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ANNOTATION, type Spec } from "../oci/spec.ts";

function readSpec(dir: string): Spec | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Spec;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined; // being removed
    throw e;
  }
}

function fill(target: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(defaults)) {
    if (!(k in out)) out[k] = v;
    else if (v && typeof v === "object" && !Array.isArray(v) && out[k] && typeof out[k] === "object" && !Array.isArray(out[k])) {
      out[k] = fill(out[k] as Record<string, unknown>, v as Record<string, unknown>);
    }
  }
  return out;
}

export function withDockerDefaults(doc: Record<string, unknown>, dir: string): Record<string, unknown> {
  const spec = readSpec(dir);
  const tty = spec?.process.terminal === true;
  const size = spec?.process.consoleSize;
  return fill(doc, {
    AppArmorProfile: "", ExecIDs: null, MountLabel: "", ProcessLabel: "",
    GraphDriver: {
      Name: "overlay2",
      Data: { LowerDir: lowerDirs(spec), MergedDir: join(dir, "rootfs"), UpperDir: join(dir, "upper"), WorkDir: join(dir, "work") },
    },
    HostConfig: {
      BlkioWeightDevice: [], BlkioDeviceReadBps: null, BlkioDeviceWriteBps: null, BlkioDeviceReadIOps: null, BlkioDeviceWriteIOps: null,
      Cgroup: "", CgroupnsMode: "host", ConsoleSize: [size?.height ?? 0, size?.width ?? 0], ContainerIDFile: "",
      CpuCount: 0, CpuPercent: 0, CpuRealtimePeriod: 0, CpuRealtimeRuntime: 0, DeviceRequests: null,
      IOMaximumBandwidth: 0, IOMaximumIOps: 0, Isolation: "", KernelMemory: 0, KernelMemoryTCP: 0, Links: null,
      LogConfig: { Type: "json-file", Config: {} }, MaskedPaths: spec?.linux.maskedPaths ?? null, MemorySwappiness: null,
      OomScoreAdj: 0, PublishAllPorts: false, ReadonlyPaths: spec?.linux.readonlyPaths ?? null, Runtime: "runc",
      UsernsMode: "", VolumeDriver: "", VolumesFrom: null,
    },
    Config: {
      AttachStdin: false, AttachStdout: !tty, AttachStderr: !tty, Domainname: "", Entrypoint: null, Labels: {}, OnBuild: null,
      StdinOnce: false, Volumes: null,
    },
    NetworkSettings: {
      EndpointID: "", HairpinMode: false, LinkLocalIPv6Address: "", LinkLocalIPv6PrefixLen: 0, SecondaryIPAddresses: null, SecondaryIPv6Addresses: null,
    },
  });
}

/** Docker's colon-separated LowerDir, top layer first (as the overlay mount lists them). */
function lowerDirs(spec: Spec | undefined): string {
  const text = spec?.annotations?.[ANNOTATION.lowerdirs];
  return text ? (JSON.parse(text) as string[]).join(":") : "";
}
