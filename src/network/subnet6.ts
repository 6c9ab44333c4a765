// IPv6 subnets for user networks: 128-bit arithmetic on BigInt.
import { UserError } from "../errors.ts";
import { addressBytes, bytesToAddress } from "./netlink-message.ts";

export interface Subnet6 { base: bigint; prefixLength: number }

export function parseIPv6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(s) || !s.includes(":")) return undefined;
  try {
    return addressBytes(s).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  } catch {
    return undefined;
  }
}

export function formatIPv6(n: bigint): string {
  const bytes = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) { bytes[i] = Number(n & 0xffn); n >>= 8n; }
  return bytesToAddress(bytes);
}

const mask6 = (len: number) => (len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - len)) - 1n));

export function parseSubnet6(s: string): Subnet6 {
  const [addr, len] = s.split("/") as [string, string?];
  const base = parseIPv6(addr);
  const prefixLength = len !== undefined && /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (base === undefined || !(prefixLength >= 1 && prefixLength <= 126)) throw new UserError(`invalid IPv6 subnet: ${s}`);
  if ((base & mask6(prefixLength)) !== base) throw new UserError(`invalid IPv6 subnet ${s}: it should be ${formatIPv6(base & mask6(prefixLength))}/${prefixLength}`);
  return { base, prefixLength };
}

export const formatSubnet6 = (s: Subnet6) => `${formatIPv6(s.base)}/${s.prefixLength}`;
export const contains6 = (s: Subnet6, ip: bigint) => (ip & mask6(s.prefixLength)) === s.base;

/** A unique local /64 (RFC 4193: fd00::/8 + 40 random bits) for `--ipv6` without an IPv6 --subnet. */
export function randomUlaSubnet(): Subnet6 {
  const r = crypto.getRandomValues(new Uint8Array(5)); // net-bench: not node:crypto (~13 ms to load)
  let base = 0xfdn;
  for (const b of r) base = (base << 8n) | BigInt(b);
  return { base: base << 80n, prefixLength: 64 };
}

/** The first address after the gateway that nobody holds (IPv6 has no broadcast address). */
export function allocateIp6(subnet: Subnet6, gateway: bigint, taken: ReadonlySet<string>, requested?: string): string {
  if (requested !== undefined) {
    const n = parseIPv6(requested);
    if (n === undefined || !contains6(subnet, n)) throw new UserError(`Invalid address ${requested}: It does not belong to any of this network's subnets`);
    if (n === gateway || n === subnet.base || taken.has(formatIPv6(n))) throw new UserError("Address already in use");
    return formatIPv6(n);
  }
  const limit = subnet.base + (1n << BigInt(128 - subnet.prefixLength));
  for (let n = subnet.base + 1n; n < limit && n < subnet.base + 65536n; n++) {
    if (n !== gateway && !taken.has(formatIPv6(n))) return formatIPv6(n);
  }
  throw new UserError("no available IPv6 addresses on this network's address pools");
}
