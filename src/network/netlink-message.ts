// Encoding and decoding of rtnetlink messages (pure: no sockets), after linux/netlink.h, rtnetlink.h,
// if_link.h, if_addr.h. Attributes are 4-byte aligned TLVs; nested ones carry NLA_F_NESTED.

export const NLM_F = { REQUEST: 0x1, MULTI: 0x2, ACK: 0x4, DUMP: 0x300, REPLACE: 0x100, EXCL: 0x200, CREATE: 0x400 } as const;
export const NLMSG = { ERROR: 2, DONE: 3 } as const;
export const RTM = {
  NEWLINK: 16, DELLINK: 17, GETLINK: 18, NEWADDR: 20, DELADDR: 21, GETADDR: 22, NEWROUTE: 24, DELROUTE: 25, GETROUTE: 26,
} as const;
export const IFLA = { ADDRESS: 1, IFNAME: 3, MTU: 4, MASTER: 10, LINKINFO: 18, NET_NS_FD: 28 } as const;
export const IFLA_INFO = { KIND: 1, DATA: 2 } as const;
export const VETH_INFO_PEER = 1;
export const IFA = { ADDRESS: 1, LOCAL: 2 } as const;
export const RTA = { DST: 1, OIF: 4, GATEWAY: 5, TABLE: 15 } as const;
export const IFF_UP = 0x1;
/** IFA_F_NODAD: an IPv6 address usable at once, without duplicate address detection (ours are unique). */
export const IFA_F_NODAD = 0x02;
export const AF = { UNSPEC: 0, INET: 2, INET6: 10 } as const;
const NLA_TYPE_MASK = 0x3fff;

export const HEADER_SIZE = 16;

export type Attr = { type: number; data: Uint8Array };

const align = (n: number) => (n + 3) & ~3;

export function attr(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(align(4 + data.length));
  const view = new DataView(out.buffer);
  view.setUint16(0, 4 + data.length, true);
  view.setUint16(2, type, true);
  out.set(data, 4);
  return out;
}

export function nested(type: number, ...children: Uint8Array[]): Uint8Array {
  return attr(type, concat(children)); // without NLA_F_NESTED, as iproute2 (the kernel parses these as nested either way)
}

export const attrString = (type: number, s: string) => attr(type, new TextEncoder().encode(s + "\0"));
export function attrU32(type: number, v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return attr(type, b);
}
export const attrI32 = (type: number, v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v, true); return attr(type, b); };

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** struct ifinfomsg (16 bytes). */
export function ifinfomsg(o: { family?: number; index?: number; flags?: number; change?: number } = {}): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint8(0, o.family ?? AF.UNSPEC);
  v.setInt32(4, o.index ?? 0, true);
  v.setUint32(8, o.flags ?? 0, true);
  v.setUint32(12, o.change ?? 0, true);
  return b;
}

/** struct ifaddrmsg (8 bytes). */
export function ifaddrmsg(o: { family: number; prefixLength: number; index: number; scope?: number; flags?: number }): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint8(0, o.family);
  v.setUint8(1, o.prefixLength);
  v.setUint8(2, o.flags ?? 0);
  v.setUint8(3, o.scope ?? 0);
  v.setUint32(4, o.index, true);
  return b;
}

/** struct rtmsg (12 bytes). */
export function rtmsg(o: { family: number; dstLength: number; table?: number; protocol?: number; scope?: number; type?: number }): Uint8Array {
  return Uint8Array.of(o.family, o.dstLength, 0, 0, o.table ?? 254, o.protocol ?? 4 /* RTPROT_STATIC */, o.scope ?? 0, o.type ?? 1 /* RTN_UNICAST */, 0, 0, 0, 0);
}

/** A whole message: nlmsghdr + fixed body + attributes. */
export function message(type: number, flags: number, seq: number, body: Uint8Array, attrs: readonly Uint8Array[] = []): Uint8Array {
  const payload = concat([body, ...attrs]);
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length, true);
  v.setUint16(4, type, true);
  v.setUint16(6, flags, true);
  v.setUint32(8, seq, true);
  v.setUint32(12, 0, true);
  out.set(payload, HEADER_SIZE);
  return out;
}

export interface Decoded { type: number; flags: number; seq: number; payload: Uint8Array }

/** Splits one datagram into messages; throws on a length field that does not fit (never trust it). */
export function decodeMessages(datagram: Uint8Array): Decoded[] {
  const out: Decoded[] = [];
  const v = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  let at = 0;
  while (at + HEADER_SIZE <= datagram.length) {
    const len = v.getUint32(at, true);
    if (len < HEADER_SIZE || at + len > datagram.length) throw new Error(`netlink: bad message length ${len} at ${at}`);
    out.push({ type: v.getUint16(at + 4, true), flags: v.getUint16(at + 6, true), seq: v.getUint32(at + 8, true), payload: datagram.subarray(at + HEADER_SIZE, at + len) });
    at += align(len);
  }
  return out;
}

/** The error code of an NLMSG_ERROR payload: 0 is an ACK, else a negative errno. */
export function errorCode(payload: Uint8Array): number {
  if (payload.length < 4) throw new Error("netlink: short error message");
  return new DataView(payload.buffer, payload.byteOffset).getInt32(0, true);
}

export function decodeAttrs(bytes: Uint8Array): Map<number, Uint8Array[]> {
  const out = new Map<number, Uint8Array[]>();
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 4 <= bytes.length) {
    const len = v.getUint16(at, true);
    if (len < 4 || at + len > bytes.length) break;
    const type = v.getUint16(at + 2, true) & NLA_TYPE_MASK;
    const list = out.get(type) ?? [];
    list.push(bytes.subarray(at + 4, at + len));
    out.set(type, list);
    at += align(len);
  }
  return out;
}

export const attrToString = (b: Uint8Array) => new TextDecoder().decode(b[b.length - 1] === 0 ? b.subarray(0, -1) : b);
export const attrToU32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);

/** "10.88.0.2" → 4 bytes; "fd00::1" → 16 bytes. */
export function addressBytes(address: string): Uint8Array {
  if (address.includes(":")) return ipv6Bytes(address);
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid IPv4 address: ${address}`);
  return Uint8Array.from(parts);
}

function ipv6Bytes(address: string): Uint8Array {
  const [head, tail] = address.split("::") as [string, string?];
  const words = (s: string | undefined) => (s ? s.split(":").map((w) => parseInt(w, 16)) : []);
  const h = words(head), t = words(tail);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) throw new Error(`invalid IPv6 address: ${address}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
  return out;
}

export function bytesToAddress(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::").replace(/:{3,}/, "::");
}

export function macBytes(mac: string): Uint8Array {
  const parts = mac.split(":").map((p) => parseInt(p, 16));
  if (parts.length !== 6 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid MAC address: ${mac}`);
  return Uint8Array.from(parts);
}
