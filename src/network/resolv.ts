// A container's /etc/resolv.conf, by Docker's rules: the host's file (systemd-resolved's real one when
// /etc/resolv.conf only names its 127.0.0.53 stub), loopback nameservers removed (unreachable from the
// container's network namespace) and IPv6 ones too when the network has no IPv6, Docker's public
// defaults when nothing is left; --dns, --dns-search and --dns-option replace their parts. On a user
// network the one nameserver is the network's DNS server, which forwards to the upstreams given here.
import { readFileSync } from "node:fs";
import { UserError } from "../errors.ts";
import { isIP, isIPv6, isLoopback } from "./dns/address.ts";

export const HOST_RESOLV_CONF = "/etc/resolv.conf";
export const SYSTEMD_RESOLVED_CONF = "/run/systemd/resolve/resolv.conf";
const SYSTEMD_STUB = "127.0.0.53";
export const DEFAULT_NAMESERVERS_V4 = ["8.8.8.8", "8.8.4.4"];
export const DEFAULT_NAMESERVERS_V6 = ["2001:4860:4860::8888", "2001:4860:4860::8844"];

export interface DnsFlags {
  /** --dns: nameservers (on a user network: the network DNS server's upstreams). */
  dns?: readonly string[];
  /** --dns-search; "." alone means no search list. */
  dnsSearch?: readonly string[];
  /** --dns-option */
  dnsOptions?: readonly string[];
}

export interface ResolvConfOptions extends DnsFlags {
  /** The network has IPv6: keep the host's IPv6 nameservers. */
  ipv6?: boolean;
  /** On a user network: the address(es) of its DNS server, the container's only nameservers. */
  networkDns?: string | readonly string[];
}

export interface ResolvConf { nameservers: string[]; search: string[]; options: string[]; other: string[] }

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [], other: [] };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const [keyword, ...fields] = line.trim().split(/\s+/);
    if (keyword === "nameserver" && fields[0] !== undefined) out.nameservers.push(fields[0]);
    else if (keyword === "search") out.search = fields; // the last search (or domain) line wins, as in glibc
    else if (keyword === "domain" && fields[0] !== undefined) out.search = [fields[0]];
    else if (keyword === "options") out.options.push(...fields);
    else if (line.trim() !== "") out.other.push(line);
  }
  return out;
}

/** Which host file to start from: systemd-resolved's own list when /etc/resolv.conf names only its stub. */
export function hostResolvConfPath(readText: (path: string) => string | undefined = readOptional): string {
  const main = readText(HOST_RESOLV_CONF);
  if (main === undefined) return HOST_RESOLV_CONF;
  const servers = parseResolvConf(main).nameservers;
  return servers.length > 0 && servers.every((s) => s === SYSTEMD_STUB) && readText(SYSTEMD_RESOLVED_CONF) !== undefined
    ? SYSTEMD_RESOLVED_CONF : HOST_RESOLV_CONF;
}

/** The host's resolv.conf text ("" when there is none, as in a minimal chroot). */
export function readHostResolvConf(readText: (path: string) => string | undefined = readOptional): string {
  return readText(hostResolvConfPath(readText)) ?? "";
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** The container's file from the host's text and the flags. */
export function containerResolvConf(hostText: string, opts: ResolvConfOptions = {}): string {
  const host = parseResolvConf(hostText);
  let nameservers: string[];
  if (opts.networkDns !== undefined) {
    nameservers = typeof opts.networkDns === "string" ? [opts.networkDns] : [...opts.networkDns];
  } else if (opts.dns && opts.dns.length > 0) {
    nameservers = [...opts.dns];
  } else {
    nameservers = host.nameservers.filter((ns) => !isLoopback(ns) && (opts.ipv6 === true || !isIPv6(ns)));
    if (nameservers.length === 0) nameservers = [...DEFAULT_NAMESERVERS_V4, ...(opts.ipv6 ? DEFAULT_NAMESERVERS_V6 : [])];
  }
  const search = opts.dnsSearch && opts.dnsSearch.length > 0 ? opts.dnsSearch.filter((d) => d !== ".") : host.search;
  const options = opts.dnsOptions && opts.dnsOptions.length > 0 ? [...opts.dnsOptions] : host.options;
  const lines = [
    ...host.other,
    ...nameservers.map((ns) => `nameserver ${ns}`),
    ...(search.length > 0 ? [`search ${search.join(" ")}`] : []),
    ...(options.length > 0 ? [`options ${options.join(" ")}`] : []),
  ];
  return lines.join("\n") + "\n";
}

/**
 * Where a user network's DNS server forwards: --dns if given, else the host's nameservers — loopback ones
 * included, since the server runs in the host's network namespace — else Docker's defaults.
 */
export function dnsUpstreams(hostText: string, opts: DnsFlags = {}): string[] {
  if (opts.dns && opts.dns.length > 0) return [...opts.dns];
  const host = parseResolvConf(hostText).nameservers.filter(isIP);
  return host.length > 0 ? host : [...DEFAULT_NAMESERVERS_V4];
}

// ---------------------------------------------------------------------------------------------- flags

// Docker's validDomain (opts/opts.go): dot-separated labels of letters, digits and inner hyphens.
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*\.?$/;

const flagError = (value: string, flag: string, why: string) => new UserError(`invalid argument "${value}" for "${flag}" flag: ${why}`);

/** --dns, --dns-search and --dns-option as given, validated as Docker does. */
export function parseDnsFlags(dns: readonly string[], dnsSearch: readonly string[], dnsOptions: readonly string[]): { dns?: string[]; dnsSearch?: string[]; dnsOptions?: string[] } {
  for (const ip of dns) if (!isIP(ip)) throw flagError(ip, "--dns", `IP address is not correctly formatted: ${ip}`);
  for (const domain of dnsSearch) {
    if (domain === ".") continue;
    if (domain.length > 255 || !DOMAIN.test(domain)) throw flagError(domain, "--dns-search", `${domain} is not a valid domain`);
  }
  // Docker passes options through unchecked; a newline or space would smuggle extra lines or options in.
  for (const option of dnsOptions) {
    if (option === "" || /\s/.test(option)) throw flagError(option, "--dns-option", "an option is one word without blanks, e.g. ndots:2");
  }
  return {
    ...(dns.length > 0 ? { dns: [...dns] } : {}),
    ...(dnsSearch.length > 0 ? { dnsSearch: [...dnsSearch] } : {}),
    ...(dnsOptions.length > 0 ? { dnsOptions: [...dnsOptions] } : {}),
  };
}
