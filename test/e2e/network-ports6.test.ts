// Published ports over IPv6, kernel only (no proxy process): on an IPv6 user network a plain `-p H:C` is
// reachable through the host's own IPv6 address and from an outside namespace of the test's own
// (documentation prefix 2001:db8::/32), as well as through IPv4; `-p [IPv6]:H:C` binds to that address
// only; `port`, `ps` and `inspect` show the bindings as Docker does. [::1] cannot be forwarded by the
// kernel (no route_localnet for IPv6, see docs/networking.md): connecting there is refused at once rather
// than hanging, and `-p [::1]:H:C` is refused at start, as is an IPv6 host address on a network without IPv6.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { T, useRunSandbox } from "./run-helpers.ts";
import { netNames, sh, tcpRead, waitFor } from "./network-helpers.ts";

const names = netNames("p", "10.246.0.0/15");
const OUT_NS = "mbt-p-out", HOST_VETH = "mbtpo";
const HOST_IP6 = "2001:db8:8::1", OUT_IP6 = "2001:db8:8::2";
const NET = "mbtp6";
const ctx = useRunSandbox("minibox-e2e-net-ports6-");
const { ok } = ctx;
const mb = (args: string[]) => ctx.sb.run(args);

function teardownOutside(): void {
  sh(["ip", "link", "del", HOST_VETH], { allowFail: true });
  sh(["ip", "netns", "del", OUT_NS], { allowFail: true });
}

beforeAll(async () => {
  Object.assign(ctx.sb.env, names.env);
  teardownOutside();
  sh(["ip", "netns", "add", OUT_NS]);
  sh(["ip", "link", "add", HOST_VETH, "type", "veth", "peer", "name", "eth0", "netns", OUT_NS]);
  sh(["ip", "addr", "add", `${HOST_IP6}/64`, "dev", HOST_VETH, "nodad"]);
  sh(["ip", "link", "set", HOST_VETH, "up"]);
  sh(["ip", "-n", OUT_NS, "addr", "add", `${OUT_IP6}/64`, "dev", "eth0", "nodad"]);
  sh(["ip", "-n", OUT_NS, "link", "set", "eth0", "up"]);
  sh(["ip", "-n", OUT_NS, "link", "set", "lo", "up"]);
  const r = await mb(["network", "create", "--ipv6", "--subnet", "10.246.1.0/24", "--subnet", "fd00:db8:b6::/64", NET]);
  if (r.code !== 0) throw new Error(`network create: ${r.stderr}`);
}, T);

afterAll(async () => {
  await mb(["rm", "-f", ...ctx.containerIds()]);
  await mb(["network", "rm", NET]);
  teardownOutside();
  sh(["nft", "delete", "table", "inet", names.table], { allowFail: true });
  sh(["ip", "link", "del", names.bridge], { allowFail: true });
}, T);

/** A container answering every TCP connection on port 80 with `word`. */
const server = (word: string, ...flags: string[]) => ok(["-d", ...flags, "busybox", "nc", "-ll", "-p", "80", "-e", "echo", word]).then((s) => s.trim());
const reach = (host: string, port: number, word: string) =>
  waitFor(`${word} through ${host}:${port}`, async () => ((await tcpRead(host, port).catch(() => "")).trim() === word ? true : undefined));
/** Nothing answers there: the connection is refused (a DNAT into nowhere would hang instead: "hung"). */
const refused = async (host: string, port: number) => {
  const hung = Bun.sleep(5_000).then(() => "hung");
  return (await Promise.race([tcpRead(host, port).then((t) => t.trim(), () => ""), hung])) === "";
};
const fromOutside = (port: number) => sh(["ip", "netns", "exec", OUT_NS, "busybox", "nc", "-w", "3", HOST_IP6, String(port)], { allowFail: true }).trim();

describe("published ports over IPv6", () => {
  test("-p H:C on an IPv6 network: the host's IPv6 address, the outside, and IPv4 too; port/ps/inspect show both", async () => {
    const id = await server("both6", "--network", NET, "-p", "18601:80");
    await reach(HOST_IP6, 18601, "both6");
    expect(await refused("::1", 18601)).toBe(true);
    await reach("127.0.0.1", 18601, "both6");
    expect(await waitFor("the outside over IPv6", () => (fromOutside(18601) === "both6" ? true : undefined))).toBe(true);
    expect((await mb(["port", id])).stdout).toBe("80/tcp -> 0.0.0.0:18601\n80/tcp -> [::]:18601\n");
    expect((await mb(["port", id, "80"])).stdout).toBe("0.0.0.0:18601\n[::]:18601\n");
    expect((await mb(["ps", "--format", "{{.Ports}}", "--filter", `id=${id}`])).stdout.trim()).toBe("0.0.0.0:18601->80/tcp, [::]:18601->80/tcp");
    const [info] = JSON.parse((await mb(["inspect", id])).stdout);
    expect(info.NetworkSettings.Ports["80/tcp"]).toEqual([{ HostIp: "0.0.0.0", HostPort: "18601" }, { HostIp: "::", HostPort: "18601" }]);
  }, T);

  test("-p [host IPv6]:H:C answers on that address only", async () => {
    const b = await server("addr6", "--network", NET, "-p", `[${HOST_IP6}]:18603:80`);
    await reach(HOST_IP6, 18603, "addr6");
    expect(await waitFor("the outside to the host address", () => (fromOutside(18603) === "addr6" ? true : undefined))).toBe(true);
    expect(await refused("127.0.0.1", 18603)).toBe(true);
    expect((await mb(["port", b])).stdout).toBe(`80/tcp -> [${HOST_IP6}]:18603\n`);
    expect((await mb(["ps", "--format", "{{.Ports}}", "--filter", `id=${b}`])).stdout.trim()).toBe(`[${HOST_IP6}]:18603->80/tcp`);
  }, T);

  test("-p [::1]:H:C is refused at start with one line naming the reason, nothing left", async () => {
    const before = (await mb(["ps", "-aq"])).stdout;
    const r = await mb(["run", "--rm", "--network", NET, "-p", "[::1]:18602:80", "busybox", "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("IPv6 loopback");
    expect((await mb(["ps", "-aq"])).stdout).toBe(before);
  }, T);

  test("a container reaches its own network's published port through the host's IPv6 address (hairpin)", async () => {
    await server("hair6", "--network", NET, "-p", "18604:80");
    const out = await waitFor("hairpin over IPv6", async () => {
      const r = await mb(["run", "--rm", "--network", NET, "busybox", "nc", "-w", "3", HOST_IP6, "18604"]);
      return r.stdout.trim() === "hair6" ? r.stdout.trim() : undefined;
    });
    expect(out).toBe("hair6");
  }, T);

  test("an IPv6 host address on a network without IPv6 is refused at start: one line, exit 125, nothing left", async () => {
    const before = (await mb(["ps", "-aq"])).stdout;
    const r = await mb(["run", "--rm", "-p", `[${HOST_IP6}]:18605:80`, "busybox", "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("has no IPv6");
    expect((await mb(["ps", "-aq"])).stdout).toBe(before);
    expect(sh(["nft", "list", "chain", "inet", names.table, "published"])).not.toContain("18605");
  }, T);

  test("the rules go with the containers", async () => {
    await mb(["rm", "-f", ...ctx.containerIds()]);
    const chain = sh(["nft", "list", "chain", "inet", names.table, "published"]);
    expect(chain).not.toContain("dnat");
  }, T);
});
