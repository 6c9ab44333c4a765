// The lifecycle's two hooks, kept tiny: the netlink and nftables code is loaded only for containers that
// have (or had) a network of their own.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { identify, type ProcessIdentity } from "../container/liveness.ts";
import { trace } from "../trace.ts";
import { requestFromAnnotations, type NetworkRequest } from "./request.ts";
import type { Endpoint, NetworkStore } from "./store.ts";

/**
 * Sets up the network a starting container asked for (its init, `pid`, waits on its start pipe), then
 * gives its /etc/hosts the container's addresses (and `host-gateway` its gateway).
 */
export async function setUpNetwork(store: { root: string; dir(id: string): string }, container: { id: string; name: string }, pid: number, spec: { annotations?: Record<string, string>; hostname?: string }): Promise<Endpoint | undefined> {
  const request = requestFromAnnotations(spec.annotations);
  if (request.mode !== "bridge" && request.mode !== "user") return undefined;
  const process = identify(pid);
  if (!process) throw new Error(`container init ${pid} exited before its network was set up`);
  const [{ attachNetwork }, { NetworkStore }] = await Promise.all([import("./attach.ts"), import("./store.ts")]);
  trace("network: modules loaded");
  const ns = new NetworkStore(store.root);
  if (request.ports.some((p) => p.hostIp.includes(":"))) await checkIpv6Ports(ns, request);
  let endpoint = attachNetwork(ns, { containerId: container.id, containerName: container.name, process }, request);
  let isUser = (_id: string) => request.mode === "user";
  if (endpoint && request.extra?.length) {
    ({ endpoint, isUser } = await joinExtraNetworks(ns, container, process, request));
  }
  if (endpoint && spec.hostname !== undefined) {
    const { refreshEtcFiles } = await import("../container/etc-files.ts");
    refreshEtcFiles(store.dir(container.id), spec.hostname, etcFactsOf(endpoint, isUser));
  }
  return endpoint;
}

/** net-finish: refuses IPv6 host addresses the network cannot serve ([::1] anywhere; any on an IPv4-only network). */
async function checkIpv6Ports(ns: NetworkStore, request: NetworkRequest): Promise<void> {
  const [{ checkPortFamilies }, { DEFAULT_NETWORK, findNetwork }] = await Promise.all([import("./ports.ts"), import("./networks.ts")]);
  const name = request.network!;
  const network = name === DEFAULT_NETWORK ? undefined : findNetwork(ns.networks(), name);
  if (name !== DEFAULT_NETWORK && !network) return; // attachNetwork says "network … not found"
  checkPortFamilies(request.ports, network?.ipv6 !== undefined, name);
}

/**
 * net-finish: the networks `network connect` added while the container was not running, joined as a
 * connect to a running container would (eth1, …, no default route). A user network among them gets its
 * DNS server brought up to date here when the first network (the default bridge) would not.
 */
async function joinExtraNetworks(ns: NetworkStore, container: { id: string; name: string }, process: ProcessIdentity, request: NetworkRequest): Promise<{ endpoint: Endpoint; isUser: (id: string) => boolean }> {
  const [{ connectContainer }, { DEFAULT_NETWORK, NetworkNotFoundError }] = await Promise.all([import("./manage.ts"), import("./networks.ts")]);
  for (const x of request.extra ?? []) {
    try {
      connectContainer(ns, x.network, { id: container.id, name: container.name, process, networkMode: request.mode }, { aliases: x.aliases, ...(x.ip !== undefined ? { ip: x.ip } : {}) });
    } catch (e) {
      // removed since the connect: say which network by the name the user gave, not its id
      if (e instanceof NetworkNotFoundError) throw new NetworkNotFoundError(x.name ?? x.network);
      throw e;
    }
  }
  const user = new Set(ns.networks().filter((n) => n.name !== DEFAULT_NETWORK).map((n) => n.id));
  const endpoint = ns.endpoint(container.id)!;
  if (request.mode !== "user" && endpoint.attachments.some((a) => user.has(a.network))) {
    const { refreshNetworkDns } = await import("../monitor/dns.ts");
    const { UserError } = await import("../errors.ts");
    try {
      await refreshNetworkDns();
    } catch (e) {
      if (!(e instanceof UserError)) throw e; // no monitor: names are not served; the container runs
    }
  }
  return { endpoint, isUser: (id) => user.has(id) };
}

/**
 * What /etc/hosts and resolv.conf say about a container's networks: its addresses, `host-gateway` as its
 * first network's gateway, and on a user network (dns-wire) that network's DNS server as the one
 * nameserver — both of its addresses on an IPv6 network (net-finish). `isUser` tells user networks apart.
 */
export function etcFactsOf(endpoint: Endpoint, isUser: (networkId: string) => boolean) {
  const first = endpoint.attachments[0];
  const user = endpoint.attachments.find((a) => isUser(a.network));
  return {
    addresses: endpoint.attachments.flatMap((a) => [a.ip, ...(a.ipv6 ? [a.ipv6] : [])]),
    ...(first ? { hostGateway: first.gateway } : {}),
    ...(user ? { networkDns: [user.gateway, ...(user.gateway6 ? [user.gateway6] : [])] } : {}),
  };
}

/**
 * net-finish: after `network connect`/`disconnect`, the container's /etc/hosts and resolv.conf follow its
 * networks (a default-bridge container that joins a user network starts asking that network's server).
 */
export async function refreshNetworkFiles(store: { root: string; dir(id: string): string }, containerId: string, hostname: string): Promise<void> {
  const [{ NetworkStore }, { DEFAULT_NETWORK }, { refreshEtcFiles }] = await Promise.all([import("./store.ts"), import("./networks.ts"), import("../container/etc-files.ts")]);
  const ns = new NetworkStore(store.root);
  const user = new Set(ns.networks().filter((n) => n.name !== DEFAULT_NETWORK).map((n) => n.id));
  const endpoint = ns.endpoint(containerId);
  refreshEtcFiles(store.dir(containerId), hostname, endpoint ? etcFactsOf(endpoint, (id) => user.has(id)) : {});
}

/**
 * Loads the release code while the container runs (the CLI only waits then), so that its exit does not
 * pay for it: ~3.5 ms of module loading, measured with MINIBOX_TRACE, was most of what a bridge added at exit.
 */
export function prefetchRelease(spec: { annotations?: Record<string, string> }): void {
  const { mode } = requestFromAnnotations(spec.annotations);
  if (mode === "bridge" || mode === "user") void import("./reconcile.ts").catch(() => undefined);
}

/** Everything the container got (veth, IP, ports, rules) is removed; a no-op when it had nothing. */
export async function releaseNetwork(store: { root: string }, containerId: string): Promise<void> {
  if (!existsSync(join(store.root, "network", "endpoints", `${containerId}.json`))) return;
  const [{ releaseEndpoint }, { NetworkStore }] = await Promise.all([import("./reconcile.ts"), import("./store.ts")]);
  trace("network release: modules loaded");
  await releaseEndpoint(new NetworkStore(store.root), containerId);
  trace("network release: done");
}
