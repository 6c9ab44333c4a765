// --dns, --dns-search, --dns-option and --add-host through the compiled binary: the files as the container
// sees them, inspect's HostConfig, and Docker's one-line errors (exit 125, nothing left behind).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { containerResolvConf, readHostResolvConf } from "../../src/network/resolv.ts";
import type { Result } from "./harness.ts";
import { lines, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-dns-flags-");
const { run, ok } = ctx;

const inContainer = (flags: string[], file: string) => ok(["--rm", ...flags, "busybox", "cat", file]);

function expectOneLineError(r: Result, text: string): void {
  expect(r.code).toBe(125);
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).toContain(text);
  expect(r.stdout).toBe("");
}

describe("resolv.conf", () => {
  test("without flags: the host's file by Docker's rules (no loopback nameserver, never empty)", async () => {
    const inside = await inContainer([], "/etc/resolv.conf");
    expect(inside).toBe(containerResolvConf(readHostResolvConf()));
    expect(inside).toMatch(/^nameserver /m);
    expect(inside).not.toMatch(/^nameserver (127\.|::1$)/m);
  }, T);
  test("--dns (IPv4 and IPv6, repeated), --dns-search, --dns-option", async () => {
    const inside = await inContainer(["--dns", "192.0.2.53", "--dns=2001:db8::53", "--dns-search", "example.org", "--dns-search", "corp.example",
      "--dns-option", "ndots:3", "--dns-opt", "timeout:1"], "/etc/resolv.conf");
    expect(lines(inside).filter((l) => !l.startsWith("#"))).toEqual([
      "nameserver 192.0.2.53", "nameserver 2001:db8::53", "search example.org corp.example", "options ndots:3 timeout:1",
    ]);
  }, T);
  test("--dns-search . removes the search list", async () => {
    expect(await inContainer(["--dns", "192.0.2.53", "--dns-search", "."], "/etc/resolv.conf")).not.toMatch(/^search/m);
  }, T);
});

describe("/etc/hosts", () => {
  test("localhost lines, then --add-host entries in order (IPv4, IPv6, NAME=IP)", async () => {
    const inside = await inContainer(["--add-host", "db:192.0.2.7", "--add-host", "v6:2001:db8::7", "--add-host=cache=192.0.2.8"], "/etc/hosts");
    const all = lines(inside);
    expect(all.slice(0, -1)).toEqual([
      "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet", "ff00::0\tip6-mcastprefix",
      "ff02::1\tip6-allnodes", "ff02::2\tip6-allrouters", "192.0.2.7\tdb", "2001:db8::7\tv6", "192.0.2.8\tcache",
    ]);
    // net-core: on the default bridge the container's own address and hostname come last, as Docker writes it.
    expect(all.at(-1)).toMatch(/^\d+\.\d+\.\d+\.\d+\t[0-9a-f]{12}$/);
  }, T);
  test("the added names resolve inside the container through the hosts file", async () => {
    expect(await ok(["--rm", "--add-host", "db.example:192.0.2.7", "busybox", "sh", "-c", "grep -w db.example /etc/hosts | cut -f1"])).toBe("192.0.2.7\n");
  }, T);
});

describe("inspect", () => {
  test("HostConfig.Dns, DnsSearch, DnsOptions and ExtraHosts as given; Docker's empty values without flags", async () => {
    const id = (await ok(["-d", "--dns", "192.0.2.53", "--dns-search", "example.org", "--dns-option", "ndots:2",
      "--add-host", "db:192.0.2.7", "--add-host", "v6:[2001:db8::7]", "busybox", "true"])).trim();
    const plain = (await ok(["-d", "busybox", "true"])).trim();
    try {
      const [withFlags] = JSON.parse((await ctx.sb.run(["inspect", id])).stdout) as { HostConfig: Record<string, unknown> }[];
      expect(withFlags!.HostConfig).toMatchObject({ Dns: ["192.0.2.53"], DnsSearch: ["example.org"], DnsOptions: ["ndots:2"], ExtraHosts: ["db:192.0.2.7", "v6:[2001:db8::7]"] });
      const [without] = JSON.parse((await ctx.sb.run(["inspect", plain])).stdout) as { HostConfig: Record<string, unknown> }[];
      expect(without!.HostConfig).toMatchObject({ Dns: [], DnsSearch: [], DnsOptions: [], ExtraHosts: null });
    } finally {
      await ctx.sb.run(["rm", "-f", id, plain]);
    }
  }, T);
});

describe("bad values: one line, exit 125, no container left", () => {
  test.each([
    [["--dns", "dns.example"], 'invalid argument "dns.example" for "--dns" flag: IP address is not correctly formatted: dns.example'],
    [["--dns", "192.0.2.300"], "IP address is not correctly formatted: 192.0.2.300"],
    [["--dns-search", "-bad.example"], "-bad.example is not a valid domain"],
    [["--dns-option", "ndots:1 rotate"], 'for "--dns-option" flag'],
    [["--add-host", "nohost"], 'invalid argument "nohost" for "--add-host" flag: bad format for add-host: "nohost"'],
    [["--add-host", "db:999.0.0.1"], 'invalid IP address in add-host: "999.0.0.1"'],
  ])("%p", async (flags, message) => {
    const before = ctx.containerIds().length;
    for (const command of ["run", "create"]) {
      const r = await ctx.sb.run([command, ...flags, "busybox", "true"]);
      expectOneLineError(r, message);
    }
    expect(ctx.containerIds().length).toBe(before);
  }, T);
  // dns-wire: on the default bridge the gateway is filled in at start (network-dns.test.ts); with
  // --network none there is no network to know it.
  test("host-gateway while no network knows the host's gateway: one line, exit 125, nothing left behind", async () => {
    const before = ctx.containerIds().length;
    const r = await run(["--rm", "--name", "gw-test", "--network", "none", "--add-host", "gw:host-gateway", "busybox", "true"]);
    expectOneLineError(r, "unable to derive the IP value for host-gateway");
    expect(ctx.containerIds().length).toBe(before);
    // the name was given back
    expect(await ok(["--rm", "--name", "gw-test", "busybox", "true"])).toBe("");
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(ctx.base);
  }, T);
});
