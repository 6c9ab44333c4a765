// A container's /etc/hosts, by Docker's rules: the localhost and IPv6 multicast lines, then --add-host
// entries in the order given, then the container's own address(es) with its hostname (and names).
import { UserError } from "../errors.ts";
import { canonicalAddress, isIP } from "./dns/address.ts";

/** --add-host's special value: the host as seen from the container (the caller knows the gateway). */
export const HOST_GATEWAY = "host-gateway";

export interface ExtraHost { name: string; address: string }

export interface HostsOptions {
  hostname: string;
  /** The container's addresses on its networks; none (today, or --network none): no line for the hostname. */
  addresses?: readonly string[];
  /** More names for the container's own address: container name, network aliases. */
  names?: readonly string[];
  /** --add-host, parsed. */
  extraHosts?: readonly ExtraHost[];
  /** What `host-gateway` stands for (the default bridge's gateway). */
  hostGateway?: string;
  /**
   * dns-wire: the gateway becomes known at start (bridge and user networks get it from their network
   * then): until that refresh, `host-gateway` entries are left out instead of refused.
   */
  hostGatewayAtStart?: boolean;
}

const DEFAULT_LINES = [
  "127.0.0.1\tlocalhost",
  "::1\tlocalhost ip6-localhost ip6-loopback",
  "fe00::0\tip6-localnet",
  "ff00::0\tip6-mcastprefix",
  "ff02::1\tip6-allnodes",
  "ff02::2\tip6-allrouters",
];

export function containerHosts(opts: HostsOptions): string {
  const lines = [...DEFAULT_LINES];
  for (const extra of opts.extraHosts ?? []) {
    const address = extra.address === HOST_GATEWAY ? opts.hostGateway : extra.address;
    if (address === undefined && opts.hostGatewayAtStart) continue; // dns-wire
    if (address === undefined) throw new UserError(`unable to derive the IP value for host-gateway (--add-host ${extra.name}:${HOST_GATEWAY})`);
    lines.push(`${address}\t${extra.name}`);
  }
  // "web.example.org" as hostname also answers to "web", as in Docker (hostname.domainname hostname).
  const short = opts.hostname.includes(".") ? [opts.hostname.split(".")[0]!] : [];
  const names = [...new Set([opts.hostname, ...short, ...(opts.names ?? [])])];
  for (const address of opts.addresses ?? []) lines.push(`${address}\t${names.join(" ")}`);
  return lines.join("\n") + "\n";
}

/**
 * `--add-host NAME:IP` (or NAME=IP, as Docker 25 also accepts); IPv6 as `name:::1` or `name:[::1]`; the IP
 * may be `host-gateway`. Docker's messages.
 */
export function parseExtraHost(spec: string): ExtraHost {
  const sep = /[:=]/.exec(spec);
  const bad = () => new UserError(`invalid argument "${spec}" for "--add-host" flag: bad format for add-host: "${spec}"`);
  if (!sep) throw bad();
  const name = spec.slice(0, sep.index);
  let address = spec.slice(sep.index + 1);
  if (name === "" || /[\s#]/.test(name)) throw bad();
  if (address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
  if (address === HOST_GATEWAY) return { name, address };
  if (!isIP(address)) throw new UserError(`invalid argument "${spec}" for "--add-host" flag: invalid IP address in add-host: "${address}"`);
  return { name, address: canonicalAddress(address)! };
}
