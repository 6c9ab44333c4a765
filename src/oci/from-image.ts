// Image config + the user's flags → an OCI runtime spec for one container.
import { UserError } from "../errors.ts";
import type { CreateOptions } from "../container/options.ts";
import { ANNOTATION, type Mount, type Spec } from "./spec.ts";
import { seccompForSpec } from "./security-opt.ts";
import { NETWORK_ANNOTATION, networkRequest } from "../network/request.ts";
import { HARDENING_ANNOTATION } from "./hardening.ts";

const NAMESPACE_DONORS = HARDENING_ANNOTATION.donors;
import { DEFAULT_CAPABILITIES, DEFAULT_MOUNTS, DEFAULT_PATH, MASKED_PATHS, READONLY_PATHS } from "./defaults.ts";
import { applyHardening } from "./hardening.ts";
import { byDepth } from "./mount-options.ts"; // volumes

/** Where --init's binary appears in the container (Docker's path). */
export const INIT_PATH = "/dev/init";

/** The fields of an image's config that decide how its process starts. */
export interface ImageProcessConfig {
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object> | null; // net-core: for -P
}

export interface ContainerPaths {
  rootfs: string;
  upperdir: string;
  workdir: string;
  /** Layer directories, bottom layer first (the image's order). */
  layers: string[];
  hostsFile: string;
  hostnameFile: string;
  resolvConf: string;
  /** volumes: the user's binds, volumes and --mount tmpfs, ready for the spec. */
  userMounts?: Mount[];
}

export function buildSpec(image: ImageProcessConfig, opts: CreateOptions, hostname: string, paths: ContainerPaths): Spec {
  const command = processArgs(image, opts);
  const args = opts.init ? [INIT_PATH, "--", ...command] : command;
  const cwd = opts.workdir || image.WorkingDir || "/";
  if (!cwd.startsWith("/")) throw new UserError(`the working directory '${cwd}' is invalid, it needs to be an absolute path`);
  const env = mergeEnv(image.Env ?? [], opts.env);
  if (!env.some((e) => e.startsWith("PATH="))) env.unshift(`PATH=${DEFAULT_PATH}`);
  if (!env.some((e) => e.startsWith("HOSTNAME="))) env.push(`HOSTNAME=${hostname}`);
  if (opts.tty && !env.some((e) => e.startsWith("TERM="))) env.push("TERM=xterm");

  const mounts: Mount[] = [
    ...DEFAULT_MOUNTS,
    bindFile(paths.hostnameFile, "/etc/hostname", opts.readOnly),
    bindFile(paths.hostsFile, "/etc/hosts", opts.readOnly),
    bindFile(paths.resolvConf, "/etc/resolv.conf", opts.readOnly),
    ...(opts.init ? [{ destination: INIT_PATH, type: "bind", source: opts.init, options: ["rbind", "ro", "nosuid", "nodev"] }] : []),
    // volumes: --tmpfs, then -v/--mount/--volumes-from/image VOLUMEs (made by volume/attach.ts), parents first.
    ...byDepth([
      ...opts.tmpfs.map((t): Mount => ({ destination: t.destination, type: "tmpfs", source: "tmpfs", options: t.options })),
      ...(paths.userMounts ?? []),
    ], (m) => m.destination),
  ];

  const caps = [...DEFAULT_CAPABILITIES];
  const spec: Spec = {
    ociVersion: "1.0.2",
    process: {
      terminal: opts.tty,
      user: { uid: 0, gid: 0 },
      args,
      env,
      cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      noNewPrivileges: opts.noNewPrivileges ?? false,
      ...(opts.rlimits?.length ? { rlimits: opts.rlimits } : {}),
    },
    root: { path: paths.rootfs, readonly: opts.readOnly },
    hostname,
    mounts,
    linux: {
      namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "cgroup" }],
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
    annotations: {
      // build-finish: a layer listed twice (two RUNs that changed nothing) is kept once, at its topmost
      // place (the lower copy adds nothing); overlayfs refuses the same dir twice with ELOOP.
      [ANNOTATION.lowerdirs]: JSON.stringify([...new Set([...paths.layers].reverse())]),
      [ANNOTATION.upperdir]: paths.upperdir,
      [ANNOTATION.workdir]: paths.workdir,
      [ANNOTATION.user]: opts.user ?? image.User ?? "",
      ...(opts.securityOpt?.length ? { [ANNOTATION.securityOpt]: JSON.stringify(opts.securityOpt) } : {}),
    },
  };
  // hardening-flags first: the seccomp profile's capability conditionals depend on the final capability set.
  if (opts.hardening) applyHardening(spec, opts.hardening);
  applyNetwork(spec, image, opts); // net-core
  // seccomp: last, from the spec's final bounding set; --privileged runs without a filter.
  const seccomp = opts.hardening?.privileged ? undefined : seccompForSpec(opts, spec.process.capabilities?.bounding ?? []);
  if (seccomp) spec.linux.seccomp = seccomp;
  return spec;
}

function bindFile(source: string, destination: string, readonly: boolean): Mount {
  return { destination, type: "bind", source, options: ["rbind", "rprivate", readonly ? "ro" : "rw"] };
}

/** Docker's rule: --entrypoint replaces the image's Entrypoint and drops its Cmd; a command replaces Cmd. */
export function processArgs(image: ImageProcessConfig, opts: Pick<CreateOptions, "entrypoint" | "command">): string[] {
  const entrypoint = opts.entrypoint !== undefined ? (opts.entrypoint === "" ? [] : [opts.entrypoint]) : (image.Entrypoint ?? []);
  const cmd = opts.command.length > 0 ? opts.command : opts.entrypoint !== undefined ? [] : (image.Cmd ?? []);
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw new UserError("no command specified");
  return args;
}

/** Later entries win by variable name, keeping the first one's position. */
export function mergeEnv(...lists: string[][]): string[] {
  const byName = new Map<string, string>();
  for (const entry of lists.flat()) {
    const eq = entry.indexOf("=");
    byName.set(eq < 0 ? entry : entry.slice(0, eq), entry);
  }
  return [...byName.values()];
}

/** net-core: the network request travels in an annotation; host mode shares the host's namespace. */
function applyNetwork(spec: Spec, image: ImageProcessConfig, opts: CreateOptions): void {
  const request = networkRequest(opts.network ?? { publish: [], publishAll: false, expose: [], aliases: [] }, Object.keys(image.ExposedPorts ?? {}));
  if (request.mode === "host") spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== "network");
  if (request.mode === "container") {
    const donor = opts.network?.donor;
    if (!donor) throw new UserError(`No such container: ${request.container}`);
    // Joined like --pid/--ipc container:X: the path for the record, the donor's id for launch to re-check.
    spec.linux.namespaces = spec.linux.namespaces.map((n) => (n.type === "network" ? { type: "network", path: `/proc/${donor.pid}/ns/net` } : n));
    const donors = JSON.parse(spec.annotations?.[NAMESPACE_DONORS] ?? "{}") as Record<string, string>;
    spec.annotations = { ...spec.annotations, [NAMESPACE_DONORS]: JSON.stringify({ ...donors, network: donor.id }) };
  }
  spec.annotations = { ...spec.annotations, [NETWORK_ANNOTATION]: JSON.stringify(request) };
}
