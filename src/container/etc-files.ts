// The per-container /etc/hostname, /etc/hosts and /etc/resolv.conf, bind-mounted over the image's, and
// etc.json: the flags they were made from (for inspect, and to write them again when networks change).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { containerHosts, parseExtraHost, type HostsOptions } from "../network/hosts.ts";
import { containerResolvConf, readHostResolvConf, type DnsFlags, type ResolvConfOptions } from "../network/resolv.ts";

export interface EtcFiles { hostnameFile: string; hostsFile: string; resolvConf: string }

/** What the user asked for (Docker's HostConfig.Dns, DnsSearch, DnsOptions, ExtraHosts). */
export interface EtcConfig extends DnsFlags {
  /** --add-host as given ("name:ip"). */
  extraHosts?: readonly string[];
}

/** What the network side knows when it writes the files (nothing yet for a container with only lo). */
export interface NetworkFacts extends Pick<HostsOptions, "addresses" | "names" | "hostGateway" | "hostGatewayAtStart">, Pick<ResolvConfOptions, "ipv6" | "networkDns"> {}

export const ETC_CONFIG_FILE = "etc.json";

export function writeEtcFiles(dir: string, hostname: string, config: EtcConfig = {}, network: NetworkFacts = {}): EtcFiles {
  const files = { hostnameFile: join(dir, "hostname"), hostsFile: join(dir, "hosts"), resolvConf: join(dir, "resolv.conf") };
  // Everything is computed before anything is written: a bad --add-host leaves no file behind.
  const hosts = containerHosts({ hostname, ...network, extraHosts: (config.extraHosts ?? []).map(parseExtraHost) });
  const resolv = containerResolvConf(readHostResolvConf(), { ...config, ipv6: network.ipv6, networkDns: network.networkDns });
  writeFileSync(files.hostnameFile, `${hostname}\n`);
  writeFileSync(files.hostsFile, hosts);
  writeFileSync(files.resolvConf, resolv);
  writeFileSync(join(dir, ETC_CONFIG_FILE), JSON.stringify(config));
  return files;
}

/**
 * After the container's networks changed (connect, disconnect, start on a bridge): /etc/hosts and
 * /etc/resolv.conf again from the recorded flags. Written in place — same inode — because they are bind
 * mounts in a running container, which a rename would leave pointing at the old file (Docker does the same).
 */
export function refreshEtcFiles(dir: string, hostname: string, network: NetworkFacts): void {
  const config = readEtcConfig(dir);
  const hosts = containerHosts({ hostname, ...network, extraHosts: (config.extraHosts ?? []).map(parseExtraHost) });
  const resolv = containerResolvConf(readHostResolvConf(), { ...config, ipv6: network.ipv6, networkDns: network.networkDns });
  writeFileSync(join(dir, "hosts"), hosts);
  writeFileSync(join(dir, "resolv.conf"), resolv);
}

/** The flags recorded at create; {} for containers made before they were recorded. */
export function readEtcConfig(dir: string): EtcConfig {
  try {
    return JSON.parse(readFileSync(join(dir, ETC_CONFIG_FILE), "utf8")) as EtcConfig;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw e;
  }
}
