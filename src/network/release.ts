// The lifecycle's two hooks, kept tiny: the netlink and nftables code is loaded only for containers that
// have (or had) a network of their own.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { identify } from "../container/liveness.ts";
import { trace } from "../trace.ts";
import { requestFromAnnotations } from "./request.ts";
import type { Endpoint } from "./store.ts";

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
  const endpoint = attachNetwork(new NetworkStore(store.root), { containerId: container.id, containerName: container.name, process }, request);
  const first = endpoint?.attachments[0];
  if (first && spec.hostname !== undefined) {
    const { refreshEtcFiles } = await import("../container/etc-files.ts");
    refreshEtcFiles(store.dir(container.id), spec.hostname, {
      addresses: [first.ip, ...(first.ipv6 ? [first.ipv6] : [])], hostGateway: first.gateway,
      // dns-wire: on a user network the one nameserver is the network's DNS server (its gateway).
      ...(request.mode === "user" ? { networkDns: first.gateway } : {}),
    });
  }
  return endpoint;
}

/** Everything the container got (veth, IP, ports, rules) is removed; a no-op when it had nothing. */
export async function releaseNetwork(store: { root: string }, containerId: string): Promise<void> {
  if (!existsSync(join(store.root, "network", "endpoints", `${containerId}.json`))) return;
  const [{ releaseEndpoint }, { NetworkStore }] = await Promise.all([import("./reconcile.ts"), import("./store.ts")]);
  trace("network release: modules loaded");
  await releaseEndpoint(new NetworkStore(store.root), containerId);
  trace("network release: done");
}
