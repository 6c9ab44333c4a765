// `inspect` of a container: Docker's JSON shape, for the fields minibox has.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Spec } from "../oci/spec.ts";
import { ANNOTATION } from "../oci/spec.ts";
import { currentState } from "./status.ts";
import { logPath } from "../logs/json-file.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";
import { inspectNetworkOf } from "../network/inspect.ts";

const ZERO_TIME = "0001-01-01T00:00:00Z";

export function inspectContainer(store: ContainerStore, record: ContainerRecord): Record<string, unknown> {
  const dir = store.dir(record.id);
  let spec: Spec | undefined;
  try { spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Spec; } catch { /* being removed */ }
  const now = currentState(record);
  const s = record.state;
  const binds = spec?.mounts.filter((m) => m.type === "bind" && !m.destination.startsWith("/etc/")) ?? [];
  const limits = record.limits ?? {};
  const net = inspectNetworkOf(store.root, record.id, spec?.annotations); // net-core
  return {
    Id: record.id,
    Created: record.created,
    Path: record.command[0] ?? "",
    Args: record.command.slice(1),
    State: {
      Status: now.status,
      Running: now.running, // Docker: a paused container is still running
      Paused: now.status === "paused",
      Restarting: false,
      OOMKilled: s.oomKilled ?? false,
      Dead: false,
      Pid: now.running ? now.pid : 0,
      ExitCode: now.running ? 0 : (now.exitCode ?? 0),
      Error: s.error ?? "",
      StartedAt: s.startedAt ?? ZERO_TIME,
      FinishedAt: now.running ? ZERO_TIME : (s.finishedAt ?? ZERO_TIME),
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
      Binds: binds.map((m) => `${m.source}:${m.destination}${m.options?.includes("ro") ? ":ro" : ""}`),
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
    },
    Mounts: binds.map((m) => ({ Type: "bind", Source: m.source, Destination: m.destination, Mode: "", RW: !m.options?.includes("ro"), Propagation: "rprivate" })),
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
