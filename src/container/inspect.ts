// `inspect` of a container: Docker's JSON shape, for the fields minibox has.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Spec } from "../oci/spec.ts";
import { ANNOTATION } from "../oci/spec.ts";
import { currentState, isRestarting } from "./status.ts";
import { logPath } from "../logs/json-file.ts";
import { readHostConfig } from "../oci/hardening.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";
import { inspectNetworkOf } from "../network/inspect.ts";
import { readEtcConfig } from "./etc-files.ts";
import { inspectMounts, mountInfoOfSpec } from "../volume/mount-info.ts"; // volumes
import { effectiveHealth } from "../health/config.ts"; // compat-run
import { readHealth } from "../health/state.ts"; // compat-run

const ZERO_TIME = "0001-01-01T00:00:00Z";

export function inspectContainer(store: ContainerStore, record: ContainerRecord): Record<string, unknown> {
  const dir = store.dir(record.id);
  let spec: Spec | undefined;
  try { spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Spec; } catch { /* being removed */ }
  const now = currentState(record);
  const s = record.state;
  const limits = record.limits ?? {};
  const net = inspectNetworkOf(store.root, record.id, spec?.annotations); // net-core
  return {
    Id: record.id,
    Created: record.created,
    Path: record.command[0] ?? "",
    Args: record.command.slice(1),
    State: {
      Status: isRestarting(record) ? "restarting" : now.status, // compat-run
      Running: now.running, // Docker: a paused container is still running
      Paused: now.status === "paused",
      Restarting: isRestarting(record), // compat-run
      OOMKilled: s.oomKilled ?? false,
      Dead: false,
      Pid: now.running ? now.pid : 0,
      ExitCode: now.running ? 0 : (now.exitCode ?? 0),
      Error: s.error ?? "",
      StartedAt: s.startedAt ?? ZERO_TIME,
      FinishedAt: now.running ? ZERO_TIME : (s.finishedAt ?? ZERO_TIME),
      ...healthOf(dir, record), // compat-run
    },
    Image: record.image,
    ResolvConfPath: join(dir, "resolv.conf"),
    HostnamePath: join(dir, "hostname"),
    HostsPath: join(dir, "hosts"),
    LogPath: logPath(dir, record.id),
    Name: `/${record.name}`,
    RestartCount: s.restartCount ?? 0,
    Driver: "overlay",
    Platform: "linux",
    HostConfig: {
      Binds: hostConfigBinds(spec), // volumes: -v as Docker records it (NAME|HOST:DEST[:MODE])
      AutoRemove: record.autoRemove,
      RestartPolicy: { Name: record.restartPolicy?.name ?? "no", MaximumRetryCount: record.restartPolicy?.maximumRetryCount ?? 0 },
      ReadonlyRootfs: spec?.root.readonly ?? false,
      Memory: limits.memory ?? 0,
      MemorySwap: limits.memorySwap ?? 0,
      MemoryReservation: limits.memoryReservation ?? 0,
      NanoCpus: limits.cpus ? Math.round(limits.cpus * 1e9) : 0,
      CpuShares: limits.cpuShares ?? 0,
      CpuPeriod: limits.cpuPeriod ?? 0,
      CpuQuota: limits.cpuQuota ?? 0,
      CpusetCpus: limits.cpusetCpus ?? "",
      CpusetMems: limits.cpusetMems ?? "",
      PidsLimit: limits.pidsLimit ?? null,
      BlkioWeight: limits.blkioWeight ?? 0,
      OomKillDisable: limits.oomKillDisable ?? false,
      CgroupParent: record.cgroupParent ?? "",
      SecurityOpt: securityOpt(spec),
      Ulimits: (spec?.process.rlimits ?? []).map((r) => ({ Name: r.type.replace(/^RLIMIT_/, "").toLowerCase(), Soft: r.soft, Hard: r.hard })),
      NetworkMode: net.NetworkMode, PortBindings: net.PortBindings, // net-core
      ...readHostConfig(spec), // hardening-flags: CapAdd, CapDrop, Privileged, Devices, …, UTSMode
      ...dnsHostConfig(dir),
      LogConfig: record.logConfig ?? { Type: "json-file", Config: {} }, // compat-run
    },
    Mounts: inspectMounts(spec), // volumes: Type, Name, Source, Destination, Driver, Mode, RW, Propagation
    Config: {
      Hostname: spec?.hostname ?? "",
      User: spec?.annotations?.[ANNOTATION.user] ?? "",
      Tty: record.tty ?? false,
      OpenStdin: record.interactive ?? false,
      Env: spec?.process.env ?? [],
      Cmd: record.command,
      Image: record.imageName,
      WorkingDir: spec?.process.cwd ?? "",
      StopSignal: record.stopSignal ?? "SIGTERM",
      StopTimeout: record.stopTimeout ?? 10,
      ExposedPorts: net.ExposedPorts, // net-core
      Labels: record.labels ?? {}, // compat-run
      ...(record.healthcheck ? { Healthcheck: record.healthcheck } : {}), // compat-run
    },
    NetworkSettings: net.NetworkSettings, // net-core
  };
}

/** --security-opt as given (seccomp area); containers made before it was recorded: unconfined or nothing. */
function securityOpt(spec: Spec | undefined): string[] | null {
  const given = spec?.annotations?.[ANNOTATION.securityOpt];
  if (given) return JSON.parse(given) as string[];
  return spec && !spec.linux.seccomp ? ["seccomp=unconfined"] : null;
}

/** network-dns area: --dns, --dns-search, --dns-option and --add-host as given (Docker: [] and null when unset). */
function dnsHostConfig(dir: string): Record<string, unknown> {
  const etc = readEtcConfig(dir);
  return { Dns: etc.dns ?? [], DnsOptions: etc.dnsOptions ?? [], DnsSearch: etc.dnsSearch ?? [], ExtraHosts: etc.extraHosts ?? null };
}

// volumes: binds and named volumes as -v would spell them; anonymous volumes and tmpfs are not binds.
function hostConfigBinds(spec: Spec | undefined): string[] | null {
  const binds = mountInfoOfSpec(spec).filter((m) => !m.Anonymous && m.Type !== "tmpfs")
    .map((m) => `${m.Type === "volume" ? m.Name : m.Source}:${m.Destination}${m.Mode ? `:${m.Mode}` : m.RW ? "" : ":ro"}`);
  return binds.length ? binds : null;
}

/** compat-run: State.Health, once a container with a health check has run (Docker: absent without one). */
function healthOf(dir: string, record: ContainerRecord): { Health?: unknown } {
  if (!effectiveHealth(record.healthcheck)) return {};
  const health = readHealth(dir);
  return health ? { Health: health } : {};
}
