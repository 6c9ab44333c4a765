// What the user asked for with `run` flags, parsed and validated before anything is written.
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { UserError } from "../errors.ts";
import { decodeBytes, fsPath } from "../oci/bytes-string.ts"; // cli
import type { RestartPolicy } from "./store.ts";
import type { Limits } from "../cgroups/types.ts";
import type { Rlimit } from "../oci/spec.ts";
import type { SecurityOptions } from "../oci/security-opt.ts";
import type { NetworkFlags } from "../network/request.ts";
import type { HardeningOptions } from "./hardening-options.ts";
import type { MountRequest } from "../volume/mount-request.ts"; // volumes
import { refuseMountIntoProc } from "../oci/mount-policy.ts"; // init-paths
import { checkContainerPath } from "../oci/container-path.ts";
import type { HealthConfig } from "../health/config.ts"; // compat-run
import type { LogConfig } from "../logs/log-config.ts"; // compat-run
export { checkContainerPath };

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
  // volumes: -v and --mount (binds, named and anonymous volumes, tmpfs), --volumes-from CTR[:ro|rw].
  volumes: MountRequest[];
  volumesFrom?: string[];
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
  // hardening-flags: --cap-add/--cap-drop, --privileged, --device*, --sysctl, --group-add, --shm-size, --pid/--ipc/--uts.
  hardening?: HardeningOptions;
  // network-dns area: /etc/resolv.conf and /etc/hosts flags (--dns, --dns-search, --dns-option, --add-host)
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** --add-host as given, validated ("name:ip", ip may be host-gateway). */
  extraHosts?: string[];
  // compat-run: labels (-l, --label-file; merged over the image's at create), --cidfile
  labels?: Record<string, string>;
  cidFile?: string;
  /** compat-run: --health-* / --no-healthcheck (merged over the image's Healthcheck at create). */
  healthcheck?: HealthConfig;
  /** compat-run: --log-driver, --log-opt (validated). */
  logConfig?: LogConfig;
  /** compat-run: -a/--attach (a foreground run's streams; all when unset) and --sig-proxy=false. */
  attach?: AttachStream[];
  sigProxy?: boolean;
}

export type AttachStream = "stdin" | "stdout" | "stderr"; // compat-run

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function validateName(name: string): string {
  const bare = name.startsWith("/") ? name.slice(1) : name;
  // [cli] The name is a file name in the store (names/NAME): longer than NAME_MAX it could never be claimed.
  if (bare.length > MAX_NAME) throw new UserError(`Invalid container name (${shown(bare)}, ${bare.length} characters): at most ${MAX_NAME} are allowed`);
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
  if (eq === 0 || arg === "") throw new UserError(`invalid environment variable: ${arg}`);
  if (eq > 0) return arg;
  const value = hostEnv[arg];
  return value === undefined ? undefined : `${arg}=${value}`;
}

export function parseEnvFile(path: string, hostEnv: Record<string, string | undefined> = process.env): string[] {
  // [cli] Read as bytes: names and values that are not UTF-8 pass through (oci/bytes-string.ts).
  const text = decodeBytes(readUserFile(path));
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

export function parseTmpfs(spec: string): TmpfsSpec {
  const [destination, opts] = spec.split(/:(.*)/s) as [string, string?];
  if (!isAbsolute(destination)) throw new UserError(`invalid tmpfs specification: '${spec}': mount path must be absolute`);
  checkContainerPath(destination, (why) => `invalid tmpfs specification: '${shown(spec)}': mount path ${why}`);
  refuseMountIntoProc(destination); // init-paths
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
  const retries = count === undefined ? 0 : Number(count);
  if (!Number.isSafeInteger(retries)) throw new UserError(`invalid restart policy: ${spec}: value out of range`); // [cli]
  return { name, maximumRetryCount: retries };
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
  const seconds = Number(value);
  // [cli] Not rounded to a float (1e+20), and no longer than poll(2)'s int milliseconds can wait: 24.8 days
  // and beyond are "forever" (-1), which they are in practice.
  if (!Number.isSafeInteger(seconds)) throw new UserError(`invalid argument "${value}" for "${flag}" flag: value out of range`);
  return seconds > MAX_WAIT_SECONDS ? -1 : seconds;
}

// [cli] Messages in the user's words for files named by flags (--env-file): one line, never a raw errno.
/** The bytes of a file the user named; a directory or a missing file is the user's error. */
export function readUserFile(path: string): Buffer {
  if (path.includes("\0")) throw new UserError(`open ${JSON.stringify(path)}: invalid argument`);
  try {
    return readFileSync(fsPath(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`open ${path}: no such file or directory`);
    if (code === "EISDIR") throw new UserError(`read ${path}: is a directory`);
    if (code === "EACCES") throw new UserError(`open ${path}: permission denied`);
    if (code === "ENOTDIR") throw new UserError(`open ${path}: not a directory`);
    if (code === "ENAMETOOLONG") throw new UserError(`open ${path}: file name too long`);
    throw e;
  }
}

/** NAME_MAX: the longest container name, which is a file name in the store. */
const MAX_NAME = 255;
/** poll(2) takes int milliseconds. */
const MAX_WAIT_SECONDS = Math.floor(0x7fffffff / 1000);
/** The start of what the user gave, for messages that must stay one readable line. */
export function shown(text: string, max = 40): string {
  return text.length <= max ? text : `${text.slice(0, 20)}…`;
}

/** -w as given, once the kernel could take it (relative paths are refused by the spec builder, as before). */
export function checkedWorkdir(value: string | undefined): string | undefined {
  if (value !== undefined) checkContainerPath(value, (why) => `invalid working directory '${shown(value)}': ${why}`);
  return value;
}
