// IPv4 CIDR arithmetic on 32-bit unsigned numbers (IPv6 subnets are handled where they are used).
import { UserError } from "../errors.ts";

export interface Subnet4 { base: number; prefixLength: number }

export function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export const mask = (prefixLength: number) => (prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0);

/** "10.88.0.0/16" → subnet; with `strict`, host bits must be zero (Docker refuses 10.88.0.1/16 as a subnet). */
export function parseSubnet(s: string, what = "subnet"): Subnet4 {
  const [addr, len] = s.split("/") as [string, string?];
  const base = parseIPv4(addr);
  const prefixLength = len !== undefined && /^\d{1,2}$/.test(len) ? Number(len) : NaN;
  if (base === undefined || !(prefixLength >= 0 && prefixLength <= 32)) throw new UserError(`invalid ${what}: ${s}`);
  if ((base & mask(prefixLength)) >>> 0 !== base) throw new UserError(`invalid ${what} ${s}: it should be ${formatSubnet({ base: (base & mask(prefixLength)) >>> 0, prefixLength })}`);
  return { base, prefixLength };
}

export const formatSubnet = (s: Subnet4) => `${formatIPv4(s.base)}/${s.prefixLength}`;

export function contains(s: Subnet4, ip: number): boolean {
  return ((ip & mask(s.prefixLength)) >>> 0) === s.base;
}

export function overlaps(a: Subnet4, b: Subnet4): boolean {
  const len = Math.min(a.prefixLength, b.prefixLength);
  return ((a.base & mask(len)) >>> 0) === ((b.base & mask(len)) >>> 0);
}

export const size = (s: Subnet4) => 2 ** (32 - s.prefixLength);
export const broadcast = (s: Subnet4) => (s.base + size(s) - 1) >>> 0;

/** The /`length` subnets of `pool`, in order (the pool itself when it is already that small). */
export function* carve(pool: Subnet4, length: number): Generator<Subnet4> {
  if (pool.prefixLength >= length) { yield pool; return; }
  const step = 2 ** (32 - length);
  for (let base = pool.base; base <= broadcast(pool); base += step) yield { base: base >>> 0, prefixLength: length };
}
