// `minibox pull` against a real registry (Debian's docker-registry): images pushed by skopeo (Docker
// schema2, gzip) and straight over HTTP (OCI, zstd and plain layers, multi-platform indexes).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostArchitecture } from "../../src/oci/image-config.ts";
import { tarBytes } from "../../src/image/tar/writer.ts";
import { buildImage, dockerArchive } from "../fixtures/images.ts";
import { makeSandbox, type Sandbox } from "./harness.ts";
import { startRegistry, skopeoPush, type Registry } from "./registry.ts";
import { busyboxTar, pushIndex, pushLayers, randomLayerTar } from "./registry-images.ts";

setDefaultTimeout(60_000);
let sb: Sandbox;
let reg: Registry;
const fixture = buildImage({ layers: 3, gzip: true, name: "busybox:latest" });

beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-pull-");
  reg = await startRegistry();
  const archive = join(sb.root, "..", "bb.tar");
  writeFileSync(archive, dockerArchive(fixture));
  await skopeoPush(archive, `${reg.host}/test/busybox:1`);
}, 60_000);
afterAll(async () => {
  await reg?.stop();
  sb?.cleanup();
}, 30_000);

async function ok(args: string[], env?: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const r = await sb.run(args, { ...(env && { env }), timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

const layerFs = (diffId: string) => join(sb.root, "layers", diffId.slice(7), "fs");

describe("pull", () => {
  test("a skopeo-pushed image: verified, unpacked with whiteouts, tagged, blobs kept", async () => {
    const ref = `${reg.host}/test/busybox:1`;
    const r = await ok(["pull", ref]);
    expect(r.stdout).toBe(`${ref}\n`);
    expect(r.stderr).toContain("1: Pulling from test/busybox");
    expect(r.stderr).toMatch(/Pull complete/);
    expect(r.stderr).toMatch(/^Digest: sha256:[0-9a-f]{64}$/m);
    expect(r.stderr).toContain(`Status: Downloaded newer image for ${ref}`);
    expect((await ok(["images", "-q", "--no-trunc", ref])).stdout).toBe(`${fixture.configDigest}\n`);
    // Layer 3 deletes /etc/motd (an overlay whiteout: char device 0:0) and makes /opt opaque.
    const wh = lstatSync(join(layerFs(fixture.diffIds[2]!), "etc/motd"));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    expect(readFileSync(join(layerFs(fixture.diffIds[1]!), "hello.txt"), "utf8")).toBe("hello from layer 2\n");
    expect(existsSync(join(layerFs(fixture.diffIds[0]!), "bin/busybox"))).toBe(true);
    // Every layer blob the registry served is in the store under its digest; nothing is left in tmp/.
    const manifest = JSON.parse(Bun.spawnSync(["skopeo", "inspect", "--raw", "--tls-verify=false", `docker://${ref}`]).stdout.toString());
    for (const l of manifest.layers) expect(existsSync(join(sb.root, "blobs/sha256", l.digest.slice(7)))).toBe(true);
    expect(readdirSync(join(sb.root, "tmp"))).toEqual([]);
  });

  test("pulling again fetches nothing and says so; -q prints only the reference", async () => {
    const ref = `${reg.host}/test/busybox:1`;
    const r = await ok(["pull", ref]);
    expect(r.stderr).toContain("Status: Image is up to date");
    expect(r.stderr).not.toContain("Downloading");
    expect(r.stderr.match(/Already exists/g)?.length).toBe(3);
    const q = await ok(["pull", "-q", ref]);
    expect(q.stdout).toBe(`${ref}\n`);
    expect(q.stderr).toBe("");
  });

  test("gzip, zstd and uncompressed layers in one OCI image", async () => {
    const tars = [busyboxTar(), randomLayerTar(300_000, 7), tarBytes([{ name: "etc", type: "dir" }, { name: "etc/plain", body: "plain\n" }])];
    const img = await pushLayers(reg.host, "test/mixed", "v1", tars, { compression: ["gzip", "zstd", "none"] });
    await ok(["pull", `${reg.host}/test/mixed:v1`]);
    expect((await ok(["images", "-q", "--no-trunc", `${reg.host}/test/mixed:v1`])).stdout).toBe(`${img.configDigest}\n`);
    expect(readFileSync(join(layerFs(img.diffIds[2]!), "etc/plain"), "utf8")).toBe("plain\n");
    expect(lstatSync(join(layerFs(img.diffIds[1]!), "data.bin")).size).toBe(300_000);
  });

  test("a multi-platform index: the host's platform by default, --platform picks another, a missing one fails", async () => {
    const other = hostArchitecture() === "arm64" ? "amd64" : "arm64";
    const native = await pushLayers(reg.host, "test/multi", null, [busyboxTar()], { architecture: hostArchitecture(), cmd: ["native"] });
    const foreign = await pushLayers(reg.host, "test/multi", null, [busyboxTar()], { architecture: other, cmd: ["foreign"] });
    const indexDigest = await pushIndex(reg.host, "test/multi", "latest", [
      { image: foreign, os: "linux", architecture: other },
      { image: native, os: "linux", architecture: hostArchitecture() },
    ]);
    const r = await ok(["pull", `${reg.host}/test/multi`]);
    expect(r.stderr).toContain("Using default tag: latest");
    expect(r.stderr).toContain(`Digest: ${indexDigest}`);
    expect((await ok(["images", "-q", "--no-trunc", `${reg.host}/test/multi`])).stdout).toBe(`${native.configDigest}\n`);
    await ok(["pull", "--platform", `linux/${other}`, `${reg.host}/test/multi:latest`]);
    expect((await ok(["images", "-q", "--no-trunc", `${reg.host}/test/multi`])).stdout).toBe(`${foreign.configDigest}\n`);
    const bad = await sb.run(["pull", "--platform", "linux/s390x", `${reg.host}/test/multi`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("no matching manifest for linux/s390x");
    expect(bad.stderr).toContain(`linux/${other}`);
  });

  test("by digest: not tagged, found again by name@digest", async () => {
    const img = await pushLayers(reg.host, "test/bydigest", null, [busyboxTar(), randomLayerTar(10_000, 3)]);
    const ref = `${reg.host}/test/bydigest@${img.manifestDigest}`;
    expect((await ok(["pull", ref])).stdout).toBe(`${ref}\n`);
    const table = (await ok(["images", "--no-trunc"])).stdout;
    expect(table).toMatch(new RegExp(`<none>\\s+<none>\\s+${img.configDigest}`));
    const inspect = JSON.parse((await ok(["image", "inspect", ref])).stdout);
    expect(inspect[0].Id).toBe(img.configDigest);
    expect(inspect[0].RepoDigests).toContain(`${reg.host}/test/bydigest@${img.manifestDigest}`);
  });

  test("an unknown tag or repository fails with one clear line and leaves nothing", async () => {
    const before = readdirSync(join(sb.root, "images")).length;
    const r = await sb.run(["pull", `${reg.host}/test/busybox:nope`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/manifest for nope not found: manifest unknown \(HTTP 404\)$/);
    expect(readdirSync(join(sb.root, "images")).length).toBe(before);
  });
});
