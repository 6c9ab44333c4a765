// User-defined networks, `network` commands, `port`, -P/--expose and ephemeral host ports, through the
// compiled binary on the real kernel.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lines, T, useRunSandbox } from "./run-helpers.ts";
import { hostNetworkState, makeOutside, netNames, sh, tcpRead, waitFor, type Outside } from "./network-helpers.ts";

const names = netNames("u", "10.232.0.0/14");
const ctx = useRunSandbox("minibox-e2e-net-user-");
const { run, ok } = ctx;
const mb = (args: string[]) => ctx.sb.run(args);
let outside: Outside;
let before = "";

beforeAll(async () => {
  Object.assign(ctx.sb.env, names.env);
  outside = await makeOutside("u", 2);
  await ok(["--rm", "busybox", "true"]); // the default bridge and the table exist from here on (they stay)
  before = hostNetworkState(names);
}, T);

afterAll(async () => {
  await mb(["rm", "-f", ...ctx.containerIds()]);
  const nets = (await mb(["network", "ls", "-q"])).stdout.trim().split("\n");
  await mb(["network", "rm", ...nets]);
  outside?.close();
  sh(["nft", "delete", "table", "inet", names.table], { allowFail: true });
  for (const l of sh(["ip", "-o", "link"]).split("\n")) {
    const m = / (mbr-[0-9a-f]{10}|mbtu0)[:@]/.exec(l);
    if (m) sh(["ip", "link", "del", m[1]!], { allowFail: true });
  }
});

const ipOf = async (ref: string, dev = "eth0") => {
  const r = await mb(["exec", ref, "ip", "-o", "-4", "addr", "show", dev]);
  return r.stdout.match(/inet (\S+)\//)?.[1];
};

describe("network create / ls / inspect / rm", () => {
  test("create prints the id; ls and inspect show it with Docker's fields", async () => {
    const created = await mb(["network", "create", "--subnet", "10.233.5.0/24", "--gateway", "10.233.5.254", "--label", "team=a", "unet1"]);
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const ls = lines((await mb(["network", "ls"])).stdout);
    expect(ls[0]).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    expect(ls.some((l) => l.startsWith(id.slice(0, 12)) && /\bunet1\s+bridge\s+local$/.test(l))).toBe(true);
    for (const builtin of ["bridge", "host", "none"]) expect(ls.some((l) => l.includes(` ${builtin} `))).toBe(true);
    // ls parses its flags (it once took them all as arguments and ignored -q and unknown flags alike)
    expect(lines((await mb(["network", "ls", "-q"])).stdout)).toContain(id.slice(0, 12));
    expect((await mb(["network", "ls", "--bogus"])).code).toBe(125);
    const [info] = JSON.parse((await mb(["network", "inspect", "unet1"])).stdout);
    expect(info).toMatchObject({ Name: "unet1", Id: id, Driver: "bridge", Internal: false, Labels: { team: "a" },
      IPAM: { Config: [{ Subnet: "10.233.5.0/24", Gateway: "10.233.5.254" }] } });
  }, T);

  test("ls --format / --filter and inspect --format, as Docker's networkContext and filters", async () => {
    const created = await mb(["network", "create", "--subnet", "10.233.6.0/24", "--label", "team=b", "--internal", "unetf"]);
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    try {
      const names = lines((await mb(["network", "ls", "--format", "{{.Name}}"])).stdout);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(["bridge", "host", "none", "unetf"]));
      const table = lines((await mb(["network", "ls", "--format", "table {{.Name}}\t{{.Internal}}\t{{.Labels}}", "--filter", "name=unetf"])).stdout);
      expect(table[0]).toMatch(/^NAME\s+INTERNAL\s+LABELS$/);
      expect(table.slice(1)).toEqual([expect.stringMatching(/^unetf\s+true\s+team=b$/)]);
      expect((await mb(["network", "ls", "--format", "{{.Label \"team\"}}", "--filter", "name=unetf"])).stdout).toBe("b\n");
      const json = lines((await mb(["network", "ls", "--format", "json", "--filter", "label=team=b"])).stdout).map((l) => JSON.parse(l));
      expect(json).toEqual([expect.objectContaining({ ID: id.slice(0, 12), Name: "unetf", Driver: "bridge", Scope: "local", Internal: "true", Labels: "team=b" })]);
      expect(lines((await mb(["network", "ls", "-q", "--filter", "type=builtin"])).stdout)).toHaveLength(3);
      expect(lines((await mb(["network", "ls", "--format", "{{.Name}}", "--filter", "type=custom", "--filter", "dangling=true"])).stdout)).toContain("unetf");
      expect(lines((await mb(["network", "ls", "--format", "{{.Name}}", "--filter", "driver=null"])).stdout)).toEqual(["none"]);
      const bad = await mb(["network", "ls", "--filter", "colour=red"]);
      expect(bad.code).toBe(1);
      expect(lines(bad.stderr)).toHaveLength(1);
      expect((await mb(["network", "inspect", "--format", "{{.Name}} {{.Internal}} {{index .Labels \"team\"}}", "unetf"])).stdout).toBe("unetf true b\n");
      expect((await mb(["network", "inspect", "-f", "{{.Nope", "unetf"])).code).toBe(1);
    } finally {
      await mb(["network", "rm", "unetf"]);
    }
  }, T);

  test("bad input: a duplicate name, an overlapping subnet, an unknown driver, a gateway outside the subnet", async () => {
    for (const args of [["unet1"], ["--subnet", "10.233.5.128/25", "x1"], ["--driver", "overlay", "x2"], ["--subnet", "10.233.9.0/24", "--gateway", "10.1.1.1", "x3"], ["--subnet", "10.233.9.1/24", "x4"], ["-o", "com.docker.network.bridge.name=much-too-long-name0", "x5"]]) {
      const r = await mb(["network", "create", ...args]);
      expect(r.code).not.toBe(0);
      expect(lines(r.stderr)).toHaveLength(1);
    }
    expect((await mb(["network", "ls"])).stdout).not.toMatch(/\bx[1-5]\b/);
  }, T);

  test("rm of a network in use fails with exit 1 and Docker's message; pre-defined networks cannot be removed", async () => {
    const id = (await ok(["-d", "--network", "unet1", "busybox", "sleep", "60"])).trim();
    try {
      const r = await mb(["network", "rm", "unet1"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error while removing network: network unet1 id [0-9a-f]{64} has active endpoints/);
    } finally {
      await mb(["rm", "-f", id]);
    }
    const b = await mb(["network", "rm", "bridge"]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("bridge is a pre-defined network and cannot be removed");
  }, T);
});

describe("containers on user networks", () => {
  test("--ip, reaching each other by address, and isolation from another network", async () => {
    await mb(["network", "create", "unet2"]);
    const a = (await ok(["-d", "--network", "unet1", "--ip", "10.233.5.10", "--network-alias", "srv", "busybox", "nc", "-ll", "-p", "80", "-e", "echo", "hi-from-a"])).trim();
    try {
      expect(await ipOf(a)).toBe("10.233.5.10");
      const same = await waitFor("the server on unet1", async () => {
        const r = await run(["--rm", "--network", "unet1", "busybox", "nc", "-w", "3", "10.233.5.10", "80"]);
        return r.stdout.includes("hi-from-a") ? r.stdout : undefined;
      });
      expect(same).toBe("hi-from-a\n");
      // From another user network and from the default bridge: nothing gets through.
      for (const net of ["unet2", "bridge"]) {
        const other = await run(["--rm", "--network", net, "busybox", "sh", "-c", "nc -w 2 10.233.5.10 80; echo rc=$?"]);
        expect(other.code).toBe(0); // it ran: the check below is not vacuous
        expect(other.stdout).toContain("rc=1");
        expect(other.stdout).not.toContain("hi-from-a");
      }
      // --ip of an address in use, and outside the subnet
      const taken = await run(["--rm", "--network", "unet1", "--ip", "10.233.5.10", "busybox", "true"]);
      expect(taken.code).toBe(125);
      expect(taken.stderr).toContain("Address already in use");
      const outsideSubnet = await run(["--rm", "--network", "unet1", "--ip", "10.9.9.9", "busybox", "true"]);
      expect(outsideSubnet.code).toBe(125);
      // The DNS feed sees the alias (net-dns consumes containersOnNetwork).
      const [info] = JSON.parse((await mb(["network", "inspect", "unet1"])).stdout);
      expect(Object.values(info.Containers as Record<string, { IPv4Address: string }>).map((c) => c.IPv4Address)).toEqual(["10.233.5.10/24"]);
    } finally {
      await mb(["rm", "-f", a]);
    }
  }, T);

  test("--internal: containers talk to each other but not to the outside", async () => {
    await mb(["network", "create", "--internal", "--subnet", "10.233.7.0/24", "uint"]);
    const a = (await ok(["-d", "--network", "uint", "busybox", "nc", "-ll", "-p", "80", "-e", "echo", "inside"])).trim();
    try {
      const ip = await ipOf(a);
      expect(await waitFor("the internal server", async () => {
        const r = await run(["--rm", "--network", "uint", "busybox", "nc", "-w", "3", ip!, "80"]);
        return r.stdout.includes("inside") ? r.stdout : undefined;
      })).toBe("inside\n");
      const out = await run(["--rm", "--network", "uint", "busybox", "sh", "-c", `nc -w 2 ${outside.ip} ${outside.port}; echo rc=$?`]);
      expect(out.stdout).not.toContain(outside.hostIp);
      expect(out.stdout).toContain("rc=1");
      // The same from a non-internal network works (the precondition of the check above).
      expect((await ok(["--rm", "--network", "unet2", "busybox", "nc", "-w", "5", outside.ip, String(outside.port)])).trim()).toBe(outside.hostIp);
    } finally {
      await mb(["rm", "-f", a]);
    }
  }, T);

  test("network connect and disconnect on a running container", async () => {
    const a = (await ok(["-d", "--network", "unet1", "busybox", "sleep", "60"])).trim();
    try {
      expect((await mb(["network", "connect", "--ip", "10.233.5.77", "unet1", a])).code).toBe(1); // already connected
      const c = await mb(["network", "connect", "unet2", a]);
      expect(c.code).toBe(0);
      const eth1 = await ipOf(a, "eth1");
      expect(eth1).toBeDefined();
      const [info] = JSON.parse((await mb(["network", "inspect", "unet2"])).stdout);
      expect(Object.keys(info.Containers)).toEqual([a]);
      expect((await mb(["network", "disconnect", "unet2", a])).code).toBe(0);
      expect(await ipOf(a, "eth1")).toBeUndefined();
      expect(await ipOf(a, "eth0")).toMatch(/^10\.233\.5\./);
      const again = await mb(["network", "disconnect", "unet2", a]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("is not connected to network unet2");
    } finally {
      await mb(["rm", "-f", a]);
    }
    const none = (await ok(["-d", "--network", "none", "busybox", "sleep", "60"])).trim();
    try {
      const r = await mb(["network", "connect", "unet2", none]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("private (none) mode");
    } finally {
      await mb(["rm", "-f", none]);
    }
  }, T);

  test("prune removes the unused networks and leaves the host as it was", async () => {
    const r = await mb(["network", "prune", "-f"]);
    expect(r.code).toBe(0);
    for (const n of ["unet1", "unet2", "uint"]) expect(r.stdout).toContain(n);
    expect((await mb(["network", "ls"])).stdout).not.toMatch(/unet|uint/);
    expect(hostNetworkState(names)).toBe(before);
  }, T);
});

describe("port, -P, --expose and ephemeral host ports", () => {
  test("-p 80 and -P pick free host ports; `port` lists them and they answer", async () => {
    const id = (await ok(["-d", "-p", "80", "-P", "--expose", "81", "busybox", "sh", "-c", "nc -ll -p 80 -e echo p80 & nc -ll -p 81 -e echo p81; wait"])).trim();
    try {
      const all = lines((await mb(["port", id])).stdout);
      expect(all).toHaveLength(2);
      expect(all[0]).toMatch(/^80\/tcp -> 0\.0\.0\.0:\d+$/);
      expect(all[1]).toMatch(/^81\/tcp -> 0\.0\.0\.0:\d+$/);
      const p80 = Number((await mb(["port", id, "80"])).stdout.trim().split(":")[1]);
      const p81 = Number((await mb(["port", id, "81/tcp"])).stdout.trim().split(":")[1]);
      expect(p80).not.toBe(p81);
      expect(await waitFor("the published port 80", async () => ((await tcpRead("127.0.0.1", p80)) === "p80\n" ? "ok" : undefined))).toBe("ok");
      expect(await waitFor("the published port 81", async () => ((await tcpRead("127.0.0.1", p81)) === "p81\n" ? "ok" : undefined))).toBe("ok");
      const none = await mb(["port", id, "82"]);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain("No public port '82/tcp' published");
    } finally {
      await mb(["rm", "-f", id]);
    }
  }, T);

  test("ranges: 18200-18201:80-81 publishes two ports", async () => {
    const id = (await ok(["-d", "-p", "127.0.0.1:18200-18201:80-81", "busybox", "sleep", "60"])).trim();
    try {
      expect(lines((await mb(["port", id])).stdout)).toEqual(["80/tcp -> 127.0.0.1:18200", "81/tcp -> 127.0.0.1:18201"]);
    } finally {
      await mb(["rm", "-f", id]);
    }
  }, T);
});
