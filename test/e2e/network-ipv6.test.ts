// IPv6 on a user network (`network create --ipv6`): addresses, default route via the gateway, container to
// container, and NAT66 to an outside namespace of the test's own (documentation prefix 2001:db8::/32).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { T, useRunSandbox } from "./run-helpers.ts";
import { netNames, sh, waitFor } from "./network-helpers.ts";

const names = netNames("6", "10.237.0.0/16");
const OUT_NS = "mbt-6-out", HOST_VETH = "mbt6o";
const HOST_IP6 = "2001:db8:6::1", OUT_IP6 = "2001:db8:6::2";
const ctx = useRunSandbox("minibox-e2e-net-ipv6-");
const mb = (args: string[]) => ctx.sb.run(args);
let server: ReturnType<typeof Bun.spawn> | undefined;
let dir = "";

function teardown(): void {
  server?.kill("SIGKILL");
  sh(["ip", "link", "del", HOST_VETH], { allowFail: true });
  sh(["ip", "netns", "del", OUT_NS], { allowFail: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
}

beforeAll(async () => {
  Object.assign(ctx.sb.env, names.env);
  teardown();
  dir = mkdtempSync(join(tmpdir(), "mbt-6-"));
  sh(["ip", "netns", "add", OUT_NS]);
  sh(["ip", "link", "add", HOST_VETH, "type", "veth", "peer", "name", "eth0", "netns", OUT_NS]);
  sh(["ip", "addr", "add", `${HOST_IP6}/64`, "dev", HOST_VETH, "nodad"]);
  sh(["ip", "link", "set", HOST_VETH, "up"]);
  sh(["ip", "-n", OUT_NS, "addr", "add", `${OUT_IP6}/64`, "dev", "eth0", "nodad"]);
  sh(["ip", "-n", OUT_NS, "link", "set", "eth0", "up"]);
  writeFileSync(join(dir, "server.ts"), `Bun.listen({ hostname: "${OUT_IP6}", port: 7000, socket: { open(s) { s.write(s.remoteAddress + "\\n"); s.end(); }, data() {} } }); console.log("listening");`);
  server = Bun.spawn(["ip", "netns", "exec", OUT_NS, process.execPath, join(dir, "server.ts")], { stdout: "pipe" });
  const reader = (server.stdout as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  reader.releaseLock();
}, T);

afterAll(async () => {
  await mb(["rm", "-f", ...ctx.containerIds()]);
  const nets = (await mb(["network", "ls", "-q"])).stdout.trim().split("\n");
  await mb(["network", "rm", ...nets]);
  teardown();
});

describe("network create --ipv6", () => {
  test("containers get an IPv6 address and route, reach each other, the gateway, and the outside through NAT66", async () => {
    const created = await mb(["network", "create", "--ipv6", "--subnet", "10.238.1.0/24", "--subnet", "fd00:db8:66::/64", "v6"]);
    expect(created.code).toBe(0);
    const [info] = JSON.parse((await mb(["network", "inspect", "v6"])).stdout);
    expect(info.EnableIPv6).toBe(true);
    expect(info.IPAM.Config).toEqual([{ Subnet: "10.238.1.0/24", Gateway: "10.238.1.1" }, { Subnet: "fd00:db8:66::/64", Gateway: "fd00:db8:66::1" }]);

    const a = (await mb(["run", "-d", "--network", "v6", "busybox", "sleep", "60"])).stdout.trim();
    try {
      const [ai] = JSON.parse((await mb(["inspect", a])).stdout);
      const net = ai.NetworkSettings.Networks.v6;
      expect(net.GlobalIPv6Address).toBe("fd00:db8:66::2");
      expect(net.GlobalIPv6PrefixLen).toBe(64);
      expect(net.IPv6Gateway).toBe("fd00:db8:66::1");
      const out = await mb(["run", "--rm", "--network", "v6", "busybox", "sh", "-c",
        "ip -o -6 addr show eth0 scope global; ip -6 route show default; ping6 -c1 -W3 fd00:db8:66::2 >/dev/null && echo peer-ok; ping6 -c1 -W3 fd00:db8:66::1 >/dev/null && echo gw-ok"]);
      expect(out.stdout).toContain("inet6 fd00:db8:66::3/64");
      expect(out.stdout).toContain("default via fd00:db8:66::1 dev eth0");
      expect(out.stdout).toContain("peer-ok");
      expect(out.stdout).toContain("gw-ok");
      const seen = await waitFor("the outside server over IPv6", async () => {
        const r = await mb(["run", "--rm", "--network", "v6", "busybox", "nc", "-w", "5", OUT_IP6, "7000"]);
        return r.stdout.trim() || undefined;
      });
      expect(seen).toBe(HOST_IP6); // masqueraded to the host's address on that link
    } finally {
      await mb(["rm", "-f", a]);
    }
  }, T);

  test("an IPv6 subnet without --ipv6, a bad one, and an overlapping one are refused", async () => {
    for (const args of [["--subnet", "fd00:db8:67::/64", "n1"], ["--ipv6", "--subnet", "fd00:db8:67::1/64", "n2"], ["--ipv6", "--subnet", "fd00:db8:66:0:1::/80", "n3"]]) {
      const r = await mb(["network", "create", ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  }, T);
});
