// Removing what a container got (release at exit) and what dead containers left behind (reconcile on the
// next command after a kill -9). Both work from the endpoint records; every step tolerates "already gone".
// A network's bridge and rules stay while the network exists (the default one always, like docker0):
// only the container's veth, address and published ports come and go with it.
import { isAlive } from "../container/liveness.ts";
import { trace } from "../trace.ts";
import { withRtnetlink } from "./rtnetlink.ts";
import { applyNetworkRules, applyPublished } from "./firewall.ts";
import type { Endpoint, NetworkStore } from "./store.ts";

/** Deletes the endpoint's host veths (their peers go with them) and its record. Under the lock. */
export function teardownEndpoint(ns: NetworkStore, e: Endpoint): void {
  withRtnetlink((nl) => {
    for (const a of e.attachments) nl.deleteLinkByName(a.hostVeth);
  });
  ns.removeEndpoint(e.containerId);
}

/** Rebuilds every rule of the store: after a network was created or removed, or a bridge (re)created. */
export function syncNetworks(ns: NetworkStore, live: readonly Endpoint[]): void {
  applyNetworkRules(ns.table, ns.networks(), live);
}

/** Refills the published ports' chain from the live endpoints. */
export function syncPorts(ns: NetworkStore, live: readonly Endpoint[]): void {
  applyPublished(ns.table, ns.networks(), live);
}

/** The endpoints whose container still runs; the others are torn down on the way. Under the lock. */
export function liveEndpoints(ns: NetworkStore): Endpoint[] {
  const all = ns.endpoints();
  const live = all.filter((e) => isAlive(e.process));
  const dead = all.filter((e) => !live.includes(e));
  for (const e of dead) teardownEndpoint(ns, e);
  if (dead.some((e) => e.ports.length > 0)) syncPorts(ns, live);
  return live;
}

/** Everything the container got is removed and its IPs and ports return to the pool. */
export function releaseEndpoint(ns: NetworkStore, containerId: string): void {
  ns.locked(() => {
    const e = ns.endpoint(containerId);
    if (!e) return;
    trace("network release: locked");
    teardownEndpoint(ns, e);
    trace("network release: veth deleted");
    const live = liveEndpoints(ns);
    if (e.ports.length > 0) syncPorts(ns, live);
  });
}

/** Reconciles after a crash: removes links, rules and IPs of containers that no longer run. */
export function reconcileNetworks(ns: NetworkStore): Endpoint[] {
  return ns.locked(() => liveEndpoints(ns));
}
