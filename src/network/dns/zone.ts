// The names a network's DNS server answers itself: containers by name, short id (12 hex) and alias, with
// or without the network's domain, and the reverse (PTR) names of their addresses. Everything else is
// the upstreams' business, except unknown names inside the network's own domain (NXDOMAIN).
import { canonicalName, CLASS_IN, RCODE, TYPE, type ResourceRecord } from "./codec.ts";
import { addressOfReverseName, canonicalAddress, parseIPv4, parseIPv6 } from "./address.ts";

export interface NameEntry {
  /** The container's name (without Docker's leading "/"). */
  name: string;
  /** The full container id: its first 12 characters resolve too. */
  id?: string;
  /** --network-alias values; several containers may share one (all their addresses are answered). */
  aliases?: readonly string[];
  ipv4?: readonly string[];
  ipv6?: readonly string[];
}
export type NameTable = readonly NameEntry[];

/** Containers come and go: answers must not be cached for long (aardvark-dns also answers with ttl 0). */
export const LOCAL_TTL = 0;

export type LocalAnswer =
  | { kind: "answer"; rcode: number; answers: ResourceRecord[] }
  | { kind: "forward" };

export class ZoneIndex {
  private readonly byName = new Map<string, NameEntry[]>();
  private readonly byAddress = new Map<string, NameEntry>();
  private readonly domain: string | undefined;

  constructor(table: NameTable, domain?: string) {
    this.domain = domain ? canonicalName(domain) : undefined;
    for (const entry of table) {
      const keys = new Set([entry.name, ...(entry.aliases ?? [])].map(canonicalName));
      if (entry.id && entry.id.length >= 12) keys.add(canonicalName(entry.id.slice(0, 12)));
      for (const key of keys) {
        if (key === "") continue;
        const list = this.byName.get(key) ?? [];
        list.push(entry);
        this.byName.set(key, list);
      }
      for (const address of [...(entry.ipv4 ?? []), ...(entry.ipv6 ?? [])]) {
        const canonical = canonicalAddress(address);
        if (canonical && !this.byAddress.has(canonical)) this.byAddress.set(canonical, entry);
      }
    }
  }

  lookup(qname: string, qtype: number): LocalAnswer {
    const name = canonicalName(qname);
    const reverse = addressOfReverseName(name);
    if (reverse !== undefined) {
      const owner = this.byAddress.get(reverse);
      if (!owner) return { kind: "forward" };
      if (qtype !== TYPE.PTR && qtype !== TYPE.ANY) return { kind: "answer", rcode: RCODE.NOERROR, answers: [] };
      const target = this.domain ? `${owner.name}.${this.domain}` : owner.name;
      return { kind: "answer", rcode: RCODE.NOERROR, answers: [record(qname, TYPE.PTR, { kind: "name", name: target })] };
    }
    let key = name;
    let inDomain = false;
    if (this.domain) {
      if (name === this.domain) return { kind: "answer", rcode: RCODE.NOERROR, answers: [] };
      if (name.endsWith(`.${this.domain}`)) {
        key = name.slice(0, -(this.domain.length + 1));
        inDomain = true;
      }
    }
    const entries = this.byName.get(key);
    // Docker forwards unknown names, single-label ones included; only the network's own domain is ours.
    if (!entries) return inDomain ? { kind: "answer", rcode: RCODE.NXDOMAIN, answers: [] } : { kind: "forward" };
    const answers: ResourceRecord[] = [];
    for (const entry of entries) {
      if (qtype === TYPE.A || qtype === TYPE.ANY) {
        for (const a of entry.ipv4 ?? []) {
          const bytes = parseIPv4(a);
          if (bytes) answers.push(record(qname, TYPE.A, { kind: "bytes", bytes }));
        }
      }
      if (qtype === TYPE.AAAA || qtype === TYPE.ANY) {
        for (const a of entry.ipv6 ?? []) {
          const bytes = parseIPv6(a);
          if (bytes) answers.push(record(qname, TYPE.AAAA, { kind: "bytes", bytes }));
        }
      }
    }
    // A known name without an address of the asked type: NOERROR and no data (RFC 2308 §2.2), not NXDOMAIN.
    return { kind: "answer", rcode: RCODE.NOERROR, answers };
  }
}

function record(name: string, type: number, data: ResourceRecord["data"]): ResourceRecord {
  return { name, type, class: CLASS_IN, ttl: LOCAL_TTL, data };
}
