// dns-wire: the monitor's DNS service derives its servers from the endpoint records alone: one per user
// network with a live container (none for the default bridge), zones that follow the records, servers
// stopped when their network empties, and a server that cannot listen is a warning, never an exception.
// Real sockets on 127.77.3.x (any free port), a temp store; no resolver is asked.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NetworkDnsService } from "../../src/network/dns-service.ts";
import { NetworkStore, type Endpoint, type NetworkRecord } from "../../src/network/store.ts";
import { identify } from "../../src/container/liveness.ts";
import { decode, encode, RCODE, TYPE } from "../../src/network/dns/codec.ts";
import { query, udpExchange } from "./dns-fake-upstream.ts";

let root = "";
let ns: NetworkStore;
let service: NetworkDnsService;
const logged: string[] = [];

const network = (name: string, gateway: string): NetworkRecord => ({
  id: `${name}-id`, name, driver: "bridge", created: "", subnet: "10.9.0.0/24", gateway, internal: false, bridge: `br-${name}`, labels: {}, options: {},
});
const endpoint = (id: string, net: NetworkRecord, ip: string, aliases: string[] = [], alive = true): Endpoint => ({
  containerId: id.padEnd(64, "0"), containerName: id,
  process: alive ? identify(process.pid)! : { pid: 1, startTime: 0, bootId: "gone" },
  attachments: [{ network: net.id, ip, prefixLength: 24, gateway: net.gateway, mac: "", hostVeth: `v${id}`, ifname: "eth0", aliases }], ports: [],
});

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "minibox-dns-service-"));
  ns = new NetworkStore(root, {});
  service = new NetworkDnsService({ root, dir: (id) => join(root, "containers", id) }, (m) => logged.push(m), () => {}, 0);
});
afterEach(() => {
  service.stopAll();
  rmSync(root, { recursive: true, force: true });
});

async function ask(name: string) {
  const [served] = service.listening;
  const reply = await udpExchange(served!.address, served!.port, encode(query(name, TYPE.A)));
  const m = decode(reply!);
  return { rcode: m.flags.rcode, addresses: m.answers.map((r) => (r.data.kind === "bytes" ? [...r.data.bytes].join(".") : "?")) };
}

describe("NetworkDnsService", () => {
  test("a server for each user network with a live container; none for the default bridge; zones follow the records", async () => {
    const user = network("svc1", "127.77.3.1"), bridge = network("bridge", "127.77.3.2");
    ns.saveNetwork(user);
    ns.saveNetwork(bridge);
    ns.saveEndpoint(endpoint("on-bridge", bridge, "10.8.0.2"));
    expect(await service.sync()).toEqual([]);
    expect(service.active).toBe(false); // the default bridge has no DNS server

    ns.saveEndpoint(endpoint("c1", user, "10.9.0.2", ["web"]));
    ns.saveEndpoint(endpoint("dead", user, "10.9.0.9", [], false));
    expect(await service.sync()).toEqual([]);
    expect(service.listening.map((l) => [l.network, l.address])).toEqual([["svc1", "127.77.3.1"]]);
    for (const name of ["c1", "web", "c1.svc1", "web.svc1", "c10000000000", "c10000000000.svc1"]) expect((await ask(name)).addresses).toEqual(["10.9.0.2"]);
    // Not ours: forwarded, and with no upstream known for this client, SERVFAIL (never a real resolver).
    expect((await ask("dead")).rcode).toBe(RCODE.SERVFAIL);

    ns.saveEndpoint(endpoint("c2", user, "10.9.0.3"));
    await service.sync();
    expect((await ask("c2")).addresses).toEqual(["10.9.0.3"]);
    ns.removeEndpoint(endpoint("c1", user, "").containerId);
    await service.sync();
    expect((await ask("web")).rcode).toBe(RCODE.SERVFAIL);

    ns.removeEndpoint(endpoint("c2", user, "").containerId);
    await service.sync();
    expect(service.active).toBe(false);
  });

  test("a server that cannot listen is a warning naming the network; sync never throws and retries next time", async () => {
    const unreachable = network("svc2", "192.0.2.1"); // not an address of this host: EADDRNOTAVAIL
    ns.saveNetwork(unreachable);
    ns.saveEndpoint(endpoint("c3", unreachable, "10.9.0.4"));
    const warnings = await service.sync();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("network svc2");
    expect(service.active).toBe(false);
    expect(await service.sync()).toHaveLength(1);
  });

  test("concurrent syncs share a pass and see the latest records", async () => {
    const user = network("svc3", "127.77.3.3");
    ns.saveNetwork(user);
    ns.saveEndpoint(endpoint("c4", user, "10.9.0.5"));
    const first = service.sync();
    ns.saveEndpoint(endpoint("c5", user, "10.9.0.6"));
    await Promise.all([first, service.sync()]);
    expect((await ask("c5")).addresses).toEqual(["10.9.0.6"]);
  });
});
