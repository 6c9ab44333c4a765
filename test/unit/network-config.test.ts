// The pure parts of networking: -p/--expose parsing, host port allocation, /proc/net readers, subnets,
// IPAM, the --network request and the nftables ruleset rendered from records.
import { describe, expect, test } from "bun:test";
import { UserError } from "../../src/errors.ts";
import { allocatePorts, checkPortFamilies, hexToIp, hostSockets, parseExpose, parsePublish, publishAll, shownBindings } from "../../src/network/ports.ts";
import { carve, formatSubnet, overlaps, parseSubnet } from "../../src/network/subnet.ts";
import { pickSubnet } from "../../src/network/networks.ts";
import { allocateIp, macForIp } from "../../src/network/ipam.ts";
import { gatewayKnownAtStart, networkRequest } from "../../src/network/request.ts";
import { iptablesAccepts, renderForwardAccepts, renderPublished, renderTable } from "../../src/network/firewall.ts";
import type { Endpoint, NetworkRecord } from "../../src/network/store.ts";

describe("-p parsing (Docker's nat.ParsePortSpec)", () => {
  test.each([
    ["80", [{ hostIp: "", hostPortStart: 0, hostPortEnd: 0, containerPort: 80, protocol: "tcp" }]],
    ["8080:80", [{ hostIp: "", hostPortStart: 8080, hostPortEnd: 8080, containerPort: 80, protocol: "tcp" }]],
    ["127.0.0.1:8080:80/udp", [{ hostIp: "127.0.0.1", hostPortStart: 8080, hostPortEnd: 8080, containerPort: 80, protocol: "udp" }]],
    ["127.0.0.1::80", [{ hostIp: "127.0.0.1", hostPortStart: 0, hostPortEnd: 0, containerPort: 80, protocol: "tcp" }]],
    ["[::1]:8080:80", [{ hostIp: "::1", hostPortStart: 8080, hostPortEnd: 8080, containerPort: 80, protocol: "tcp" }]],
    ["8000-8001:80-81", [
      { hostIp: "", hostPortStart: 8000, hostPortEnd: 8000, containerPort: 80, protocol: "tcp" },
      { hostIp: "", hostPortStart: 8001, hostPortEnd: 8001, containerPort: 81, protocol: "tcp" }]],
    ["8000-8010:80", [{ hostIp: "", hostPortStart: 8000, hostPortEnd: 8010, containerPort: 80, protocol: "tcp" }]],
  ])("%s", (spec, expected) => {
    expect(parsePublish(spec)).toEqual(expected as never);
  });

  test.each(["abc", "0", "70000", "1:2:3:4", "80/sctpx", "8000-8002:80-81", "300.1.1.1:80:80", "8080:", "90-80"])("%s is refused with a UserError", (spec) => {
    expect(() => parsePublish(spec)).toThrow(UserError);
  });

  test("--expose ranges and -P over exposed ports skip those published explicitly", () => {
    expect(parseExpose("8000-8002/udp")).toEqual(["8000/udp", "8001/udp", "8002/udp"]);
    const explicit = parsePublish("9000:80");
    expect(publishAll(["80/tcp", "443/tcp", "443/tcp"], explicit).map((r) => r.containerPort)).toEqual([443]);
  });
});

describe("host port allocation", () => {
  const req = (s: string) => parsePublish(s);
  test("another container's binding of the same port/protocol/address clashes; a different protocol does not", () => {
    const others = [{ hostIp: "", hostPort: 8080, containerPort: 80, protocol: "tcp" as const }];
    expect(() => allocatePorts(req("8080:80"), others, [])).toThrow("Bind for 0.0.0.0:8080 failed: port is already allocated");
    expect(() => allocatePorts(req("127.0.0.1:8080:80"), others, [])).toThrow("port is already allocated"); // wildcard covers it
    expect(allocatePorts(req("8080:80/udp"), others, [])).toEqual([{ hostIp: "", hostPort: 8080, containerPort: 80, protocol: "udp" }]);
  });

  test("a host socket on the port clashes unless it is bound to another address", () => {
    const sockets = [{ protocol: "tcp" as const, ip: "127.0.0.1", port: 8080 }];
    expect(() => allocatePorts(req("8080:80"), [], sockets)).toThrow("address already in use");
    expect(allocatePorts(req("192.0.2.5:8080:80"), [], sockets)[0]!.hostPort).toBe(8080);
  });

  test("a host range takes its first free port; 0 takes a free one of the ephemeral range; two requests never share", () => {
    const others = [{ hostIp: "", hostPort: 8000, containerPort: 80, protocol: "tcp" as const }];
    expect(allocatePorts(req("8000-8002:80"), others, [])[0]!.hostPort).toBe(8001);
    const picked = allocatePorts([...req("80"), ...req("81")], [], [{ protocol: "tcp", ip: "0.0.0.0", port: 40000 }], [40000, 40002]);
    expect(picked.map((p) => p.hostPort).sort()).toEqual([40001, 40002]);
    expect(() => allocatePorts([...req("80"), ...req("81")], [], [{ protocol: "tcp", ip: "0.0.0.0", port: 40000 }], [40000, 40001])).toThrow("Bind for 0.0.0.0:0 failed");
  });

  test("/proc/net readers: IPv4, IPv6, v4-mapped; only TCP listeners count", () => {
    expect(hexToIp("0100007F")).toBe("127.0.0.1");
    expect(hexToIp("00000000000000000000000000000000")).toBe("::");
    expect(hexToIp("0000000000000000FFFF00000100007F")).toBe("127.0.0.1");
    const files: Record<string, string> = {
      "/proc/net/tcp": "  sl  local_address rem_address   st\n   0: 0100007F:1F90 00000000:0000 0A\n   1: 0100007F:1F91 0100007F:D000 01\n",
      "/proc/net/udp": "  sl  local_address rem_address   st\n   0: 00000000:0035 00000000:0000 07\n",
    };
    const read = (p: string) => { const t = files[p]; if (t === undefined) throw Object.assign(new Error("no"), { code: "ENOENT" }); return t; };
    expect(hostSockets(read)).toEqual([{ protocol: "tcp", ip: "127.0.0.1", port: 8080 }, { protocol: "udp", ip: "0.0.0.0", port: 53 }]);
  });
});

describe("subnets and IPAM", () => {
  test("parse, overlap, carve; host bits set are refused", () => {
    expect(formatSubnet(parseSubnet("10.88.0.0/16"))).toBe("10.88.0.0/16");
    expect(() => parseSubnet("10.88.0.1/16")).toThrow("it should be 10.88.0.0/16");
    expect(() => parseSubnet("10.88.0.0/33")).toThrow(UserError);
    expect(overlaps(parseSubnet("10.88.0.0/16"), parseSubnet("10.88.5.0/24"))).toBe(true);
    expect(overlaps(parseSubnet("10.88.0.0/16"), parseSubnet("10.89.0.0/16"))).toBe(false);
    expect([...carve(parseSubnet("10.88.0.0/15"), 16)].map(formatSubnet)).toEqual(["10.88.0.0/16", "10.89.0.0/16"]);
  });

  test("the first /16 of the pool that overlaps nothing the host routes", () => {
    const taken = [parseSubnet("10.88.0.0/24"), parseSubnet("10.90.0.0/16")];
    expect(formatSubnet(pickSubnet(taken, [parseSubnet("10.88.0.0/14")], 16))).toBe("10.89.0.0/16");
    expect(() => pickSubnet([parseSubnet("10.0.0.0/8")], [parseSubnet("10.88.0.0/15")], 16)).toThrow("could not find an available");
  });

  const net: NetworkRecord = { id: "n1", name: "n", driver: "bridge", created: "", subnet: "10.1.0.0/29", gateway: "10.1.0.1", internal: false, bridge: "br", labels: {}, options: {} };
  test("addresses skip the network, gateway, broadcast and taken ones; requested ones are checked", () => {
    expect(allocateIp(net, new Set())).toBe("10.1.0.2");
    expect(allocateIp(net, new Set(["10.1.0.2", "10.1.0.3"]))).toBe("10.1.0.4");
    expect(() => allocateIp(net, new Set(["10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"]))).toThrow("no available IPv4 addresses");
    expect(allocateIp(net, new Set(), "10.1.0.5")).toBe("10.1.0.5");
    expect(() => allocateIp(net, new Set(["10.1.0.5"]), "10.1.0.5")).toThrow("Address already in use");
    expect(() => allocateIp(net, new Set(), "10.1.0.1")).toThrow("Address already in use");
    expect(() => allocateIp(net, new Set(), "10.2.0.5")).toThrow("does not belong");
    expect(allocateIp({ ...net, subnet: "10.1.0.0/24", ipRange: "10.1.0.128/25" }, new Set())).toBe("10.1.0.128");
    expect(macForIp("10.88.0.2")).toBe("02:42:0a:58:00:02");
  });
});

describe("--network request", () => {
  const flags = { publish: [], publishAll: false, expose: [], aliases: [] };
  test("modes", () => {
    expect(networkRequest(flags).mode).toBe("bridge");
    expect(networkRequest({ ...flags, network: "none" }).mode).toBe("none");
    expect(networkRequest({ ...flags, network: "host", publish: ["80:80"] }).ports).toEqual([]);
    expect(networkRequest({ ...flags, network: "container:abc" })).toMatchObject({ mode: "container", container: "abc" });
    expect(networkRequest({ ...flags, network: "mynet", aliases: ["a"], ip: "10.0.0.5" })).toMatchObject({ mode: "user", network: "mynet", aliases: ["a"], ip: "10.0.0.5" });
  });
  test("Docker's refusals", () => {
    expect(() => networkRequest({ ...flags, network: "none", publish: ["80"] })).toThrow("conflicting options: port publishing and the container type network mode");
    expect(() => networkRequest({ ...flags, ip: "10.0.0.5" })).toThrow("user specified IP address is supported on user defined networks only");
    expect(() => networkRequest({ ...flags, aliases: ["x"] })).toThrow("network-scoped aliases are only supported for user-defined networks");
    expect(() => networkRequest({ ...flags, network: "n", ip: "nope" })).toThrow(UserError);
  });
  test("-P publishes the image's ExposedPorts and --expose", () => {
    const r = networkRequest({ ...flags, publishAll: true, expose: ["81"] }, ["80/tcp"]);
    expect(r.ports.map((p) => `${p.containerPort}/${p.protocol}:${p.hostPortStart}`)).toEqual(["80/tcp:0", "81/tcp:0"]);
    expect(r.exposed).toEqual(["80/tcp", "81/tcp"]);
  });
});

describe("nftables ruleset from records", () => {
  const a: NetworkRecord = { id: "a", name: "a", driver: "bridge", created: "", subnet: "10.1.0.0/16", gateway: "10.1.0.1", internal: false, bridge: "bra", labels: {}, options: {} };
  const b: NetworkRecord = { ...a, id: "b", name: "b", subnet: "10.2.0.0/16", gateway: "10.2.0.1", internal: true, bridge: "brb" };
  const ep = (id: string, net: string, ip: string, ports: Endpoint["ports"] = []): Endpoint => ({
    containerId: id, containerName: id, process: { pid: 1, startTime: 1, bootId: "" }, ports,
    attachments: [{ network: net, ip, prefixLength: 16, gateway: "", mac: "", hostVeth: `v${id}`, ifname: "eth0", aliases: [] }],
  });

  // dns-wire
  test("host-gateway can wait for start exactly when the container will get a network of its own", () => {
    for (const n of [undefined, "bridge", "default", "mynet"]) expect(gatewayKnownAtStart(n)).toBe(true);
    for (const n of ["none", "host", "container:abc"]) expect(gatewayKnownAtStart(n)).toBe(false);
  });

  test("a user network's DNS server (gateway:53) is closed to every interface but its bridge and lo; the default bridge has none", () => {
    const text = renderTable("t", [{ ...a, name: "bridge" }, b], []);
    expect(text).toContain("  chain input {\n    type filter hook input priority filter; policy accept;\n");
    expect(text).toContain(`iifname != "brb" iifname != "lo" ip daddr 10.2.0.1 meta l4proto { tcp, udp } th dport 53 drop`);
    expect(text).not.toContain("ip daddr 10.1.0.1");
  });

  test("no table without networks; a network's rules do not depend on its containers", () => {
    expect(renderTable("t", [], [])).toBe("");
    expect(renderTable("t", [a], [])).toContain(`ip saddr 10.1.0.0/16 oifname != "bra" masquerade`);
    expect(renderTable("t", [a], [])).toContain("  chain published {\n  }");
  });

  test("masquerade for non-internal networks, isolation both ways, internal drops, DNAT per port with the container's id", () => {
    const text = renderTable("t", [a, b], [ep("c1", "a", "10.1.0.2", [{ hostIp: "", hostPort: 8080, containerPort: 80, protocol: "tcp" }]), ep("c2", "b", "10.2.0.2")]);
    expect(text).toContain("table inet t {");
    expect(text).toContain(`ip saddr 10.1.0.0/16 oifname != "bra" masquerade`);
    expect(text).not.toContain(`ip saddr 10.2.0.0/16 oifname != "brb" masquerade`);
    expect(text).toContain(`iifname "bra" oifname "brb" drop`);
    expect(text).toContain(`iifname "brb" oifname "bra" drop`);
    expect(text).toContain(`iifname "brb" oifname != "brb" drop`);
    expect(text).toContain(`meta nfproto ipv4 tcp dport 8080 dnat ip to 10.1.0.2:80 comment "c1"`);
    expect(text).toContain(`oifname "bra" ip saddr 127.0.0.0/8 masquerade`);
  });

  test("FORWARD accepts are tagged with the table, internal networks only accept among themselves", () => {
    const rules = renderForwardAccepts("t", [a, b]);
    expect(rules.every((r) => r.startsWith("insert rule ip filter FORWARD ") && r.endsWith(`comment "minibox:t"`))).toBe(true);
    expect(rules.filter((r) => r.includes(`"brb"`))).toEqual([`insert rule ip filter FORWARD iifname "brb" oifname "brb" accept comment "minibox:t"`]);
  });

  test("the same accepts as iptables arguments, tagged with an iptables comment match", () => {
    const args = iptablesAccepts("t", [a, b]);
    expect(args).toHaveLength(4);
    expect(args.every((x) => x[0] === "-I" && x[1] === "FORWARD" && x.join(" ").includes("-m comment --comment minibox:t") && x.at(-1) === "ACCEPT")).toBe(true);
    expect(args.map((x) => x.join(" "))).toContain("-I FORWARD -o bra -m conntrack --ctstate DNAT -m comment --comment minibox:t -j ACCEPT");
  });

  test("the published chain alone, for a container start with ports", () => {
    expect(renderPublished([a], [ep("c1", "a", "10.1.0.2", [{ hostIp: "127.0.0.1", hostPort: 9000, containerPort: 90, protocol: "udp" }])]))
      .toEqual([`ip daddr 127.0.0.1 udp dport 9000 dnat ip to 10.1.0.2:90 comment "c1"`]);
  });

  // net-finish
  test("IPv6 published ports: every address (never ::1), one IPv6 address, 0.0.0.0 for IPv4 only; hairpin and DNS guard over IPv6", () => {
    const v6: NetworkRecord = { ...a, ipv6: { subnet: "fd00:1::/64", gateway: "fd00:1::1" } };
    const e = ep("c1", "a", "10.1.0.2", [
      { hostIp: "", hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostIp: "0.0.0.0", hostPort: 8081, containerPort: 81, protocol: "tcp" },
      { hostIp: "2001:db8::1", hostPort: 8082, containerPort: 82, protocol: "udp" },
      { hostIp: "::", hostPort: 8083, containerPort: 83, protocol: "tcp" },
    ]);
    e.attachments[0]!.ipv6 = "fd00:1::2";
    expect(renderPublished([v6], [e])).toEqual([
      `meta nfproto ipv4 tcp dport 8080 dnat ip to 10.1.0.2:80 comment "c1"`,
      `ip6 daddr != ::1 tcp dport 8080 dnat ip6 to [fd00:1::2]:80 comment "c1"`,
      `meta nfproto ipv4 tcp dport 8081 dnat ip to 10.1.0.2:81 comment "c1"`,
      `ip6 daddr 2001:db8::1 udp dport 8082 dnat ip6 to [fd00:1::2]:82 comment "c1"`,
      `ip6 daddr != ::1 tcp dport 8083 dnat ip6 to [fd00:1::2]:83 comment "c1"`,
    ]);
    const text = renderTable("t", [{ ...v6, name: "u" }], [e]);
    expect(text).toContain(`oifname "bra" ip6 saddr fd00:1::/64 ct status dnat masquerade`);
    expect(text).toContain(`iifname != "bra" iifname != "lo" ip6 daddr fd00:1::1 meta l4proto { tcp, udp } th dport 53 drop`);
  });

  test("interface names are quoted, so a bridge name cannot inject rules", () => {
    const evil = { ...a, bridge: `x" accept; flush ruleset; "` };
    expect(renderTable("t", [evil], [ep("c1", "a", "10.1.0.2")])).toContain(JSON.stringify(evil.bridge));
  });
});

describe("the default network's subnet", () => {
  test("is picked again when the host started routing it while its bridge was gone", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { NetworkStore } = await import("../../src/network/store.ts");
    const { createNetwork, revalidateDefaultSubnet } = await import("../../src/network/networks.ts");
    const dir = mkdtempSync(join(tmpdir(), "mbt-netstore-"));
    try {
      const ns = new NetworkStore(dir, { MINIBOX_NETWORK_POOL: "10.50.0.0/15", MINIBOX_BRIDGE: "mbtunit0" });
      const env = process.env.MINIBOX_NETWORK_POOL;
      process.env.MINIBOX_NETWORK_POOL = "10.50.0.0/15";
      try {
        const n = createNetwork(ns, { name: "bridge", bridge: "mbtunit0" }, () => []);
        expect(n.subnet).toBe("10.50.0.0/16");
        expect(revalidateDefaultSubnet(ns, n, false, () => [])).toBe(n);
        expect(revalidateDefaultSubnet(ns, n, true, () => [parseSubnet("10.50.3.0/24")])).toBe(n); // its own bridge's route
        const moved = revalidateDefaultSubnet(ns, n, false, () => [parseSubnet("10.50.3.0/24")]);
        expect([moved.subnet, moved.gateway]).toEqual(["10.51.0.0/16", "10.51.0.1"]);
        expect(ns.networks()[0]!.subnet).toBe("10.51.0.0/16");
      } finally {
        if (env === undefined) delete process.env.MINIBOX_NETWORK_POOL;
        else process.env.MINIBOX_NETWORK_POOL = env;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("IPv6 subnets", async () => {
  const { allocateIp6, formatIPv6, parseIPv6, parseSubnet6, randomUlaSubnet, formatSubnet6 } = await import("../../src/network/subnet6.ts");
  test("parse and format round-trip; host bits set are refused", () => {
    expect(formatSubnet6(parseSubnet6("fd00:db8:1::/64"))).toBe("fd00:db8:1::/64");
    expect(formatIPv6(parseIPv6("fd00:0:0:0:0:0:0:1")!)).toBe("fd00::1");
    expect(() => parseSubnet6("fd00::1/64")).toThrow("it should be fd00::/64");
    expect(() => parseSubnet6("fd00::/129")).toThrow(UserError);
    expect(parseIPv6("10.0.0.1")).toBeUndefined();
  });
  test("addresses skip the gateway and the taken ones; requested ones are checked", () => {
    const s = parseSubnet6("fd00:1::/64");
    const gw = parseIPv6("fd00:1::1")!;
    expect(allocateIp6(s, gw, new Set())).toBe("fd00:1::2");
    expect(allocateIp6(s, gw, new Set(["fd00:1::2"]))).toBe("fd00:1::3");
    expect(() => allocateIp6(s, gw, new Set(), "fd00:2::5")).toThrow("does not belong");
    expect(() => allocateIp6(s, gw, new Set(), "fd00:1::1")).toThrow("Address already in use");
  });
  test("a random unique local /64 lies in fd00::/8", () => {
    const s = randomUlaSubnet();
    expect(s.prefixLength).toBe(64);
    expect(formatSubnet6(s)).toMatch(/^fd[0-9a-f]{2}:/);
  });
});

// net-finish
describe("IPv6 host addresses of published ports", () => {
  const req = (hostIp: string) => ({ hostIp, hostPortStart: 8080, hostPortEnd: 8080, containerPort: 80, protocol: "tcp" as const });
  test("::1 is refused whatever the network; another IPv6 address needs a container IPv6 address", () => {
    for (const ip of ["::1", "0::1", "0:0:0:0:0:0:0:1"]) expect(() => checkPortFamilies([req(ip)], true, "n")).toThrow(/IPv6 loopback/);
    expect(() => checkPortFamilies([req("2001:db8::1")], false, "n")).toThrow("network n has no IPv6");
    expect(() => checkPortFamilies([req("2001:db8::1"), req(""), req("127.0.0.1")], true, "n")).not.toThrow();
  });
  test("a port on every address shows as 0.0.0.0 and, with an IPv6 container address, as :: too", () => {
    const b = { hostIp: "", hostPort: 8080, containerPort: 80, protocol: "tcp" as const };
    expect(shownBindings([b], false).map((x) => x.hostIp)).toEqual(["0.0.0.0"]);
    expect(shownBindings([b, { ...b, hostIp: "::1" }], true).map((x) => x.hostIp)).toEqual(["0.0.0.0", "::", "::1"]);
  });
});
