// net-finish: `network connect` / `disconnect` of a container that is not running (created or stopped), as
// Docker allows: the connection is kept in the bundle's network request (config.json's annotation, the
// one place start reads it from) and made at the next start, after the container's first network.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { replaceFile } from "../state/atomic.ts";
import { DEFAULT_NETWORK, findNetwork, NetworkNotFoundError } from "./networks.ts";
import { NETWORK_ANNOTATION, requestFromAnnotations, type NetworkRequest } from "./request.ts";
import type { NetworkRecord, NetworkStore } from "./store.ts";

interface BundleSpec { annotations?: Record<string, string> }

function readSpec(bundle: string): BundleSpec {
  return JSON.parse(readFileSync(join(bundle, "config.json"), "utf8")) as BundleSpec;
}

function writeRequest(bundle: string, spec: BundleSpec, request: NetworkRequest): void {
  spec.annotations = { ...spec.annotations, [NETWORK_ANNOTATION]: JSON.stringify(request) };
  replaceFile(join(bundle, "config.json"), JSON.stringify(spec, null, 2));
}

/** The network `ref` names; the default one by name even before its first use (then it has no record). */
function resolve(ns: NetworkStore, ref: string): { id: string; name: string; record?: NetworkRecord } {
  const record = findNetwork(ns.networks(), ref);
  if (record) return { id: record.id, name: record.name, record };
  if (ref === DEFAULT_NETWORK) return { id: DEFAULT_NETWORK, name: DEFAULT_NETWORK };
  throw new NetworkNotFoundError(ref);
}

/** Whether the request's first network or one of its pending ones is `net`. */
function joins(ns: NetworkStore, request: NetworkRequest, net: { id: string; name: string }): boolean {
  const first = request.network === undefined ? undefined : request.network === DEFAULT_NETWORK ? DEFAULT_NETWORK : findNetwork(ns.networks(), request.network)?.id;
  return first === net.id || request.network === net.name || (request.extra ?? []).some((x) => x.network === net.id);
}

export function connectLater(ns: NetworkStore, bundle: string, container: { name: string }, ref: string, o: { aliases: string[]; ip?: string }): void {
  ns.locked(() => {
    const spec = readSpec(bundle);
    const request = requestFromAnnotations(spec.annotations);
    if (request.mode === "host" || request.mode === "container") {
      throw new UserError("container sharing network namespace with another container or host cannot be connected to any other network", 1);
    }
    if (request.mode === "none") throw new UserError("container cannot be connected to multiple networks with one of the networks in private (none) mode", 1);
    const net = resolve(ns, ref);
    if (o.ip !== undefined && net.name === DEFAULT_NETWORK) throw new UserError("user specified IP address is supported on user defined networks only", 1);
    if (o.aliases.length > 0 && net.name === DEFAULT_NETWORK) throw new UserError("network-scoped alias is supported only for containers in user defined networks", 1);
    if (joins(ns, request, net)) throw new UserError(`endpoint with name ${container.name} already exists in network ${net.name}`, 1);
    request.extra = [...(request.extra ?? []), { network: net.id, name: net.name, aliases: o.aliases, ...(o.ip !== undefined ? { ip: o.ip } : {}) }];
    writeRequest(bundle, spec, request);
  });
}

/** Undoes a pending connect; false when `ref` is no pending network of the container. */
export function disconnectLater(ns: NetworkStore, bundle: string, ref: string): boolean {
  return ns.locked(() => {
    const spec = readSpec(bundle);
    const request = requestFromAnnotations(spec.annotations);
    const net = resolve(ns, ref);
    const extra = request.extra ?? [];
    if (!extra.some((x) => x.network === net.id)) return false;
    request.extra = extra.filter((x) => x.network !== net.id);
    writeRequest(bundle, spec, request);
    return true;
  });
}
