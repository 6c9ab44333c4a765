// `ADD <url>` through the compiled binary, against an HTTP server this test starts on 127.0.0.1: the
// file name comes from the URL's path, the mode is 0600, the mtime is Last-Modified, archives are not
// unpacked (Docker's rule for URLs); `--checksum` is checked before the file is used; bad statuses, git
// sources and COPY of a URL fail with one clear error naming the line.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Server } from "bun";
import { tarBytes } from "../../src/image/tar/writer.ts";
import { buildImage, dockerArchive } from "../fixtures/images.ts";
import { makeSandbox, type Result, type Sandbox } from "./harness.ts";

setDefaultTimeout(120_000);

const LAST_MODIFIED = "Wed, 01 Mar 2023 12:00:00 GMT";
const HELLO = "hello from the web\n";
const TGZ = gzipSync(tarBytes([{ name: "inside.txt", body: "x\n", mode: 0o644, mtime: 1_600_000_000 }]));
const sha256 = (data: string | Uint8Array) => `sha256:${new Bun.CryptoHasher("sha256").update(data).digest("hex")}`;

let sb: Sandbox;
let base: string;
let server: Server<undefined>;
let url: string;
const requests: string[] = [];

beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-build-url-");
  base = join(sb.root, "..", "work");
  mkdirSync(base, { recursive: true });
  const archive = join(base, "busybox.tar");
  writeFileSync(archive, dockerArchive(buildImage()));
  const r = await sb.run(["load", "-i", archive]);
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
  server = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      requests.push(path);
      if (path === "/files/hello.txt") return new Response(HELLO, { headers: { "Last-Modified": LAST_MODIFIED } });
      if (path === "/files/data.tar.gz") return new Response(TGZ, { headers: { "Content-Type": "application/gzip" } });
      if (path === "/redirect") return Response.redirect("/files/hello.txt", 302);
      return new Response("no such thing\n", { status: 404 });
    },
  });
  url = `http://127.0.0.1:${server.port}`;
}, 120_000);

afterAll(() => {
  server?.stop(true);
  sb?.cleanup();
});

let contexts = 0;
function context(dockerfile: string): string {
  const dir = join(base, `ctx-${++contexts}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), dockerfile);
  return dir;
}

const build = (args: string[]): Promise<Result> => sb.run(["build", "--network", "none", ...args], { timeoutMs: 120_000 });

async function inImage(image: string, script: string): Promise<string> {
  const r = await sb.run(["run", "--rm", "--network", "none", image, "sh", "-c", script]);
  if (r.code !== 0) throw new Error(`run ${script} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

describe("ADD <url>", () => {
  test("into a directory: named after the URL's path, mode 0600, mtime from Last-Modified", async () => {
    const r = await build(["-t", "url:1", context(`FROM busybox\nADD ${url}/files/hello.txt /dl/\n`)]);
    expect(r.stderr).toContain("naming to url:1 done");
    expect(await inImage("url:1", "cat /dl/hello.txt; stat -c '%a %u %Y' /dl/hello.txt"))
      .toBe(`${HELLO}600 0 ${Date.parse(LAST_MODIFIED) / 1000}\n`);
  });

  test("to a file name; a redirect is followed; an archive is not unpacked", async () => {
    const r = await build(["-t", "url:2", context(`FROM busybox\nADD ${url}/redirect /renamed.txt\nADD ${url}/files/data.tar.gz /tgz/\n`)]);
    expect(r.code).toBe(0);
    expect(await inImage("url:2", "cat /renamed.txt; ls /tgz")).toBe(`${HELLO}data.tar.gz\n`);
  });

  test("--checksum: the right digest builds, a wrong one fails with the line and builds nothing", async () => {
    const good = await build(["-t", "url:3", context(`FROM busybox\nADD --checksum=${sha256(HELLO)} ${url}/files/hello.txt /h.txt\n`)]);
    expect(good.code).toBe(0);
    expect(await inImage("url:3", "cat /h.txt")).toBe(HELLO);
    const wrong = sha256("something else");
    const bad = await build(["-t", "url:bad", context(`FROM busybox\nADD --checksum=${wrong} ${url}/files/hello.txt /h.txt\n`)]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Dockerfile:2:");
    expect(bad.stderr).toContain(`digest mismatch`);
    expect(bad.stderr).toContain(wrong);
    expect(bad.stderr).toContain(sha256(HELLO));
    expect((await sb.run(["image", "inspect", "url:bad"])).code).not.toBe(0);
  });

  test("a bad --checksum value, --checksum on a local file, a 404: exit 1 with the line", async () => {
    for (const [df, message] of [
      [`ADD --checksum=md5:abc ${url}/files/hello.txt /h`, "invalid checksum"],
      ["ADD --checksum=sha256:" + "0".repeat(64) + " Dockerfile /h", "checksum can't be specified for non-HTTP(S) sources"],
      [`ADD ${url}/nope.txt /n`, "404"],
    ] as const) {
      const r = await build([context(`FROM busybox\n${df}\n`)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("Dockerfile:2:");
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toContain("    at ");
    }
  });

  test("git sources and COPY of a URL are refused", async () => {
    for (const [df, message] of [
      ["ADD https://github.com/moby/buildkit.git /src", "git"],
      ["ADD git@github.com:moby/buildkit.git /src", "git"],
      [`COPY ${url}/files/hello.txt /h`, "source can't be a URL for COPY"],
    ] as const) {
      const r = await build([context(`FROM busybox\n${df}\n`)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("Dockerfile:2:");
      expect(r.stderr).toContain(message);
    }
  });
});
