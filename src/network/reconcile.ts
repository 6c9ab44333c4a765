// Removing what a container got (release at exit) and what dead containers left behind (reconcile on the
// next command after a kill -9). Both work from the endpoint records; every step tolerates "already gone".
// A bridge goes with the last endpoint on it, and the nftables table with the last endpoint of the store,
// so the host is left exactly as it was once no container runs.
import { isAlive } from "../container/liveness.ts";
import { withRtnetlink } from "./rtnetlink.ts";
import { applyFirewall } from "./firewall.ts";
import type { Endpoint, NetworkStore } from "./store.ts";

/** Deletes the endpoint's host veths (their peers go with them) and its record. Under the lock. */
export function teardownEndpoint(ns: NetworkStore, e: Endpoint): void {
  withRtnetlink((nl) => {
    for (const a of e.attachments) nl.deleteLinkByName(a.hostVeth);
  });
  ns.removeEndpoint(e.containerId);
}

/** Makes the host's rules and bridges match the live endpoints. Under the lock. */
export function syncHost(ns: NetworkStore, live: readonly Endpoint[]): void {
  const networks = ns.networks();
  applyFirewall(ns.table, networks, live);
  const idle = networks.filter((n) => !live.some((e) => e.attachments.some((a) => a.network === n.id)));
  if (idle.length === 0) return;
  withRtnetlink((nl) => {
    for (const n of idle) nl.deleteLinkByName(n.bridge);
  });
}

/** The endpoints whose container still runs; the others are torn down on the way. Under the lock. */
export function liveEndpoints(ns: NetworkStore): Endpoint[] {
  const all = ns.endpoints();
  const live = all.filter((e) => isAlive(e.process));
  const dead = all.filter((e) => !live.includes(e));
  for (const e of dead) teardownEndpoint(ns, e);
  if (dead.length > 0) syncHost(ns, live);
  return live;
}

/** Everything the container got is removed and its IPs and ports return to the pool. */
export function releaseEndpoint(ns: NetworkStore, containerId: string): void {
  ns.locked(() => {
    const e = ns.endpoint(containerId);
    if (!e) return;
    teardownEndpoint(ns, e);
    syncHost(ns, liveEndpoints(ns));
  });
}

/** Reconciles after a crash: removes links, rules and IPs of containers that no longer run. */
export function reconcileNetworks(ns: NetworkStore): Endpoint[] {
  return ns.locked(() => {
    const live = liveEndpoints(ns);
    syncHost(ns, live);
    return live;
  });
}
