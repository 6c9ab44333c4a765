// A damaged image store (issue #9): one broken image — config blob garbled, layer dir or meta.json
// deleted, record garbled, a byte flipped in a layer blob — must not take the other images down with it.
// `images` marks it, `run` of another image works, `rmi -f` removes it, `image prune` and `load` work,
// and `save` of the broken image fails with one line and leaves no output file.
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tarBytes, type TarWriteEntry } from "../../src/image/tar/writer.ts";
import { busyboxRootfsEntries, dockerArchive, imageFromLayers, type BuiltImage } from "../fixtures/images.ts";
import { makeSandbox, type Result, type Sandbox } from "./harness.ts";

setDefaultTimeout(60_000);

const marker = (name: string): TarWriteEntry => ({ name: "marker", body: `${name}\n`, mode: 0o644, mtime: 1_700_000_000 });
// Two images that share no layer, so breaking one leaves the other whole.
const broken = imageFromLayers([tarBytes([...busyboxRootfsEntries(), marker("broken")])], { name: "broken:1" });
const healthy = imageFromLayers([tarBytes([...busyboxRootfsEntries(), marker("healthy")])], { name: "healthy:1" });
const third = imageFromLayers([tarBytes([...busyboxRootfsEntries(), marker("third")])], { name: "third:1" });
const hex = (d: string) => d.slice(7);

let sb: Sandbox;
let files: string;
beforeEach(async () => {
  sb = makeSandbox("minibox-e2e-corrupt-");
  files = join(sb.root, "..", "files");
  mkdirSync(files, { recursive: true });
  for (const image of [broken, healthy]) await ok(["load", "-i", archive(image)]);
});
afterEach(() => sb.cleanup());

function archive(image: BuiltImage): string {
  const path = join(files, `${image.name!.replace(":", "-")}.tar`);
  if (!existsSync(path)) writeFileSync(path, dockerArchive(image));
  return path;
}

async function ok(args: string[]): Promise<string> {
  const r = await sb.run(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function nonEmptyLines(s: string): string[] {
  return s.split("\n").filter((l) => l.trim());
}

function expectOneLineError(r: Result): void {
  expect(r.code).toBe(125);
  expect(nonEmptyLines(r.stderr)).toHaveLength(1);
  expect(r.stderr).not.toMatch(/older minibox|\n\s+at /);
}

const corruptions: Record<string, () => void> = {
  "config blob garbled": () => writeFileSync(join(sb.root, "blobs/sha256", hex(broken.configDigest)), "{not json"),
  "config blob valid JSON but wrong digest": () => writeFileSync(join(sb.root, "blobs/sha256", hex(broken.configDigest)), JSON.stringify({ rootfs: { diff_ids: [] } })),
  "image record garbled": () => writeFileSync(join(sb.root, "images", `${hex(broken.configDigest)}.json`), "[1,2"),
  "layer dir deleted": () => rmSync(join(sb.root, "layers", hex(broken.diffIds[0]!)), { recursive: true }),
  "layer meta.json deleted": () => rmSync(join(sb.root, "layers", hex(broken.diffIds[0]!), "meta.json")),
  "layer meta.json garbled": () => writeFileSync(join(sb.root, "layers", hex(broken.diffIds[0]!), "meta.json"), "{\"size\":\"x\"}"),
};

describe("one broken image does not break the others", () => {
  for (const [name, corrupt] of Object.entries(corruptions)) {
    test(name, async () => {
      corrupt();
      const images = await sb.run(["images"]);
      expect(images.code).toBe(0);
      expect(images.stdout).toMatch(/^healthy\s+1\s+/m);
      expect(images.stdout).toMatch(new RegExp(`^\\S+\\s+\\S+\\s+${hex(broken.configDigest).slice(0, 12)}\\s+<broken>`, "m"));
      const warnings = nonEmptyLines(images.stderr);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(hex(broken.configDigest).slice(0, 12));

      expect(await ok(["run", "--rm", "healthy:1", "cat", "/marker"])).toBe("healthy\n");

      const out = join(files, "out.tar");
      expectOneLineError(await sb.run(["save", "-o", out, hex(broken.configDigest)]));
      expect(existsSync(out)).toBe(false);

      expect((await sb.run(["image", "prune"])).code).toBe(0);
      await ok(["load", "-i", archive(third)]);
      expect(await ok(["images", "-q"])).toContain(hex(third.configDigest).slice(0, 12));

      const rmi = await sb.run(["rmi", "-f", hex(broken.configDigest)]);
      expect(rmi.stderr).toBe("");
      expect(rmi.code).toBe(0);
      const after = await sb.run(["images"]);
      expect(after.stderr).toBe("");
      expect(after.stdout).not.toContain(hex(broken.configDigest).slice(0, 12));
      expect(after.stdout).toMatch(/^healthy\s+1\s+/m);
      // The image can be loaded again whole.
      await ok(["load", "-i", archive(broken)]);
      expect(await ok(["run", "--rm", "broken:1", "cat", "/marker"])).toBe("broken\n");
    });
  }

  test("loading the same image again repairs it", async () => {
    corruptions["config blob garbled"]!();
    corruptions["layer meta.json deleted"]!();
    await ok(["load", "-i", archive(broken)]);
    expect((await sb.run(["images"])).stderr).toBe("");
    expect(await ok(["run", "--rm", "broken:1", "cat", "/marker"])).toBe("broken\n");
  });
});

describe("a layer blob that does not match its digest", () => {
  function flipByte(): void {
    const path = join(sb.root, "blobs/sha256", hex(broken.blobDigests[0]!));
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(path, bytes);
  }

  for (const format of ["docker-archive", "oci-archive"]) {
    test(`save --format ${format} fails with one line and leaves no file`, async () => {
      flipByte();
      const out = join(files, "flipped.tar");
      const r = await sb.run(["save", "--format", format, "-o", out, "broken:1"]);
      expectOneLineError(r);
      expect(r.stderr).toMatch(/digest/);
      expect(existsSync(out)).toBe(false);
      expect(await ok(["save", "--format", format, "-o", out, "healthy:1"])).toBe("");
      expect(existsSync(out)).toBe(true);
    });
  }

  test("save to stdout stops with an error, not a truncated archive that looks whole", async () => {
    flipByte();
    const r = await sb.run(["save", "broken:1"]);
    expectOneLineError(r);
  });
});
