// `minibox network <command>`: thin adapters over network/manage.ts, Docker's flags, output and exit codes.
import { parsePruneFilters, pruneFilterMatches } from "../prune/filter.ts"; // compat-sys
import { defineCommand, type ArgsDef } from "citty";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { splitArgv } from "./argv.ts";
import { containerStore } from "./each-container.ts";
import { describeError } from "./report.ts";
import { table } from "./human-format.ts";
import { out, writeStdout } from "./output.ts";
import { formatEach, formatNetworkList, hasFormat, networkInspectTemplate, networkMatches, parseNetworkFilters } from "./network-list.ts";
import { UserError } from "../errors.ts";
import { storeRoot } from "../image/store.ts";
import { findContainer } from "../container/lookup.ts";
import { currentState } from "../container/status.ts";
import type { Spec } from "../oci/spec.ts";
import { NetworkStore } from "../network/store.ts";
import { requestFromAnnotations } from "../network/request.ts";
import { connectContainer, createUserNetwork, disconnectContainer, inspectNetwork, listNetworks, networksInUse, pruneNetworks, removeNetwork } from "../network/manage.ts";

const networkStore = () => new NetworkStore(storeRoot());

function keyValues(list: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq === 0) throw new UserError(`invalid ${what}: ${item}`);
    if (eq < 0) out[item] = "";
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

const createArgs = {
  driver: { type: "string", alias: "d", description: "Driver to manage the Network (bridge)" },
  subnet: { type: "string", description: "Subnet in CIDR format that represents a network segment (repeatable: one IPv4, one IPv6)" },
  gateway: { type: "string", description: "IPv4 or IPv6 Gateway for the master subnet (repeatable)" },
  ipv6: { type: "boolean", description: "Enable IPv6 networking" },
  "ip-range": { type: "string", description: "Allocate container ip from a sub-range" },
  internal: { type: "boolean", description: "Restrict external access to the network" },
  label: { type: "string", description: "Set metadata on a network (repeatable)" },
  opt: { type: "string", alias: "o", description: "Set driver specific options (repeatable)" },
} satisfies ArgsDef;

function create(rawArgs: string[]): number {
  const { values: v, positionals } = splitArgv(rawArgs, createArgs, Infinity, ["label", "opt", "subnet", "gateway"]);
  const byFamily = (k: string, v6: boolean) => {
    const all = ((v[k] as string[] | undefined) ?? []).filter((s) => s.includes(":") === v6);
    if (all.length > 1) throw new UserError(`only one IPv${v6 ? 6 : 4} --${k} is supported`);
    return all[0];
  };
  if (positionals.length !== 1) throw new UserError(`"network create" requires exactly 1 argument: network create [OPTIONS] NETWORK`);
  const options = keyValues((v.opt as string[] | undefined) ?? [], "option");
  const record = createUserNetwork(networkStore(), {
    name: positionals[0]!, driver: v.driver as string | undefined, subnet: byFamily("subnet", false),
    gateway: byFamily("gateway", false), ipv6: v.ipv6 === true, subnet6: byFamily("subnet", true), gateway6: byFamily("gateway", true), ipRange: v["ip-range"] as string | undefined, internal: v.internal === true,
    labels: keyValues((v.label as string[] | undefined) ?? [], "label"), options,
    bridge: options["com.docker.network.bridge.name"],
  });
  out.log(record.id);
  return 0;
}

function ls(rawArgs: string[]): number {
  const lsArgs = { quiet: { type: "boolean", alias: "q" }, "no-trunc": { type: "boolean" }, format: { type: "string" }, filter: { type: "string", alias: "f" } } satisfies ArgsDef;
  const { values: v } = splitArgv(rawArgs, lsArgs, Infinity, ["filter"]);
  const filters = parseNetworkFilters((v.filter as string[] | undefined) ?? []);
  const ns = networkStore();
  const inUse = filters.some((f) => f.key === "dangling") ? networksInUse(ns) : new Set<string>();
  const networks = listNetworks(ns).filter((n) => networkMatches(n, filters, (x) => inUse.has(x.id)));
  const id = (s: string) => (v["no-trunc"] ? s : s.slice(0, 12));
  if (v.quiet) {
    for (const n of networks) out.log(id(n.id));
    return 0;
  }
  if (hasFormat(v.format)) {
    writeStdout(formatNetworkList(v.format, networks, !v["no-trunc"]));
    return 0;
  }
  for (const line of table([["NETWORK ID", "NAME", "DRIVER", "SCOPE"], ...networks.map((n) => [id(n.id), n.name, n.driver, n.scope])])) out.log(line);
  return 0;
}

/** Docker's multi-argument pattern: each on its own, errors on their own lines, exit 1 if any failed. */
function each(refs: string[], what: string, act: (ref: string) => unknown): number {
  if (refs.length === 0) throw new UserError(`"network ${what}" requires at least 1 argument`);
  let failed = false;
  for (const ref of refs) {
    try {
      act(ref);
    } catch (e) {
      out.error(describeError(e));
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

function inspect(rawArgs: string[]): number {
  const { values, positionals } = splitArgv(rawArgs, { format: { type: "string", alias: "f" } }, Infinity);
  const ns = networkStore();
  const results: object[] = [];
  const template = networkInspectTemplate(values.format); // a bad template fails before any lookup
  const code = each(positionals, "inspect", (ref) => results.push(inspectNetwork(ns, ref)));
  writeStdout(template ? formatEach(template, results) : `${JSON.stringify(results, null, 4)}\n`);
  return code;
}

function rm(rawArgs: string[]): number {
  const { positionals } = splitArgv(rawArgs, { force: { type: "boolean", alias: "f" } }, Infinity);
  const ns = networkStore();
  return each(positionals, "rm", (ref) => { removeNetwork(ns, ref); out.log(ref); });
}

function prune(rawArgs: string[]): number {
  // compat-sys: --filter until=|label=|label!= (repeatable)
  const { values } = splitArgv(rawArgs, { force: { type: "boolean", alias: "f" }, filter: { type: "string" } }, Infinity, ["filter"]);
  const filter = parsePruneFilters((values.filter as string[] | undefined) ?? []);
  const removed = pruneNetworks(networkStore(), (n) => pruneFilterMatches(filter, n.created, n.labels));
  if (removed.length > 0) out.log(`Deleted Networks:\n${removed.join("\n")}\n`);
  return 0;
}

/** The running container a connect/disconnect names, with the network mode it was created with. */
function runningContainer(ref: string) {
  const store = containerStore();
  const record = findContainer(store, ref);
  const state = currentState(record);
  if (!state.running || !record.state.process) throw new UserError(`Container ${record.id} is not running`, 1);
  const spec = JSON.parse(readFileSync(join(store.dir(record.id), "config.json"), "utf8")) as Spec;
  return { id: record.id, name: record.name, process: record.state.process, networkMode: requestFromAnnotations(spec.annotations).mode, hostname: spec.hostname };
}

/** net-finish: the container's /etc/hosts and resolv.conf follow the networks it is now on. */
async function refreshFiles(containerId: string, hostname: string | undefined): Promise<void> {
  if (hostname === undefined) return;
  const { refreshNetworkFiles } = await import("../network/release.ts");
  await refreshNetworkFiles(containerStore(), containerId, hostname);
}

async function connect(rawArgs: string[]): Promise<number> {
  const connectArgs = { alias: { type: "string" }, ip: { type: "string" } } satisfies ArgsDef;
  const { values: v, positionals } = splitArgv(rawArgs, connectArgs, Infinity, ["alias"]);
  if (positionals.length !== 2) throw new UserError(`"network connect" requires exactly 2 arguments: network connect [OPTIONS] NETWORK CONTAINER`);
  const aliases = (v.alias as string[] | undefined) ?? [];
  // net-finish: a container that is not running joins the network at its next start, as in Docker.
  const store = containerStore();
  const found = findContainer(store, positionals[1]!);
  if (!currentState(found).running) {
    const { connectLater } = await import("../network/pending.ts");
    connectLater(networkStore(), store.dir(found.id), found, positionals[0]!, { aliases, ip: v.ip as string | undefined });
    return 0;
  }
  const target = runningContainer(positionals[1]!);
  connectContainer(networkStore(), positionals[0]!, target, { aliases, ip: v.ip as string | undefined });
  await refreshFiles(target.id, target.hostname);
  // net-finish: remembered for the next start too, as Docker does.
  const { connectLater } = await import("../network/pending.ts");
  connectLater(networkStore(), store.dir(found.id), found, positionals[0]!, { aliases, ip: v.ip as string | undefined });
  // dns-wire: the network's DNS server learns the container now (it may be the network's first).
  if (positionals[0] !== "bridge") {
    const { refreshNetworkDns } = await import("../monitor/dns.ts");
    let warnings: string[];
    try {
      warnings = await refreshNetworkDns();
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      warnings = [e.message]; // the container is connected; only its name is not served
    }
    for (const w of warnings) out.warn(w);
  }
  return 0;
}

async function disconnect(rawArgs: string[]): Promise<number> {
  const { positionals } = splitArgv(rawArgs, { force: { type: "boolean", alias: "f" } }, Infinity);
  if (positionals.length !== 2) throw new UserError(`"network disconnect" requires exactly 2 arguments: network disconnect [OPTIONS] NETWORK CONTAINER`);
  const store = containerStore();
  const record = findContainer(store, positionals[1]!);
  if (!currentState(record).running) {
    const { disconnectLater } = await import("../network/pending.ts");
    if (disconnectLater(networkStore(), store.dir(record.id), positionals[0]!)) return 0;
  }
  disconnectContainer(networkStore(), positionals[0]!, record.id, record.name);
  const { disconnectLater } = await import("../network/pending.ts");
  disconnectLater(networkStore(), store.dir(record.id), positionals[0]!); // net-finish: not rejoined at the next start
  const spec = JSON.parse(readFileSync(join(store.dir(record.id), "config.json"), "utf8")) as Spec;
  await refreshFiles(record.id, spec.hostname);
  return 0;
}

const subCommands: Record<string, (rawArgs: string[]) => number | Promise<number>> = { create, ls, list: ls, inspect, rm, remove: rm, prune, connect, disconnect };

export default defineCommand({
  meta: { name: "network", description: `Manage networks (${Object.keys(subCommands).join(", ")})` },
  run({ rawArgs }) {
    const [name, ...rest] = rawArgs;
    const sub = name === undefined ? undefined : subCommands[name];
    if (!sub) throw new UserError(`unknown command "network ${name ?? ""}" (one of: ${Object.keys(subCommands).join(", ")})`);
    return sub(rest);
  },
});

// compat-cli: each verb's flags, for help, completion and docs/compatibility.md (cli/command-tree.ts). The
// verbs above parse their own argv; a flag added to one of them is added here too.
const lsVerbArgs: ArgsDef = {
  quiet: { type: "boolean", alias: "q", description: "Only display network IDs" }, "no-trunc": { type: "boolean", description: "Do not truncate the output" },
  format: { type: "string", description: "Format output: table, json, or a Go template such as '{{.Name}}'" },
  filter: { type: "string", alias: "f", description: "Filter output: driver=, id=, label=, name=, scope=, type=custom|builtin, dangling= (repeatable)" },
};
export const networkVerbs: Record<string, { description: string; args: ArgsDef }> = {
  create: { description: "Create a network", args: createArgs },
  ls: { description: "List networks", args: lsVerbArgs },
  list: { description: "List networks", args: lsVerbArgs },
  inspect: { description: "Display detailed information on one or more networks", args: { format: { type: "string", alias: "f", description: "Format the output using the given Go template" } } },
  rm: { description: "Remove one or more networks", args: { force: { type: "boolean", alias: "f", description: "Do not fail when a network does not exist" } } },
  remove: { description: "Remove one or more networks", args: { force: { type: "boolean", alias: "f", description: "Do not fail when a network does not exist" } } },
  prune: { description: "Remove all unused networks", args: { force: { type: "boolean", alias: "f", description: "Do not prompt for confirmation" }, filter: { type: "string", description: "Provide filter values (e.g. 'until=<timestamp>', 'label=KEY[=VALUE]')" } } },
  connect: { description: "Connect a container to a network", args: { alias: { type: "string", description: "Add network-scoped alias for the container" }, ip: { type: "string", description: "IPv4 address (e.g., 172.30.100.104)" } } },
  disconnect: { description: "Disconnect a container from a network", args: { force: { type: "boolean", alias: "f", description: "Force the container to disconnect from a network" } } },
};
