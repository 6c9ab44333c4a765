// rtnetlink message encoding/decoding (pure), and the real thing as root in a namespace of the test's own.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, openSync } from "node:fs";
import {
  AF, IFLA, IFLA_INFO, NLM_F, RTM, VETH_INFO_PEER, addressBytes, attr, attrString, attrToString, bytesToAddress, decodeAttrs,
  decodeMessages, errorCode, ifinfomsg, message, nested, macBytes,
} from "../../src/network/netlink-message.ts";
import { Rtnetlink } from "../../src/network/rtnetlink.ts";
import { SyscallError } from "../../src/sys/errno.ts";
import { CLONE, setns } from "../../src/sys/sched.ts";

describe("encoding", () => {
  test("a message has nlmsghdr with the total length, type, flags and seq, then the body and 4-aligned attributes", () => {
    const m = message(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK, 7, ifinfomsg({ index: 3 }), [attrString(IFLA.IFNAME, "eth0")]);
    const v = new DataView(m.buffer);
    expect(m.length).toBe(16 + 16 + 12); // "eth0\0" = 5 bytes + 4 header = 9 → 12 aligned
    expect(v.getUint32(0, true)).toBe(m.length);
    expect(v.getUint16(4, true)).toBe(RTM.NEWLINK);
    expect(v.getUint16(6, true)).toBe(NLM_F.REQUEST | NLM_F.ACK);
    expect(v.getUint32(8, true)).toBe(7);
    expect(v.getInt32(16 + 4, true)).toBe(3);
    expect(v.getUint16(32, true)).toBe(9); // attribute length excludes the padding
    expect(v.getUint16(34, true)).toBe(IFLA.IFNAME);
  });

  test("nested attributes decode back, as the veth peer is laid out", () => {
    const peer = new Uint8Array([...ifinfomsg(), ...attrString(IFLA.IFNAME, "eth0")]);
    const info = nested(IFLA.LINKINFO, attrString(IFLA_INFO.KIND, "veth"), nested(IFLA_INFO.DATA, attr(VETH_INFO_PEER, peer)));
    const top = decodeAttrs(info);
    const linkinfo = decodeAttrs(top.get(IFLA.LINKINFO)![0]!);
    expect(attrToString(linkinfo.get(IFLA_INFO.KIND)![0]!)).toBe("veth");
    const data = decodeAttrs(linkinfo.get(IFLA_INFO.DATA)![0]!);
    const peerBytes = data.get(VETH_INFO_PEER)![0]!;
    expect(attrToString(decodeAttrs(peerBytes.subarray(16)).get(IFLA.IFNAME)![0]!)).toBe("eth0");
  });

  test("addresses and MACs", () => {
    expect([...addressBytes("10.88.0.2")]).toEqual([10, 88, 0, 2]);
    expect(bytesToAddress(addressBytes("fd00::1"))).toBe("fd00::1");
    expect(bytesToAddress(addressBytes("fe80::42:aff:fe58:2"))).toBe("fe80::42:aff:fe58:2");
    expect([...macBytes("02:42:0a:58:00:02")]).toEqual([2, 0x42, 10, 0x58, 0, 2]);
    expect(() => addressBytes("10.88.0.256")).toThrow();
    expect(() => macBytes("02:42")).toThrow();
  });
});

describe("decoding untrusted bytes", () => {
  test("several messages in one datagram; an error message's code", () => {
    const ack = new Uint8Array(20);
    new DataView(ack.buffer).setInt32(0, -17, true);
    const a = message(2, 0, 5, ack);
    const b = message(3, 0, 5, new Uint8Array(4));
    const decoded = decodeMessages(new Uint8Array([...a, ...b]));
    expect(decoded.map((m) => [m.type, m.seq])).toEqual([[2, 5], [3, 5]]);
    expect(errorCode(decoded[0]!.payload)).toBe(-17);
  });

  test("a length field that runs past the datagram is refused, a short one too", () => {
    const m = message(16, 0, 1, new Uint8Array(8));
    new DataView(m.buffer).setUint32(0, 1000, true);
    expect(() => decodeMessages(m)).toThrow(/bad message length/);
    new DataView(m.buffer).setUint32(0, 8, true);
    expect(() => decodeMessages(m)).toThrow(/bad message length/);
  });

  test("random bytes never crash the attribute decoder", () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 64)));
      const attrs = decodeAttrs(bytes);
      for (const list of attrs.values()) for (const a of list) expect(a.byteOffset + a.length).toBeLessThanOrEqual(bytes.byteOffset + bytes.length);
      try { decodeMessages(bytes); } catch (e) { expect(String(e)).toContain("bad message length"); }
    }
  });
});

// Real kernel: a namespace of the test's own (ip netns for setup only), entered by this thread through
// setns; every object is created and checked there, so the host is never touched.
const isRoot = process.getuid?.() === 0;
const NS = `mbt-nl-${process.pid}`;
let home = -1, target = -1;

describe.skipIf(!isRoot)("rtnetlink on the real kernel (root, test namespace)", () => {
  beforeAll(() => {
    Bun.spawnSync(["ip", "netns", "add", NS]);
    Bun.spawnSync(["ip", "netns", "add", `${NS}-peer`]);
    home = openSync("/proc/thread-self/ns/net", "r");
    setns(openSync(`/run/netns/${NS}`, "r"), CLONE.NEWNET);
    target = openSync(`/run/netns/${NS}-peer`, "r");
  });
  afterAll(() => {
    if (home >= 0) { setns(home, CLONE.NEWNET); closeSync(home); }
    if (target >= 0) closeSync(target);
    Bun.spawnSync(["ip", "netns", "del", NS]);
    Bun.spawnSync(["ip", "netns", "del", `${NS}-peer`]);
  });

  test("bridge, veth with its peer created in another namespace, master, up, address, route, delete", () => {
    const nl = Rtnetlink.open();
    try {
      nl.createBridge("tbr0", "02:00:00:00:00:01");
      const br = nl.linkIndex("tbr0");
      nl.addAddress(br, "10.99.0.1", 24);
      nl.setUp(br);
      nl.createVethPair({ hostName: "tveth0", masterIndex: br, peerName: "eth0", peerNsFd: target, peerMac: "02:42:0a:63:00:02" });
      const veth = nl.linkByName("tveth0")!;
      expect(veth.master).toBe(br);
      expect(nl.linkByName("eth0")).toBeUndefined(); // the peer is only in the other namespace
      nl.setUp(veth.index);
      expect(nl.linkByName("tveth0")!.flags & 1).toBe(1);
      expect(nl.addresses().some((a) => a.index === br && a.address === "10.99.0.1" && a.prefixLength === 24)).toBe(true);
      expect(nl.linkByName("tbr0")!.kind).toBe("bridge");

      const inside = Rtnetlink.openIn(target, "peer namespace");
      try {
        const eth0 = inside.linkIndex("eth0");
        inside.addAddress(eth0, "10.99.0.2", 24);
        inside.setUp(eth0);
        inside.addRoute({ gateway: "10.99.0.1" });
        expect(inside.routes(AF.INET).some((r) => r.dstLength === 0 && r.gateway === "10.99.0.1" && r.table === 254)).toBe(true);
        inside.rename(inside.linkIndex("lo"), "lo"); // a no-op rename is accepted
      } finally {
        inside.close();
      }
      // Errors carry the request, the object and the errno.
      try {
        nl.createBridge("tbr0");
        throw new Error("no error");
      } catch (e) {
        expect(e).toBeInstanceOf(SyscallError);
        expect((e as SyscallError).code).toBe("EEXIST");
        expect((e as Error).message).toBe("rtnetlink newlink bridge tbr0: EEXIST");
      }
      expect(nl.deleteLinkByName("tveth0")).toBe(true);
      expect(nl.deleteLinkByName("tveth0")).toBe(false);
      nl.deleteLink(br);
      expect(nl.linkByName("tbr0")).toBeUndefined();
    } finally {
      nl.close();
    }
  });

  test("moving a link into another namespace by fd, renamed on the way", () => {
    const nl = Rtnetlink.open();
    try {
      // (A bridge cannot change namespaces: the kernel answers EINVAL. A veth end can.)
      const here = openSync("/proc/thread-self/ns/net", "r");
      try {
        nl.createVethPair({ hostName: "tmove0", peerName: "tmove1", peerNsFd: here });
      } finally {
        closeSync(here);
      }
      nl.moveToNamespace(nl.linkIndex("tmove0"), target, "moved0");
      expect(nl.linkByName("tmove0")).toBeUndefined();
      expect(nl.linkByName("tmove1")).toBeDefined();
      const inside = Rtnetlink.openIn(target, "peer namespace");
      try {
        expect(inside.linkByName("moved0")?.kind).toBe("veth");
        expect(inside.deleteLinkByName("moved0")).toBe(true);
      } finally {
        inside.close();
      }
    } finally {
      nl.close();
    }
  });
});
