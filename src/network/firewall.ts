// minibox's nftables rules, always derived whole from the records, in two layers so that a container
// start costs no firewall work unless it publishes ports:
//  - network rules (masquerade, isolation, --internal, the hooks): rebuilt as one transaction when a
//    network is created, removed, or its bridge had to be created (first use, after a reboot);
//  - the `published` chain (DNAT of every live published port): flushed and refilled in one transaction
//    when a container with ports starts or goes.
// One table of our own (`inet minibox`, see NetworkStore.table); the only rules outside it are accept
// rules in iptables-nft's `ip filter FORWARD` chain when that chain exists (Docker sets its policy to
// DROP), tagged with a comment so that exactly ours are replaced.
import { writeFileSync } from "node:fs";
import { nftRun, NftError } from "../sys/nftables.ts";
import { UserError } from "../errors.ts";
import type { Endpoint, NetworkRecord } from "./store.ts";
import { applyHostFilterAccepts, ourIptablesRules } from "./host-filter.ts";

const q = (s: string) => JSON.stringify(s); // nft accepts double-quoted strings

/**
 * DNAT rules for the live endpoints' published ports. A port on every address goes to the container's
 * IPv4 address, and also to its IPv6 one when its network has IPv6 (net-finish); a port on one host
 * address goes to the container's address of that family (an IPv6 host address without a container IPv6
 * address is refused at start, see checkPortFamilies).
 */
export function renderPublished(networks: readonly NetworkRecord[], endpoints: readonly Endpoint[]): string[] {
  const out: string[] = [];
  for (const e of endpoints) {
    const target = e.attachments.find((a) => networks.some((n) => n.id === a.network));
    if (!target) continue;
    for (const p of e.ports) {
      const to4 = `dnat ip to ${target.ip}:${p.containerPort} comment ${q(e.containerId)}`;
      const to6 = target.ipv6 ? `dnat ip6 to [${target.ipv6}]:${p.containerPort} comment ${q(e.containerId)}` : undefined;
      const match = `${p.protocol} dport ${p.hostPort}`;
      if (p.hostIp === "" || p.hostIp === "0.0.0.0") {
        out.push(`meta nfproto ipv4 ${match} ${to4}`);
        // 0.0.0.0 asks for IPv4 only. ::1 is left out: see "IPv6" in docs/networking.md (the kernel drops
        // the container's reply once it is translated back to ::1, so a DNAT there only hangs the client).
        if (to6 && p.hostIp === "") out.push(`ip6 daddr != ::1 ${match} ${to6}`);
      } else if (!p.hostIp.includes(":")) {
        out.push(`ip daddr ${p.hostIp} ${match} ${to4}`);
      } else if (to6) {
        out.push(`${p.hostIp === "::" ? "ip6 daddr != ::1" : `ip6 daddr ${p.hostIp}`} ${match} ${to6}`);
      }
    }
  }
  return out;
}

/** The table's full text; empty when the store has no network (then the table must not exist). */
export function renderTable(table: string, networks: readonly NetworkRecord[], endpoints: readonly Endpoint[]): string {
  if (networks.length === 0) return "";
  const forward: string[] = [], post: string[] = [];
  for (const n of networks) {
    const br = q(n.bridge);
    // Isolation: nothing crosses from one of our networks to another.
    for (const other of networks) if (other !== n) forward.push(`iifname ${br} oifname ${q(other.bridge)} drop`);
    if (n.internal) {
      forward.push(`iifname ${br} oifname != ${br} drop`, `oifname ${br} iifname != ${br} drop`);
    } else {
      post.push(`ip saddr ${n.subnet} oifname != ${br} masquerade`);
      if (n.ipv6) post.push(`ip6 saddr ${n.ipv6.subnet} oifname != ${br} masquerade`); // NAT66, as Docker's ip6tables mode
    }
    // Published ports reached from the host's loopback (route_localnet) or by a container of the same
    // network (hairpin): the reply must come back through us, so the source becomes the gateway.
    post.push(`oifname ${br} ip saddr 127.0.0.0/8 masquerade`, `oifname ${br} ip saddr ${n.subnet} ct status dnat masquerade`);
    // net-finish: hairpin for IPv6 (no loopback rule: ::1 cannot be published, see renderPublished).
    if (n.ipv6) post.push(`oifname ${br} ip6 saddr ${n.ipv6.subnet} ct status dnat masquerade`);
  }
  // dns-wire: a user network's DNS server (its gateway, port 53) answers its own bridge only — and the
  // host itself (lo): containers of other networks reach the gateway as a local address, through INPUT,
  // where the isolation rules above do not apply. Nothing outside may use it as an open resolver either.
  const input = networks.filter((n) => n.name !== "bridge").flatMap((n) => [
    `iifname != ${q(n.bridge)} iifname != "lo" ip daddr ${n.gateway} meta l4proto { tcp, udp } th dport 53 drop`,
    // net-finish: the server listens on the IPv6 gateway too
    ...(n.ipv6 ? [`iifname != ${q(n.bridge)} iifname != "lo" ip6 daddr ${n.ipv6.gateway} meta l4proto { tcp, udp } th dport 53 drop`] : []),
  ]);
  const chain = (name: string, hook: string, rules: string[]) => `  chain ${name} {\n${hook ? `    ${hook}\n` : ""}${rules.map((r) => `    ${r}\n`).join("")}  }\n`;
  return `table inet ${table} {\n` +
    chain("forward", "type filter hook forward priority filter; policy accept;", forward) +
    chain("input", "type filter hook input priority filter; policy accept;", input) + // dns-wire
    chain("postrouting", "type nat hook postrouting priority srcnat; policy accept;", post) +
    chain("prerouting", "type nat hook prerouting priority dstnat; policy accept;", ["fib daddr type local jump published"]) +
    chain("output", "type nat hook output priority -100; policy accept;", ["fib daddr type local jump published"]) +
    chain("published", "", renderPublished(networks, endpoints)) +
    "}\n";
}

/** Accept rules for iptables' FORWARD chain (Docker's DROP policy), one set per network. */
export function renderForwardAccepts(table: string, networks: readonly NetworkRecord[]): string[] {
  const tag = q(`minibox:${table}`);
  return networks.flatMap((n) => {
    const br = q(n.bridge);
    return n.internal
      ? [`insert rule ip filter FORWARD iifname ${br} oifname ${br} accept comment ${tag}`]
      : [
        `insert rule ip filter FORWARD iifname ${br} accept comment ${tag}`,
        `insert rule ip filter FORWARD oifname ${br} ct state related,established accept comment ${tag}`,
        // Published ports: new connections that our prerouting DNAT sent to a container.
        `insert rule ip filter FORWARD oifname ${br} ct status dnat accept comment ${tag}`,
      ];
  });
}

interface NftJsonRule { rule?: { handle: number; comment?: string } }

/** Our rules currently in `ip filter FORWARD` (by comment), and whether that chain exists at all. */
function forwardChainState(table: string): { exists: boolean; handles: number[] } {
  let out: string;
  try {
    out = nftRun("list chain ip filter FORWARD", { json: true, handles: true });
  } catch (e) {
    if (e instanceof NftError && /No such file or directory/.test(e.detail)) return { exists: false, handles: [] };
    throw e;
  }
  const items = (JSON.parse(out) as { nftables: NftJsonRule[] }).nftables;
  return { exists: true, handles: items.flatMap((i) => (i.rule?.comment === `minibox:${table}` ? [i.rule.handle] : [])) };
}

function run(script: string): void {
  try {
    nftRun(script);
  } catch (e) {
    if (e instanceof NftError) throw new UserError(`failed to set up the firewall for container networking: ${e.message}`);
    throw e;
  }
}

/**
 * Replaces the whole table (and our FORWARD accepts) with what these records need. The table is one
 * transaction. The FORWARD accepts go through the `iptables` binary when it is there: a chain iptables-nft
 * manages must only hold rules iptables can read back, or Docker's own iptables calls on it fail
 * ("chain is incompatible, use 'nft' tool"); that is how netavark does it too.
 */
export function applyNetworkRules(table: string, networks: readonly NetworkRecord[], endpoints: readonly Endpoint[]): void {
  const body = renderTable(table, networks, endpoints);
  const forward = forwardChainState(table);
  const viaIptables = forward.exists && iptablesAvailable();
  run([
    // "table … {}" first makes the delete valid whether or not the table exists (no listing needed).
    `table inet ${table} {}`,
    `delete table inet ${table}`,
    ...forward.handles.map((h) => `delete rule ip filter FORWARD handle ${h}`),
    ...(forward.exists && !viaIptables ? renderForwardAccepts(table, networks) : []),
    body,
  ].join("\n"));
  if (viaIptables) replaceIptablesAccepts(table, networks);
  applyHostFilterAccepts(table, networks); // net-finish: INPUT (DNS) and ip6 FORWARD under ufw-like policies
  if (body) enableForwarding(networks);
}

/** The FORWARD accepts as iptables arguments (-I …), tagged with an iptables comment. */
export function iptablesAccepts(table: string, networks: readonly NetworkRecord[]): string[][] {
  const tag = ["-m", "comment", "--comment", `minibox:${table}`];
  return networks.flatMap((n) => n.internal
    ? [["-I", "FORWARD", "-i", n.bridge, "-o", n.bridge, ...tag, "-j", "ACCEPT"]]
    : [
      ["-I", "FORWARD", "-i", n.bridge, ...tag, "-j", "ACCEPT"],
      ["-I", "FORWARD", "-o", n.bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", ...tag, "-j", "ACCEPT"],
      ["-I", "FORWARD", "-o", n.bridge, "-m", "conntrack", "--ctstate", "DNAT", ...tag, "-j", "ACCEPT"],
    ]);
}

function iptablesAvailable(): boolean {
  return Bun.which("iptables") !== null;
}

function iptables(args: string[]): string {
  const r = Bun.spawnSync(["iptables", "-w", "-t", "filter", ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new UserError(`failed to set up the firewall for container networking: iptables ${args.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

function replaceIptablesAccepts(table: string, networks: readonly NetworkRecord[]): void {
  // net-finish: iptables -S prints the comment quoted ("minibox:x"), which the old match missed.
  for (const args of ourIptablesRules(iptables(["-S", "FORWARD"]).split("\n"), "FORWARD", `minibox:${table}`)) iptables(["-D", ...args]);
  for (const args of iptablesAccepts(table, networks)) iptables(args);
}

/** Refills the published chain; rebuilds everything when the table is missing (a flushed ruleset). */
export function applyPublished(table: string, networks: readonly NetworkRecord[], endpoints: readonly Endpoint[]): void {
  if (networks.length === 0) return;
  try {
    nftRun([`flush chain inet ${table} published`, ...renderPublished(networks, endpoints).map((r) => `add rule inet ${table} published ${r}`)].join("\n"));
  } catch (e) {
    if (!(e instanceof NftError && /No such file or directory/.test(e.detail))) {
      if (e instanceof NftError) throw new UserError(`failed to set up the firewall for container networking: ${e.message}`);
      throw e;
    }
    applyNetworkRules(table, networks, endpoints);
  }
}

/** ip_forward for routing out of the bridges, route_localnet on them for DNAT from 127.0.0.1. */
function enableForwarding(networks: readonly NetworkRecord[]): void {
  writeFileSync("/proc/sys/net/ipv4/ip_forward", "1");
  if (networks.some((n) => n.ipv6)) writeFileSync("/proc/sys/net/ipv6/conf/all/forwarding", "1");
  for (const n of networks) {
    try {
      writeFileSync(`/proc/sys/net/ipv4/conf/${n.bridge}/route_localnet`, "1");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // bridge not created yet: set when it is
    }
  }
}
