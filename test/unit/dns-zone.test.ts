// What the network's DNS server answers itself, and what it leaves to the upstreams.
import { describe, expect, test } from "bun:test";
import { RCODE, TYPE } from "../../src/network/dns/codec.ts";
import { ZoneIndex, type NameTable } from "../../src/network/dns/zone.ts";
import { addressOfReverseName, canonicalAddress, formatIPv6, isLoopback, parseIPv4, parseIPv6, reverseName } from "../../src/network/dns/address.ts";
import { parseUpstream } from "../../src/network/dns/upstream.ts";

const ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const TABLE: NameTable = [
  { name: "web", id: ID, aliases: ["Frontend", "shared"], ipv4: ["10.88.0.2"], ipv6: ["fd00:88::2"] },
  { name: "db.primary", aliases: ["shared"], ipv4: ["10.88.0.3"] },
  { name: "v6only", ipv6: ["fd00:88:0:0::4"] },
];

function addresses(index: ZoneIndex, name: string, type: number): string[] {
  const r = index.lookup(name, type);
  if (r.kind !== "answer") return [`forward`];
  return r.answers.map((rr) => {
    if (rr.data.kind === "name") return rr.data.name;
    if (rr.data.kind !== "bytes") return "?";
    return rr.data.bytes.length === 4 ? Array.from(rr.data.bytes).join(".") : formatIPv6(rr.data.bytes);
  });
}

describe("names", () => {
  const index = new ZoneIndex(TABLE, "net.minibox");
  test("A and AAAA by container name, with and without the domain, any case, trailing dot", () => {
    expect(addresses(index, "web", TYPE.A)).toEqual(["10.88.0.2"]);
    expect(addresses(index, "WEB.net.Minibox.", TYPE.A)).toEqual(["10.88.0.2"]);
    expect(addresses(index, "web", TYPE.AAAA)).toEqual(["fd00:88::2"]);
    expect(addresses(index, "web", TYPE.ANY)).toEqual(["10.88.0.2", "fd00:88::2"]);
    expect(addresses(index, "db.primary", TYPE.A)).toEqual(["10.88.0.3"]); // container names may hold dots
  });
  test("short id (12 hex) and aliases; a shared alias answers every owner", () => {
    expect(addresses(index, ID.slice(0, 12), TYPE.A)).toEqual(["10.88.0.2"]);
    expect(addresses(index, ID.slice(0, 12).toUpperCase() + ".net.minibox", TYPE.A)).toEqual(["10.88.0.2"]);
    expect(addresses(index, ID, TYPE.A)).toEqual(["forward"]); // Docker resolves the short id only
    expect(addresses(index, "frontend", TYPE.A)).toEqual(["10.88.0.2"]);
    expect(addresses(index, "shared", TYPE.A)).toEqual(["10.88.0.2", "10.88.0.3"]);
  });
  test("the answer's owner name is the question's spelling", () => {
    const r = index.lookup("WeB", TYPE.A);
    expect(r.kind === "answer" && r.answers[0]!.name).toBe("WeB");
  });
  test("known name without an address of that type: NOERROR, no answers (not NXDOMAIN)", () => {
    expect(index.lookup("v6only", TYPE.A)).toEqual({ kind: "answer", rcode: RCODE.NOERROR, answers: [] });
    expect(addresses(index, "v6only", TYPE.AAAA)).toEqual(["fd00:88::4"]);
    expect(index.lookup("web", TYPE.MX)).toEqual({ kind: "answer", rcode: RCODE.NOERROR, answers: [] });
  });
  test("unknown names in the network's domain: NXDOMAIN; the domain itself: NOERROR", () => {
    expect(index.lookup("nobody.net.minibox", TYPE.A)).toEqual({ kind: "answer", rcode: RCODE.NXDOMAIN, answers: [] });
    expect(index.lookup("a.web.net.minibox", TYPE.A)).toEqual({ kind: "answer", rcode: RCODE.NXDOMAIN, answers: [] });
    expect(index.lookup("net.minibox", TYPE.A)).toEqual({ kind: "answer", rcode: RCODE.NOERROR, answers: [] });
  });
  test("everything else is forwarded, single-label names included (Docker's rule)", () => {
    expect(index.lookup("nobody", TYPE.A)).toEqual({ kind: "forward" });
    expect(index.lookup("example.com", TYPE.A)).toEqual({ kind: "forward" });
    expect(index.lookup("web.example.com", TYPE.A)).toEqual({ kind: "forward" });
    expect(index.lookup("minibox", TYPE.A)).toEqual({ kind: "forward" });
  });
  test("without a domain nothing is NXDOMAIN locally", () => {
    const bare = new ZoneIndex(TABLE);
    expect(addresses(bare, "web", TYPE.A)).toEqual(["10.88.0.2"]);
    expect(bare.lookup("web.net.minibox", TYPE.A)).toEqual({ kind: "forward" });
  });
});

describe("PTR", () => {
  test("in-addr.arpa and ip6.arpa of container addresses name the container (with the domain)", () => {
    const index = new ZoneIndex(TABLE, "net.minibox");
    expect(addresses(index, "2.0.88.10.in-addr.arpa", TYPE.PTR)).toEqual(["web.net.minibox"]);
    expect(addresses(index, reverseName("fd00:88::4")!.toUpperCase(), TYPE.PTR)).toEqual(["v6only.net.minibox"]);
    expect(addresses(new ZoneIndex(TABLE), "3.0.88.10.in-addr.arpa.", TYPE.PTR)).toEqual(["db.primary"]);
  });
  test("other addresses and partial reverse names are forwarded; other types for ours get no data", () => {
    const index = new ZoneIndex(TABLE);
    expect(index.lookup("9.0.88.10.in-addr.arpa", TYPE.PTR)).toEqual({ kind: "forward" });
    expect(index.lookup("88.10.in-addr.arpa", TYPE.PTR)).toEqual({ kind: "forward" });
    expect(index.lookup("2.0.88.10.in-addr.arpa", TYPE.A)).toEqual({ kind: "answer", rcode: RCODE.NOERROR, answers: [] });
  });
});

describe("addresses", () => {
  test("IPv4: strict dotted quad", () => {
    expect(Array.from(parseIPv4("10.0.0.255")!)).toEqual([10, 0, 0, 255]);
    for (const bad of ["10.0.0", "10.0.0.256", "010.0.0.1", "1.2.3.4.5", "a.b.c.d", "", "1..2.3", " 1.2.3.4"]) expect(parseIPv4(bad)).toBeUndefined();
  });
  test("IPv6: compressed forms, v4 tails, canonical text", () => {
    expect(canonicalAddress("FD00:0:0:0:0:0:0:1")).toBe("fd00::1");
    expect(canonicalAddress("::")).toBe("::");
    expect(canonicalAddress("::1")).toBe("::1");
    expect(canonicalAddress("::ffff:1.2.3.4")).toBe("::ffff:102:304");
    expect(canonicalAddress("1:0:0:1:0:0:0:1")).toBe("1:0:0:1::1");
    expect(canonicalAddress("1:2:3:4:5:6:7:8")).toBe("1:2:3:4:5:6:7:8");
    for (const bad of ["1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::", "fe80::1%eth0", "g::1", ":1", "1:2:3:4:5:6:7::8:9"]) {
      expect(parseIPv6(bad)).toBeUndefined();
    }
  });
  test("loopback", () => {
    for (const yes of ["127.0.0.1", "127.0.0.53", "127.255.0.1", "::1", "0:0::1"]) expect(isLoopback(yes)).toBe(true);
    for (const no of ["10.127.0.1", "::10", "::1:5", "128.0.0.1", "localhost"]) expect(isLoopback(no)).toBe(false);
  });
  test("reverse names both ways", () => {
    expect(reverseName("10.88.0.2")).toBe("2.0.88.10.in-addr.arpa");
    expect(reverseName("2001:db8::567:89ab")).toBe("b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    expect(addressOfReverseName(reverseName("2001:db8::567:89ab")!)).toBe("2001:db8::567:89ab");
    expect(addressOfReverseName("2.0.88.10.in-addr.arpa")).toBe("10.88.0.2");
    expect(addressOfReverseName("256.0.88.10.in-addr.arpa")).toBeUndefined();
    expect(addressOfReverseName("x.0.88.10.in-addr.arpa")).toBeUndefined();
    expect(reverseName("not-an-ip")).toBeUndefined();
  });
  test("upstream specs", () => {
    expect(parseUpstream("192.0.2.1")).toEqual({ address: "192.0.2.1", port: 53 });
    expect(parseUpstream("192.0.2.1:5353")).toEqual({ address: "192.0.2.1", port: 5353 });
    expect(parseUpstream("2001:db8::1")).toEqual({ address: "2001:db8::1", port: 53 });
    expect(parseUpstream("[2001:DB8::1]:5353")).toEqual({ address: "2001:db8::1", port: 5353 });
    for (const bad of ["", "host.example", "192.0.2.1:0", "192.0.2.1:65536", "[192.0.2.1]:53", "2001:db8::1:99999x"]) {
      expect(() => parseUpstream(bad)).toThrow(/invalid DNS upstream/);
    }
  });
});
