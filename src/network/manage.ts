// `network create|ls|inspect|rm|prune|connect|disconnect`: the domain side (the CLI in cli/network.ts only
// parses and prints). Every change runs under the network lock and ends with the host synced to the records.
import { emitNetworkEvent } from "../events/emit.ts"; // compat-sys: events
import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";
import type { ProcessIdentity } from "../container/liveness.ts";
import { BUILTIN_NETWORKS, DEFAULT_NETWORK, createNetwork, findNetwork, networkForAttach, NetworkNotFoundError, type CreateNetworkOptions } from "./networks.ts";
import { liveEndpoints, syncNetworks, syncPorts } from "./reconcile.ts";
import { withRtnetlink } from "./rtnetlink.ts";
import type { Endpoint, NetworkRecord, NetworkStore } from "./store.ts";
import { hostVethName, newAttachment, plugIn } from "./attach.ts";

/** What `network ls` shows: the records plus Docker's two built-in ones (ids derived from their names). */
export interface ListedNetwork { id: string; name: string; driver: string; scope: "local"; record?: NetworkRecord }

const builtinId = (name: string) => createHash("sha256").update(`minibox-builtin-${name}`).digest("hex");

export function listNetworks(ns: NetworkStore): ListedNetwork[] {
  const records = ns.networks();
  const out: ListedNetwork[] = records.map((r) => ({ id: r.id, name: r.name, driver: r.driver, scope: "local", record: r }));
  if (!records.some((r) => r.name === DEFAULT_NETWORK)) out.push({ id: builtinId(DEFAULT_NETWORK), name: DEFAULT_NETWORK, driver: "bridge", scope: "local" });
  for (const name of BUILTIN_NETWORKS) out.push({ id: builtinId(name), name, driver: name === "host" ? "host" : "null", scope: "local" });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function createUserNetwork(ns: NetworkStore, o: CreateNetworkOptions & { driver?: string }): NetworkRecord {
  if (o.driver !== undefined && o.driver !== "bridge") throw new UserError(`plugin "${o.driver}" not found`);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(o.name)) throw new UserError(`invalid network name "${o.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  // A Linux interface name: at most 15 bytes, no '/', no whitespace (the kernel's dev_valid_name).
  if (o.bridge !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/.test(o.bridge)) throw new UserError(`invalid bridge name "${o.bridge}" (com.docker.network.bridge.name): at most 15 characters of [a-zA-Z0-9_.-]`);
  const record = ns.locked(() => createNetwork(ns, o));
  emitNetworkEvent("create", record, {}, ns.root); // compat-sys: events
  return record;
}

/** Docker's `network inspect` object. */
export function inspectNetwork(ns: NetworkStore, ref: string): object {
  return ns.locked(() => {
    const live = liveEndpoints(ns);
    const listed = listNetworks(ns);
    const record = findNetwork(ns.networks(), ref) ?? (ref === DEFAULT_NETWORK ? networkForAttach(ns, DEFAULT_NETWORK) : undefined);
    if (!record) {
      const builtin = listed.find((n) => !n.record && (n.name === ref || n.id.startsWith(ref)));
      if (!builtin) throw new UserError(`network ${ref} not found`, 1);
      return { Name: builtin.name, Id: builtin.id, Created: "0001-01-01T00:00:00Z", Scope: "local", Driver: builtin.driver, EnableIPv6: false,
        IPAM: { Driver: "default", Options: null, Config: [] }, Internal: false, Attachable: false, Ingress: false,
        ConfigFrom: { Network: "" }, ConfigOnly: false, Containers: {}, Options: {}, Labels: {} };
    }
    const containers: Record<string, object> = {};
    for (const e of live) {
      for (const a of e.attachments.filter((x) => x.network === record.id)) {
        containers[e.containerId] = {
          Name: e.containerName, EndpointID: endpointId(e.containerId, record.id), MacAddress: a.mac,
          IPv4Address: `${a.ip}/${a.prefixLength}`, IPv6Address: a.ipv6 ? `${a.ipv6}/${a.prefixLength6}` : "",
        };
      }
    }
    return {
      Name: record.name, Id: record.id, Created: record.created, Scope: "local", Driver: record.driver, EnableIPv6: record.ipv6 !== undefined,
      IPAM: { Driver: "default", Options: {}, Config: [
        { Subnet: record.subnet, Gateway: record.gateway, ...(record.ipRange ? { IPRange: record.ipRange } : {}) },
        ...(record.ipv6 ? [{ Subnet: record.ipv6.subnet, Gateway: record.ipv6.gateway }] : []),
      ] },
      Internal: record.internal, Attachable: false, Ingress: false, ConfigFrom: { Network: "" }, ConfigOnly: false,
      Containers: containers,
      Options: { "com.docker.network.bridge.name": record.bridge, ...record.options },
      Labels: record.labels,
    };
  });
}

export function endpointId(containerId: string, networkId: string): string {
  return createHash("sha256").update(`${containerId}/${networkId}`).digest("hex");
}

/** Refuses built-in networks and networks in use, with Docker's messages (exit 1). */
export function removeNetwork(ns: NetworkStore, ref: string): void {
  if (ref === DEFAULT_NETWORK || (BUILTIN_NETWORKS as readonly string[]).includes(ref)) {
    throw new UserError(`${ref} is a pre-defined network and cannot be removed`, 1);
  }
  ns.locked(() => {
    const record = findNetwork(ns.networks(), ref);
    if (!record || record.name === DEFAULT_NETWORK) throw new UserError(`network ${ref} not found`, 1);
    const live = liveEndpoints(ns);
    if (live.some((e) => e.attachments.some((a) => a.network === record.id))) {
      throw new UserError(`error while removing network: network ${record.name} id ${record.id} has active endpoints`, 1);
    }
    ns.removeNetwork(record.id);
    withRtnetlink((nl) => nl.deleteLinkByName(record.bridge));
    syncNetworks(ns, live);
    emitNetworkEvent("destroy", record, {}, ns.root); // compat-sys: events
  });
}

/** Removes every user network without a running container; returns their names. */
/** The ids of the networks a running container is attached to (`network ls --filter dangling=`). */
export function networksInUse(ns: NetworkStore): Set<string> {
  return ns.locked(() => new Set(liveEndpoints(ns).flatMap((e) => e.attachments.map((a) => a.network))));
}

export function pruneNetworks(ns: NetworkStore, select: (n: NetworkRecord) => boolean = () => true): string[] {
  return ns.locked(() => {
    const live = liveEndpoints(ns);
    const unused = ns.networks().filter((n) => n.name !== DEFAULT_NETWORK && !live.some((e) => e.attachments.some((a) => a.network === n.id)) && select(n)); // compat-sys: select (prune --filter)
    for (const n of unused) {
      ns.removeNetwork(n.id);
      withRtnetlink((nl) => nl.deleteLinkByName(n.bridge));
      emitNetworkEvent("destroy", n, {}, ns.root); // compat-sys: events
    }
    if (unused.length > 0) syncNetworks(ns, live);
    return unused.map((n) => n.name);
  });
}

export interface ConnectTarget { id: string; name: string; process: ProcessIdentity; networkMode: string }

/** `network connect`: one more interface (eth1, …) in a running container, without a default route. */
export function connectContainer(ns: NetworkStore, ref: string, target: ConnectTarget, o: { aliases: string[]; ip?: string }): void {
  if (target.networkMode === "host" || target.networkMode === "container") {
    throw new UserError("container sharing network namespace with another container or host cannot be connected to any other network", 1);
  }
  if (target.networkMode === "none") {
    throw new UserError("container cannot be connected to multiple networks with one of the networks in private (none) mode", 1);
  }
  ns.locked(() => {
    const live = liveEndpoints(ns);
    const known = ns.networks().length;
    const record = findNetwork(ns.networks(), ref) ?? (ref === DEFAULT_NETWORK ? networkForAttach(ns, DEFAULT_NETWORK) : undefined);
    if (!record) throw new NetworkNotFoundError(ref);
    const created = ns.networks().length !== known;
    if (o.ip !== undefined && record.name === DEFAULT_NETWORK) throw new UserError("user specified IP address is supported on user defined networks only", 1);
    if (o.aliases.length > 0 && record.name === DEFAULT_NETWORK) throw new UserError("network-scoped alias is supported only for containers in user defined networks", 1);
    const existing = live.find((e) => e.containerId === target.id);
    if (existing?.attachments.some((a) => a.network === record.id)) {
      throw new UserError(`endpoint with name ${target.name} already exists in network ${record.name}`, 1);
    }
    const endpoint: Endpoint = existing ?? { containerId: target.id, containerName: target.name, process: target.process, attachments: [], ports: [] };
    const used = new Set(endpoint.attachments.map((a) => a.ifname));
    let n = 0;
    while (used.has(`eth${n}`) || endpoint.attachments.some((a) => a.hostVeth === hostVethName(target.id, n))) n++;
    const attachment = newAttachment(record, live, target.id, n, o);
    endpoint.attachments.push(attachment);
    ns.saveEndpoint(endpoint);
    const others = live.filter((e) => e.containerId !== target.id);
    try {
      if (plugIn(record, attachment, target.process, endpoint.attachments.length === 1) || created) syncNetworks(ns, [...others, endpoint]);
    } catch (e) {
      withRtnetlink((nl) => nl.deleteLinkByName(attachment.hostVeth));
      endpoint.attachments.pop();
      if (endpoint.attachments.length > 0) ns.saveEndpoint(endpoint);
      else ns.removeEndpoint(target.id);
      throw e;
    }
    emitNetworkEvent("connect", record, { container: target.id }, ns.root); // compat-sys: events
  });
}

/** `network disconnect`: the interface and its address go; the container keeps running. */
export function disconnectContainer(ns: NetworkStore, ref: string, containerId: string, containerName: string): void {
  ns.locked(() => {
    const live = liveEndpoints(ns);
    const record = findNetwork(ns.networks(), ref);
    if (!record) throw new NetworkNotFoundError(ref);
    const endpoint = live.find((e) => e.containerId === containerId);
    const attachment = endpoint?.attachments.find((a) => a.network === record.id);
    if (!endpoint || !attachment) throw new UserError(`container ${containerName} is not connected to network ${record.name}`, 1);
    withRtnetlink((nl) => nl.deleteLinkByName(attachment.hostVeth));
    endpoint.attachments = endpoint.attachments.filter((a) => a !== attachment);
    const hadPorts = endpoint.ports.length > 0;
    if (endpoint.attachments.length === 0) endpoint.ports = []; // nothing left to forward to
    if (endpoint.attachments.length > 0 || endpoint.ports.length > 0) ns.saveEndpoint(endpoint);
    else ns.removeEndpoint(containerId);
    if (hadPorts) syncPorts(ns, live.filter((e) => e.attachments.length > 0));
    emitNetworkEvent("disconnect", record, { container: containerId }, ns.root); // compat-sys: events
  });
}
