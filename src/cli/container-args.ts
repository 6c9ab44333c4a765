// The flags shared by `run` and `create`, and their translation into CreateOptions.
import type { ArgsDef } from "citty";
import { splitArgv } from "./argv.ts";
import { UserError } from "../errors.ts";
import { checkedWorkdir, findInitBinary, parseEnvFile, parseSeconds, parseRestartPolicy, parseTmpfs, resolveEnvArg, type AttachStream, type CreateOptions } from "../container/options.ts";
import { hostEnv } from "./host-bytes.ts";
import { parseSignal } from "../container/signals.ts";
import { limitsFromFlags, parseUlimits, type ResourceFlags } from "../cgroups/index.ts";
import { parseSecurityOpts, type SecurityOptions } from "../oci/security-opt.ts";
import { out } from "./output.ts";
import { networkRequest, type NetworkFlags } from "../network/request.ts";
import { HARDENING_REPEATABLE, hardeningArgs, parseHardeningFlags } from "../container/hardening-options.ts";
import { parseDnsFlags } from "../network/resolv.ts";
import { parseExtraHost } from "../network/hosts.ts";
import { parseVolumeFlag } from "../volume/volume-flag.ts"; // volumes
import { parseMountFlag } from "../volume/mount-flag.ts"; // volumes
import { parseLabelFlags } from "../container/label-flags.ts"; // compat-run
import { parseHealthFlags } from "../health/config.ts"; // compat-run
import { parseLogConfig } from "../logs/log-config.ts"; // compat-run
import { parseDetachKeys } from "../container/detach-keys.ts"; // compat-run

/** The cgroup limits, shared by run/create and update. */
export const resourceArgs = {
  memory: { type: "string", alias: "m", description: "Memory limit (e.g. 512m, 1g)" },
  "memory-swap": { type: "string", description: "Memory plus swap limit; -1 for unlimited swap" },
  "memory-reservation": { type: "string", description: "Memory soft limit" },
  cpus: { type: "string", description: "Number of CPUs (e.g. 1.5)" },
  "cpu-shares": { type: "string", alias: "c", description: "CPU shares (relative weight)" },
  "cpu-period": { type: "string", description: "Limit CPU CFS period (microseconds)" },
  "cpu-quota": { type: "string", description: "Limit CPU CFS quota (microseconds)" },
  "cpuset-cpus": { type: "string", description: "CPUs in which to allow execution (0-3, 0,1)" },
  "cpuset-mems": { type: "string", description: "Memory nodes in which to allow execution" },
  "pids-limit": { type: "string", description: "Tune container pids limit (-1 for unlimited)" },
  "blkio-weight": { type: "string", description: "Block IO weight (10-1000)" },
  "oom-kill-disable": { type: "boolean", description: "Disable the OOM killer" },
} satisfies ArgsDef;

/** The resource flags as given, for limitsFromFlags. */
export function resourceFlags(v: Record<string, unknown>): ResourceFlags {
  const str = (k: string) => v[k] as string | undefined;
  return {
    memory: str("memory"), memorySwap: str("memory-swap"), memoryReservation: str("memory-reservation"), cpus: str("cpus"),
    cpuShares: str("cpu-shares"), cpuPeriod: str("cpu-period"), cpuQuota: str("cpu-quota"), cpusetCpus: str("cpuset-cpus"),
    cpusetMems: str("cpuset-mems"), pidsLimit: str("pids-limit"), blkioWeight: str("blkio-weight"),
    oomKillDisable: v["oom-kill-disable"] === true ? true : undefined,
  };
}

export const containerArgs = {
  name: { type: "string", description: "Assign a name to the container" },
  rm: { type: "boolean", description: "Automatically remove the container when it exits" },
  interactive: { type: "boolean", alias: "i", description: "Keep STDIN open" },
  tty: { type: "boolean", alias: "t", description: "Allocate a pseudo-TTY" },
  env: { type: "string", alias: "e", description: "Set environment variables (repeatable)" },
  "env-file": { type: "string", description: "Read in a file of environment variables (repeatable)" },
  entrypoint: { type: "string", description: "Overwrite the default ENTRYPOINT of the image" },
  workdir: { type: "string", alias: "w", description: "Working directory inside the container" },
  user: { type: "string", alias: "u", description: "Username or UID (format: <name|uid>[:<group|gid>])" },
  hostname: { type: "string", alias: "h", description: "Container host name" },
  // volumes
  volume: { type: "string", alias: "v", description: "Bind mount a volume [HOST-DIR|NAME:]CONTAINER-DIR[:ro|rw|nocopy|z|Z|propagation] (repeatable)" },
  mount: { type: "string", description: "Attach a filesystem mount: type=bind|volume|tmpfs,source=…,target=…[,readonly][,…] (repeatable)" },
  "volumes-from": { type: "string", description: "Mount volumes from the specified container(s): CONTAINER[:ro|rw] (repeatable)" },
  tmpfs: { type: "string", description: "Mount a tmpfs directory PATH[:OPTIONS] (repeatable)" },
  "read-only": { type: "boolean", description: "Mount the container's root filesystem as read only" },
  restart: { type: "string", description: "Restart policy: no, on-failure[:max-retries], always, unless-stopped" },
  "stop-signal": { type: "string", description: "Signal to stop the container (default: the image's, or SIGTERM)" },
  "stop-timeout": { type: "string", description: "Seconds to wait before killing the container on stop (default 10)" },
  ...resourceArgs,
  ulimit: { type: "string", description: "Ulimit options, e.g. nofile=1024:2048 (repeatable)" },
  "cgroup-parent": { type: "string", description: "Parent cgroup for the container" },
  init: { type: "boolean", description: "Run an init (tini) inside the container that forwards signals and reaps processes" },
  pull: { type: "string", description: "Pull image before running: missing (default), always, never" },
  platform: { type: "string", description: "Platform if the image is pulled (os/arch[/variant])" },
  "security-opt": { type: "string", description: "Security options: seccomp=unconfined|builtin|PROFILE.json, no-new-privileges[=true|false] (repeatable)" },
  // hardening-flags
  ...hardeningArgs,
  // network-dns area: resolv.conf and /etc/hosts
  dns: { type: "string", description: "Set custom DNS servers (repeatable)" },
  "dns-search": { type: "string", description: "Set custom DNS search domains (repeatable)" },
  "dns-option": { type: "string", alias: "dns-opt", description: "Set DNS options (repeatable)" },
  "add-host": { type: "string", description: "Add a custom host-to-IP mapping (host:ip, ip may be host-gateway) (repeatable)" },
  // net-core
  network: { type: "string", alias: "net", description: "Connect a container to a network: bridge (default), none, host, container:<name|id>, or a network's name" },
  publish: { type: "string", alias: "p", description: "Publish a container's port(s) to the host: [IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp] (repeatable)" },
  "publish-all": { type: "boolean", alias: "P", description: "Publish all exposed ports to random ports" },
  expose: { type: "string", description: "Expose a port or a range of ports (repeatable)" },
  "network-alias": { type: "string", alias: "net-alias", description: "Add network-scoped alias for the container (repeatable)" },
  ip: { type: "string", description: "IPv4 address (e.g., 172.30.100.104)" },
  // compat-run: labels, cidfile
  label: { type: "string", alias: "l", description: "Set meta data on a container (repeatable)" },
  "label-file": { type: "string", description: "Read in a line delimited file of labels (repeatable)" },
  cidfile: { type: "string", description: "Write the container ID to the file" },
  // compat-run: health checks
  "health-cmd": { type: "string", description: "Command to run to check health" },
  "health-interval": { type: "string", description: "Time between running the check (ms|s|m|h) (default 30s)" },
  "health-timeout": { type: "string", description: "Maximum time to allow one check to run (ms|s|m|h) (default 30s)" },
  "health-retries": { type: "string", description: "Consecutive failures needed to report unhealthy (default 3)" },
  "health-start-period": { type: "string", description: "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)" },
  "no-healthcheck": { type: "boolean", description: "Disable any container-specified HEALTHCHECK" },
  // compat-run: logging
  "log-driver": { type: "string", description: "Logging driver for the container: json-file (default), local, none" },
  "log-opt": { type: "string", description: "Log driver options: max-size=SIZE, max-file=N (repeatable)" },
  // compat-run: streams and signals of a foreground run
  attach: { type: "string", alias: "a", description: "Attach to STDIN, STDOUT or STDERR (repeatable)" },
  "sig-proxy": { type: "boolean", description: "Proxy received signals to the process (default true)" },
  "detach-keys": { type: "string", description: "Override the key sequence for detaching a container (validated; a foreground run cannot be detached)" },
} satisfies ArgsDef;

/** network-dns area: the repeatable DNS and hosts flags. */
const DNS_REPEATABLE = ["dns", "dns-search", "dns-option", "add-host"];

const REPEATABLE = ["env", "env-file", "volume", "mount", "volumes-from", "tmpfs", "ulimit", "security-opt", ...HARDENING_REPEATABLE, ...DNS_REPEATABLE];
REPEATABLE.push("publish", "expose", "network-alias"); // net-core
REPEATABLE.push("label", "label-file", "log-opt", "attach"); // compat-run

export interface ParsedContainerArgs { opts: CreateOptions; values: Record<string, unknown> }

/** `[OPTIONS] IMAGE [COMMAND] [ARG...]` with `extra` flags of the calling command (e.g. run's -d). */
export function parseContainerArgs(rawArgs: readonly string[], extra: ArgsDef, usage: string): ParsedContainerArgs {
  const { values: v, positionals } = splitArgv(rawArgs, { ...containerArgs, ...extra }, 1, REPEATABLE);
  const [image, ...command] = positionals;
  if (!image) throw new UserError(`requires at least 1 argument: ${usage}`, 1); // compat-cli: a plain error in docker/cli (cli/required.go), exit 1
  const list = (k: string) => (v[k] as string[] | undefined) ?? [];
  const str = (k: string) => v[k] as string | undefined;
  // hostEnv(): the host's values as bytes (cli/host-bytes.ts), read only when a flag asks for one.
  const env = [...list("env-file").flatMap((f) => parseEnvFile(f, hostEnv())), ...list("env").flatMap((e) => resolveEnvArg(e, hostEnv()) ?? [])];
  const opts: CreateOptions = {
    image, command, env,
    entrypoint: str("entrypoint"), workdir: checkedWorkdir(str("workdir")), user: str("user"), name: str("name"), hostname: str("hostname"),
    interactive: v.interactive === true, tty: v.tty === true, readOnly: v["read-only"] === true, autoRemove: v.rm === true,
    volumes: [...list("volume").map(parseVolumeFlag), ...list("mount").map(parseMountFlag)], volumesFrom: list("volumes-from"), // volumes
    tmpfs: list("tmpfs").map(parseTmpfs),
    restartPolicy: str("restart") === undefined ? undefined : parseRestartPolicy(str("restart")!),
    stopSignal: checkedSignal(str("stop-signal")), stopTimeout: parseSeconds(str("stop-timeout"), "--stop-timeout"),
    limits: limitsFromFlags(resourceFlags(v)),
    rlimits: parseUlimits(list("ulimit")),
    cgroupParent: str("cgroup-parent"),
    pull: parsePullPolicy(str("pull")),
    init: v.init === true ? findInitBinary() : undefined,
    platform: str("platform"),
    ...securityOptions(list("security-opt")),
    hardening: parseHardeningFlags(v, str("hostname")), // hardening-flags
    ...dnsOptions(list),
    network: networkFlags(v), // net-core
    ...compatRunOptions(v), // compat-run
  };
  if (opts.autoRemove && opts.restartPolicy && opts.restartPolicy.name !== "no") {
    throw new UserError("conflicting options: cannot specify both --restart and --rm");
  }
  return { opts, values: v };
}

/** --security-opt (seccomp area): parsed in oci/security-opt.ts; its warnings are printed here. */
function securityOptions(values: readonly string[]): SecurityOptions {
  const { options, warnings } = parseSecurityOpts(values);
  for (const w of warnings) out.warn(w);
  return options;
}

/** net-core: the network flags as given; validated now so that a bad -p fails before any pull. */
function networkFlags(v: Record<string, unknown>): NetworkFlags {
  const list = (k: string) => (v[k] as string[] | undefined) ?? [];
  const flags: NetworkFlags = {
    network: v.network as string | undefined, publish: list("publish"), publishAll: v["publish-all"] === true,
    expose: list("expose"), aliases: list("network-alias"), ip: v.ip as string | undefined,
  };
  networkRequest(flags);
  return flags;
}

/** --dns, --dns-search, --dns-option, --add-host (network-dns area): validated here, written by etc-files. */
function dnsOptions(list: (k: string) => string[]): Partial<CreateOptions> {
  const extraHosts = list("add-host");
  for (const spec of extraHosts) parseExtraHost(spec);
  return { ...parseDnsFlags(list("dns"), list("dns-search"), list("dns-option")), ...(extraHosts.length > 0 ? { extraHosts } : {}) };
}

function parsePullPolicy(value: string | undefined): CreateOptions["pull"] {
  if (value === undefined || value === "missing" || value === "always" || value === "never") return value;
  throw new UserError(`invalid pull policy: "${value}" (missing, always, never)`);
}

/** --stop-signal as given (Docker keeps the name), once parseSignal has accepted it. */
function checkedSignal(value: string | undefined): string | undefined {
  if (value !== undefined) parseSignal(value);
  return value;
}

/** compat-run: labels, --cidfile, health checks, logging, -a/--sig-proxy/--detach-keys. */
function compatRunOptions(v: Record<string, unknown>): Partial<CreateOptions> {
  const list = (k: string) => (v[k] as string[] | undefined) ?? [];
  const str = (k: string) => v[k] as string | undefined;
  const labels = parseLabelFlags(list("label-file"), list("label"));
  const healthcheck = parseHealthFlags({
    cmd: str("health-cmd"), interval: str("health-interval"), timeout: str("health-timeout"), startPeriod: str("health-start-period"),
    retries: str("health-retries"), noHealthcheck: v["no-healthcheck"] === true,
  });
  const attach = parseAttachStreams(list("attach"));
  if (attach && v.detach === true) throw new UserError("Conflicting options: -a and -d");
  if (str("detach-keys") !== undefined) parseDetachKeys(str("detach-keys")!); // checked; see docs/compatibility.md
  return {
    logConfig: parseLogConfig(str("log-driver"), list("log-opt")),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(str("cidfile") ? { cidFile: str("cidfile") } : {}),
    ...(healthcheck ? { healthcheck } : {}),
    ...(attach ? { attach } : {}),
    ...(v["sig-proxy"] === false ? { sigProxy: false } : {}),
  };
}

/** compat-run: -a/--attach, case-insensitive as Docker; undefined when not given (all streams). */
function parseAttachStreams(values: readonly string[]): AttachStream[] | undefined {
  if (values.length === 0) return undefined;
  return values.map((value) => {
    const stream = value.toLowerCase();
    if (stream !== "stdin" && stream !== "stdout" && stream !== "stderr") {
      throw new UserError(`invalid argument "${value}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`);
    }
    return stream;
  });
}
