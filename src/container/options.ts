// What the user asked for with `run` flags, parsed and validated before anything is written.
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { isAbsolute } from "node:path";
import { UserError } from "../errors.ts";
import type { RestartPolicy } from "./store.ts";
import type { Limits } from "../cgroups/types.ts";
import type { Rlimit } from "../oci/spec.ts";
import type { SecurityOptions } from "../oci/security-opt.ts";
import type { NetworkFlags } from "../network/request.ts";

export interface VolumeSpec { source: string; destination: string; readonly: boolean }
export interface TmpfsSpec { destination: string; options: string[] }

export interface CreateOptions extends SecurityOptions {
  image: string;
  command: string[];
  entrypoint?: string;
  env: string[];
  workdir?: string;
  user?: string;
  name?: string;
  hostname?: string;
  interactive: boolean;
  tty: boolean;
  volumes: VolumeSpec[];
  tmpfs: TmpfsSpec[];
  readOnly: boolean;
  autoRemove: boolean;
  restartPolicy?: RestartPolicy;
  stopSignal?: string;
  stopTimeout?: number;
  limits?: Limits;
  rlimits?: Rlimit[];
  cgroupParent?: string;
  /** When to pull the image: missing (default), always, never. */
  pull?: "missing" | "always" | "never";
  /** Host path of a static init (tini) to run as PID 1 in front of the command (`--init`). */
  init?: string;
  platform?: string;
  // net-core: --network, -p/-P, --expose, --network-alias, --ip as given (resolved in network/request.ts).
  network?: NetworkFlags;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function validateName(name: string): string {
  const bare = name.startsWith("/") ? name.slice(1) : name;
  if (!NAME.test(bare)) throw new UserError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return bare;
}

export function validateHostname(hostname: string): string {
  if (hostname.length > 64 || !HOSTNAME.test(hostname)) throw new UserError(`invalid hostname: "${hostname}"`);
  return hostname;
}

/** `-e KEY=VAL` as given; `-e KEY` takes the host's value, or is dropped when the host has none (Docker's rule). */
export function resolveEnvArg(arg: string, hostEnv: Record<string, string | undefined> = process.env): string | undefined {
  const eq = arg.indexOf("=");
  if (eq === 0) throw new UserError(`invalid environment variable: ${arg}`);
  if (eq > 0) return arg;
  const value = hostEnv[arg];
  return value === undefined ? undefined : `${arg}=${value}`;
}

export function parseEnvFile(path: string, hostEnv: Record<string, string | undefined> = process.env): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UserError(`open ${path}: no such file or directory`);
  }
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^\s+/, "").replace(/\r$/, "");
    if (line === "" || line.startsWith("#")) continue;
    if (/\s/.test(line.split("=")[0]!)) throw new UserError(`invalid environment variable in ${path}: ${line}`);
    const entry = resolveEnvArg(line, hostEnv);
    if (entry !== undefined) out.push(entry);
  }
  return out;
}

export function parseVolume(spec: string): VolumeSpec {
  const parts = spec.split(":");
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
    throw new UserError(`invalid volume specification: '${spec}' (expected HOST:CONTAINER[:ro|rw])`);
  }
  const [source, destination, mode = "rw"] = parts as [string, string, string?];
  if (!isAbsolute(source)) throw new UserError(`invalid volume specification: '${spec}': named volumes are not supported, give an absolute host path`);
  if (!isAbsolute(destination)) throw new UserError(`invalid volume specification: '${spec}': mount path must be absolute`);
  if (/^\/+$/.test(destination)) throw new UserError(`invalid volume specification: '${spec}': destination can't be '/'`);
  if (mode !== "ro" && mode !== "rw") throw new UserError(`invalid volume specification: '${spec}': invalid mode: ${mode}`);
  if (!existsSync(source)) throw new UserError(`invalid mount config for type "bind": bind source path does not exist: ${source}`);
  return { source: realpathSync(source), destination, readonly: mode === "ro" };
}

export function parseTmpfs(spec: string): TmpfsSpec {
  const [destination, opts] = spec.split(/:(.*)/s) as [string, string?];
  if (!isAbsolute(destination)) throw new UserError(`invalid tmpfs specification: '${spec}': mount path must be absolute`);
  return { destination, options: ["nosuid", "nodev", "noexec", ...(opts ? opts.split(",") : [])] };
}

/** `--restart no|on-failure[:N]|always|unless-stopped`, as Docker parses it. */
export function parseRestartPolicy(spec: string): RestartPolicy {
  const [name, count] = spec.split(":") as [string, string?];
  if (name !== "no" && name !== "on-failure" && name !== "always" && name !== "unless-stopped") {
    throw new UserError(`invalid restart policy: ${spec}`);
  }
  if (count !== undefined && (name !== "on-failure" || !/^[0-9]+$/.test(count))) {
    throw new UserError(`invalid restart policy: ${spec}: maximum retry count only applies to on-failure`);
  }
  return { name, maximumRetryCount: count === undefined ? 0 : Number(count) };
}

// Docker's --init runs tini ("docker-init"); Debian ships it static as tini-static (package tini).
const INIT_CANDIDATES = ["/usr/bin/tini-static", "/usr/bin/docker-init", "/usr/libexec/docker/docker-init"];

/** The static init binary for --init: MINIBOX_INIT_BINARY, or the first candidate present. */
export function findInitBinary(env: Record<string, string | undefined> = process.env): string {
  const configured = env.MINIBOX_INIT_BINARY;
  const found = configured ? (existsSync(configured) ? configured : undefined) : INIT_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new UserError(`--init needs a static init binary: install tini (tini-static), or set MINIBOX_INIT_BINARY${configured ? ` (${configured} does not exist)` : ""}`);
  }
  return found;
}

/** `-t`/`--time`/`--stop-timeout`: whole seconds, negative meaning wait forever (as Docker). */
export function parseSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(value)) throw new UserError(`invalid ${flag}: ${value}`);
  return Number(value);
}
