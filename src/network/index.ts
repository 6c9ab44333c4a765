// The network module's entry points for the container lifecycle and for the DNS server (net-dns).
import { NetworkStore } from "./store.ts";
import { shownBindings, type PortBinding } from "./ports.ts";
import { findNetwork } from "./networks.ts";
import { isAlive } from "../container/liveness.ts";

export { attachNetwork } from "./attach.ts";
export { releaseNetwork, setUpNetwork } from "./release.ts";
export { dnsAddressOf } from "./networks.ts";
export { NetworkStore } from "./store.ts";

/** For the DNS server: name, aliases and short id of each running container on the network, with its IP. */
export function containersOnNetwork(store: { root: string }, networkName: string): { names: string[]; ipv4?: string; ipv6?: string }[] {
  const ns = new NetworkStore(store.root);
  const network = findNetwork(ns.networks(), networkName);
  if (!network) return [];
  return ns.endpoints().filter((e) => isAlive(e.process)).flatMap((e) => e.attachments.filter((a) => a.network === network.id).map((a) => ({
    names: [e.containerName, e.containerId.slice(0, 12), ...a.aliases], ipv4: a.ip, ...(a.ipv6 ? { ipv6: a.ipv6 } : {}),
  })));
}

/** The ports a running container publishes (none once it stopped, as Docker shows them). */
export function publishedPorts(store: { root: string }, containerId: string): PortBinding[] {
  const e = new NetworkStore(store.root).endpoint(containerId);
  return e && isAlive(e.process) ? shownBindings(e.ports, e.attachments[0]?.ipv6 !== undefined) : [];
}
