// /etc/hosts by Docker's rules (network/hosts.ts) and --add-host parsing.
import { describe, expect, test } from "bun:test";
import { containerHosts, parseExtraHost } from "../../src/network/hosts.ts";
import { UserError } from "../../src/errors.ts";

const DEFAULTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

describe("containerHosts", () => {
  test("no network address (only lo): the localhost lines alone", () => {
    expect(containerHosts({ hostname: "abc123def456" })).toBe(DEFAULTS);
  });
  test("the container's addresses with its hostname and names; an FQDN hostname also by its first label", () => {
    expect(containerHosts({ hostname: "abc123def456", addresses: ["10.88.0.2"], names: ["web", "abc123def456"] }))
      .toBe(`${DEFAULTS}10.88.0.2\tabc123def456 web\n`);
    expect(containerHosts({ hostname: "web.example.org", addresses: ["10.88.0.2", "fd00::2"] }))
      .toBe(`${DEFAULTS}10.88.0.2\tweb.example.org web\nfd00::2\tweb.example.org web\n`);
  });
  test("--add-host entries in order, before the own address; host-gateway is the caller's gateway", () => {
    const out = containerHosts({
      hostname: "h", addresses: ["10.88.0.2"], hostGateway: "10.88.0.1",
      extraHosts: [{ name: "db", address: "192.0.2.7" }, { name: "v6", address: "2001:db8::7" }, { name: "host.docker.internal", address: "host-gateway" }],
    });
    expect(out).toBe(`${DEFAULTS}192.0.2.7\tdb\n2001:db8::7\tv6\n10.88.0.1\thost.docker.internal\n10.88.0.2\th\n`);
  });
  test("dns-wire: host-gateway left out until start when the network will know the gateway then", () => {
    const text = containerHosts({ hostname: "h", hostGatewayAtStart: true, extraHosts: [{ name: "gw", address: "host-gateway" }, { name: "db", address: "192.0.2.7" }] });
    expect(text).not.toContain("gw");
    expect(text).toContain("192.0.2.7\tdb\n");
    expect(containerHosts({ hostname: "h", hostGatewayAtStart: true, hostGateway: "10.88.0.1", extraHosts: [{ name: "gw", address: "host-gateway" }] })).toContain("10.88.0.1\tgw\n");
  });

  test("host-gateway without a known gateway is a user error", () => {
    expect(() => containerHosts({ hostname: "h", extraHosts: [{ name: "gw", address: "host-gateway" }] })).toThrow(/unable to derive the IP value for host-gateway/);
  });
});

describe("parseExtraHost", () => {
  test("name:ip, name=ip, IPv6 with and without brackets, host-gateway", () => {
    expect(parseExtraHost("db:192.0.2.7")).toEqual({ name: "db", address: "192.0.2.7" });
    expect(parseExtraHost("db=192.0.2.7")).toEqual({ name: "db", address: "192.0.2.7" });
    expect(parseExtraHost("v6:::1")).toEqual({ name: "v6", address: "::1" });
    expect(parseExtraHost("v6:2001:DB8:0::7")).toEqual({ name: "v6", address: "2001:db8::7" });
    expect(parseExtraHost("v6:[2001:db8::7]")).toEqual({ name: "v6", address: "2001:db8::7" });
    expect(parseExtraHost("gw:host-gateway")).toEqual({ name: "gw", address: "host-gateway" });
  });
  test("Docker's messages for a bad format and a bad IP; exit code 125", () => {
    const error = (spec: string) => { try { parseExtraHost(spec); } catch (e) { return e as UserError; } throw new Error(`${spec} was accepted`); };
    expect(error("nohost").message).toBe('invalid argument "nohost" for "--add-host" flag: bad format for add-host: "nohost"');
    expect(error(":192.0.2.7").message).toMatch(/bad format for add-host/);
    expect(error("a b:192.0.2.7").message).toMatch(/bad format for add-host/);
    const badIp = error("db:999.1.1.1");
    expect(badIp).toBeInstanceOf(UserError);
    expect(badIp.exitCode).toBe(125);
    expect(badIp.message).toBe('invalid argument "db:999.1.1.1" for "--add-host" flag: invalid IP address in add-host: "999.1.1.1"');
    expect(error("db:192.0.2.7\n6.6.6.6 evil").message).toMatch(/invalid IP address/);
    expect(error("db:").message).toMatch(/invalid IP address/);
  });
});
