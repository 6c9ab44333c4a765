// IP addresses of a network: allocated from its range (or subnet), never the network, broadcast or
// gateway address; the allocations are the live endpoints' attachments (store.ts), nothing else.
import { UserError } from "../errors.ts";
import { broadcast, contains, formatIPv4, parseIPv4, parseSubnet } from "./subnet.ts";
import type { NetworkRecord } from "./store.ts";

export function allocateIp(network: NetworkRecord, taken: ReadonlySet<string>, requested?: string): string {
  const subnet = parseSubnet(network.subnet);
  const gateway = parseIPv4(network.gateway)!;
  const usable = (n: number) => n !== subnet.base && n !== broadcast(subnet) && n !== gateway;
  if (requested !== undefined) {
    const n = parseIPv4(requested);
    if (n === undefined || !contains(subnet, n)) throw new UserError(`Invalid address ${requested}: It does not belong to any of this network's subnets`);
    if (!usable(n) || taken.has(requested)) throw new UserError(`Address already in use`);
    return requested;
  }
  const range = network.ipRange ? parseSubnet(network.ipRange) : subnet;
  for (let n = range.base; n <= broadcast(range); n++) {
    if (usable(n) && !taken.has(formatIPv4(n))) return formatIPv4(n);
  }
  throw new UserError(`no available IPv4 addresses on this network's address pools: ${network.name} (${network.id.slice(0, 12)})`);
}

/** Docker's MAC for an IPv4 address: 02:42 then the address's four bytes. */
export function macForIp(ip: string): string {
  return ["02", "42", ...ip.split(".").map((p) => Number(p).toString(16).padStart(2, "0"))].join(":");
}
