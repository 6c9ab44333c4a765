// net-finish: accept rules in the host firewall's own filter chains, for hosts whose policy drops what
// minibox needs (ufw: INPUT and FORWARD DROP in iptables and ip6tables; Docker: FORWARD DROP). In
// nftables a packet dropped by *any* base chain is dropped, so accepting in our table is not enough:
//  - INPUT (ip and ip6): a user network's DNS server on its gateways, UDP and TCP port 53, in from its
//    own bridge only (the rest of INPUT stays the host's business, as with Docker and netavark);
//  - ip6 FORWARD: the same three accepts firewall.ts puts in `ip filter FORWARD`, for IPv6 networks.
// Only chains that exist are touched, never their policy; our rules carry the comment minibox:<table>
// and are replaced whole on every rebuild of the table (so the last network's removal removes them).
// They go through iptables/ip6tables when installed (chains iptables-nft manages must stay readable by
// it, see firewall.ts), else as native nft rules.
import { nftRun, NftError } from "../sys/nftables.ts";
import { UserError } from "../errors.ts";
import type { NetworkRecord } from "./store.ts";

type Family = "ip" | "ip6";
type Chain = "INPUT" | "FORWARD";

/** One accept rule, in both spellings. */
export interface AcceptRule { nft: string; iptables: string[] }

const q = (s: string) => JSON.stringify(s);

/** The accept rules minibox wants in `<family> filter <chain>` for these networks (without the comment). */
export function hostFilterAccepts(family: Family, chain: Chain, networks: readonly NetworkRecord[]): AcceptRule[] {
  const v6 = family === "ip6";
  const relevant = networks.filter((n) => !v6 || n.ipv6 !== undefined);
  if (chain === "INPUT") {
    return relevant.filter((n) => n.name !== "bridge").flatMap((n) => (["udp", "tcp"] as const).map((proto) => ({
      nft: `iifname ${q(n.bridge)} ${proto} dport 53 accept`,
      iptables: ["-i", n.bridge, "-p", proto, "--dport", "53"],
    })));
  }
  if (!v6) return []; // ip FORWARD: firewall.ts
  return relevant.flatMap((n): AcceptRule[] => n.internal
    ? [{ nft: `iifname ${q(n.bridge)} oifname ${q(n.bridge)} accept`, iptables: ["-i", n.bridge, "-o", n.bridge] }]
    : [
      { nft: `iifname ${q(n.bridge)} accept`, iptables: ["-i", n.bridge] },
      { nft: `oifname ${q(n.bridge)} ct state related,established accept`, iptables: ["-o", n.bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED"] },
      { nft: `oifname ${q(n.bridge)} ct status dnat accept`, iptables: ["-o", n.bridge, "-m", "conntrack", "--ctstate", "DNAT"] },
    ]);
}

const CHAINS: readonly [Family, Chain][] = [["ip", "INPUT"], ["ip6", "INPUT"], ["ip6", "FORWARD"]];

/** Replaces our rules in every such chain that exists with what `networks` need (none: all removed). */
export function applyHostFilterAccepts(table: string, networks: readonly NetworkRecord[], hasBinary: (name: string) => boolean = (name) => Bun.which(name) !== null): void {
  const tag = `minibox:${table}`;
  for (const [family, chain] of CHAINS) {
    const state = chainState(family, chain, tag);
    if (!state.exists) continue;
    const wanted = hostFilterAccepts(family, chain, networks);
    const binary = family === "ip" ? "iptables" : "ip6tables";
    if (hasBinary(binary)) {
      const listed = run(binary, ["-S", chain]).split("\n");
      for (const args of ourIptablesRules(listed, chain, tag)) run(binary, ["-D", ...args]);
      for (const r of wanted) run(binary, ["-I", chain, ...r.iptables, "-m", "comment", "--comment", tag, "-j", "ACCEPT"]);
    } else if (state.handles.length > 0 || wanted.length > 0) {
      nft([
        ...state.handles.map((h) => `delete rule ${family} filter ${chain} handle ${h}`),
        ...wanted.map((r) => `insert rule ${family} filter ${chain} ${r.nft} comment ${q(tag)}`),
      ].join("\n"));
    }
  }
}

/**
 * Our rules in an `iptables -S CHAIN` listing, as arguments for `-D`. iptables quotes the comment
 * ("minibox:x" has a colon: --comment "minibox:x"); our rules hold no other quotes or blanks.
 */
export function ourIptablesRules(listing: readonly string[], chain: string, tag: string): string[][] {
  const mine = (l: string) => l.startsWith(`-A ${chain} `) && /--comment "?([^"\s]+)"?(\s|$)/.exec(l)?.[1] === tag;
  return listing.filter(mine).map((line) => line.slice(3).trim().split(/\s+/).map((w) => w.replace(/^"(.*)"$/, "$1")));
}

function chainState(family: Family, chain: Chain, tag: string): { exists: boolean; handles: number[] } {
  let out: string;
  try {
    out = nftRun(`list chain ${family} filter ${chain}`, { json: true, handles: true });
  } catch (e) {
    if (e instanceof NftError && /No such file or directory/.test(e.detail)) return { exists: false, handles: [] };
    throw e;
  }
  const items = (JSON.parse(out) as { nftables: { rule?: { handle: number; comment?: string } }[] }).nftables;
  return { exists: true, handles: items.flatMap((i) => (i.rule?.comment === tag ? [i.rule.handle] : [])) };
}

function nft(script: string): void {
  try {
    nftRun(script);
  } catch (e) {
    if (e instanceof NftError) throw new UserError(`failed to set up the firewall for container networking: ${e.message}`);
    throw e;
  }
}

function run(binary: string, args: string[]): string {
  const r = Bun.spawnSync([binary, "-w", "-t", "filter", ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new UserError(`failed to set up the firewall for container networking: ${binary} ${args.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}
