// minibox's nftables rules, rebuilt whole from the records on every change (one atomic transaction), so
// that they are exactly what the live endpoints need: nothing left over after a crash, nothing missing.
// One table of our own (`inet minibox`, see NetworkStore.table); the only rules outside it are accept rules in
// iptables-nft's `ip filter FORWARD` chain when that chain exists (Docker sets its policy to DROP), tagged
// with a comment so that exactly ours are replaced.
import { writeFileSync } from "node:fs";
import { nftRun, NftError } from "../sys/nftables.ts";
import { UserError } from "../errors.ts";
import type { Endpoint, NetworkRecord } from "./store.ts";

const q = (s: string) => JSON.stringify(s); // nft accepts double-quoted strings

/** The table's full text for these networks and endpoints; empty when nothing needs a rule. */
export function renderTable(table: string, networks: readonly NetworkRecord[], endpoints: readonly Endpoint[]): string {
  const used = networks.filter((n) => endpoints.some((e) => e.attachments.some((a) => a.network === n.id)));
  if (used.length === 0) return "";
  const forward: string[] = [], post: string[] = [], published: string[] = [];
  for (const n of used) {
    const br = q(n.bridge);
    // Isolation: nothing crosses from one of our networks to another.
    for (const other of used) if (other !== n) forward.push(`iifname ${br} oifname ${q(other.bridge)} drop`);
    if (n.internal) {
      forward.push(`iifname ${br} oifname != ${br} drop`, `oifname ${br} iifname != ${br} drop`);
    } else {
      post.push(`ip saddr ${n.subnet} oifname != ${br} masquerade`);
    }
    // Published ports reached from the host's loopback (route_localnet) or by a container of the same
    // network (hairpin): the reply must come back through us, so the source becomes the gateway.
    post.push(`oifname ${br} ip saddr 127.0.0.0/8 masquerade`, `oifname ${br} ip saddr ${n.subnet} ct status dnat masquerade`);
  }
  for (const e of endpoints) {
    const target = e.attachments.find((a) => used.some((n) => n.id === a.network));
    if (!target) continue;
    for (const p of e.ports) {
      const daddr = p.hostIp && !p.hostIp.includes(":") ? `ip daddr ${p.hostIp} ` : "meta nfproto ipv4 ";
      if (p.hostIp.includes(":")) continue; // IPv6 host addresses: not published (docs/networking.md)
      published.push(`${daddr}${p.protocol} dport ${p.hostPort} dnat ip to ${target.ip}:${p.containerPort} comment ${q(e.containerId)}`);
    }
  }
  const chain = (name: string, hook: string, rules: string[]) => `  chain ${name} {\n${hook ? `    ${hook}\n` : ""}${rules.map((r) => `    ${r}\n`).join("")}  }\n`;
  return `table inet ${table} {\n` +
    chain("forward", "type filter hook forward priority filter; policy accept;", forward) +
    chain("postrouting", "type nat hook postrouting priority srcnat; policy accept;", post) +
    chain("prerouting", "type nat hook prerouting priority dstnat; policy accept;", ["fib daddr type local jump published"]) +
    chain("output", "type nat hook output priority -100; policy accept;", ["fib daddr type local jump published"]) +
    chain("published", "", published) +
    "}\n";
}

/** Accept rules for iptables' FORWARD chain (Docker's DROP policy), one set per used network. */
export function renderForwardAccepts(table: string, networks: readonly NetworkRecord[], endpoints: readonly Endpoint[]): string[] {
  const tag = q(`minibox:${table}`);
  return networks.filter((n) => endpoints.some((e) => e.attachments.some((a) => a.network === n.id))).flatMap((n) => {
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

interface NftJsonRule { rule?: { family: string; table: string; chain: string; handle: number; comment?: string } }
interface NftJsonTable { table?: { family: string; name: string } }

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

function tableExists(table: string): boolean {
  const items = (JSON.parse(nftRun("list tables inet", { json: true })) as { nftables: NftJsonTable[] }).nftables;
  return items.some((i) => i.table?.name === table);
}

/** Replaces our rules with the ones these records need, in one transaction. */
export function applyFirewall(table: string, networks: readonly NetworkRecord[], endpoints: readonly Endpoint[]): void {
  const body = renderTable(table, networks, endpoints);
  const forward = forwardChainState(table);
  const script = [
    ...(tableExists(table) ? [`delete table inet ${table}`] : []),
    ...forward.handles.map((h) => `delete rule ip filter FORWARD handle ${h}`),
    ...(forward.exists && body ? renderForwardAccepts(table, networks, endpoints) : []),
    body,
  ].join("\n");
  if (!script.trim()) return;
  try {
    nftRun(script);
  } catch (e) {
    if (e instanceof NftError) throw new UserError(`failed to set up the firewall for container networking: ${e.message}`);
    throw e;
  }
  if (body) enableForwarding(networks, endpoints);
}

/** ip_forward for routing out of the bridges, route_localnet on them for DNAT from 127.0.0.1. */
function enableForwarding(networks: readonly NetworkRecord[], endpoints: readonly Endpoint[]): void {
  writeFileSync("/proc/sys/net/ipv4/ip_forward", "1");
  for (const n of networks) {
    if (!endpoints.some((e) => e.attachments.some((a) => a.network === n.id))) continue;
    try {
      writeFileSync(`/proc/sys/net/ipv4/conf/${n.bridge}/route_localnet`, "1");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // bridge gone meanwhile
    }
  }
}
