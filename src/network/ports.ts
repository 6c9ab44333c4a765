// Published ports: Docker's `-p [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]` (with ranges), `--expose`, `-P`,
// and the choice of host ports (conflicts with other containers and with the host's own sockets).
import { readFileSync } from "node:fs";
import { UserError } from "../errors.ts";
import { isLoopback } from "./dns/address.ts";

export type Protocol = "tcp" | "udp";

/** One published port, as allocated (hostPort is never 0 here). hostIp "" means every address. */
export interface PortBinding { hostIp: string; hostPort: number; containerPort: number; protocol: Protocol }

/** One published port as asked for: host port range [start, end], 0/0 for "any free port". */
export interface PortRequest { hostIp: string; hostPortStart: number; hostPortEnd: number; containerPort: number; protocol: Protocol }

function parsePort(s: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  const start = m ? Number(m[1]) : NaN, end = m?.[2] !== undefined ? Number(m[2]) : start;
  if (!m || start < 1 || end > 65535 || end < start) throw new UserError(`Invalid ${what}: ${s}`);
  return [start, end];
}

function parseProto(s: string | undefined): Protocol {
  const p = (s ?? "tcp").toLowerCase();
  if (p !== "tcp" && p !== "udp") throw new UserError(`Invalid proto: ${s}`);
  return p;
}

/** Splits "[IP:][HOST:]CONTAINER[/PROTO]" (IPv6 host addresses in brackets) as Docker's nat.ParsePortSpec. */
export function parsePublish(spec: string): PortRequest[] {
  const [body, proto] = spec.split("/") as [string, string?];
  const protocol = parseProto(proto);
  let hostIp = "", rest = body;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(body);
  if (v6) { hostIp = v6[1]!; rest = v6[2]!; }
  const parts = rest.split(":");
  let hostPart = "", containerPart: string;
  if (v6) {
    if (parts.length !== 2) throw new UserError(`Invalid port format: ${spec}`);
    [hostPart, containerPart] = parts as [string, string];
  } else if (parts.length === 1) containerPart = parts[0]!;
  else if (parts.length === 2) [hostPart, containerPart] = parts as [string, string];
  else if (parts.length === 3) [hostIp, hostPart, containerPart] = parts as [string, string, string];
  else throw new UserError(`Invalid port format: ${spec}`);
  if (hostIp && !isIpAddress(hostIp)) throw new UserError(`Invalid ip address: ${hostIp}`);
  if (!containerPart) throw new UserError(`No port specified: ${spec}<empty>`);
  const [cStart, cEnd] = parsePort(containerPart, "containerPort");
  const [hStart, hEnd] = hostPart ? parsePort(hostPart, "hostPort") : [0, 0];
  const cCount = cEnd - cStart + 1, hCount = hEnd - hStart + 1;
  if (hostPart && cCount !== hCount && cCount !== 1) {
    throw new UserError(`Invalid ranges specified for container and host Ports: ${containerPart} and ${hostPart}`);
  }
  const out: PortRequest[] = [];
  for (let i = 0; i < cCount; i++) {
    const containerPort = cStart + i;
    if (!hostPart) out.push({ hostIp, hostPortStart: 0, hostPortEnd: 0, containerPort, protocol });
    else if (cCount === 1) out.push({ hostIp, hostPortStart: hStart, hostPortEnd: hEnd, containerPort, protocol });
    else out.push({ hostIp, hostPortStart: hStart + i, hostPortEnd: hStart + i, containerPort, protocol });
  }
  return out;
}

/** `--expose 80`, `--expose 8000-8010/udp` and image ExposedPorts keys ("80/tcp") → "port/proto" keys. */
export function parseExpose(spec: string): string[] {
  const [port, proto] = spec.split("/") as [string, string?];
  const protocol = parseProto(proto);
  const [start, end] = parsePort(port, "range format for --expose specification");
  return Array.from({ length: end - start + 1 }, (_, i) => `${start + i}/${protocol}`);
}

/** -P: every exposed port not published explicitly gets a free host port. */
export function publishAll(exposed: readonly string[], explicit: readonly PortRequest[]): PortRequest[] {
  const taken = new Set(explicit.map((r) => `${r.containerPort}/${r.protocol}`));
  return [...new Set(exposed)].filter((k) => !taken.has(k)).map((k) => {
    const [port, proto] = k.split("/") as [string, string];
    return { hostIp: "", hostPortStart: 0, hostPortEnd: 0, containerPort: Number(port), protocol: proto as Protocol };
  });
}

function isIpAddress(s: string): boolean {
  return /^(\d{1,3}\.){3}\d{1,3}$/.test(s) ? s.split(".").every((p) => Number(p) <= 255) : /^[0-9a-fA-F:.]+$/.test(s) && s.includes(":");
}

// ---- host sockets

export interface HostSocket { protocol: Protocol; ip: string; port: number }

/** Sockets of this network namespace that hold a port: TCP listeners and bound UDP sockets. */
export function hostSockets(read: (path: string) => string = (p) => readFileSync(p, "utf8")): HostSocket[] {
  const out: HostSocket[] = [];
  for (const [file, protocol] of [["tcp", "tcp"], ["tcp6", "tcp"], ["udp", "udp"], ["udp6", "udp"]] as const) {
    let text: string;
    try {
      text = read(`/proc/net/${file}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // no IPv6 in this kernel
      throw e;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      if (protocol === "tcp" && f[3] !== "0A") continue; // TCP_LISTEN
      const [ipHex, portHex] = f[1]!.split(":") as [string, string];
      out.push({ protocol, ip: hexToIp(ipHex), port: parseInt(portHex, 16) });
    }
  }
  return out;
}

/** /proc/net addresses: IPv4 as one little-endian word, IPv6 as four. */
export function hexToIp(hex: string): string {
  if (hex.length === 8) return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(".");
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) for (const i of [6, 4, 2, 0]) bytes.push(parseInt(hex.slice(w * 8 + i, w * 8 + i + 2), 16));
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return bytes.slice(12).join(".");
  if (bytes.every((b) => b === 0)) return "::";
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(":");
}

const isWildcard = (ip: string) => ip === "" || ip === "0.0.0.0" || ip === "::";

function clash(a: { ip: string; port: number; protocol: Protocol }, b: { ip: string; port: number; protocol: Protocol }): boolean {
  return a.protocol === b.protocol && a.port === b.port && (isWildcard(a.ip) || isWildcard(b.ip) || a.ip === b.ip);
}

const shown = (ip: string) => (ip === "" ? "0.0.0.0" : ip);

/**
 * Host ports for the requests: explicit ones checked, ranges and 0 resolved to a free port. Refuses with
 * Docker's messages when another container or a host socket holds the port.
 */
export function allocatePorts(requests: readonly PortRequest[], others: readonly PortBinding[], sockets: readonly HostSocket[], ephemeral: [number, number] = ephemeralRange()): PortBinding[] {
  const out: PortBinding[] = [];
  const usedBy = (ip: string, port: number, protocol: Protocol) => {
    const probe = { ip, port, protocol };
    if ([...others, ...out].some((b) => clash(probe, { ip: b.hostIp, port: b.hostPort, protocol: b.protocol }))) return "container";
    if (sockets.some((s) => clash(probe, s))) return "host";
    return undefined;
  };
  for (const r of requests) {
    const explicit = r.hostPortStart !== 0;
    const [lo, hi] = explicit ? [r.hostPortStart, r.hostPortEnd] : ephemeral;
    const span = hi - lo + 1;
    const first = explicit ? 0 : Math.floor(Math.random() * span); // spread ephemeral picks like the kernel does
    let chosen: number | undefined;
    let lastReason: string | undefined;
    for (let i = 0; i < span && chosen === undefined; i++) {
      const port = lo + ((first + i) % span);
      const reason = usedBy(r.hostIp, port, r.protocol);
      if (!reason) chosen = port;
      else lastReason = reason;
    }
    if (chosen === undefined) {
      const where = `${shown(r.hostIp)}:${explicit ? (lo === hi ? lo : `${lo}-${hi}`) : "0"}`;
      // A single port: say who holds it. A range or "any": the range is full, whoever holds its ports.
      if (lastReason === "host" && span === 1) throw new UserError(`driver failed programming external connectivity: listen ${r.protocol} ${where}: bind: address already in use`);
      throw new UserError(`Bind for ${where} failed: port is already allocated`);
    }
    out.push({ hostIp: r.hostIp, hostPort: chosen, containerPort: r.containerPort, protocol: r.protocol });
  }
  return out;
}

function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return [32768, 60999];
}

/**
 * net-finish: an IPv6 host address needs a container IPv6 address to DNAT to (the kernel cannot translate
 * between families, and there is no proxy process to do it): refused at start with one line otherwise.
 */
export function checkPortFamilies(requests: readonly PortRequest[], containerHasIpv6: boolean, networkName: string): void {
  // The kernel has no route_localnet for IPv6: a reply translated back to ::1 arrives on the bridge with a
  // loopback destination and is dropped (RFC 4291 2.5.3), so DNAT from ::1 cannot work without a proxy.
  const loopback = requests.find((r) => r.hostIp.includes(":") && isLoopback(r.hostIp));
  if (loopback) {
    throw new UserError(`cannot publish port ${loopback.containerPort}/${loopback.protocol} on [${loopback.hostIp}]: the kernel cannot forward IPv6 loopback traffic to a container; publish on 127.0.0.1 or a host IPv6 address`);
  }
  const v6 = requests.find((r) => r.hostIp.includes(":"));
  if (v6 && !containerHasIpv6) {
    throw new UserError(`cannot publish port ${v6.containerPort}/${v6.protocol} on IPv6 address ${v6.hostIp}: network ${networkName} has no IPv6 (create one with --ipv6)`);
  }
}

/**
 * What `port`, `ps` and `inspect` show for a binding: a port published on every address is shown as
 * 0.0.0.0 and, when the container has an IPv6 address to forward to, as :: too (Docker's two lines).
 */
export function shownBindings(ports: readonly PortBinding[], containerHasIpv6: boolean): PortBinding[] {
  return ports.flatMap((p) => (p.hostIp !== "" ? [p]
    : [{ ...p, hostIp: "0.0.0.0" }, ...(containerHasIpv6 ? [{ ...p, hostIp: "::" }] : [])]));
}
