// Removing what a container got (release at exit) and what dead containers left behind (reconcile on the
// next command after a kill -9). Both work from the endpoint records; every step tolerates "already gone".
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

/** The endpoints whose container still runs; the others are torn down on the way. Under the lock. */
export function liveEndpoints(ns: NetworkStore): Endpoint[] {
  const all = ns.endpoints();
  const live = all.filter((e) => isAlive(e.process));
  const dead = all.filter((e) => !live.includes(e));
  for (const e of dead) teardownEndpoint(ns, e);
  if (dead.length > 0) applyFirewall(ns.networks(), live);
  return live;
}

/** Everything the container got is removed and its IPs and ports return to the pool. */
export function releaseEndpoint(ns: NetworkStore, containerId: string): void {
  ns.locked(() => {
    const e = ns.endpoint(containerId);
    if (!e) return;
    teardownEndpoint(ns, e);
    applyFirewall(ns.networks(), liveEndpoints(ns));
  });
}

/** Reconciles after a crash: removes links, rules and IPs of containers that no longer run. */
export function reconcileNetworks(ns: NetworkStore): void {
  ns.locked(() => {
    applyFirewall(ns.networks(), liveEndpoints(ns));
  });
}
