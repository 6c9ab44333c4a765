// Coexistence with ufw's defaults: INPUT and FORWARD policy DROP in iptables (iptables-nft), with ufw's
// own first rules (loopback and established traffic accepted). The whole "host" is a network namespace of
// the test's own (minibox runs under `nsenter --net`), so the real host's policies are never touched.
// Containers on a user network must still resolve each other through the network's DNS server (the
// gateway, reached through INPUT) over IPv4 and IPv6, a published port must be reachable from outside, the
// policies and others' rules must stay, and our accept rules must go with the last network.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { BINARY } from "./harness.ts";
import { T, useRunSandbox } from "./run-helpers.ts";
import { netNames, sh, waitFor } from "./network-helpers.ts";

const names = netNames("i", "10.254.0.0/15");
const HOST_NS = "mbt-i-host", OUT_NS = "mbt-i-out";
const HOST_IP = "198.51.100.145", OUT_IP = "198.51.100.146", HOST_IP6 = "2001:db8:9::1", OUT_IP6 = "2001:db8:9::2";
const NET = "mbtiu", GW6 = "fd00:db8:e1::1";
const ctx = useRunSandbox("minibox-e2e-net-input-");
const hasIptables = Bun.spawnSync(["sh", "-c", "command -v iptables && command -v ip6tables"]).exitCode === 0;

const inHost = (cmd: string[], allowFail = false) => sh(["ip", "netns", "exec", HOST_NS, ...cmd], { allowFail });
const minibox = async (args: string[]) => {
  // nsenter enters the network namespace only (`ip netns exec` would also remount /sys, hiding cgroups).
  const p = Bun.spawn(["nsenter", `--net=/run/netns/${HOST_NS}`, BINARY, ...args], { env: ctx.sb.env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { stdout, stderr, code };
};
const ours = (binary: string, chain: string) => inHost([binary, "-S", chain]).split("\n").filter((l) => l.includes(`minibox:${names.table}`));

let echo6: ReturnType<typeof Bun.spawn> | undefined;

function teardown(): void {
  echo6?.kill("SIGKILL");
  sh(["ip", "netns", "del", HOST_NS], { allowFail: true });
  sh(["ip", "netns", "del", OUT_NS], { allowFail: true });
}

beforeAll(async () => {
  if (!hasIptables) return;
  Object.assign(ctx.sb.env, names.env);
  teardown();
  sh(["ip", "netns", "add", HOST_NS]);
  sh(["ip", "netns", "add", OUT_NS]);
  sh(["ip", "-n", HOST_NS, "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", OUT_NS]);
  sh(["ip", "-n", HOST_NS, "addr", "add", `${HOST_IP}/28`, "dev", "up0"]);
  sh(["ip", "-n", OUT_NS, "addr", "add", `${OUT_IP}/28`, "dev", "eth0"]);
  sh(["ip", "-n", HOST_NS, "addr", "add", `${HOST_IP6}/64`, "dev", "up0", "nodad"]);
  sh(["ip", "-n", OUT_NS, "addr", "add", `${OUT_IP6}/64`, "dev", "eth0", "nodad"]);
  for (const [ns, dev] of [[HOST_NS, "up0"], [HOST_NS, "lo"], [OUT_NS, "eth0"], [OUT_NS, "lo"]] as const) sh(["ip", "-n", ns, "link", "set", dev!, "up"]);
  // busybox nc cannot listen on an IPv6 address: a Bun listener answers "outside6".
  echo6 = Bun.spawn(["ip", "netns", "exec", OUT_NS, process.execPath, "-e",
    `Bun.listen({ hostname: "${OUT_IP6}", port: 7000, socket: { open(s) { s.write("outside6\\n"); s.end(); }, data() {} } }); console.log("listening")`], { stdout: "pipe", stderr: "inherit" });
  const reader = (echo6.stdout as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  reader.releaseLock();
  // ufw's defaults, reduced to what matters here: loopback and established traffic in, everything else dropped.
  for (const binary of ["iptables", "ip6tables"]) {
    inHost([binary, "-A", "INPUT", "-i", "lo", "-j", "ACCEPT"]);
    inHost([binary, "-A", "INPUT", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"]);
    inHost([binary, "-P", "INPUT", "DROP"]);
    // ufw's before6.rules accept neighbour discovery, without which IPv6 does not work at all
    if (binary === "ip6tables") for (const type of ["neighbour-solicitation", "neighbour-advertisement"]) inHost([binary, "-A", "INPUT", "-p", "ipv6-icmp", "--icmpv6-type", type, "-j", "ACCEPT"]);
    inHost([binary, "-P", "FORWARD", "DROP"]);
  }
}, T);

afterAll(async () => {
  // The sandbox's own clean-up can run first (it registered its afterAll first): a minibox command after
  // it would create the store again under /tmp, so containers and network go only while the store is there.
  if (hasIptables && existsSync(ctx.sb.root)) {
    await minibox(["rm", "-f", ...ctx.containerIds()]);
    await minibox(["network", "rm", NET]);
  }
  teardown(); // the namespace goes with its policies and rules
}, T);

async function lookup(ref: string, name: string, type: string, server?: string): Promise<string[]> {
  const r = await minibox(["exec", ref, "nslookup", `-type=${type}`, name, ...(server ? [server] : [])]);
  const body = (r.stdout + r.stderr).split(/\n\s*\n/).slice(1).join("\n");
  return [...body.matchAll(/Address:\s*([0-9a-f.:]+)\s*$/gm)].map((m) => m[1]!);
}

describe("ufw-like INPUT and FORWARD policy DROP (in a namespace of the test's own)", () => {
  test.skipIf(!hasIptables)("containers on a user network resolve each other through the gateway, over IPv4 and IPv6", async () => {
    expect((await minibox(["network", "create", "--ipv6", "--subnet", "10.255.1.0/24", "--subnet", "fd00:db8:e1::/64", NET])).code).toBe(0);
    expect((await minibox(["run", "-d", "--name", "in-a", "--network", NET, "busybox", "sleep", "600"])).code).toBe(0);
    expect((await minibox(["run", "-d", "--name", "in-b", "--network", NET, "busybox", "sleep", "600"])).code).toBe(0);
    const [info] = JSON.parse((await minibox(["inspect", "in-a"])).stdout);
    const { IPAddress, GlobalIPv6Address } = info.NetworkSettings.Networks[NET];
    expect(await lookup("in-b", "in-a", "a")).toEqual([IPAddress]);
    expect(await lookup("in-b", "in-a", "aaaa", GW6)).toEqual([GlobalIPv6Address]);
    // our accepts: DNS on this network's bridge, in each family's INPUT chain
    expect(ours("iptables", "INPUT").length).toBeGreaterThan(0);
    expect(ours("ip6tables", "INPUT").length).toBeGreaterThan(0);
    expect(inHost(["iptables", "-S", "INPUT"])).toContain("-P INPUT DROP");
  }, T);

  test.skipIf(!hasIptables)("a container on the IPv6 network reaches the outside over IPv6 (ip6 FORWARD DROP)", async () => {
    const out = await waitFor("the outside over IPv6", async () => {
      const r = await minibox(["exec", "in-a", "nc", "-w", "3", OUT_IP6, "7000"]);
      return r.stdout.includes("outside6") ? r.stdout : undefined;
    });
    expect(out.trim()).toBe("outside6");
  }, T);

  test.skipIf(!hasIptables)("a published port is reachable from outside", async () => {
    const started = await minibox(["run", "-d", "-p", "18400:80", "busybox", "nc", "-ll", "-p", "80", "-e", "echo", "through-input-drop"]);
    expect(started.code).toBe(0);
    const got = await waitFor("the published port", () => {
      const out = sh(["ip", "netns", "exec", OUT_NS, "busybox", "nc", "-w", "3", HOST_IP, "18400"], { allowFail: true });
      return out.includes("through-input-drop") ? out : undefined;
    });
    expect(got).toBe("through-input-drop\n");
    await minibox(["rm", "-f", started.stdout.trim()]);
  }, T);

  test.skipIf(!hasIptables)("policies and others' rules stay; our accepts go with the last network", async () => {
    inHost(["iptables", "-A", "INPUT", "-s", "192.0.2.98", "-j", "ACCEPT"]); // someone else's rule
    await minibox(["rm", "-f", "in-a", "in-b"]);
    expect((await minibox(["network", "rm", NET])).code).toBe(0);
    for (const binary of ["iptables", "ip6tables"]) {
      expect(ours(binary, "INPUT")).toEqual([]);
      if (binary === "ip6tables") expect(ours(binary, "FORWARD")).toEqual([]);
      const rules = inHost([binary, "-S", "INPUT"]);
      expect(rules).toContain("-P INPUT DROP");
      expect(rules).toContain("-A INPUT -i lo -j ACCEPT");
      expect(inHost([binary, "-S", "FORWARD"])).toContain("-P FORWARD DROP");
    }
    expect(inHost(["iptables", "-S", "INPUT"])).toContain("-A INPUT -s 192.0.2.98/32 -j ACCEPT");
    // ip FORWARD keeps the default bridge's three accepts (it stays, like docker0), none of the removed network
    const forward = ours("iptables", "FORWARD");
    expect(forward).toHaveLength(3);
    expect(forward.every((l) => l.includes(names.bridge))).toBe(true);
  }, T);
});
