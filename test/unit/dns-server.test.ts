// The network DNS server on real loopback sockets, against a fake upstream of the test's own (no real
// resolver is ever asked): local answers, NXDOMAIN in the network's domain, forwarding over UDP and TCP
// with the client's id, TC handling, EDNS0 passthrough, failures as SERVFAIL, update() and stop().
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { decode, encode, RCODE, TYPE, type DnsMessage } from "../../src/network/dns/codec.ts";
import { startDnsServer, type DnsServer } from "../../src/network/dns/index.ts";
import type { NameEntry } from "../../src/network/dns/zone.ts";
import type { Upstream } from "../../src/network/dns/upstream.ts";
import { query, startFakeUpstream, tcpExchange, udpExchange, type FakeUpstream } from "./dns-fake-upstream.ts";

const SERVER = "127.77.0.2";
const ID = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2";
let upstream: FakeUpstream;
let silent: FakeUpstream;
let server: DnsServer;
let port = 0;
const table: NameEntry[] = [{ name: "web", id: ID, aliases: ["frontend"], ipv4: ["10.89.0.2"], ipv6: ["fd00:89::2"] }];

beforeAll(async () => {
  upstream = await startFakeUpstream("127.77.0.1");
  silent = await startFakeUpstream("127.77.0.3", { silent: true });
  server = await startDnsServer({
    listen: [{ address: SERVER, port: 0 }], zone: () => table, domain: "net.minibox",
    upstreams: [`${upstream.address}:${upstream.port}`], timeoutMs: 2000,
  });
  port = server.endpoints[0]!.port;
});
afterAll(() => {
  server?.stop();
  upstream?.stop();
  silent?.stop();
});

async function udp(msg: DnsMessage): Promise<DnsMessage> {
  const reply = await udpExchange(SERVER, port, encode(msg));
  if (!reply) throw new Error(`no UDP reply for ${msg.questions[0]?.name}`);
  expect(reply.length).toBeLessThanOrEqual(Math.max(512, msg.additionals[0]?.class ?? 512));
  return decode(reply);
}
async function tcp(msg: DnsMessage): Promise<DnsMessage> {
  const [reply] = await tcpExchange(SERVER, port, [encode(msg)]);
  return decode(reply!);
}
const a4 = (m: DnsMessage) => m.answers.map((r) => (r.data.kind === "bytes" ? Array.from(r.data.bytes).join(".") : r.data.kind === "name" ? r.data.name : "?"));
const seenFor = (name: string) => upstream.seen.filter((s) => s.name === name);

describe.each(["udp", "tcp"] as const)("over %s", (transport) => {
  const ask = transport === "udp" ? udp : tcp;
  test("A of a container by name, alias and short id, with and without the domain: authoritative, client's id kept", async () => {
    for (const [name, id] of [["web", 1], ["FRONTEND", 2], [ID.slice(0, 12), 3], ["web.net.minibox", 4]] as const) {
      const r = await ask(query(name, TYPE.A, { id }));
      expect(r.id).toBe(id);
      expect(r.flags).toMatchObject({ qr: true, aa: true, rcode: RCODE.NOERROR, rd: true, ra: true });
      expect(a4(r)).toEqual(["10.89.0.2"]);
    }
  });
  test("AAAA and PTR (in-addr.arpa and ip6.arpa)", async () => {
    const six = await ask(query("web", TYPE.AAAA));
    expect(six.answers.map((r) => r.type)).toEqual([TYPE.AAAA]);
    expect(a4(await ask(query("2.0.89.10.in-addr.arpa", TYPE.PTR)))).toEqual(["web.net.minibox"]);
    const v6ptr = "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.9.8.0.0.0.0.d.f.ip6.arpa";
    expect(a4(await ask(query(v6ptr, TYPE.PTR)))).toEqual(["web.net.minibox"]);
  });
  test("unknown name in the network's domain: NXDOMAIN, and the upstream is not asked", async () => {
    const before = upstream.seen.length;
    const r = await ask(query("nobody.net.minibox", TYPE.A, { id: 77 }));
    expect(r).toMatchObject({ id: 77, flags: { rcode: RCODE.NXDOMAIN, aa: true } });
    expect(upstream.seen.length).toBe(before);
  });
  test("other names are forwarded with the client's id restored; single-label unknown names too", async () => {
    const r = await ask(query(`${transport}.example.test`, TYPE.A, { id: 0xbeef }));
    expect(r.id).toBe(0xbeef);
    expect(a4(r)).toEqual(["192.0.2.10"]);
    expect(seenFor(`${transport}.example.test`).map((s) => s.transport)).toEqual([transport]);
    const single = await ask(query(`single${transport}`, TYPE.A, { id: 9 }));
    expect(single).toMatchObject({ id: 9, flags: { rcode: RCODE.NXDOMAIN } });
    expect(seenFor(`single${transport}`)).toHaveLength(1); // the upstream's NXDOMAIN, not ours
  });
  test("replies with another id or another question are ignored (RFC 5452)", async () => {
    expect(a4(await ask(query("spoofed.example.test", TYPE.A)))).toEqual(["192.0.2.10"]);
  });
  test("the upstream's SERVFAIL is passed on", async () => {
    expect((await ask(query("servfail.example.test", TYPE.A))).flags.rcode).toBe(RCODE.SERVFAIL);
  });
});

describe("truncation and EDNS0", () => {
  test("UDP without EDNS: a UDP answer with TC is fetched again over TCP, then cut to 512 bytes with TC", async () => {
    upstream.seen.length = 0;
    const r = await udp(query("big.example.test", TYPE.A, { id: 5 }));
    expect(r.id).toBe(5);
    expect(r.flags.tc).toBe(true);
    expect(r.answers.length).toBeGreaterThan(0); // what fits of the TCP answer
    expect(r.answers.length).toBeLessThan(100);
    expect(seenFor("big.example.test").map((s) => s.transport)).toEqual(["udp", "tcp"]);
  });
  test("over TCP the whole answer comes back", async () => {
    const r = await tcp(query("big.example.test", TYPE.A));
    expect(r.flags.tc).toBe(false);
    expect(r.answers).toHaveLength(100);
  });
  test("the client's EDNS0 OPT is passed to the upstream, and its larger UDP size honoured", async () => {
    upstream.seen.length = 0;
    const r = await udp(query("big.example.test", TYPE.A, { edns: 4096 }));
    expect(r.flags.tc).toBe(false);
    expect(r.answers).toHaveLength(100);
    expect(seenFor("big.example.test")).toMatchObject([{ transport: "udp", edns: true }]);
  });
  test("local answers carry an OPT record only when the query had one", async () => {
    expect((await udp(query("web", TYPE.A, { edns: 1400 }))).additionals.map((r) => [r.type, r.class])).toEqual([[TYPE.OPT, 1232]]);
    expect((await udp(query("web", TYPE.A))).additionals).toEqual([]);
  });
});

describe("failures", () => {
  test("a silent upstream is skipped for the next one; with only silent ones: SERVFAIL", async () => {
    const two = await startDnsServer({
      listen: [{ address: "127.77.0.4", port: 0 }], zone: () => [], upstreams: [`127.77.0.3:${silent.port}`, `127.77.0.1:${upstream.port}`], timeoutMs: 300,
    });
    const none = await startDnsServer({ listen: [{ address: "127.77.0.5", port: 0 }], zone: () => [], upstreams: [`127.77.0.3:${silent.port}`], timeoutMs: 300 });
    const empty = await startDnsServer({ listen: [{ address: "127.77.0.6", port: 0 }], zone: () => [], upstreams: [] });
    try {
      const viaSecond = decode((await udpExchange("127.77.0.4", two.endpoints[0]!.port, encode(query("second.example.test", TYPE.A))))!);
      expect(a4(viaSecond)).toEqual(["192.0.2.10"]);
      expect(silent.seen.filter((s) => s.name === "second.example.test").length).toBeGreaterThan(0);
      const failed = decode((await udpExchange("127.77.0.5", none.endpoints[0]!.port, encode(query("x.example.test", TYPE.A, { id: 31 }))))!);
      expect(failed).toMatchObject({ id: 31, flags: { rcode: RCODE.SERVFAIL } });
      const noUpstreams = decode((await udpExchange("127.77.0.6", empty.endpoints[0]!.port, encode(query("x.example.test", TYPE.A))))!);
      expect(noUpstreams.flags.rcode).toBe(RCODE.SERVFAIL);
    } finally {
      two.stop();
      none.stop();
      empty.stop();
    }
  });
  test("an upstream with nothing listening (UDP and TCP) is skipped for the next", async () => {
    // A port that was just free: bind, note it, close.
    const probe = await Bun.udpSocket({ hostname: "127.77.0.10", port: 0 });
    const closedPort = probe.port;
    probe.close();
    const s = await startDnsServer({
      listen: [{ address: "127.77.0.11", port: 0 }], zone: () => [], timeoutMs: 2000,
      upstreams: [`127.77.0.10:${closedPort}`, `127.77.0.1:${upstream.port}`],
    });
    try {
      const p = s.endpoints[0]!.port;
      expect(a4(decode((await udpExchange("127.77.0.11", p, encode(query("refused.example.test", TYPE.A))))!))).toEqual(["192.0.2.10"]);
      expect(a4(decode((await tcpExchange("127.77.0.11", p, [encode(query("refused.example.test", TYPE.A))]))[0]!))).toEqual(["192.0.2.10"]);
    } finally {
      s.stop();
    }
  });
  test("garbage after a valid header gets FORMERR with its id; responses are never answered", async () => {
    const garbage = Uint8Array.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]); // pointer loop
    const r = decode((await udpExchange(SERVER, port, garbage))!);
    expect(r).toMatchObject({ id: 0x1234, flags: { qr: true, rcode: RCODE.FORMERR } });
    // A response (QR=1) followed by a real query on one TCP connection: the only reply is the query's.
    const response = encode({ ...query("web", TYPE.A, { id: 1 }), flags: { ...query("web", TYPE.A).flags, qr: true } });
    const replies = await tcpExchange(SERVER, port, [response, encode(query("web", TYPE.A, { id: 2 }))], 1);
    expect(replies.map((b) => decode(b).id)).toEqual([2]);
  });
  test("EDNS: two OPT records: FORMERR; a version other than 0: BADVERS in our OPT (RFC 6891)", async () => {
    const twice = query("web", TYPE.A, { edns: 1232 });
    twice.additionals.push(twice.additionals[0]!);
    expect((await udp(twice)).flags.rcode).toBe(RCODE.FORMERR);
    const v1 = query("web", TYPE.A, { edns: 1232 });
    v1.additionals[0]!.ttl = 1 << 16;
    const r = await udp(v1);
    expect(r.flags.rcode).toBe(0);
    expect(r.answers).toEqual([]);
    expect(r.additionals.map((o) => [o.type, o.ttl >>> 24, (o.ttl >>> 16) & 0xff])).toEqual([[TYPE.OPT, 1, 0]]);
  });
  test("two questions: FORMERR; an opcode other than QUERY: NOTIMP", async () => {
    const two = query("web", TYPE.A);
    two.questions.push({ name: "frontend", type: TYPE.A, class: 1 });
    expect((await udp(two)).flags.rcode).toBe(RCODE.FORMERR);
    const notify = query("web", TYPE.A);
    notify.flags.opcode = 4;
    expect((await udp(notify)).flags.rcode).toBe(RCODE.NOTIMP);
  });
  test("random datagrams and TCP garbage neither crash the server nor reach onError; it answers afterwards", async () => {
    const errors: unknown[] = [];
    const s = await startDnsServer({ listen: [{ address: "127.77.0.9", port: 0 }], zone: () => table, upstreams: [], onError: (e) => errors.push(e) });
    const p = s.endpoints[0]!.port;
    try {
      let seed = 12345;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
      const sender = await Bun.udpSocket({ binaryType: "uint8array", connect: { hostname: "127.77.0.9", port: p } });
      for (let i = 0; i < 300; i++) {
        const bytes = Uint8Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256));
        if (bytes.length > 3) bytes[2]! &= 0x7f; // mostly queries, so that they get read
        sender.send(bytes);
      }
      sender.close();
      const tcpGarbage = await Bun.connect({ hostname: "127.77.0.9", port: p, socket: { data() {} } });
      tcpGarbage.write(Uint8Array.from([0x00, 0x05, 1, 2, 3, 4, 5, 0xff, 0xff, 9]));
      tcpGarbage.end();
      // The flood may overflow the socket's receive buffer (the kernel drops datagrams then): ask again, as
      // resolvers do, until an answer comes or the deadline passes.
      let reply: Uint8Array | undefined;
      for (const deadline = Date.now() + 4000; reply === undefined && Date.now() < deadline;) {
        reply = await udpExchange("127.77.0.9", p, encode(query("web", TYPE.A, { id: 99 })), 250);
      }
      const r = decode(reply!);
      expect(r.id).toBe(99);
      expect(a4(r)).toEqual(["10.89.0.2"]);
      expect(errors).toEqual([]);
    } finally {
      s.stop();
    }
  });
  test("a client gone before its answer does not cost the next client its answer", async () => {
    for (let i = 0; i < 10; i++) {
      const gone = await Bun.udpSocket({ binaryType: "uint8array", connect: { hostname: SERVER, port } });
      gone.send(encode(query("web", TYPE.A, { id: 1000 + i })));
      gone.close(); // its answer will meet a closed port: ICMP port unreachable comes back to the server
      const reply = await udpExchange(SERVER, port, encode(query("web", TYPE.A, { id: 2000 + i })), 3000);
      expect(reply && decode(reply).id).toBe(2000 + i);
    }
  }, 60_000);
  test("pipelined TCP queries on one connection are all answered", async () => {
    const replies = await tcpExchange(SERVER, port, [10, 11, 12].map((id) => encode(query("web", TYPE.A, { id }))));
    expect(replies.map((b) => decode(b).id).sort()).toEqual([10, 11, 12]);
  });
});

describe("lifecycle", () => {
  test("update() makes new containers resolvable and removed ones forwarded", async () => {
    const names: NameEntry[] = [{ name: "first", ipv4: ["10.89.0.10"] }];
    const s = await startDnsServer({ listen: [{ address: "127.77.0.7", port: 0 }], zone: () => names, domain: "net.minibox", upstreams: [`127.77.0.1:${upstream.port}`] });
    const ask = async (name: string) => decode((await udpExchange("127.77.0.7", s.endpoints[0]!.port, encode(query(name, TYPE.A))))!);
    try {
      names.push({ name: "later", ipv4: ["10.89.0.11"] });
      expect((await ask("later.net.minibox")).flags.rcode).toBe(RCODE.NXDOMAIN); // not told yet
      s.update();
      expect(a4(await ask("later.net.minibox"))).toEqual(["10.89.0.11"]);
      names.splice(0, 1);
      s.update();
      expect((await ask("first.net.minibox")).flags.rcode).toBe(RCODE.NXDOMAIN);
    } finally {
      s.stop();
    }
  });
  test("dns-wire: upstreamsFor gives each client its own upstreams (a container's --dns), by its address", async () => {
    const clients: string[] = [];
    let theirs: Upstream[] | undefined = [{ address: "127.77.0.1", port: upstream.port }];
    const s = await startDnsServer({
      listen: [{ address: "127.77.0.9", port: 0 }], zone: () => [], upstreams: [],
      upstreamsFor: (client) => { clients.push(client); return theirs; },
    });
    const ask = async (name: string) => decode((await udpExchange("127.77.0.9", s.endpoints[0]!.port, encode(query(name, TYPE.A))))!);
    try {
      expect(a4(await ask("per-client.example.test"))).toEqual(["192.0.2.10"]);
      expect(clients[0]).toMatch(/^127\./);
      theirs = []; // this client has none: SERVFAIL, the server's own list is not used instead
      expect((await ask("per-client.example.test")).flags.rcode).toBe(RCODE.SERVFAIL);
      theirs = undefined; // unknown client: the server's list, empty here
      expect((await ask("per-client.example.test")).flags.rcode).toBe(RCODE.SERVFAIL);
      expect(seenFor("per-client.example.test")).toHaveLength(1);
    } finally {
      s.stop();
    }
  });
  test("the same port for UDP and TCP; stop() closes both", async () => {
    const s = await startDnsServer({ listen: [{ address: "127.77.0.8", port: 0 }], zone: () => table, upstreams: [] });
    const p = s.endpoints[0]!.port;
    expect(p).toBeGreaterThan(0);
    expect(decode((await tcpExchange("127.77.0.8", p, [encode(query("web", TYPE.A))]))[0]!).answers).toHaveLength(1);
    s.stop();
    await expect(tcpExchange("127.77.0.8", p, [encode(query("web", TYPE.A))], 1, 2000)).rejects.toThrow();
  });
  test("a port already taken: DnsListenError naming the address", async () => {
    await expect(startDnsServer({ listen: [{ address: SERVER, port }], zone: () => [], upstreams: [] })).rejects.toThrow(/cannot listen for DNS on udp 127\.77\.0\.2/);
  });
});

const ipv6Loopback = (() => {
  try { return readFileSync("/proc/sys/net/ipv6/conf/lo/disable_ipv6", "utf8").trim() === "0"; } catch { return false; }
})();

describe("IPv6", () => {
  test.skipIf(!ipv6Loopback)("listening on ::1 and forwarding to an upstream on [::1]:PORT (skipped: IPv6 disabled on lo)", async () => {
    const up6 = await startFakeUpstream("::1");
    const s = await startDnsServer({ listen: [{ address: "::1", port: 0 }], zone: () => table, upstreams: [`[::1]:${up6.port}`] });
    try {
      const p = s.endpoints[0]!.port;
      expect(a4(decode((await udpExchange("::1", p, encode(query("web", TYPE.A))))!))).toEqual(["10.89.0.2"]);
      expect(a4(decode((await udpExchange("::1", p, encode(query("six.example.test", TYPE.A))))!))).toEqual(["192.0.2.10"]);
      expect(a4(decode((await tcpExchange("::1", p, [encode(query("big.example.test", TYPE.A))]))[0]!))).toHaveLength(100);
      expect(up6.seen.map((q) => q.name)).toEqual(["six.example.test", "big.example.test"]);
    } finally {
      s.stop();
      up6.stop();
    }
  });
});

describe("busybox nslookup as an independent client", () => {
  const busybox = "/usr/bin/busybox";
  // Asynchronous: the server answers from this very process's event loop.
  const lookup = async (args: string[]) => {
    const p = Bun.spawn([busybox, "nslookup", ...args, `${SERVER}:${port}`], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { code, out: out + err };
  };
  test.skipIf(!existsSync(busybox))("A, AAAA, PTR, NXDOMAIN and a forwarded name", async () => {
    expect((await lookup(["-type=a", "web"])).out).toContain("Address: 10.89.0.2");
    expect((await lookup(["-type=aaaa", "web"])).out).toContain("Address: fd00:89::2");
    expect((await lookup(["10.89.0.2"])).out).toContain("name = web.net.minibox");
    const nx = await lookup(["-type=a", "nobody.net.minibox"]);
    expect(nx.out).toContain("NXDOMAIN");
    expect(nx.code).not.toBe(0);
    expect((await lookup(["-type=a", "nslookup.example.test"])).out).toContain("Address: 192.0.2.10");
  }, 60_000);
});
