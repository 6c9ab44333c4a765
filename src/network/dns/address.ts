// IP address text ↔ bytes, and the reverse-lookup names of RFC 1035 §3.5 (in-addr.arpa) and RFC 3596 §2.5
// (ip6.arpa). Strict: what is not an address is undefined, never a guess.

export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.includes("%")) return undefined; // zone ids are not addresses we can answer with
  let head = text;
  let v4tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(":");
  if (lastColon >= 0 && text.slice(lastColon + 1).includes(".")) {
    v4tail = parseIPv4(text.slice(lastColon + 1));
    if (!v4tail) return undefined;
    head = text.slice(0, lastColon + 1) + "0:0"; // placeholder groups, replaced below
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const total = left.length + right.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...left, ...Array<string>(8 - total).fill("0"), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  }
  if (v4tail) out.set(v4tail, 12);
  return out;
}

export function isIPv4(text: string): boolean { return parseIPv4(text) !== undefined; }
export function isIPv6(text: string): boolean { return parseIPv6(text) !== undefined; }
export function isIP(text: string): boolean { return isIPv4(text) || isIPv6(text); }

export function formatIPv4(b: Uint8Array): string { return Array.from(b).join("."); }

/** RFC 5952 text: lower case, longest run (≥ 2) of zero groups as "::". */
export function formatIPv6(b: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let bestAt = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(":");
  return `${hex.slice(0, bestAt).join(":")}::${hex.slice(bestAt + bestLen).join(":")}`;
}

/** The canonical text of an address (so "fd00:0::1" and "fd00::1" compare equal), or undefined. */
export function canonicalAddress(text: string): string | undefined {
  const v4 = parseIPv4(text);
  if (v4) return formatIPv4(v4);
  const v6 = parseIPv6(text);
  return v6 ? formatIPv6(v6) : undefined;
}

export function isLoopback(text: string): boolean {
  const v4 = parseIPv4(text);
  if (v4) return v4[0] === 127;
  const v6 = parseIPv6(text);
  return v6 !== undefined && v6.every((b, i) => b === (i === 15 ? 1 : 0));
}

/** "4.3.2.1.in-addr.arpa" for 1.2.3.4; nibble form under ip6.arpa for IPv6. */
export function reverseName(address: string): string | undefined {
  const v4 = parseIPv4(address);
  if (v4) return `${Array.from(v4).reverse().join(".")}.in-addr.arpa`;
  const v6 = parseIPv6(address);
  if (!v6) return undefined;
  const nibbles: string[] = [];
  for (const byte of v6) nibbles.push((byte >> 4).toString(16), (byte & 0xf).toString(16));
  return `${nibbles.reverse().join(".")}.ip6.arpa`;
}

/** The address a full reverse name stands for (canonical text), or undefined (partial or not reverse). */
export function addressOfReverseName(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/\.$/, "");
  if (lower.endsWith(".in-addr.arpa")) {
    const labels = lower.slice(0, -".in-addr.arpa".length).split(".");
    if (labels.length !== 4) return undefined;
    const v4 = parseIPv4(labels.reverse().join("."));
    return v4 ? formatIPv4(v4) : undefined;
  }
  if (lower.endsWith(".ip6.arpa")) {
    const labels = lower.slice(0, -".ip6.arpa".length).split(".");
    if (labels.length !== 32 || !labels.every((l) => /^[0-9a-f]$/.test(l))) return undefined;
    const hex = labels.reverse().join("");
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return formatIPv6(bytes);
  }
  return undefined;
}
