// Coexistence with Docker's firewall: iptables' FORWARD policy DROP. The whole "host" here is a network
// namespace of the test's own (minibox runs under `ip netns exec`), so the real host's policy is never
// touched. minibox runs with `nsenter --net` in that namespace and must get its traffic through by accept rules of its own in that chain, leave the
// policy as it is, and remove exactly its rules when the last container goes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY } from "./harness.ts";
import { T, useRunSandbox } from "./run-helpers.ts";
import { netNames, sh, waitFor } from "./network-helpers.ts";

const names = netNames("f", "10.236.0.0/16");
const HOST_NS = "mbt-f-host", OUT_NS = "mbt-f-out";
const HOST_IP = "198.51.100.49", OUT_IP = "198.51.100.50";
const ctx = useRunSandbox("minibox-e2e-net-fwd-");
let server: ReturnType<typeof Bun.spawn> | undefined;
let dir = "";
const hasIptables = Bun.spawnSync(["sh", "-c", "command -v iptables"]).exitCode === 0;

const inHost = (cmd: string[], allowFail = false) => sh(["ip", "netns", "exec", HOST_NS, ...cmd], { allowFail });
const minibox = async (args: string[]) => {
  // nsenter enters the network namespace only (`ip netns exec` would also remount /sys, hiding cgroups).
  const p = Bun.spawn(["nsenter", `--net=/run/netns/${HOST_NS}`, BINARY, ...args], { env: ctx.sb.env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { stdout, stderr, code };
};

function teardown(): void {
  server?.kill("SIGKILL");
  sh(["ip", "netns", "del", HOST_NS], { allowFail: true });
  sh(["ip", "netns", "del", OUT_NS], { allowFail: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
}

beforeAll(async () => {
  if (!hasIptables) return;
  Object.assign(ctx.sb.env, names.env);
  teardown();
  dir = mkdtempSync(join(tmpdir(), "mbt-f-"));
  sh(["ip", "netns", "add", HOST_NS]);
  sh(["ip", "netns", "add", OUT_NS]);
  sh(["ip", "-n", HOST_NS, "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", OUT_NS]);
  sh(["ip", "-n", HOST_NS, "addr", "add", `${HOST_IP}/28`, "dev", "up0"]);
  sh(["ip", "-n", OUT_NS, "addr", "add", `${OUT_IP}/28`, "dev", "eth0"]);
  for (const [ns, dev] of [[HOST_NS, "up0"], [HOST_NS, "lo"], [OUT_NS, "eth0"], [OUT_NS, "lo"]] as const) sh(["ip", "-n", ns, "link", "set", dev!, "up"]);
  inHost(["iptables", "-P", "FORWARD", "DROP"]);
  writeFileSync(join(dir, "server.ts"), `Bun.listen({ hostname: "${OUT_IP}", port: 7000, socket: { open(s) { s.write(s.remoteAddress + "\\n"); s.end(); }, data() {} } }); console.log("listening");`);
  server = Bun.spawn(["ip", "netns", "exec", OUT_NS, process.execPath, join(dir, "server.ts")], { stdout: "pipe" });
  const reader = (server.stdout as ReadableStream<Uint8Array>).getReader();
  await reader.read();
  reader.releaseLock();
}, T);

afterAll(teardown);

describe("iptables FORWARD policy DROP (in a namespace of the test's own)", () => {
  test.skipIf(!hasIptables)("the container still reaches the outside through NAT; the policy and others' rules stay", async () => {
    expect(inHost(["iptables", "-S", "FORWARD"])).toContain("-P FORWARD DROP");
    inHost(["iptables", "-A", "FORWARD", "-s", "192.0.2.99", "-j", "ACCEPT"]); // someone else's rule
    const r = await minibox(["run", "--rm", "busybox", "nc", "-w", "5", OUT_IP, "7000"]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(HOST_IP);
    // iptables can still read the chain (no native-only rule of ours in it) and its policy and rules stay.
    const after = inHost(["iptables", "-S", "FORWARD"]);
    expect(after).toContain("-P FORWARD DROP");
    expect(after).toContain("-A FORWARD -s 192.0.2.99/32 -j ACCEPT");
    // Our accepts stay with the network (its bridge stays, like docker0): exactly one set of three.
    const tagged = inHost(["iptables", "-S", "FORWARD"]).split("\n").filter((l) => l.includes(`minibox:${names.table}`));
    expect(tagged).toHaveLength(3);
  }, T);

  test.skipIf(!hasIptables)("a published port is reachable from the outside namespace", async () => {
    const started = await minibox(["run", "-d", "-p", "18300:80", "busybox", "nc", "-ll", "-p", "80", "-e", "echo", "through-drop"]);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    try {
      expect(inHost(["nft", "list", "chain", "inet", names.table, "published"])).toContain(id);
      const got = await waitFor("the published port", () => {
        const out = sh(["ip", "netns", "exec", OUT_NS, "busybox", "nc", "-w", "3", HOST_IP, "18300"], { allowFail: true });
        return out.includes("through-drop") ? out : undefined;
      });
      expect(got).toBe("through-drop\n");
    } finally {
      await minibox(["rm", "-f", id]);
    }
    expect(inHost(["nft", "list", "chain", "inet", names.table, "published"])).not.toContain(id);
    const tagged = inHost(["iptables", "-S", "FORWARD"]).split("\n").filter((l) => l.includes(`minibox:${names.table}`));
    expect(tagged).toHaveLength(3); // not duplicated by the second container
  }, T);
});
