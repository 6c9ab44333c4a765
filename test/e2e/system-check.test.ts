// `minibox system check [--repair]` (issue #9): one line per problem, exit 1 while any remains, 0 when
// clean; --repair removes damaged blobs, layers, images, refs and stale tmp work, then checks again;
// what a container uses is kept and reported.
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tarBytes, type TarWriteEntry } from "../../src/image/tar/writer.ts";
import { busyboxRootfsEntries, dockerArchive, imageFromLayers, type BuiltImage } from "../fixtures/images.ts";
import { makeSandbox, type Sandbox } from "./harness.ts";

setDefaultTimeout(60_000);

const marker = (name: string): TarWriteEntry => ({ name: "marker", body: `${name}\n`, mode: 0o644, mtime: 1_700_000_000 });
const build = (name: string) => imageFromLayers([tarBytes([...busyboxRootfsEntries(), marker(name)])], { name: `${name}:1` });
const images = { flipped: build("flipped"), garbled: build("garbled"), nometa: build("nometa"), healthy: build("healthy") };
const hex = (d: string) => d.slice(7);

let sb: Sandbox;
let files: string;
beforeEach(async () => {
  sb = makeSandbox("minibox-e2e-check-");
  files = join(sb.root, "..", "files");
  mkdirSync(files, { recursive: true });
});
afterEach(() => sb.cleanup());

async function load(image: BuiltImage): Promise<void> {
  const path = join(files, `${image.name!.replace(":", "-")}.tar`);
  writeFileSync(path, dockerArchive(image));
  await ok(["load", "-i", path]);
}

async function ok(args: string[]): Promise<string> {
  const r = await sb.run(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const lines = (s: string) => s.split("\n").filter((l) => l.trim());

describe("system check", () => {
  test("a clean store: exit 0", async () => {
    await load(images.healthy);
    const r = await sb.run(["system", "check"]);
    expect(r.stderr).toBe("");
    expect(r).toMatchObject({ code: 0, stdout: "No problems found\n" });
  });

  test("each kind of damage is reported, --repair fixes it, and the store is clean afterwards", async () => {
    for (const image of Object.values(images)) await load(image);
    // A byte flipped in a layer blob.
    const blob = join(sb.root, "blobs/sha256", hex(images.flipped.blobDigests[0]!));
    const bytes = readFileSync(blob);
    bytes[100]! ^= 0x01;
    writeFileSync(blob, bytes);
    // A garbled config; a deleted meta.json; a ref to an image that is not there; a killed load's work dir.
    writeFileSync(join(sb.root, "blobs/sha256", hex(images.garbled.configDigest)), "{");
    rmSync(join(sb.root, "layers", hex(images.nometa.diffIds[0]!), "meta.json"));
    writeFileSync(join(sb.root, "refs", encodeURIComponent("docker.io/library/ghost:1")), `sha256:${"ab".repeat(32)}\n`);
    mkdirSync(join(sb.root, "tmp", "layer-Ab12Cd", "fs"), { recursive: true });

    const check = await sb.run(["system", "check"]);
    expect(check.code).toBe(1);
    const found = lines(check.stdout);
    const expectLine = (pattern: RegExp) => expect(found.some((l) => pattern.test(l))).toBe(true);
    expectLine(new RegExp(`^blob ${images.flipped.blobDigests[0]}: content does not match its digest`));
    expectLine(new RegExp(`^blob ${images.garbled.configDigest}: content does not match`));
    expectLine(new RegExp(`^layer ${images.nometa.diffIds[0]}: .*no meta.json`));
    expectLine(new RegExp(`^image ${images.garbled.configDigest}: `));
    expectLine(new RegExp(`^image ${images.nometa.configDigest}: `));
    expectLine(/^ref docker.io\/library\/ghost:1: ref names image abababababab, which is not in the store/);
    expectLine(/^tmp .*layer-Ab12Cd: /);
    expect(found.some((l) => l.includes(images.healthy.configDigest))).toBe(false);
    expect(found.every((l) => !l.endsWith("(repaired)"))).toBe(true);

    const repair = await sb.run(["system", "check", "--repair"]);
    expect(repair.stderr).toBe("");
    expect(repair.code).toBe(0);
    expect(lines(repair.stdout).filter((l) => !l.endsWith("(repaired)"))).toEqual(["All problems repaired"]);

    expect(await sb.run(["system", "check"])).toMatchObject({ code: 0, stdout: "No problems found\n" });
    const list = await sb.run(["images"]);
    expect(list.stderr).toBe("");
    expect(lines(list.stdout).slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["healthy"]);
    expect(await ok(["run", "--rm", "healthy:1", "cat", "/marker"])).toBe("healthy\n");
    // Pulled or loaded again, the repaired images are whole.
    for (const image of [images.flipped, images.garbled, images.nometa]) await load(image);
    expect(await sb.run(["system", "check"])).toMatchObject({ code: 0 });
    expect(await ok(["run", "--rm", "nometa:1", "cat", "/marker"])).toBe("nometa\n");
  });

  test("a damaged image a container uses is kept and reported; exit 1", async () => {
    await load(images.garbled);
    const id = (await ok(["create", "--pull", "never", "garbled:1", "true"])).trim();
    writeFileSync(join(sb.root, "images", `${hex(images.garbled.configDigest)}.json`), "nonsense");
    const repair = await sb.run(["system", "check", "--repair"]);
    expect(repair.code).toBe(1);
    expect(repair.stdout).toMatch(new RegExp(`^image ${images.garbled.configDigest}: .*kept: container ${id.slice(0, 12)} uses it$`, "m"));
    expect(readFileSync(join(sb.root, "layers", hex(images.garbled.diffIds[0]!), "fs", "marker"), "utf8")).toBe("garbled\n");
  });
});
