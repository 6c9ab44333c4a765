// The network part of a container's `inspect`: HostConfig.NetworkMode/PortBindings, Config.ExposedPorts
// and NetworkSettings, in Docker's shape, from the request (what was asked) and the live endpoint (what it got).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../container/liveness.ts";
import { requestFromAnnotations } from "./request.ts";
import { NetworkStore, type Endpoint, type NetworkRecord } from "./store.ts";
import { DEFAULT_NETWORK } from "./networks.ts";
import { endpointId } from "./manage.ts";
import { shownBindings } from "./ports.ts";

interface HostPort { HostIp: string; HostPort: string }

export interface NetworkInspect {
  NetworkMode: string;
  PortBindings: Record<string, HostPort[]>;
  ExposedPorts: Record<string, object>;
  NetworkSettings: Record<string, unknown>;
}

export function inspectNetworkOf(root: string, containerId: string, annotations: Record<string, string> | undefined): NetworkInspect {
  const request = requestFromAnnotations(annotations);
  const mode = request.mode === "container" ? `container:${request.container}` : request.mode === "user" ? request.network! : request.mode;
  const portBindings: Record<string, HostPort[]> = {};
  for (const p of request.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    const port = p.hostPortStart === 0 ? "" : p.hostPortStart === p.hostPortEnd ? String(p.hostPortStart) : `${p.hostPortStart}-${p.hostPortEnd}`;
    (portBindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: port });
  }
  const exposed = Object.fromEntries(request.exposed.map((k) => [k, {}]));

  let endpoint: Endpoint | undefined, networks: NetworkRecord[] = [];
  if (existsSync(join(root, "network"))) {
    const ns = new NetworkStore(root);
    const e = ns.endpoint(containerId);
    if (e && isAlive(e.process)) { endpoint = e; networks = ns.networks(); }
  }
  const ports: Record<string, HostPort[] | null> = {};
  if (endpoint) {
    for (const k of request.exposed) ports[k] = null;
    for (const p of shownBindings(endpoint.ports, endpoint.attachments[0]?.ipv6 !== undefined)) {
      const key = `${p.containerPort}/${p.protocol}`;
      (ports[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    }
  }
  const entries: Record<string, unknown> = {};
  for (const a of endpoint?.attachments ?? []) {
    const n = networks.find((x) => x.id === a.network);
    if (!n) continue;
    entries[n.name] = {
      IPAMConfig: null, Links: null, Aliases: a.aliases.length ? a.aliases : null, MacAddress: a.mac, NetworkID: n.id,
      EndpointID: endpointId(containerId, n.id), Gateway: a.gateway, IPAddress: a.ip, IPPrefixLen: a.prefixLength,
      IPv6Gateway: a.gateway6 ?? "", GlobalIPv6Address: a.ipv6 ?? "", GlobalIPv6PrefixLen: a.prefixLength6 ?? 0, DriverOpts: null,
      DNSNames: n.name === DEFAULT_NETWORK ? null : [containerId.slice(0, 12), ...a.aliases],
    };
  }
  if (!endpoint && (request.mode === "bridge" || request.mode === "user" || request.mode === "host" || request.mode === "none")) {
    const name = request.network ?? request.mode;
    entries[name] = { IPAMConfig: null, Links: null, Aliases: request.aliases.length ? request.aliases : null, MacAddress: "", NetworkID: "", EndpointID: "",
      Gateway: "", IPAddress: "", IPPrefixLen: 0, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, DriverOpts: null, DNSNames: null };
    // net-finish: networks a `network connect` added while it was not running (joined at its next start)
    const known = request.extra?.length && existsSync(join(root, "network")) ? new NetworkStore(root).networks() : [];
    for (const x of request.extra ?? []) {
      const n = known.find((k) => k.id === x.network)?.name ?? x.network;
      entries[n] = { ...(entries[name] as object), Aliases: x.aliases.length ? x.aliases : null, NetworkID: x.network === DEFAULT_NETWORK ? "" : x.network };
    }
  }
  // Docker fills the top-level fields from the default bridge only.
  const onBridge = endpoint?.attachments.find((a) => networks.find((x) => x.id === a.network)?.name === DEFAULT_NETWORK);
  return {
    NetworkMode: mode,
    PortBindings: portBindings,
    ExposedPorts: exposed,
    NetworkSettings: {
      Bridge: "", SandboxID: "", SandboxKey: "",
      Ports: ports,
      Gateway: onBridge?.gateway ?? "", IPAddress: onBridge?.ip ?? "", IPPrefixLen: onBridge?.prefixLength ?? 0, MacAddress: onBridge?.mac ?? "",
      IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0,
      Networks: entries,
    },
  };
}

/** ps's PORTS column, "0.0.0.0:8080->80/tcp, 0.0.0.0:8081->81/tcp", from the live endpoint alone (cheap). */
export function portsColumn(root: string, containerId: string): string {
  const e = existsSync(join(root, "network", "endpoints", `${containerId}.json`)) ? new NetworkStore(root).endpoint(containerId) : undefined;
  if (!e || !isAlive(e.process)) return "";
  return shownBindings(e.ports, e.attachments[0]?.ipv6 !== undefined).sort((a, b) => a.containerPort - b.containerPort)
    .map((p) => `${p.hostIp.includes(":") ? `[${p.hostIp}]` : p.hostIp || "0.0.0.0"}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(", ");
}
