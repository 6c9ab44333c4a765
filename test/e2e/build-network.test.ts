// RUN's network through the compiled binary: by default a RUN is on the bridge network (as in Docker)
// and reaches a server in an "outside" namespace of the test's own through NAT; `build --network none`
// and `RUN --network=none` cannot; `--network host` shares the host's; nothing of the RUN's network
// (veth, address, endpoint record) is left afterwards.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildImage, dockerArchive } from "../fixtures/images.ts";
import { makeSandbox, type Result, type Sandbox } from "./harness.ts";
import { makeOutside, netNames, sh, type Outside } from "./network-helpers.ts";

setDefaultTimeout(120_000);

const names = netNames("bn", "10.228.0.0/16"); // not 10.246/15: network-ports6.test.ts uses it, and shards run both at once
let sb: Sandbox;
let base: string;
let outside: Outside;

beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-build-net-");
  Object.assign(sb.env, names.env);
  base = join(sb.root, "..", "work");
  mkdirSync(base, { recursive: true });
  const archive = join(base, "busybox.tar");
  writeFileSync(archive, dockerArchive(buildImage()));
  const r = await sb.run(["load", "-i", archive]);
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
  outside = await makeOutside("bn", 12);
}, 120_000);

afterAll(() => {
  outside?.close();
  sb?.cleanup();
  sh(["ip", "link", "del", names.bridge], { allowFail: true });
  sh(["nft", "delete", "table", "inet", names.table], { allowFail: true });
});

let contexts = 0;
function context(dockerfile: string): string {
  const dir = join(base, `ctx-${++contexts}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Dockerfile"), dockerfile);
  return dir;
}

const build = (args: string[]): Promise<Result> => sb.run(["build", ...args], { timeoutMs: 120_000 });

const endpoints = () => {
  const dir = join(sb.root, "network", "endpoints");
  return existsSync(dir) ? readdirSync(dir) : [];
};

/** A RUN that asks the outside server who it is and keeps the answer in the image. */
const ASK = () => `FROM busybox\nRUN nc -w 5 ${outside.ip} ${outside.port} > /seen.txt && test -s /seen.txt\n`;

async function seenBy(image: string): Promise<string> {
  const r = await sb.run(["run", "--rm", "--network", "none", image, "cat", "/seen.txt"]);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

describe("RUN networking", () => {
  test("by default a RUN is on the bridge: it reaches the outside through NAT, and leaves no veth", async () => {
    const r = await build(["-t", "net:default", context(ASK())]);
    expect(r.stderr).toContain("naming to net:default done");
    expect(r.code).toBe(0);
    expect(await seenBy("net:default")).toBe(outside.hostIp);
    expect(sh(["ip", "-o", "link", "show", "master", names.bridge])).toBe("");
    expect(endpoints()).toEqual([]);
  });

  test("--network bridge is the same as the default", async () => {
    const r = await build(["--no-cache", "--network", "bridge", "-t", "net:bridge", context(ASK())]);
    expect(r.code).toBe(0);
    expect(await seenBy("net:bridge")).toBe(outside.hostIp);
  });

  test("--network none: the RUN has only lo and the build fails", async () => {
    const r = await build(["--network", "none", context(ASK())]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("did not complete successfully");
    const lo = await build(["--network", "none", "-q", context("FROM busybox\nRUN ip -o link | grep -v ': lo:' | grep . && exit 7 || true\n")]);
    expect(lo.code).toBe(0);
  });

  test("RUN --network=none in a bridged build fails to reach the outside", async () => {
    const r = await build([context(`FROM busybox\nRUN --network=none nc -w 3 ${outside.ip} ${outside.port} > /seen.txt && test -s /seen.txt\n`)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("RUN --network=none");
  });

  test("RUN --network=host and build --network host share the host's namespace", async () => {
    const probe = `FROM busybox\nRUN --network=host ip -o link > /links.txt\nRUN nc -w 5 ${outside.ip} ${outside.port} > /seen.txt\n`;
    const r = await build(["--network", "host", "-t", "net:host", context(probe)]);
    expect(r.code).toBe(0);
    const links = (await sb.run(["run", "--rm", "--network", "none", "net:host", "cat", "/links.txt"])).stdout;
    // The host's link to the outside namespace is visible only from the host's namespace.
    expect(links).toContain("mbtbno");
    expect(await seenBy("net:host")).toBe(outside.hostIp);
  });

  test("an unknown network mode is refused: one line, exit 1 (Docker: a build's errors are 1); an unknown RUN --network fails the build", async () => {
    const r = await build(["--network", "nope", context("FROM busybox\n")]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    const bad = await build([context("FROM busybox\nRUN --network=bogus true\n")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("bogus");
    expect(endpoints()).toEqual([]);
  });
});
