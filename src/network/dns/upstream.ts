// Upstream resolvers as configured ("1.2.3.4", "1.2.3.4:5353", "2001:db8::1", "[2001:db8::1]:5353").
import { canonicalAddress, parseIPv4, parseIPv6 } from "./address.ts";

export interface Upstream { address: string; port: number }

export class UpstreamSpecError extends Error {
  constructor(readonly spec: string) {
    super(`invalid DNS upstream ${JSON.stringify(spec)}: expected IP, IP:PORT or [IPv6]:PORT`);
    this.name = "UpstreamSpecError";
  }
}

export function parseUpstream(spec: string): Upstream {
  const bracketed = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(spec);
  let address: string;
  let port = "53";
  if (bracketed) {
    address = bracketed[1]!;
    if (!parseIPv6(address)) throw new UpstreamSpecError(spec);
    port = bracketed[2] ?? port;
  } else if (parseIPv6(spec)) {
    address = spec;
  } else {
    const m = /^([^:]+)(?::([0-9]+))?$/.exec(spec);
    if (!m || !parseIPv4(m[1]!)) throw new UpstreamSpecError(spec);
    address = m[1]!;
    port = m[2] ?? port;
  }
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UpstreamSpecError(spec);
  return { address: canonicalAddress(address)!, port: n };
}
