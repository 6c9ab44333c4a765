// The per-container /etc/hostname, /etc/hosts and /etc/resolv.conf, bind-mounted over the image's.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface EtcFiles { hostnameFile: string; hostsFile: string; resolvConf: string }

const HOSTS = `127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
ff00::0\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
`;

export function writeEtcFiles(dir: string, hostname: string): EtcFiles {
  const files = { hostnameFile: join(dir, "hostname"), hostsFile: join(dir, "hosts"), resolvConf: join(dir, "resolv.conf") };
  writeFileSync(files.hostnameFile, `${hostname}\n`);
  writeFileSync(files.hostsFile, HOSTS);
  writeFileSync(files.resolvConf, containerResolvConf(readHostResolvConf()));
  return files;
}

function readHostResolvConf(): string {
  try {
    return readFileSync("/etc/resolv.conf", "utf8");
  } catch {
    return "";
  }
}

/** Loopback resolvers of the host are unreachable from the container's network namespace: drop them. */
export function containerResolvConf(host: string): string {
  const lines = host.split("\n").filter((l) => !/^\s*nameserver\s+(127\.|::1(\s|$))/.test(l));
  return lines.join("\n").trimEnd() + "\n";
}
