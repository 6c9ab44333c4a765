// `version` and `info` in Docker's shape (Client/Server), for --format templates and {{json .}}. minibox
// has no daemon: the "server" is this same binary, so both halves describe it.
import { readFileSync } from "node:fs";
import { goStruct } from "./template/index.ts";

export const MINIBOX_VERSION = "0.1.0";
/** The Docker Engine API level whose CLI surface minibox follows. */
export const API_VERSION = "1.43";

const GO_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" };
const UNAME_ARCH: Record<string, string> = { x64: "x86_64", arm64: "aarch64", arm: "armv7l", ia32: "i686", ppc64: "ppc64le", s390x: "s390x" };

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}

export const kernelVersion = () => readText("/proc/sys/kernel/osrelease");
export const goArch = () => GO_ARCH[process.arch] ?? process.arch;
export const unameArch = () => UNAME_ARCH[process.arch] ?? process.arch;

/** docker/cli's VersionInfo: .Client and .Server (.Server.Components[0] is the Engine). */
export function versionInfo(): object {
  const runtime = `bun${Bun.version}`;
  const client = goStruct("types.Version", {
    Platform: { Name: "minibox" }, Version: MINIBOX_VERSION, APIVersion: API_VERSION, DefaultAPIVersion: API_VERSION,
    GitCommit: "", GoVersion: runtime, Os: "linux", Arch: goArch(), BuildTime: "", Context: "default",
  });
  // JSON keys as Docker writes them ("ApiVersion"), template fields as its Go struct names them (.APIVersion).
  Object.defineProperty(client, "toJSON", {
    enumerable: false,
    value: () => { const { APIVersion, DefaultAPIVersion, ...rest } = client as Record<string, unknown>; return { ...rest, ApiVersion: APIVersion, DefaultAPIVersion }; },
  });
  const details = { ApiVersion: API_VERSION, Arch: goArch(), BuildTime: "", Experimental: "false", GitCommit: "", GoVersion: runtime, KernelVersion: kernelVersion(), MinAPIVersion: "1.12", Os: "linux" };
  const server = {
    Platform: { Name: "minibox (daemonless)" }, Components: [{ Name: "Engine", Version: MINIBOX_VERSION, Details: details }],
    Version: MINIBOX_VERSION, ApiVersion: API_VERSION, MinAPIVersion: "1.12", GitCommit: "", GoVersion: runtime, Os: "linux",
    Arch: goArch(), KernelVersion: kernelVersion(), BuildTime: "",
  };
  const info = goStruct("formatter.VersionInfo", { Client: client, Server: server, ServerOK: true });
  // ServerOK is a method in docker/cli, not part of the JSON.
  Object.defineProperty(info, "toJSON", { enumerable: false, value: () => ({ Client: client, Server: server }) });
  return info;
}

// docker/cli's defaultVersionTemplate, for the parts minibox has.
export const VERSION_TEMPLATE = `{{with .Client -}}
Client:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 Version:\t{{.Version}}
 API version:\t{{.APIVersion}}
 Go version:\t{{.GoVersion}}
 Git commit:\t{{.GitCommit}}
 Built:\t{{.BuildTime}}
 OS/Arch:\t{{.Os}}/{{.Arch}}
 Context:\t{{.Context}}
{{- end}}

{{- if .ServerOK}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  Version:\t{{.Version}}
  API version:\t{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:\t{{index .Details "GoVersion"}}
  Git commit:\t{{index .Details "GitCommit"}}
  Built:\t{{index .Details "BuildTime"}}
  OS/Arch:\t{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:\t{{index .Details "Experimental"}}
 {{- end}}
{{- end}}{{- end}}
`;

export interface InfoCounts { containers: number; running: number; paused: number; stopped: number; images: number }

/** docker/cli's info struct: the server's keys, and ClientInfo. */
export function systemInfo(counts: InfoCounts, root: string, cgroupVersion: string): Record<string, unknown> {
  const memTotal = Number(/MemTotal:\s+(\d+)/.exec(readText("/proc/meminfo"))?.[1] ?? 0) * 1024;
  const os = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readText("/etc/os-release"))?.[1] ?? "";
  return {
    ID: readText("/etc/machine-id"), Containers: counts.containers, ContainersRunning: counts.running, ContainersPaused: counts.paused,
    ContainersStopped: counts.stopped, Images: counts.images, Driver: "overlay2", DriverStatus: [["Backing Filesystem", "extfs"]],
    Plugins: { Volume: ["local"], Network: ["host", "none"], Authorization: null, Log: ["json-file"] },
    MemoryLimit: true, SwapLimit: true, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true, CPUSet: true, PidsLimit: true,
    IPv4Forwarding: true, Debug: Boolean(process.env.MINIBOX_DEBUG), OomKillDisable: cgroupVersion === "1",
    LoggingDriver: "json-file", CgroupDriver: "cgroupfs", CgroupVersion: cgroupVersion, KernelVersion: kernelVersion(),
    OperatingSystem: os, OSVersion: /^VERSION_ID="?([^"\n]*)"?$/m.exec(readText("/etc/os-release"))?.[1] ?? "", OSType: "linux",
    Architecture: unameArch(), NCPU: navigator.hardwareConcurrency, MemTotal: memTotal, DockerRootDir: root,
    Name: readText("/proc/sys/kernel/hostname"), Labels: [], ExperimentalBuild: false, ServerVersion: MINIBOX_VERSION,
    Runtimes: { minibox: { path: process.execPath } }, DefaultRuntime: "minibox", LiveRestoreEnabled: false, Isolation: "",
    InitBinary: "", SecurityOptions: ["name=seccomp,profile=builtin", `name=cgroupns`].slice(0, cgroupVersion === "2" ? 2 : 1),
    Warnings: null,
    ClientInfo: { Debug: Boolean(process.env.MINIBOX_DEBUG), Version: MINIBOX_VERSION, GitCommit: "", GoVersion: `bun${Bun.version}`, Os: "linux", Arch: goArch(), BuildTime: "", Context: "default", Plugins: [], Warnings: null },
  };
}

export const INFO_TEMPLATE = `Client:
 Version: {{.ClientInfo.Version}}
 Context: {{.ClientInfo.Context}}
 Debug Mode: {{.ClientInfo.Debug}}

Server:
 Containers: {{.Containers}}
  Running: {{.ContainersRunning}}
  Paused: {{.ContainersPaused}}
  Stopped: {{.ContainersStopped}}
 Images: {{.Images}}
 Server Version: {{.ServerVersion}}
 Storage Driver: {{.Driver}}
 Logging Driver: {{.LoggingDriver}}
 Cgroup Driver: {{.CgroupDriver}}
 Cgroup Version: {{.CgroupVersion}}
 Plugins:
  Volume: {{join .Plugins.Volume " "}}
  Network: {{join .Plugins.Network " "}}
  Log: {{join .Plugins.Log " "}}
 Security Options:{{range .SecurityOptions}}
  {{.}}{{end}}
 Kernel Version: {{.KernelVersion}}
 Operating System: {{.OperatingSystem}}
 OSType: {{.OSType}}
 Architecture: {{.Architecture}}
 CPUs: {{.NCPU}}
 Total Memory: {{.MemTotalHuman}}
 Name: {{.Name}}
 ID: {{.ID}}
 Docker Root Dir: {{.DockerRootDir}}
 Debug Mode: {{.Debug}}
 Experimental: {{.ExperimentalBuild}}
 Live Restore Enabled: {{.LiveRestoreEnabled}}
`;
