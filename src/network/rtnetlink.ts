// rtnetlink operations minibox needs (links, addresses, routes) over one netlink socket each, in the
// namespace the socket was opened in. Every request asks for an ACK, so a failure surfaces as a
// SyscallError naming the request and the object (e.g. "rtnetlink newlink veth mb1234: EEXIST").
import { openNetlinkSocket, openNetlinkSocketIn, netlinkSend, netlinkReceive, closeNetlinkSocket } from "../sys/netlink.ts";
import { SyscallError } from "../sys/errno.ts";
import {
  AF, IFA, IFA_F_NODAD, IFF_UP, IFLA, IFLA_INFO, NLM_F, NLMSG, RTA, RTM, VETH_INFO_PEER,
  addressBytes, attr, attrI32, attrString, attrToString, attrToU32, attrU32, bytesToAddress, decodeAttrs, decodeMessages, errorCode,
  ifaddrmsg, ifinfomsg, macBytes, message, nested, rtmsg, type Decoded,
} from "./netlink-message.ts";

export interface LinkInfo { index: number; name: string; flags: number; master?: number; kind?: string }
export interface AddressInfo { index: number; family: number; prefixLength: number; address: string }
export interface RouteInfo { family: number; dst?: string; dstLength: number; table: number; oif?: number; gateway?: string }
/** One request of a batch (net-bench): what `request` sends, as data. */
export interface RtRequest { type: number; flags: number; body: Uint8Array; attrs: Uint8Array[]; what: string }

export class Rtnetlink {
  private seq = 0;
  private readonly buffer = new Uint8Array(64 * 1024);

  private constructor(private readonly fd: number) {}

  /** A socket of the caller's current network namespace. */
  static open(): Rtnetlink { return new Rtnetlink(openNetlinkSocket()); }
  /** A socket of the namespace `nsFd` refers to (e.g. an fd of /proc/<pid>/ns/net). */
  static openIn(nsFd: number, what: string): Rtnetlink { return new Rtnetlink(openNetlinkSocketIn(nsFd, what)); }

  close(): void { closeNetlinkSocket(this.fd); }

  /** Sends a request and waits for its ACK; throws the kernel's errno as a SyscallError. */
  request(type: number, flags: number, body: Uint8Array, attrs: Uint8Array[], what: string): void {
    this.exchange(type, flags | NLM_F.ACK, body, attrs, what);
  }

  /**
   * net-bench: several requests in one datagram (one write, fewer round trips), each asking for its ACK.
   * The kernel handles them in order and answers each; a failed one does not stop the ones after it, so
   * every answer is read before the first failure is thrown.
   */
  requestAll(requests: readonly RtRequest[]): void {
    if (requests.length === 0) return;
    const first = this.seq + 1;
    const messages = requests.map((r) => message(r.type, r.flags | NLM_F.ACK | NLM_F.REQUEST, ++this.seq, r.body, r.attrs));
    netlinkSend(this.fd, concatBytes(messages));
    let pending = requests.length;
    let failure: SyscallError | undefined;
    while (pending > 0) {
      for (const m of decodeMessages(netlinkReceive(this.fd, this.buffer))) {
        const k = m.seq - first;
        if (k < 0 || k >= requests.length || m.type !== NLMSG.ERROR) continue; // not an answer of this batch
        pending--;
        const code = errorCode(m.payload);
        const r = requests[k]!;
        if (code !== 0 && !failure) failure = new SyscallError(`rtnetlink ${RTM_NAMES[r.type] ?? r.type}`, -code, r.what);
      }
    }
    if (failure) throw failure;
  }

  /** Sends a dump request and collects every reply message up to NLMSG_DONE. */
  dump(type: number, body: Uint8Array, what: string): Decoded[] {
    return this.exchange(type, NLM_F.DUMP, body, [], what);
  }

  private exchange(type: number, flags: number, body: Uint8Array, attrs: Uint8Array[], what: string): Decoded[] {
    const seq = ++this.seq;
    netlinkSend(this.fd, message(type, flags | NLM_F.REQUEST, seq, body, attrs));
    const replies: Decoded[] = [];
    for (;;) {
      for (const m of decodeMessages(netlinkReceive(this.fd, this.buffer))) {
        if (m.seq !== seq) continue; // a late answer to an earlier request: not ours
        if (m.type === NLMSG.DONE) return replies;
        if (m.type === NLMSG.ERROR) {
          const code = errorCode(m.payload);
          if (code === 0) return replies;
          throw new SyscallError(`rtnetlink ${RTM_NAMES[type] ?? type}`, -code, what);
        }
        replies.push({ ...m, payload: m.payload.slice() }); // the receive buffer is reused
        if ((m.flags & NLM_F.MULTI) === 0 && (flags & NLM_F.DUMP) !== NLM_F.DUMP) return replies;
      }
    }
  }

  // ---- links
  links(): LinkInfo[] {
    return this.dump(RTM.GETLINK, ifinfomsg(), "links").map(decodeLink);
  }

  /** One link by name: a single GETLINK request (no dump); undefined when there is none (ENODEV). */
  linkByName(name: string): LinkInfo | undefined {
    try {
      const [reply] = this.exchange(RTM.GETLINK, 0, ifinfomsg(), [attrString(IFLA.IFNAME, name)], name);
      return reply ? decodeLink(reply) : undefined;
    } catch (e) {
      if (e instanceof SyscallError && e.errno === 19) return undefined;
      throw e;
    }
  }


  linkIndex(name: string): number {
    const link = this.linkByName(name);
    if (!link) throw new SyscallError("rtnetlink getlink", 19 /* ENODEV */, name);
    return link.index;
  }

  createBridge(name: string, mac?: string): void {
    this.request(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, ifinfomsg(), [
      attrString(IFLA.IFNAME, name),
      ...(mac ? [attr(IFLA.ADDRESS, macBytes(mac))] : []),
      nested(IFLA.LINKINFO, attrString(IFLA_INFO.KIND, "bridge")),
    ], `bridge ${name}`);
  }

  /**
   * A veth pair in one message: `hostName` here, enslaved to `masterIndex`; the peer created directly in
   * the namespace `peerNsFd` as `peerName` (so it never appears on the host under a guessable name), with
   * `peerMac`. The peer stays down: asking for IFF_UP in its part fails with ENOTCONN (measured, 6.x: the
   * kernel configures the peer before it ties the two ends), so the caller brings it up in its namespace.
   * `hostUp` (net-bench) asks for the host end up in the outer part, which the kernel configures after
   * the tie: one request fewer than a separate "up".
   */
  createVethPair(o: { hostName: string; masterIndex?: number; peerName: string; peerNsFd: number; peerMac?: string; mtu?: number; hostUp?: boolean }): void {
    const peer = [
      ifinfomsg(),
      attrString(IFLA.IFNAME, o.peerName),
      attrI32(IFLA.NET_NS_FD, o.peerNsFd),
      ...(o.peerMac ? [attr(IFLA.ADDRESS, macBytes(o.peerMac))] : []),
      ...(o.mtu ? [attrU32(IFLA.MTU, o.mtu)] : []),
    ];
    this.request(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, ifinfomsg(o.hostUp ? { flags: IFF_UP, change: IFF_UP } : {}), [
      attrString(IFLA.IFNAME, o.hostName),
      ...(o.masterIndex !== undefined ? [attrU32(IFLA.MASTER, o.masterIndex)] : []),
      ...(o.mtu ? [attrU32(IFLA.MTU, o.mtu)] : []),
      nested(IFLA.LINKINFO, attrString(IFLA_INFO.KIND, "veth"), nested(IFLA_INFO.DATA, attr(VETH_INFO_PEER, concatBytes(peer)))),
    ], `veth ${o.hostName}`);
  }

  /** Moves a link into the namespace `nsFd` refers to, optionally renaming it on the way. */
  moveToNamespace(index: number, nsFd: number, newName?: string): void {
    this.request(RTM.NEWLINK, 0, ifinfomsg({ index }), [attrI32(IFLA.NET_NS_FD, nsFd), ...(newName ? [attrString(IFLA.IFNAME, newName)] : [])], `link #${index}`);
  }

  rename(index: number, name: string): void {
    this.request(RTM.NEWLINK, 0, ifinfomsg({ index }), [attrString(IFLA.IFNAME, name)], `link #${index} → ${name}`);
  }

  setMaster(index: number, masterIndex: number): void {
    this.request(RTM.NEWLINK, 0, ifinfomsg({ index }), [attrU32(IFLA.MASTER, masterIndex)], `link #${index} master #${masterIndex}`);
  }

  setUp(index: number, up = true): void {
    this.requestAll([upRequest(index, up)]);
  }

  deleteLink(index: number, what = `link #${index}`): void {
    this.request(RTM.DELLINK, 0, ifinfomsg({ index }), [], what);
  }

  /** Deletes a link by name; false when there was no such link. */
  deleteLinkByName(name: string): boolean {
    const link = this.linkByName(name);
    if (!link) return false;
    try {
      this.deleteLink(link.index, name);
    } catch (e) {
      if (e instanceof SyscallError && e.errno === 19 /* ENODEV: gone meanwhile */) return false;
      throw e;
    }
    return true;
  }

  // ---- addresses
  addAddress(index: number, address: string, prefixLength: number): void {
    this.requestAll([addressRequest(index, address, prefixLength)]);
  }

  addresses(): AddressInfo[] {
    return this.dump(RTM.GETADDR, ifaddrmsg({ family: AF.UNSPEC, prefixLength: 0, index: 0 }), "addresses").map((m) => {
      const v = new DataView(m.payload.buffer, m.payload.byteOffset);
      const attrs = decodeAttrs(m.payload.subarray(8));
      const a = attrs.get(IFA.LOCAL)?.[0] ?? attrs.get(IFA.ADDRESS)?.[0] ?? new Uint8Array(4);
      return { family: v.getUint8(0), prefixLength: v.getUint8(1), index: v.getUint32(4, true), address: bytesToAddress(a) };
    });
  }

  // ---- routes
  /** The default route (or a route to dst/len) via `gateway`. */
  addRoute(o: { gateway?: string; dst?: string; dstLength?: number; oif?: number }): void {
    this.requestAll([routeRequest(o)]);
  }

  routes(family: number = AF.INET): RouteInfo[] {
    return this.dump(RTM.GETROUTE, rtmsg({ family, dstLength: 0, table: 0, protocol: 0, type: 0 }), "routes").map((m) => {
      const p = m.payload;
      const attrs = decodeAttrs(p.subarray(12));
      const dst = attrs.get(RTA.DST)?.[0], gw = attrs.get(RTA.GATEWAY)?.[0], oif = attrs.get(RTA.OIF)?.[0], table = attrs.get(RTA.TABLE)?.[0];
      return {
        family: p[0]!, dstLength: p[1]!, table: table ? attrToU32(table) : p[4]!,
        ...(dst ? { dst: bytesToAddress(dst) } : {}), ...(gw ? { gateway: bytesToAddress(gw) } : {}), ...(oif ? { oif: attrToU32(oif) } : {}),
      };
    });
  }
}

// net-bench: the requests as data, so that several can go in one batch (requestAll).
/** A link up (or down). */
export function upRequest(index: number, up = true): RtRequest {
  return { type: RTM.NEWLINK, flags: 0, body: ifinfomsg({ index, flags: up ? IFF_UP : 0, change: IFF_UP }), attrs: [], what: `link #${index} ${up ? "up" : "down"}` };
}

/** An address on a link (IPv6 without duplicate address detection: ours are unique by allocation). */
export function addressRequest(index: number, address: string, prefixLength: number): RtRequest {
  const family = address.includes(":") ? AF.INET6 : AF.INET;
  const bytes = addressBytes(address);
  const flags = family === AF.INET6 ? IFA_F_NODAD : 0;
  return {
    type: RTM.NEWADDR, flags: NLM_F.CREATE | NLM_F.EXCL, body: ifaddrmsg({ family, prefixLength, index, flags }),
    attrs: [attr(IFA.LOCAL, bytes), attr(IFA.ADDRESS, bytes)], what: `${address}/${prefixLength} on #${index}`,
  };
}

/** The default route (or a route to dst/len) via `gateway`. */
export function routeRequest(o: { gateway?: string; dst?: string; dstLength?: number; oif?: number }): RtRequest {
  const family = (o.gateway ?? o.dst ?? "").includes(":") ? AF.INET6 : AF.INET;
  return {
    type: RTM.NEWROUTE, flags: NLM_F.CREATE | NLM_F.EXCL, body: rtmsg({ family, dstLength: o.dstLength ?? 0, scope: o.gateway ? 0 : 253 }),
    attrs: [
      attrU32(RTA.TABLE, 254),
      ...(o.dst ? [attr(RTA.DST, addressBytes(o.dst))] : []),
      ...(o.gateway ? [attr(RTA.GATEWAY, addressBytes(o.gateway))] : []),
      ...(o.oif !== undefined ? [attrU32(RTA.OIF, o.oif)] : []),
    ],
    what: `route ${o.dst ?? "default"}/${o.dstLength ?? 0}${o.gateway ? ` via ${o.gateway}` : ""}`,
  };
}

const RTM_NAMES: Record<number, string> = {
  16: "newlink", 17: "dellink", 18: "getlink", 20: "newaddr", 21: "deladdr", 22: "getaddr", 24: "newroute", 25: "delroute", 26: "getroute",
};

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Runs `fn` with a socket of this namespace and always closes it. */
export function withRtnetlink<T>(fn: (nl: Rtnetlink) => T): T {
  const nl = Rtnetlink.open();
  try { return fn(nl); } finally { nl.close(); }
}

function decodeLink(m: Decoded): LinkInfo {
  const v = new DataView(m.payload.buffer, m.payload.byteOffset);
  const attrs = decodeAttrs(m.payload.subarray(16));
  const info = attrs.get(IFLA.LINKINFO)?.[0];
  const kind = info ? decodeAttrs(info).get(IFLA_INFO.KIND)?.[0] : undefined;
  const master = attrs.get(IFLA.MASTER)?.[0];
  return {
    index: v.getInt32(4, true), flags: v.getUint32(8, true),
    name: attrToString(attrs.get(IFLA.IFNAME)?.[0] ?? new Uint8Array()),
    ...(master ? { master: attrToU32(master) } : {}), ...(kind ? { kind: attrToString(kind) } : {}),
  };
}
