// The subset of the OCI runtime spec (config.json) that minibox writes and its init reads.
import type { NamespaceType } from "../sys/sched.ts";

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface Rlimit { type: string; soft: number; hard: number }

export interface Process {
  terminal?: boolean;
  /** Size of the terminal at start, set by the init before the command runs (no resize race). */
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[]; ambient: string[] };
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
}

/** OCI runtime-spec `linux.seccomp` (config-linux.md#seccomp): what the init compiles to BPF. */
export interface Seccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  /** SCMP_ARCH_* names; the native architecture is always included. */
  architectures?: string[];
  flags?: string[];
  syscalls?: SeccompSyscall[];
}

export interface SeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface SeccompArg { index: number; value: number; valueTwo?: number; op: string }

/** A node the init creates in the container's /dev (OCI linux.devices). */
export interface LinuxDevice { path: string; type: "c" | "b"; major: number; minor: number; fileMode?: number; uid?: number; gid?: number }

/** One allow rule of the device cgroup (OCI linux.resources.devices); absent fields are wildcards. */
export interface LinuxDeviceCgroup { allow: boolean; type?: "a" | "c" | "b"; major?: number; minor?: number; access?: string }

export interface Spec {
  ociVersion: string;
  process: Process;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: Mount[];
  linux: {
    namespaces: { type: NamespaceType; path?: string }[];
    maskedPaths?: string[];
    readonlyPaths?: string[];
    /** Absent: unconfined (--security-opt seccomp=unconfined). */
    seccomp?: Seccomp;
    // hardening-flags: device nodes, the device cgroup's allow rules, namespaced sysctls.
    devices?: LinuxDevice[];
    resources?: { devices?: LinuxDeviceCgroup[] };
    sysctl?: Record<string, string>;
  };
  annotations?: Record<string, string>;
}

/**
 * minibox's own annotations. The rootfs is an overlay that the init mounts inside the container's mount
 * namespace (so it can never leak onto the host); the user is resolved there too, against the container's
 * own /etc/passwd, never the host's NSS.
 */
export const ANNOTATION = {
  lowerdirs: "org.minibox.rootfs.lowerdirs", // JSON array, top layer first (overlayfs order)
  upperdir: "org.minibox.rootfs.upperdir",
  workdir: "org.minibox.rootfs.workdir",
  user: "org.minibox.user", // as given to -u / image User: name, uid, uid:gid, name:group
  securityOpt: "org.minibox.security-opt", // JSON array of --security-opt values as given (inspect's SecurityOpt)
} as const;
