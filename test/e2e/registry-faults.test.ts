// Pulls through a fault-injecting proxy in front of a real registry: dropped connections resumed with
// Range (or restarted when Range is ignored), corrupt blobs and manifests refused with nothing tagged,
// 5xx/429 retried (Retry-After honoured, bounded), concurrent pulls fetching each blob once, kill -9
// in the middle of a pull repaired by the next one, and a full disk.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeSandbox, BINARY, type Sandbox } from "./harness.ts";
import { startFaultProxy, truncated, corrupted, type FaultProxy } from "./fault-proxy.ts";
import { startRegistry, type Registry } from "./registry.ts";
import { busyboxTar, pushLayers, randomLayerTar, type PushedImage } from "./registry-images.ts";

setDefaultTimeout(60_000);
let sb: Sandbox;
let reg: Registry;
let proxy: FaultProxy;
let img: PushedImage;
let big: string; // digest of the 2 MB random layer
let roots = 0;

beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-faults-");
  reg = await startRegistry();
  proxy = startFaultProxy(reg.host);
  img = await pushLayers(reg.host, "test/big", "1", [busyboxTar(), randomLayerTar(2_000_000, 11)]);
  big = img.layerDigests[1]!;
}, 60_000);
afterAll(async () => {
  proxy?.stop();
  await reg?.stop();
  sb?.cleanup();
}, 30_000);

/** Each test pulls into a store of its own, so every blob is downloaded. */
function freshRoot(): string {
  const root = join(sb.root, "..", `root-${++roots}`);
  mkdirSync(root, { recursive: true });
  return root;
}

const ref = () => `${proxy.host}/test/big:1`;
const blobGets = (digest: string, since = 0) => proxy.log.slice(since).filter((l) => l.method === "GET" && l.path.endsWith(`/blobs/${digest}`));
const pull = (root: string, extra: Record<string, string> = {}) => sb.run(["pull", ref()], { env: { MINIBOX_ROOT: root, ...extra }, timeoutMs: 60_000 });
const isBlob = (url: URL, digest: string) => url.pathname.endsWith(`/blobs/${digest}`);

async function imagesIn(root: string): Promise<string> {
  return (await sb.run(["images", "-q", "--no-trunc"], { env: { MINIBOX_ROOT: root } })).stdout;
}

function expectNothingHalfDone(root: string): void {
  const tmp = join(root, "tmp");
  const leftovers = existsSync(tmp) ? readdirSync(tmp).filter((n) => !n.endsWith(".lock")) : [];
  for (const n of leftovers) expect(existsSync(join(tmp, n, "layer"))).toBe(false);
  for (const l of existsSync(join(root, "layers")) ? readdirSync(join(root, "layers")) : []) {
    expect(existsSync(join(root, "layers", l, "meta.json"))).toBe(true);
  }
}

afterAll(() => { proxy.fault = undefined; });

describe("resilience", () => {
  test("a dropped connection is resumed with Range", async () => {
    let cut = false;
    const since = proxy.log.length;
    proxy.fault = async (req, url, forward) => {
      if (!isBlob(url, big) || req.headers.get("range") || cut) return undefined;
      cut = true;
      return truncated(await forward(req), 700_000);
    };
    const root = freshRoot();
    const r = await pull(root);
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const gets = blobGets(big, since);
    expect(gets.length).toBe(2);
    expect(gets[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(gets[1]!.status).toBe(206);
    expect(await imagesIn(root)).toBe(`${img.configDigest}\n`);
  });

  test("a registry that ignores Range: the download restarts and the known bytes are skipped", async () => {
    let cut = false;
    const since = proxy.log.length;
    proxy.fault = async (req, url, forward) => {
      if (!isBlob(url, big)) return undefined;
      const plain = new Request(req.url, { headers: [...req.headers].filter(([k]) => k !== "range") });
      if (!cut) { cut = true; return truncated(await forward(plain), 500_000); }
      return forward(plain);
    };
    const root = freshRoot();
    const r = await pull(root);
    expect(r.code).toBe(0);
    const gets = blobGets(big, since);
    expect(gets.length).toBe(2);
    expect(gets[1]!.range).not.toBeNull();
    expect(gets[1]!.status).toBe(200);
    expect(await imagesIn(root)).toBe(`${img.configDigest}\n`);
  });

  test("a blob with altered bytes is refused: nothing tagged, no layer, no blob", async () => {
    proxy.fault = async (req, url, forward) => (isBlob(url, big) ? corrupted(await forward(req)) : undefined);
    const root = freshRoot();
    const r = await pull(root);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(big);
    expect(r.stderr).toContain("digest mismatch");
    expect(await imagesIn(root)).toBe("");
    expect(existsSync(join(root, "layers", img.diffIds[1]!.slice(7)))).toBe(false);
    expect(existsSync(join(root, "blobs/sha256", big.slice(7)))).toBe(false);
    expect(existsSync(join(root, "tmp", `pull-${big.slice(7)}`))).toBe(false);
    expectNothingHalfDone(root);
  });

  test("a manifest whose bytes do not match its digest is refused", async () => {
    proxy.fault = async (req, url, forward) => {
      if (!url.pathname.endsWith("/manifests/1")) return undefined;
      const res = await forward(req);
      const body = `${await res.text()} `;
      return new Response(body, { status: 200, headers: { "content-type": res.headers.get("content-type")!, "docker-content-digest": res.headers.get("docker-content-digest")! } });
    };
    const root = freshRoot();
    const r = await pull(root);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("manifest digest mismatch");
    expect(await imagesIn(root)).toBe("");
  });

  // image-store (#8 item 7): ambiguous documents are refused, not guessed at.
  test("a manifest served with an index's Content-Type, or one that is also an index, is refused", async () => {
    for (const alter of ["content-type", "both"] as const) {
      proxy.fault = async (req, url, forward) => {
        if (!url.pathname.endsWith("/manifests/1")) return undefined;
        const res = await forward(req);
        const doc = JSON.parse(await res.text()) as Record<string, unknown>;
        const body = JSON.stringify(alter === "both" ? { ...doc, manifests: [] } : doc);
        const type = alter === "content-type" ? "application/vnd.oci.image.index.v1+json" : res.headers.get("content-type")!;
        const digest = `sha256:${new Bun.CryptoHasher("sha256").update(body).digest("hex")}`;
        return new Response(body, { status: 200, headers: { "content-type": type, "docker-content-digest": digest } });
      };
      const root = freshRoot();
      const r = await pull(root);
      expect(r.code).toBe(1);
      expect(r.stderr.split("\n").filter((l) => l.startsWith("minibox:"))).toHaveLength(1); // progress lines aside
      expect(r.stderr).toMatch(alter === "both" ? /ambiguous/ : /served as .* but its mediaType is/);
      expect(await imagesIn(root)).toBe("");
    }
    proxy.fault = undefined;
  });

  test("500s are retried; 429 waits for Retry-After", async () => {
    let errors = 0;
    const since = proxy.log.length;
    proxy.fault = (req, url) => {
      if (url.pathname.endsWith("/manifests/1") && errors < 2) { errors++; return new Response("boom", { status: 500 }); }
      if (isBlob(url, big) && errors === 2) { errors++; return new Response("slow down", { status: 429, headers: { "retry-after": "1" } }); }
      return undefined;
    };
    const root = freshRoot();
    expect((await pull(root)).code).toBe(0);
    const manifests = proxy.log.slice(since).filter((l) => l.path.endsWith("/manifests/1"));
    expect(manifests.map((l) => l.status)).toEqual([500, 500, 200]);
    const gets = blobGets(big, since);
    expect(gets.map((l) => l.status)).toEqual([429, 200]);
    expect(gets[1]!.at - gets[0]!.at).toBeGreaterThanOrEqual(950);
    expect(await imagesIn(root)).toBe(`${img.configDigest}\n`);
  });

  test("retries are bounded: a blob that always fails with 503 gives up after 5 tries", async () => {
    const since = proxy.log.length;
    proxy.fault = (_req, url) => (isBlob(url, big) ? new Response("down", { status: 503 }) : undefined);
    const root = freshRoot();
    const r = await pull(root);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("HTTP 503");
    expect(blobGets(big, since).length).toBe(5);
    expect(await imagesIn(root)).toBe("");
  });
});

describe("concurrency and crashes", () => {
  test("two concurrent pulls of one image fetch each blob once", async () => {
    const since = proxy.log.length;
    let manifestGets = 0;
    let bothStarted!: () => void;
    const gate = new Promise<void>((r) => (bothStarted = r));
    const deadline = setTimeout(() => bothStarted(), 15_000);
    proxy.fault = async (req, url) => {
      if (url.pathname.endsWith("/manifests/1") && ++manifestGets === 2) bothStarted();
      // Hold the layer downloads until the second pull has its manifest, so it meets the first's locks.
      if (img.layerDigests.some((d) => isBlob(url, d))) await gate;
      return undefined;
    };
    const root = freshRoot();
    const [a, b] = await Promise.all([pull(root), pull(root)]);
    clearTimeout(deadline);
    expect([a.code, b.code]).toEqual([0, 0]);
    for (const d of img.layerDigests) expect(blobGets(d, since).length).toBe(1);
    expect(`${a.stderr}${b.stderr}`).toMatch(/Waiting for another pull|Already exists/);
    expect(await imagesIn(root)).toBe(`${img.configDigest}\n`);
    expectNothingHalfDone(root);
  });

  test("kill -9 in the middle of a pull: the next pull cleans up and resumes from the partial blob", async () => {
    const root = freshRoot();
    let halfSent!: () => void;
    const half = new Promise<void>((r) => (halfSent = r));
    proxy.fault = async (req, url, forward) => (isBlob(url, big) ? truncated(await forward(req), 1_000_000, { stall: halfSent }) : undefined);
    const proc = Bun.spawn([BINARY, "pull", ref()], { env: { ...sb.env, MINIBOX_ROOT: root }, stdout: "ignore", stderr: "ignore" });
    await half;
    const partial = join(root, "tmp", `pull-${big.slice(7)}`, "blob.partial");
    // The proxy has sent 1 MB; wait (bounded) until minibox has written it before killing it.
    const until = Date.now() + 10_000;
    while ((existsSync(partial) ? statSync(partial).size : 0) < 1_000_000 && Date.now() < until) await Bun.sleep(10);
    proc.kill("SIGKILL");
    await proc.exited;
    expect(statSync(partial).size).toBe(1_000_000);
    expect(await imagesIn(root)).toBe("");
    proxy.fault = undefined;
    const since = proxy.log.length;
    const r = await pull(root);
    expect(r.code).toBe(0);
    const gets = blobGets(big, since);
    expect(gets.length).toBe(1);
    expect(gets[0]!.range).toBe("bytes=1000000-");
    expect(r.stderr).toContain("Resuming download");
    expect(await imagesIn(root)).toBe(`${img.configDigest}\n`);
    expect(readdirSync(join(root, "tmp")).filter((n) => n.startsWith("pull-"))).toEqual([]);
  });

  // image-store (#9 item 4): a killed pull's work is removed by image prune (and system check --repair).
  test("kill -9 in the middle of a pull: image prune removes its tmp/pull-* work", async () => {
    const root = freshRoot();
    let halfSent!: () => void;
    const half = new Promise<void>((r) => (halfSent = r));
    proxy.fault = async (req, url, forward) => (isBlob(url, big) ? truncated(await forward(req), 1_000_000, { stall: halfSent }) : undefined);
    const proc = Bun.spawn([BINARY, "pull", ref()], { env: { ...sb.env, MINIBOX_ROOT: root }, stdout: "ignore", stderr: "ignore" });
    try {
      await half;
      const dir = join(root, "tmp", `pull-${big.slice(7)}`);
      const until = Date.now() + 10_000;
      while (!existsSync(join(dir, "blob.partial")) && Date.now() < until) await Bun.sleep(10);
      proc.kill("SIGKILL");
      await proc.exited;
      expect(existsSync(dir)).toBe(true);
    } finally {
      proxy.fault = undefined;
      if (proc.exitCode === null) proc.kill("SIGKILL");
    }
    const check = await sb.run(["system", "check"], { env: { MINIBOX_ROOT: root } });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`pull-${big.slice(7)}`);
    expect((await sb.run(["image", "prune"], { env: { MINIBOX_ROOT: root } })).code).toBe(0);
    expect(readdirSync(join(root, "tmp")).filter((n) => n.startsWith("pull-"))).toEqual([]);
    expect(await sb.run(["system", "check"], { env: { MINIBOX_ROOT: root } })).toMatchObject({ code: 0 });
  });

  test("a full disk: a clear error, and the store stays consistent", async () => {
    proxy.fault = undefined;
    const root = freshRoot();
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", root]).exitCode).toBe(0);
    try {
      const r = await pull(root);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("no space left on device");
      expect(await imagesIn(root)).toBe("");
      expect(readdirSync(join(root, "refs"))).toEqual([]);
      expectNothingHalfDone(root);
    } finally {
      Bun.spawnSync(["umount", "-l", root]);
    }
  });
});
