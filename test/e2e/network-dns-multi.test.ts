// Name resolution for a container on several networks, and over IPv6, through the compiled binary: a
// container connected to a second user network resolves names of both (whichever network's server it
// asks), the second network's containers resolve it by name and alias, a container of the default bridge
// that joins a user network starts using that network's server; the DNS server of an IPv6 network also
// listens on its IPv6 gateway and answers AAAA and PTR (ip6.arpa) as well as A and PTR (in-addr.arpa).
// Disconnecting or removing a container removes its records (NXDOMAIN from the test's fake upstream).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { T, useRunSandbox } from "./run-helpers.ts";
import { makeOutside, netNames, sh, startFakeUpstream, waitFor, type FakeUpstream, type Outside } from "./network-helpers.ts";

const names = netNames("m", "10.244.0.0/15");
const ctx = useRunSandbox("minibox-e2e-net-dns-multi-");
const { ok } = ctx;
const mb = (args: string[]) => ctx.sb.run(args);
const NETA = "mbtma", NETB = "mbtmb";
const GWA = "10.244.1.1", GWA6 = "fd00:db8:a1::1", GWB = "10.244.2.1";

let outside: Outside | undefined;
let upstream: FakeUpstream | undefined;

beforeAll(async () => {
  Object.assign(ctx.sb.env, names.env);
  outside = await makeOutside("m", 7);
  upstream = await startFakeUpstream(outside);
  for (const args of [["--ipv6", "--subnet", "10.244.1.0/24", "--subnet", "fd00:db8:a1::/64", NETA], ["--subnet", "10.244.2.0/24", NETB]]) {
    const r = await mb(["network", "create", ...args]);
    if (r.code !== 0) throw new Error(`network create ${args.at(-1)}: ${r.stderr}`);
  }
}, T);

afterAll(async () => {
  await mb(["rm", "-f", ...ctx.containerIds()]);
  await mb(["network", "rm", NETA, NETB]);
  upstream?.stop();
  outside?.close();
  sh(["nft", "delete", "table", "inet", names.table], { allowFail: true });
  sh(["ip", "link", "del", names.bridge], { allowFail: true });
}, T);

const dnsArgs = () => ["--dns", outside!.ip];
async function addressesOf(ref: string): Promise<Record<string, { IPAddress: string; GlobalIPv6Address: string }>> {
  const [info] = JSON.parse((await mb(["inspect", ref])).stdout);
  return info.NetworkSettings.Networks;
}
/** busybox nslookup from inside `ref`: the answered addresses (or PTR names), and the whole output. */
async function lookup(ref: string, name: string, o: { type?: string; server?: string } = {}): Promise<{ code: number; answers: string[]; out: string }> {
  const r = await mb(["exec", ref, "nslookup", ...(o.type ? [`-type=${o.type}`] : []), name, ...(o.server ? [o.server] : [])]);
  const out = r.stdout + r.stderr;
  const body = out.split(/\n\s*\n/).slice(1).join("\n");
  const answers = [...body.matchAll(/Address:\s*([0-9a-f.:]+)\s*$/gm)].map((m) => m[1]!)
    .concat([...body.matchAll(/name = (\S+)/g)].map((m) => m[1]!));
  return { code: r.code, answers, out };
}
const nxdomain = async (ref: string, name: string, o: { type?: string; server?: string } = {}) => {
  let last = "";
  try {
    return await waitFor(`${name} to be forgotten (asked from ${ref})`, async () => {
      const r = await lookup(ref, name, o);
      last = `exit ${r.code}: ${r.out.trim()}`;
      return r.answers.length === 0 && r.out.includes("NXDOMAIN") ? true : undefined;
    });
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : e}; the last answer: ${last}`);
  }
};

describe("a container on two user networks", () => {
  let ipA = "", ipB = "", ipX_A = "", ipX_B = "", ipX6 = "";

  beforeAll(async () => {
    await ok(["-d", "--name", "m-a", "--network", NETA, ...dnsArgs(), "busybox", "sleep", "600"]);
    await ok(["-d", "--name", "m-b", "--network", NETB, ...dnsArgs(), "busybox", "sleep", "600"]);
    await ok(["-d", "--name", "m-x", "--network", NETA, ...dnsArgs(), "busybox", "sleep", "600"]);
    const c = await mb(["network", "connect", "--alias", "xb", NETB, "m-x"]);
    if (c.code !== 0) throw new Error(`network connect: ${c.stderr}`);
    ipA = (await addressesOf("m-a"))[NETA]!.IPAddress;
    ipB = (await addressesOf("m-b"))[NETB]!.IPAddress;
    const x = await addressesOf("m-x");
    ipX_A = x[NETA]!.IPAddress;
    ipX_B = x[NETB]!.IPAddress;
    ipX6 = x[NETA]!.GlobalIPv6Address;
  }, T);

  test("it resolves names of both networks through its resolv.conf's server", async () => {
    expect((await lookup("m-x", "m-a", { type: "a" })).answers).toEqual([ipA]);
    expect((await lookup("m-x", "m-b", { type: "a" })).answers).toEqual([ipB]);
    expect((await lookup("m-x", "m-b", { type: "a", server: GWB })).answers).toEqual([ipB]);
    expect((await lookup("m-x", "m-a", { type: "a", server: GWB })).answers).toEqual([ipA]);
    // PTR of an address on the second network
    expect((await lookup("m-x", ipB)).answers).toContain("m-b");
  }, T);

  test("the second network's containers resolve it by name and alias; the first network's see their own address", async () => {
    expect((await lookup("m-b", "m-x", { type: "a" })).answers).toEqual([ipX_B]);
    expect((await lookup("m-b", "xb", { type: "a" })).answers).toEqual([ipX_B]);
    expect((await lookup("m-a", "m-x", { type: "a" })).answers).toEqual([ipX_A]);
    // a container on one network only still does not see the other network's names
    const r = await lookup("m-a", "m-b", { type: "a" });
    expect(r.answers).toEqual([]);
  }, T);

  test("IPv6: the server answers on the IPv6 gateway; AAAA and ip6.arpa PTR of containers' IPv6 addresses", async () => {
    expect(ipX6).toMatch(/^fd00:db8:a1::/);
    expect((await mb(["exec", "m-a", "cat", "/etc/resolv.conf"])).stdout.match(/^nameserver .*$/gm)).toEqual([`nameserver ${GWA}`, `nameserver ${GWA6}`]);
    expect((await lookup("m-a", "m-x", { type: "aaaa", server: GWA6 })).answers).toEqual([ipX6]);
    expect((await lookup("m-a", "m-x", { type: "a", server: GWA6 })).answers).toEqual([ipX_A]);
    expect((await lookup("m-a", "m-x", { type: "aaaa" })).answers).toEqual([ipX6]);
    expect((await lookup("m-a", ipX6, { server: GWA6 })).answers).toContain("m-x");
    expect((await lookup("m-a", ipX_A)).answers).toContain("m-x");
    // another network's containers cannot use it (the input rule covers the IPv6 gateway too)
    const r = await lookup("m-b", "m-x", { type: "a", server: GWA6 });
    expect(r.answers).toEqual([]);
  }, T);

  test("disconnect: its records on the network it left are gone (NXDOMAIN), its own view shrinks too", async () => {
    expect((await mb(["network", "disconnect", NETB, "m-x"])).code).toBe(0);
    await nxdomain("m-b", "m-x", { type: "a" });
    await nxdomain("m-b", "xb", { type: "a" });
    await nxdomain("m-x", "m-b", { type: "a" });
    expect((await lookup("m-a", "m-x", { type: "a" })).answers).toEqual([ipX_A]);
  }, T);

  test("rm -f: A, AAAA and both PTRs are gone", async () => {
    await mb(["rm", "-f", "m-x"]);
    await nxdomain("m-a", "m-x", { type: "a" });
    await nxdomain("m-a", "m-x", { type: "aaaa", server: GWA6 });
    await nxdomain("m-a", ipX_A);
    await nxdomain("m-a", ipX6, { server: GWA6 });
  }, T);
});

describe("a default-bridge container connected to a user network", () => {
  test("its resolv.conf names the user network's server, which resolves that network's names", async () => {
    await ok(["-d", "--name", "m-d", ...dnsArgs(), "busybox", "sleep", "600"]);
    await ok(["-d", "--name", "m-e", "--network", NETB, ...dnsArgs(), "busybox", "sleep", "600"]);
    expect((await mb(["network", "connect", NETB, "m-d"])).code).toBe(0);
    const text = (await mb(["exec", "m-d", "cat", "/etc/resolv.conf"])).stdout;
    expect(text.match(/^nameserver .*$/gm)).toEqual([`nameserver ${GWB}`]);
    const ipE = (await addressesOf("m-e"))[NETB]!.IPAddress;
    expect((await lookup("m-d", "m-e", { type: "a" })).answers).toEqual([ipE]);
    const ipD = (await addressesOf("m-d"))[NETB]!.IPAddress;
    expect((await lookup("m-e", "m-d", { type: "a" })).answers).toEqual([ipD]);
    // other names still go to its --dns
    expect((await lookup("m-d", "www.example.test", { type: "a" })).answers).toEqual(["192.0.2.10"]);
    expect(upstream!.asked).toContain("www.example.test");
  }, T);
});

describe("network connect of a created container", () => {
  test("it joins both networks at start, resolves both, and the second network's containers resolve it by alias", async () => {
    const created = await mb(["create", "--name", "m-c", "--network", NETA, ...dnsArgs(), "busybox", "sleep", "600"]);
    expect(created.code).toBe(0);
    const c = await mb(["network", "connect", "--alias", "cb", NETB, "m-c"]);
    expect(c.stderr).toBe("");
    expect(c.code).toBe(0);
    const again = await mb(["network", "connect", NETB, "m-c"]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`minibox: endpoint with name m-c already exists in network ${NETB}`);
    const [before] = JSON.parse((await mb(["inspect", "m-c"])).stdout);
    expect(Object.keys(before.NetworkSettings.Networks).sort()).toEqual([NETA, NETB]);
    expect((await mb(["start", "m-c"])).code).toBe(0);
    const nets = await addressesOf("m-c");
    expect(nets[NETA]!.IPAddress).toMatch(/^10\.244\.1\./);
    expect(nets[NETB]!.IPAddress).toMatch(/^10\.244\.2\./);
    await ok(["-d", "--name", "m-f", "--network", NETB, ...dnsArgs(), "busybox", "sleep", "600"]);
    expect((await lookup("m-f", "cb", { type: "a" })).answers).toEqual([nets[NETB]!.IPAddress]);
    expect((await lookup("m-f", "m-c", { type: "a" })).answers).toEqual([nets[NETB]!.IPAddress]);
    expect((await lookup("m-c", "m-f", { type: "a" })).answers).toEqual([(await addressesOf("m-f"))[NETB]!.IPAddress]);
    await mb(["rm", "-f", "m-c", "m-f"]);
  }, T);

  test("disconnect of a created container undoes a pending connect; none/host containers are refused", async () => {
    expect((await mb(["create", "--name", "m-g", "--network", NETA, "busybox", "true"])).code).toBe(0);
    expect((await mb(["network", "connect", NETB, "m-g"])).code).toBe(0);
    expect((await mb(["network", "disconnect", NETB, "m-g"])).code).toBe(0);
    const [info] = JSON.parse((await mb(["inspect", "m-g"])).stdout);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([NETA]);
    // a pending network removed before the start: the start fails naming it, and leaves no endpoint behind
    expect((await mb(["network", "create", "--subnet", "10.244.3.0/24", "mbtmc"])).code).toBe(0);
    expect((await mb(["network", "connect", "mbtmc", "m-g"])).code).toBe(0);
    expect((await mb(["network", "rm", "mbtmc"])).code).toBe(0);
    const start = await mb(["start", "m-g"]);
    expect(start.code).not.toBe(0);
    expect(start.stderr.trim().split("\n")).toEqual(["minibox: network mbtmc not found"]);
    expect(sh(["ls", join(ctx.sb.root, "network", "endpoints")]).trim()).not.toContain((await mb(["inspect", "-f", "{{.Id}}", "m-g"])).stdout.trim());
    expect((await mb(["create", "--name", "m-h", "--network", "none", "busybox", "true"])).code).toBe(0);
    const r = await mb(["network", "connect", NETB, "m-h"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    await mb(["rm", "-f", "m-g", "m-h"]);
  }, T);
});

describe("network connect of a running container", () => {
  test("is remembered for its next start; a disconnect is too", async () => {
    await ok(["-d", "--name", "m-r", "--network", NETA, "busybox", "sleep", "600"]);
    expect((await mb(["network", "connect", NETB, "m-r"])).code).toBe(0);
    expect((await mb(["kill", "m-r"])).code).toBe(0);
    await waitFor("m-r to stop", async () => ((await mb(["inspect", "-f", "{{.State.Running}}", "m-r"])).stdout.trim() === "false" ? true : undefined));
    expect((await mb(["start", "m-r"])).code).toBe(0);
    const nets = await addressesOf("m-r");
    expect(Object.keys(nets).sort()).toEqual([NETA, NETB]);
    expect(nets[NETB]!.IPAddress).toMatch(/^10\.244\.2\./);
    expect((await mb(["network", "disconnect", NETB, "m-r"])).code).toBe(0);
    expect((await mb(["kill", "m-r"])).code).toBe(0);
    await waitFor("m-r to stop", async () => ((await mb(["inspect", "-f", "{{.State.Running}}", "m-r"])).stdout.trim() === "false" ? true : undefined));
    expect((await mb(["start", "m-r"])).code).toBe(0);
    expect(Object.keys(await addressesOf("m-r"))).toEqual([NETA]);
    await mb(["rm", "-f", "m-r"]);
  }, T);
});
