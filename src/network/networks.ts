// Network records: the default "bridge" network (created on first use, on the first free subnet of the
// pool), user-defined networks, lookup by name or id prefix, and the subnet collision checks.
import { UserError } from "../errors.ts";
import { withRtnetlink } from "./rtnetlink.ts";
import { carve, contains, mask, formatIPv4, formatSubnet, overlaps, parseIPv4, parseSubnet, type Subnet4 } from "./subnet.ts";
import type { NetworkRecord, NetworkStore } from "./store.ts";
import { contains6, formatIPv6, formatSubnet6, parseIPv6, parseSubnet6, randomUlaSubnet, type Subnet6 } from "./subnet6.ts";

export const DEFAULT_NETWORK = "bridge";
/** Docker shows these two as networks too; they have no record. */
export const BUILTIN_NETWORKS = ["host", "none"] as const;

/** Pools subnets are carved from (each into /16s, or /24s for user networks past them), MINIBOX_NETWORK_POOL. */
export function addressPools(env = process.env): Subnet4[] {
  return (env.MINIBOX_NETWORK_POOL || "10.88.0.0/13,10.96.0.0/11").split(",").map((s) => parseSubnet(s.trim(), "MINIBOX_NETWORK_POOL subnet"));
}

export class NetworkNotFoundError extends UserError {
  constructor(name: string) {
    super(`network ${name} not found`);
    this.name = "NetworkNotFoundError";
  }
}

/** By exact name, exact id, or unique id prefix (Docker's order). */
export function findNetwork(networks: readonly NetworkRecord[], ref: string): NetworkRecord | undefined {
  return networks.find((n) => n.name === ref) ?? networks.find((n) => n.id === ref) ??
    (() => { const m = networks.filter((n) => n.id.startsWith(ref)); return m.length === 1 ? m[0] : undefined; })();
}

/** Subnets the host already routes or has addresses in (IPv4, every table but local/broadcast entries). */
export function hostSubnets(): Subnet4[] {
  return withRtnetlink((nl) => {
    const routes = nl.routes().filter((r) => r.family === 2 && r.table !== 255 && r.dstLength > 0 && r.dst)
      .map((r) => ({ base: parseIPv4(r.dst!)!, prefixLength: r.dstLength }));
    const addrs = nl.addresses().filter((a) => a.family === 2).map((a) => ({ base: parseIPv4(a.address)!, prefixLength: 32 }));
    return [...routes, ...addrs];
  });
}

/** The first subnet of the pools that overlaps neither another network nor anything the host routes. */
export function pickSubnet(taken: readonly Subnet4[], pools: readonly Subnet4[], length: number): Subnet4 {
  for (const pool of pools) {
    for (const candidate of carve(pool, length)) {
      if (!taken.some((t) => overlaps(t, candidate))) return candidate;
    }
  }
  throw new UserError("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
}

export interface CreateNetworkOptions {
  name: string;
  /** --ipv6, with an IPv6 --subnet/--gateway (a random unique local /64 without one). */
  ipv6?: boolean;
  subnet6?: string;
  gateway6?: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  bridge?: string;
}

/** Builds and saves a network record; call under the network lock. */
export function createNetwork(ns: NetworkStore, o: CreateNetworkOptions, hostTaken: () => Subnet4[] = hostSubnets): NetworkRecord {
  const existing = ns.networks();
  if (findNetworkByName(existing, o.name) || (BUILTIN_NETWORKS as readonly string[]).includes(o.name)) throw new UserError(`network with name ${o.name} already exists`);
  const others = existing.map((n) => parseSubnet(n.subnet));
  let subnet: Subnet4;
  if (o.subnet) {
    subnet = parseSubnet(o.subnet);
    const clash = existing.find((n) => overlaps(parseSubnet(n.subnet), subnet));
    if (clash) throw new UserError(`Pool overlaps with other one on this address space`);
  } else if (o.name === DEFAULT_NETWORK && existingBridgeSubnet(ns.defaultBridge)) {
    // The bridge outlived an earlier store of this root: keep its subnet rather than stack another.
    const found = existingBridgeSubnet(ns.defaultBridge)!;
    subnet = found.subnet;
    o = { ...o, gateway: o.gateway ?? found.gateway };
  } else {
    const pools = addressPools();
    const length = o.name === DEFAULT_NETWORK ? 16 : Math.max(16, ...pools.map((p) => p.prefixLength));
    subnet = pickSubnet([...others, ...hostTaken()], pools, length);
  }
  if (subnet.prefixLength > 30) throw new UserError(`invalid subnet ${formatSubnet(subnet)}: too small`);
  const gateway = o.gateway ?? formatIPv4(subnet.base + 1);
  const gw = parseIPv4(gateway);
  if (gw === undefined || !contains(subnet, gw)) throw new UserError(`no matching subnet for gateway ${gateway}`);
  if (o.ipRange) {
    const range = parseSubnet(o.ipRange, "ip-range");
    if (!contains(subnet, range.base) || range.prefixLength < subnet.prefixLength) throw new UserError(`no matching subnet for range ${o.ipRange}`);
  }
  let ipv6: NetworkRecord["ipv6"];
  if (o.ipv6 || o.subnet6) {
    if (!o.ipv6) throw new UserError("an IPv6 subnet needs --ipv6");
    const s6 = o.subnet6 ? parseSubnet6(o.subnet6) : randomUlaSubnet();
    const clash6 = existing.find((n) => n.ipv6 && overlaps6(parseSubnet6(n.ipv6.subnet), s6));
    if (clash6) throw new UserError("Pool overlaps with other one on this address space");
    const gw6 = o.gateway6 ?? formatIPv6(s6.base + 1n);
    const g = parseIPv6(gw6);
    if (g === undefined || !contains6(s6, g)) throw new UserError(`no matching subnet for gateway ${gw6}`);
    ipv6 = { subnet: formatSubnet6(s6), gateway: formatIPv6(g) };
  } else if (o.gateway6) throw new UserError(`no matching subnet for gateway ${o.gateway6}`);
  const id = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex"); // net-bench: not node:crypto (~13 ms to load)
  const record: NetworkRecord = {
    id, name: o.name, driver: "bridge", created: new Date().toISOString(),
    subnet: formatSubnet(subnet), gateway, ...(o.ipRange ? { ipRange: o.ipRange } : {}), ...(ipv6 ? { ipv6 } : {}),
    internal: o.internal === true,
    bridge: o.bridge ?? (o.name === DEFAULT_NETWORK ? ns.defaultBridge : `mbr-${id.slice(0, 10)}`),
    labels: o.labels ?? {}, options: o.options ?? {},
  };
  ns.saveNetwork(record);
  return record;
}

function existingBridgeSubnet(bridge: string): { subnet: Subnet4; gateway: string } | undefined {
  return withRtnetlink((nl) => {
    const link = nl.linkByName(bridge);
    const addr = link && nl.addresses().find((a) => a.index === link.index && a.family === 2);
    if (!addr) return undefined;
    const base = (parseIPv4(addr.address)! & mask(addr.prefixLength)) >>> 0;
    return { subnet: { base, prefixLength: addr.prefixLength }, gateway: addr.address };
  });
}

function findNetworkByName(networks: readonly NetworkRecord[], name: string): NetworkRecord | undefined {
  return networks.find((n) => n.name === name);
}

/** The network a container asked for by name; the default one is created on first use. Under the lock. */
export function networkForAttach(ns: NetworkStore, name: string): NetworkRecord {
  const networks = ns.networks();
  const found = name === DEFAULT_NETWORK ? findNetworkByName(networks, name) : findNetwork(networks, name);
  if (found) return found;
  if (name !== DEFAULT_NETWORK) throw new NetworkNotFoundError(name);
  return createNetwork(ns, { name: DEFAULT_NETWORK });
}

/** Where the lead's DNS server listens for a network: its gateway (the bridge's address). */
export function dnsAddressOf(network: NetworkRecord): string {
  return network.gateway;
}

/**
 * The default network's subnet was picked when it was first used; its bridge goes away with its last
 * container, and meanwhile the host (or another store) may have started routing that subnet. Before
 * the bridge is created again, pick again if so. Under the network lock (and the host lock).
 */
export function revalidateDefaultSubnet(ns: NetworkStore, network: NetworkRecord, bridgeExists: boolean, hostTaken: () => Subnet4[] = hostSubnets): NetworkRecord {
  if (network.name !== DEFAULT_NETWORK || bridgeExists) return network;
  const current = parseSubnet(network.subnet);
  const taken = hostTaken();
  if (!taken.some((t) => overlaps(t, current))) return network;
  const others = ns.networks().filter((n) => n.id !== network.id).map((n) => parseSubnet(n.subnet));
  const subnet = pickSubnet([...others, ...taken], addressPools(), 16);
  const updated = { ...network, subnet: formatSubnet(subnet), gateway: formatIPv4(subnet.base + 1) };
  ns.saveNetwork(updated);
  return updated;
}

function overlaps6(a: Subnet6, b: Subnet6): boolean {
  const len = Math.min(a.prefixLength, b.prefixLength);
  return contains6({ base: a.base & ~((1n << BigInt(128 - len)) - 1n), prefixLength: len }, b.base);
}
