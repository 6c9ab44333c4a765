// The default bridge network through the compiled binary, on the real kernel: eth0 with an address of
// the pool and a default route, NAT to an outside namespace of the test's own, published ports from the
// host (127.0.0.1 and its address) and from the outside, port conflicts, the other --network modes, and
// that runs, rm -f and kill -9 leave the host's links, addresses, routes and ruleset as they were.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY } from "./harness.ts";
import { lines, T, useRunSandbox } from "./run-helpers.ts";
import { hostNetworkState, makeOutside, netNames, sh, tcpRead, waitFor, type Outside } from "./network-helpers.ts";

const names = netNames("b", "10.231.0.0/16");
const ctx = useRunSandbox("minibox-e2e-net-bridge-");
const { run, ok } = ctx;
let outside: Outside;

beforeAll(async () => {
  Object.assign(ctx.sb.env, names.env);
  outside = await makeOutside("b", 1);
}, T);

afterAll(() => {
  outside?.close();
  sh(["ip", "link", "del", names.bridge], { allowFail: true });
  sh(["nft", "delete", "table", "inet", names.table], { allowFail: true });
});

const endpointFiles = () => {
  const dir = join(ctx.sb.root, "network", "endpoints");
  return existsSync(dir) ? readdirSync(dir) : [];
};

describe("default bridge", () => {
  test("eth0 gets an address of the pool, a default route via the gateway, and lo is up", async () => {
    const out = await ok(["--rm", "-h", "bridged", "busybox", "sh", "-c", "ip -o -4 addr; ip route; cat /etc/hosts"]);
    // /etc/hosts names the container's own address (Docker's line: address, tab, hostname).
    const ip = out.match(/eth0\s+inet (\S+)\//)![1]!;
    expect(out).toContain(`${ip}\tbridged\n`);
    expect(out).toMatch(/^\d+: lo\s+inet 127\.0\.0\.1\/8/m);
    expect(out).toMatch(/^\d+: eth0\s+inet 10\.231\.0\.\d+\/16/m);
    expect(out).toMatch(/^default via 10\.231\.0\.1 dev eth0/m);
    // The bridge and the network's rules stay (like docker0); the container's veth and address went.
    expect(sh(["ip", "-o", "addr", "show", "dev", names.bridge])).toContain("inet 10.231.0.1/16");
    expect(sh(["ip", "-o", "link", "show", "master", names.bridge])).toBe("");
    expect(sh(["nft", "list", "table", "inet", names.table])).toContain("ip saddr 10.231.0.0/16");
    expect(endpointFiles()).toEqual([]);
  }, T);

  test("the container reaches the outside through NAT: the server sees the host's address", async () => {
    const seen = await ok(["--rm", "busybox", "nc", "-w", "5", outside.ip, String(outside.port)]);
    expect(seen.trim()).toBe(outside.hostIp);
  }, T);

  test("two containers get different addresses and reach each other", async () => {
    const id = (await ok(["-d", "busybox", "nc", "-ll", "-p", "80", "-e", "echo", "from-a"])).trim();
    try {
      const ip = (await ctx.sb.run(["exec", id, "sh", "-c", "ip -o -4 addr show eth0"])).stdout.match(/inet (\S+)\//)![1]!;
      const out = await waitFor("the first container's server", async () => {
        const r = await run(["--rm", "busybox", "sh", "-c", `ip -o -4 addr show eth0; nc -w 3 ${ip} 80`]);
        return r.stdout.includes("from-a") ? r.stdout : undefined;
      });
      expect(out).not.toContain(`inet ${ip}/`);
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);
});

describe("published ports", () => {
  test("-p HOST:CONTAINER is reachable via 127.0.0.1, the host's address and from the outside", async () => {
    const id = (await ok(["-d", "-p", "18081:80", "busybox", "nc", "-ll", "-p", "80", "-e", "echo", "hello"])).trim();
    try {
      expect(await waitFor("127.0.0.1:18081", async () => ((await tcpRead("127.0.0.1", 18081)) === "hello\n" ? "ok" : undefined))).toBe("ok");
      expect(await tcpRead(outside.hostIp, 18081)).toBe("hello\n");
      expect(outside.exec(["busybox", "nc", "-w", "5", outside.hostIp, "18081"])).toBe("hello\n");
      // Hairpin: a container reaches the published port through the host's address.
      expect(await ok(["--rm", "busybox", "nc", "-w", "5", outside.hostIp, "18081"])).toBe("hello\n");
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
    // The rules went with the container.
    expect(sh(["nft", "list", "ruleset"])).not.toContain(id);
  }, T);

  test("a port another container publishes is refused with exit 125, one line", async () => {
    const id = (await ok(["-d", "-p", "18082:80", "busybox", "sleep", "60"])).trim();
    try {
      const r = await run(["--rm", "-p", "18082:80", "busybox", "true"]);
      expect(r.code).toBe(125);
      expect(lines(r.stderr)).toEqual([expect.stringContaining("Bind for 0.0.0.0:18082 failed: port is already allocated")]);
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("a port a host socket listens on is refused with exit 125", async () => {
    const server = Bun.listen({ hostname: "0.0.0.0", port: 0, socket: { data() {} } });
    try {
      const r = await run(["--rm", "-p", `${server.port}:80`, "busybox", "true"]);
      expect(r.code).toBe(125);
      expect(lines(r.stderr)).toEqual([expect.stringContaining("address already in use")]);
    } finally {
      server.stop(true);
    }
    expect(endpointFiles()).toEqual([]);
  }, T);

  test("bad -p values fail with one line and exit 125 before anything is created", async () => {
    for (const bad of ["abc", "1:2:3:4", "80/sctpx", "8000-8002:80-81", "70000:80"]) {
      const r = await run(["--rm", "-p", bad, "busybox", "true"]);
      expect(r.code).toBe(125);
      expect(lines(r.stderr)).toHaveLength(1);
    }
    expect(ctx.containerIds()).toEqual([]);
  }, T);
});

describe("inspect and ps", () => {
  test("NetworkSettings, HostConfig.NetworkMode/PortBindings, Config.ExposedPorts and the PORTS column", async () => {
    const id = (await ok(["-d", "-p", "18095:80", "--expose", "81", "busybox", "sleep", "60"])).trim();
    try {
      const [info] = JSON.parse((await ctx.sb.run(["inspect", id])).stdout);
      expect(info.HostConfig.NetworkMode).toBe("bridge");
      expect(info.HostConfig.PortBindings).toEqual({ "80/tcp": [{ HostIp: "", HostPort: "18095" }] });
      expect(Object.keys(info.Config.ExposedPorts).sort()).toEqual(["80/tcp", "81/tcp"]);
      const ns = info.NetworkSettings;
      expect(ns.IPAddress).toMatch(/^10\.231\.\d+\.\d+$/);
      expect(ns.Gateway).toBe("10.231.0.1");
      expect(ns.IPPrefixLen).toBe(16);
      expect(ns.MacAddress).toBe(`02:42:${ns.IPAddress.split(".").map((p: string) => Number(p).toString(16).padStart(2, "0")).join(":")}`);
      expect(ns.Ports).toEqual({ "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "18095" }], "81/tcp": null });
      expect(ns.Networks.bridge).toMatchObject({ IPAddress: ns.IPAddress, Gateway: "10.231.0.1", MacAddress: ns.MacAddress });
      // The container sees the same address and MAC.
      const inside = (await ctx.sb.run(["exec", id, "ip", "-o", "link", "show", "eth0"])).stdout;
      expect(inside).toContain(`link/ether ${ns.MacAddress}`);
      const ps = (await ctx.sb.run(["ps"])).stdout;
      expect(ps.split("\n")[0]).toContain("PORTS");
      expect(ps).toContain("0.0.0.0:18095->80/tcp");
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
    const none = (await ok(["-d", "--network", "none", "busybox", "sleep", "60"])).trim();
    try {
      const [info] = JSON.parse((await ctx.sb.run(["inspect", none])).stdout);
      expect(info.HostConfig.NetworkMode).toBe("none");
      expect(info.NetworkSettings.IPAddress).toBe("");
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual(["none"]);
    } finally {
      await ctx.sb.run(["rm", "-f", none]);
    }
  }, T);
});

describe("--network modes", () => {
  test("none: only lo", async () => {
    const links = lines(await ok(["--rm", "--network", "none", "busybox", "ip", "-o", "link"]));
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo:/);
  }, T);

  test("host: the host's interfaces, and no endpoint", async () => {
    const out = await ok(["--rm", "--network", "host", "busybox", "ip", "-o", "link"]);
    expect(out).toContain(`mbtbo`);
    expect(endpointFiles()).toEqual([]);
  }, T);

  test("container:X shares the donor's namespace (its eth0 and its localhost); a missing or stopped donor is refused", async () => {
    const donor = (await ok(["-d", "--name", "netdonor", "busybox", "nc", "-ll", "-p", "80", "-e", "echo", "shared"])).trim();
    try {
      const donorAddr = (await ctx.sb.run(["exec", donor, "ip", "-o", "-4", "addr", "show", "eth0"])).stdout.match(/inet (\S+)/)![1];
      const out = await waitFor("the donor's server on its localhost", async () => {
        const r = await run(["--rm", "--network", "container:netdonor", "busybox", "sh", "-c", "ip -o -4 addr show eth0; nc -w 2 127.0.0.1 80"]);
        return r.stdout.includes("shared") ? r.stdout : undefined;
      });
      expect(out).toContain(`inet ${donorAddr}`);
      expect(endpointFiles()).toHaveLength(1); // the joiner got no endpoint of its own
      const published = await run(["--rm", "--network", "container:netdonor", "-p", "80", "busybox", "true"]);
      expect(published.code).toBe(125);
      expect(published.stderr).toContain("conflicting options: port publishing and the container type network mode");
    } finally {
      await ctx.sb.run(["rm", "-f", donor]);
    }
    const gone = await run(["--rm", "--network", "container:netdonor", "busybox", "true"]);
    expect(gone.code).toBe(125);
    expect(gone.stderr.trim()).toBe("minibox: No such container: netdonor");
    const stopped = (await ok(["--name", "stoppeddonor", "busybox", "true"])).trim();
    void stopped;
    const notRunning = await run(["--rm", "--network", "container:stoppeddonor", "busybox", "true"]);
    expect(notRunning.code).toBe(125);
    expect(notRunning.stderr).toContain("cannot join network of a non running container");
    await ctx.sb.run(["rm", "stoppeddonor"]);
  }, T);

  test("an unknown network is refused", async () => {
    const r = await run(["--rm", "--network", "nosuchnet", "busybox", "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr.trim()).toBe("minibox: network nosuchnet not found");
  }, T);
});

describe("teardown", () => {
  test("20 runs, rm -f of a running container and kill -9 of its parent leave the host as it was", async () => {
    const before = hostNetworkState(names);
    for (let i = 0; i < 20; i++) await ok(["--rm", "-p", `${18100 + i}:80`, "busybox", "true"]);
    // rm -f of a detached container
    const id = (await ok(["-d", "-p", "18090:80", "busybox", "sleep", "60"])).trim();
    await ctx.sb.run(["rm", "-f", id]);
    // kill -9 of a foreground run (the container's parent): its init dies with it or runs on; either way
    // the next command must clean up after it.
    const fg = Bun.spawn([BINARY, "run", "--name", "killed", "-p", "18091:80", "busybox", "sleep", "60"], { env: ctx.sb.env, stdout: "ignore", stderr: "ignore" });
    await waitFor("the foreground container's endpoint", () => (endpointFiles().length === 1 ? true : undefined));
    fg.kill("SIGKILL");
    await fg.exited;
    await ctx.sb.run(["rm", "-f", "killed"]);
    // kill -9 of both the parent and the container's init: nobody releases anything; the next run must.
    const fg2 = Bun.spawn([BINARY, "run", "--rm", "-p", "18092:80", "busybox", "sleep", "60"], { env: ctx.sb.env, stdout: "ignore", stderr: "ignore" });
    const pid = await waitFor("the second container's endpoint", () => {
      const f = endpointFiles()[0];
      return f ? (JSON.parse(readFileSync(join(ctx.sb.root, "network", "endpoints", f), "utf8")) as { process: { pid: number } }).process.pid : undefined;
    });
    fg2.kill("SIGKILL");
    await fg2.exited;
    process.kill(pid, "SIGKILL");
    await waitFor("the init's exit", () => (existsSync(`/proc/${pid}/ns`) ? undefined : true));
    expect(endpointFiles()).toHaveLength(1);
    await ok(["--rm", "busybox", "true"]);
    expect(endpointFiles().map((f) => readFileSync(join(ctx.sb.root, "network", "endpoints", f), "utf8"))).toEqual([]);
    expect(hostNetworkState(names)).toBe(before);
  }, 180_000);
});
