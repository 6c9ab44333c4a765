// Removing what a container got (release at exit) and what dead containers left behind (reconcile on the
// next command after a kill -9). Both work from the endpoint records; every step tolerates "already gone".
// A network's bridge and rules stay while the network exists (the default one always, like docker0):
// only the container's veth, address and published ports come and go with it.
import { isAlive } from "../container/liveness.ts";
import { trace } from "../trace.ts";
import { Rtnetlink, withRtnetlink } from "./rtnetlink.ts";
import { applyNetworkRules, applyPublished } from "./firewall.ts";
import type { Endpoint, NetworkStore } from "./store.ts";

/** The link operations a release needs: Rtnetlink's (a recording fake in unit tests). */
export interface LinkOps {
  linkByName(name: string): unknown;
  deleteLinkByName(name: string): boolean;
}

/** Deletes the endpoint's host veths (their peers go with them) and its record. Under the lock. */
export function teardownEndpoint(ns: NetworkStore, e: Endpoint, links?: LinkOps): void {
  const remove = (nl: LinkOps) => { for (const a of e.attachments) nl.deleteLinkByName(a.hostVeth); };
  if (links) remove(links);
  else withRtnetlink(remove);
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

export interface ReleaseOptions {
  nl?: LinkOps;
  /** How long to wait for the kernel to remove the veths of a dead container's namespace. */
  deadlineMs?: number;
  pollMs?: number;
}

/**
 * Everything the container got is removed and its IPs and ports return to the pool.
 * When the container's init is dead, its network namespace died with it (unless a `--network
 * container:X` joiner holds it) and the kernel removes the veth pair by itself, within about a
 * millisecond; a DELLINK of ours would cost 15-20 ms (measured on 6.x: it waits for RCU, racing the
 * namespace's own cleanup). So release waits for the kernel, without the lock, and deletes only what is
 * still there at the deadline. The record goes only after the veth: its IP is not reused before then.
 */
export async function releaseEndpoint(ns: NetworkStore, containerId: string, o: ReleaseOptions = {}): Promise<void> {
  const recorded = ns.endpoint(containerId);
  if (!recorded) return;
  const own = o.nl ? undefined : Rtnetlink.open();
  const nl: LinkOps = o.nl ?? own!;
  try {
    const gone = !isAlive(recorded.process) && await linksGone(nl, recorded.attachments.map((a) => a.hostVeth), o.deadlineMs ?? 100, o.pollMs ?? 1);
    trace("network release: waited for the kernel");
    ns.locked(() => {
      const e = ns.endpoint(containerId);
      // Reconciled meanwhile by another command, which may even have started the container again (a new
      // record under the same id, naming a new init): then nothing here is ours to remove.
      if (!e || e.process.pid !== recorded.process.pid || e.process.startTime !== recorded.process.startTime) return;
      if (gone) ns.removeEndpoint(containerId);
      else teardownEndpoint(ns, e, nl);
      trace("network release: endpoint removed");
      const live = liveEndpoints(ns);
      if (e.ports.length > 0) syncPorts(ns, live);
    });
  } finally {
    own?.close();
  }
}

/** Polls until none of the links exists; false if some still do at the deadline. */
async function linksGone(nl: LinkOps, names: readonly string[], deadlineMs: number, pollMs: number): Promise<boolean> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    if (names.every((n) => nl.linkByName(n) === undefined)) return true;
    if (performance.now() >= deadline) return false;
    await Bun.sleep(pollMs);
  }
}

/** Reconciles after a crash: removes links, rules and IPs of containers that no longer run. */
export function reconcileNetworks(ns: NetworkStore): Endpoint[] {
  return ns.locked(() => liveEndpoints(ns));
}
