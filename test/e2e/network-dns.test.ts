// Name resolution on user-defined networks through the compiled binary: the network's DNS server (run by
// the store's monitor on the gateway) answers names, short ids and aliases of running containers, forgets
// removed ones, forwards everything else to the container's --dns — here a fake upstream of the test's
// own, in a network namespace the test creates (no query ever leaves the machine) — and serves nobody
// outside its network. The default bridge has no such server; --add-host host-gateway works there.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { T, useRunSandbox } from "./run-helpers.ts";
import { makeOutside, netNames, sh, startFakeUpstream, waitFor, type FakeUpstream, type Outside } from "./network-helpers.ts";

const names = netNames("d", "10.240.0.0/14");
const ctx = useRunSandbox("minibox-e2e-net-dns-");
const { ok } = ctx;
const mb = (args: string[]) => ctx.sb.run(args);
const NET1 = "mbtdns1", NET2 = "mbtdns2";
const GW1 = "10.241.1.1", GW2 = "10.241.2.1";

let outside: Outside | undefined;
let upstream: FakeUpstream | undefined;

beforeAll(async () => {
  Object.assign(ctx.sb.env, names.env);
  outside = await makeOutside("d", 5);
  upstream = await startFakeUpstream(outside);
  for (const [net, subnet] of [[NET1, "10.241.1.0/24"], [NET2, "10.241.2.0/24"]] as const) {
    const r = await mb(["network", "create", "--subnet", subnet, net]);
    if (r.code !== 0) throw new Error(`network create ${net}: ${r.stderr}`);
  }
}, T);

afterAll(async () => {
  await mb(["rm", "-f", ...ctx.containerIds()]);
  await mb(["network", "rm", NET1, NET2]);
  upstream?.stop();
  outside?.close();
  sh(["nft", "delete", "table", "inet", names.table], { allowFail: true });
  sh(["ip", "link", "del", names.bridge], { allowFail: true });
}, T);

const dnsArgs = () => ["--dns", outside!.ip];
const ipOf = async (ref: string) => {
  const [info] = JSON.parse((await mb(["inspect", ref])).stdout);
  return Object.values(info.NetworkSettings.Networks as Record<string, { IPAddress: string }>)[0]!.IPAddress;
};
/** busybox nslookup's answer for `name` (asked from inside `ref`): the addresses, or the failure. */
async function lookup(ref: string, name: string, server?: string): Promise<{ code: number; addresses: string[]; out: string }> {
  const r = await mb(["exec", ref, "nslookup", "-type=a", name, ...(server ? [server] : [])]);
  const out = r.stdout + r.stderr;
  const answer = out.split(/\n\s*\n/).slice(1).join("\n");
  return { code: r.code, addresses: [...answer.matchAll(/Address:\s*([0-9.]+)\s*$/gm)].map((m) => m[1]!), out };
}
const listening = (address: string) => sh(["ss", "-Hlnu", "src", `${address}:53`]).trim() !== "";

describe("DNS on a user network", () => {
  let a = "", b = "", ipA = "", ipB = "";

  beforeAll(async () => {
    a = (await ok(["-d", "--name", "dns-a", "--network", NET1, "--network-alias", "web", ...dnsArgs(), "busybox", "sleep", "600"])).trim();
    b = (await ok(["-d", "--name", "dns-b", "--network", NET1, ...dnsArgs(), "busybox", "sleep", "600"])).trim();
    ipA = await ipOf(a);
    ipB = await ipOf(b);
  }, T);

  test("resolv.conf names the gateway only; --dns became the server's upstream", async () => {
    const text = (await mb(["exec", "dns-a", "cat", "/etc/resolv.conf"])).stdout;
    expect(text.match(/^nameserver .*$/gm)).toEqual([`nameserver ${GW1}`]);
    expect(listening(GW1)).toBe(true);
  }, T);

  test("containers resolve each other by name, short id, alias and name.network", async () => {
    expect((await lookup("dns-b", "dns-a")).addresses).toEqual([ipA]);
    expect((await lookup("dns-a", "dns-b")).addresses).toEqual([ipB]);
    expect((await lookup("dns-b", a.slice(0, 12))).addresses).toEqual([ipA]);
    expect((await lookup("dns-b", "web")).addresses).toEqual([ipA]);
    expect((await lookup("dns-b", `dns-a.${NET1}`)).addresses).toEqual([ipA]);
    const ping = await mb(["exec", "dns-b", "ping", "-c1", "-W2", "web"]);
    expect(ping.stdout).toContain(`(${ipA})`);
    expect(ping.code).toBe(0);
  }, T);

  test("a foreground container resolves too (run without -d)", async () => {
    const out = await ok(["--rm", "--network", NET1, ...dnsArgs(), "busybox", "nslookup", "-type=a", "web"]);
    expect(out).toContain(`Address: ${ipA}`);
  }, T);

  test("a container started later becomes resolvable; after rm -f its name is forwarded and gets NXDOMAIN", async () => {
    const d = (await ok(["-d", "--name", "dns-d", "--network", NET1, ...dnsArgs(), "busybox", "sleep", "600"])).trim();
    const ipD = await ipOf(d);
    expect((await lookup("dns-a", "dns-d")).addresses).toEqual([ipD]);
    expect(upstream!.asked).not.toContain("dns-d");
    await mb(["rm", "-f", d]);
    const gone = await waitFor("dns-d forgotten", async () => {
      const r = await lookup("dns-a", "dns-d");
      return r.addresses.length === 0 ? r : undefined;
    });
    expect(gone.out).toContain("NXDOMAIN");
    expect(gone.code).not.toBe(0);
    expect(upstream!.asked).toContain("dns-d"); // no longer ours: asked upstream
  }, T);

  test("other names are forwarded to the container's --dns (a fake upstream in a namespace of the test's own)", async () => {
    const r = await lookup("dns-a", "www.example.test");
    expect(r.addresses).toEqual(["192.0.2.10"]);
    expect(upstream!.asked).toContain("www.example.test");
  }, T);

  test("a container of another network neither resolves these names nor reaches this network's server", async () => {
    await ok(["-d", "--name", "dns-e", "--network", NET2, ...dnsArgs(), "busybox", "sleep", "600"]);
    expect((await lookup("dns-e", "dns-a")).addresses).toEqual([]); // its own server forwards it: NXDOMAIN
    const direct = await lookup("dns-e", "dns-a", GW1);
    expect(direct.addresses).toEqual([]);
    expect(direct.code).not.toBe(0);
    // The same query from this network's own container works: the drop is about where it comes from.
    expect((await lookup("dns-b", "dns-a", GW1)).addresses).toEqual([ipA]);
  }, T);

  test("network connect: the connected container resolves on its new network by name and --alias; disconnect: forgotten", async () => {
    expect((await mb(["network", "connect", "--alias", "joined", NET1, "dns-e"])).code).toBe(0);
    const [info] = JSON.parse((await mb(["inspect", "dns-e"])).stdout);
    const ipE1 = info.NetworkSettings.Networks[NET1].IPAddress as string;
    expect(ipE1).toMatch(/^10\.241\.1\./);
    expect((await lookup("dns-b", "joined")).addresses).toEqual([ipE1]);
    expect((await lookup("dns-b", "dns-e")).addresses).toEqual([ipE1]);
    expect((await mb(["network", "disconnect", NET1, "dns-e"])).code).toBe(0);
    await waitFor("dns-e forgotten on the network it left", async () => ((await lookup("dns-b", "joined")).addresses.length === 0 ? true : undefined));
  }, T);

  test("the monitor killed with -9: the servers go with it; the next start serves the running containers again", async () => {
    const owner = /pid=(\d+)/.exec(sh(["ss", "-Hlnup", "src", `${GW1}:53`]))?.[1];
    expect(owner).toBeDefined();
    process.kill(Number(owner), "SIGKILL");
    await waitFor("the killed monitor's server to go", () => (!listening(GW1) ? true : undefined));
    await ok(["-d", "--name", "dns-f", "--network", NET1, ...dnsArgs(), "busybox", "sleep", "600"]);
    expect((await lookup("dns-f", "dns-a")).addresses).toEqual([ipA]);
    expect((await lookup("dns-a", "dns-f")).addresses).toEqual([await ipOf("dns-f")]);
  }, T);

  test("the servers stop when their network has no running container left", async () => {
    await mb(["rm", "-f", "dns-a", "dns-b", "dns-e", "dns-f"]);
    await waitFor("the DNS servers to stop", () => (!listening(GW1) && !listening(GW2) ? true : undefined));
  }, T);
});

describe("the default bridge", () => {
  test("no DNS server: resolv.conf has no gateway nameserver, and nothing answers on the gateway", async () => {
    const out = await ok(["--rm", ...dnsArgs(), "busybox", "sh", "-c",
      "cat /etc/resolv.conf; gw=$(ip route | awk '/^default/ {print $3}'); echo gateway=$gw; nslookup -type=a web $gw || echo lookup-failed"]);
    const gw = /gateway=(\S+)/.exec(out)?.[1];
    expect(gw).toMatch(/^10\.24[0-3]\./);
    expect(out.match(/^nameserver .*$/gm)).toEqual([`nameserver ${outside!.ip}`]);
    expect(out).toContain("lookup-failed");
  }, T);

  test("--add-host NAME:host-gateway is the bridge's gateway", async () => {
    const out = await ok(["--rm", "--add-host", "gw.test:host-gateway", "busybox", "sh", "-c", "cat /etc/hosts; ip route"]);
    const gw = /^default via (\S+)/m.exec(out)?.[1];
    expect(gw).toBeDefined();
    expect(out).toContain(`${gw}\tgw.test\n`);
  }, T);
});
