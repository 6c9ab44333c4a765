// writeEtcFiles: the three files and etc.json from the flags; nothing written when a flag is bad.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { statSync } from "node:fs";
import { readEtcConfig, refreshEtcFiles, writeEtcFiles } from "../../src/container/etc-files.ts";

let dir = "";
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), "minibox-etc-")); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("writeEtcFiles", () => {
  test("hostname, hosts with --add-host, resolv.conf with --dns, and the flags in etc.json", () => {
    const config = { dns: ["192.0.2.53"], dnsSearch: ["example.org"], dnsOptions: ["ndots:3"], extraHosts: ["db:192.0.2.7"] };
    const files = writeEtcFiles(dir, "box", config);
    expect(readFileSync(files.hostnameFile, "utf8")).toBe("box\n");
    expect(readFileSync(files.hostsFile, "utf8")).toEndWith("ff02::2\tip6-allrouters\n192.0.2.7\tdb\n");
    expect(readFileSync(files.resolvConf, "utf8")).toEndWith("nameserver 192.0.2.53\nsearch example.org\noptions ndots:3\n");
    expect(readEtcConfig(dir)).toEqual(config);
  });
  test("the network's facts: own address line, network DNS server", () => {
    const files = writeEtcFiles(dir, "box", {}, { addresses: ["10.89.0.5"], names: ["web"], networkDns: "10.89.0.1" });
    expect(readFileSync(files.hostsFile, "utf8")).toEndWith("10.89.0.5\tbox web\n");
    expect(readFileSync(files.resolvConf, "utf8")).toContain("nameserver 10.89.0.1\n");
    expect(readFileSync(files.resolvConf, "utf8").match(/nameserver/g)).toHaveLength(1);
  });
  test("host-gateway with no gateway known: an error and no file written", () => {
    expect(() => writeEtcFiles(dir, "box", { extraHosts: ["gw:host-gateway"] })).toThrow(/host-gateway/);
    for (const f of ["hostname", "hosts", "resolv.conf", "etc.json"]) expect(existsSync(join(dir, f))).toBe(false);
  });
  test("refreshEtcFiles: the network's facts with the recorded flags, written in place (bind mounts keep seeing them)", () => {
    const files = writeEtcFiles(dir, "box", { extraHosts: ["db:192.0.2.7"], dnsOptions: ["ndots:1"] });
    const inodes = [statSync(files.hostsFile).ino, statSync(files.resolvConf).ino];
    refreshEtcFiles(dir, "box", { addresses: ["10.89.0.5"], networkDns: "10.89.0.1" });
    expect(readFileSync(files.hostsFile, "utf8")).toEndWith("192.0.2.7\tdb\n10.89.0.5\tbox\n");
    const resolv = readFileSync(files.resolvConf, "utf8");
    expect(resolv.match(/^nameserver .*$/gm)).toEqual(["nameserver 10.89.0.1"]);
    expect(resolv).toEndWith("options ndots:1\n");
    expect([statSync(files.hostsFile).ino, statSync(files.resolvConf).ino]).toEqual(inodes);
  });
  test("containers from before etc.json read as no flags", () => {
    expect(readEtcConfig(dir)).toEqual({});
  });
});
