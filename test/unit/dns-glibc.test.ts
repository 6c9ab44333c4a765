// glibc's stub resolver as a client of the network DNS server, as a container's programs will use it:
// getent in a private mount namespace whose /etc/resolv.conf (a bind mount of a temp file, the host's
// file untouched) names the server on 127.77.0.53:53 — glibc only speaks to port 53 — with the network's
// domain as search list, the way a container on a user network sees it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDnsServer, type DnsServer } from "../../src/network/dns/index.ts";
import { startFakeUpstream, type FakeUpstream } from "./dns-fake-upstream.ts";

const SERVER = "127.77.0.53";
const tools = ["/usr/bin/unshare", "/usr/bin/getent"].every(existsSync) && process.getuid?.() === 0;
let upstream: FakeUpstream | undefined;
let server: DnsServer | undefined;
let dir = "";

beforeAll(async () => {
  if (!tools) return;
  dir = mkdtempSync(join(tmpdir(), "minibox-dns-glibc-"));
  writeFileSync(join(dir, "resolv.conf"), `nameserver ${SERVER}\nsearch net.minibox\noptions timeout:2 attempts:2\n`);
  upstream = await startFakeUpstream("127.77.0.52");
  server = await startDnsServer({
    listen: [{ address: SERVER, port: 53 }], domain: "net.minibox", upstreams: [`127.77.0.52:${upstream.port}`],
    zone: () => [{ name: "web", aliases: ["frontend"], ipv4: ["10.89.0.2"], ipv6: ["fd00:89::2"] }],
  });
});
afterAll(() => {
  server?.stop();
  upstream?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** getent in a private mount namespace with our resolv.conf; asynchronous, since this process answers. */
async function getent(...args: string[]): Promise<{ code: number; out: string }> {
  const script = `mount --bind "$1" /etc/resolv.conf && shift && exec getent "$@"`;
  const p = Bun.spawn(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", join(dir, "resolv.conf"), ...args],
    { stdout: "pipe", stderr: "pipe", timeout: 30_000 });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out + err };
}

describe("glibc getent against the server", () => {
  test.skipIf(!tools)("names, aliases and the search domain; PTR; forwarded names; unknown names fail (skipped without root, unshare, getent)", async () => {
    expect((await getent("ahostsv4", "web")).out).toContain("10.89.0.2");
    expect((await getent("ahostsv4", "FRONTEND.net.minibox")).out).toContain("10.89.0.2");
    expect((await getent("ahostsv6", "web")).out).toContain("fd00:89::2");
    expect((await getent("hosts", "10.89.0.2")).out).toMatch(/^10\.89\.0\.2\s+web\.net\.minibox$/m);
    expect((await getent("ahostsv4", "glibc.example.test")).out).toContain("192.0.2.10");
    const unknown = await getent("ahostsv4", "nobody");
    expect(unknown.code).toBe(2); // not found: "nobody.net.minibox" NXDOMAIN from us, "nobody" NXDOMAIN upstream
    expect(upstream!.seen.some((q) => q.name === "nobody")).toBe(true);
  }, 120_000);
});
