// A damaged image store (issue #9): one broken image — config blob garbled, layer dir or meta.json
// deleted, record garbled, a byte flipped in a layer blob — must not take the other images down with it.
// `images` marks it, `run` of another image works, `rmi -f` removes it, `image prune` and `load` work,
// and `save` of the broken image fails with one line and leaves no output file.
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tarBytes, type TarWriteEntry } from "../../src/image/tar/writer.ts";
import { busyboxRootfsEntries, dockerArchive, imageFromLayers, type BuiltImage } from "../fixtures/images.ts";
import { BINARY, makeSandbox, type Result, type Sandbox } from "./harness.ts";

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
  expect(r.code).toBe(1);
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

      const prune = await sb.run(["image", "prune"]);
      expect(prune.code).toBe(0);
      expect(nonEmptyLines(prune.stderr)).toHaveLength(1);
      expect(prune.stderr).toContain(`skipped damaged image ${hex(broken.configDigest).slice(0, 12)}`);
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

/** Polls `cond` until it holds or `ms` pass. */
async function waitFor(cond: () => boolean, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await Bun.sleep(5);
  }
  return cond();
}

function tmpEntries(prefix: string): string[] {
  const tmp = join(sb.root, "tmp");
  return existsSync(tmp) ? readdirSync(tmp).filter((n) => n.startsWith(prefix)) : [];
}

/** Starts `load` and SIGKILLs it once tmp/<prefix>* exists; false if the load finished first. */
async function killLoadMidway(args: string[], prefix: string, feed?: (w: { write(b: Uint8Array): unknown; flush(): unknown }) => void): Promise<boolean> {
  const proc = Bun.spawn([BINARY, "load", ...args], { env: sb.env, stdin: feed ? "pipe" : "ignore", stdout: "ignore", stderr: "ignore" });
  try {
    if (feed) { feed(proc.stdin as never); }
    const seen = await waitFor(() => tmpEntries(prefix).length > 0 || proc.exitCode !== null);
    if (!seen || proc.exitCode !== null) return false;
    proc.kill("SIGKILL");
    await proc.exited;
    return true;
  } finally {
    if (proc.exitCode === null) { proc.kill("SIGKILL"); await proc.exited; }
  }
}

describe("work left in tmp/ by a load killed midway", () => {
  test("a stdin load killed while spooling: the next load removes tmp/input-*", async () => {
    const killed = await killLoadMidway([], "input-", (w) => { w.write(new Uint8Array(1 << 16)); w.flush(); });
    expect(killed).toBe(true);
    expect(tmpEntries("input-").length).toBeGreaterThan(0);
    await ok(["load", "-i", archive(third)]);
    expect(tmpEntries("input-")).toEqual([]);
  });

  test("a load killed while unpacking a big layer: image prune removes tmp/layer-*", async () => {
    const big = new Uint8Array(96 << 20);
    for (let at = 0; at < big.length; at += 65536) crypto.getRandomValues(big.subarray(at, at + 65536));
    const image = imageFromLayers([tarBytes([{ name: "big.bin", body: big, mode: 0o644, mtime: 1_700_000_000 }])], { name: "big:1" });
    const path = archive(image);
    const killed = await killLoadMidway(["-i", path], "layer-");
    expect(killed).toBe(true);
    expect(tmpEntries("layer-").length).toBeGreaterThan(0);
    const prune = await sb.run(["image", "prune", "-f"]);
    expect(prune.code).toBe(0);
    expect(tmpEntries("layer-")).toEqual([]);
  });

  test("a load in progress keeps its work dir while another load runs", async () => {
    const proc = Bun.spawn([BINARY, "load"], { env: sb.env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    try {
      proc.stdin.write(readFileSync(archive(third)).subarray(0, 4096));
      proc.stdin.flush();
      expect(await waitFor(() => tmpEntries("input-").length > 0)).toBe(true);
      const before = tmpEntries("input-");
      await ok(["load", "-i", archive(healthy)]);
      expect(tmpEntries("input-")).toEqual(before);
      proc.stdin.write(readFileSync(archive(third)).subarray(4096));
      proc.stdin.end();
      expect(await proc.exited).toBe(0);
      expect(tmpEntries("input-")).toEqual([]);
    } finally {
      if (proc.exitCode === null) proc.kill("SIGKILL");
    }
  });
});

describe("save -o never replaces what is not a regular file", () => {
  test("a character device stays a character device; Docker's message, exit 1", async () => {
    const dev = join(files, "null");
    const made = Bun.spawnSync(["mknod", dev, "c", "1", "3"]);
    if (made.exitCode !== 0) throw new Error(`precondition: mknod failed: ${made.stderr.toString()}`);
    const r = await sb.run(["save", "-o", dev, "healthy:1"]);
    expectOneLineError(r);
    expect(r.stderr).toContain("got a device");
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(readdirSync(files).filter((n) => n.includes("minibox-save"))).toEqual([]);
    expect(lstatSync("/dev/null").isCharacterDevice()).toBe(true); // read only: the real one is never touched
  });

  test("a directory is refused", async () => {
    const r = await sb.run(["save", "-o", files, "healthy:1"]);
    expectOneLineError(r);
    expect(lstatSync(files).isDirectory()).toBe(true);
  });

  test("a FIFO is written to, and stays a FIFO", async () => {
    const fifo = join(files, "pipe");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const reader = Bun.spawn(["cat", fifo], { stdout: "pipe" });
    const [r, data] = await Promise.all([sb.run(["save", "-o", fifo, "healthy:1"]), new Response(reader.stdout).arrayBuffer()]);
    expect(r.code).toBe(0);
    expect(data.byteLength).toBeGreaterThan(1 << 20);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});

describe("rmi racing create", () => {
  test("a created container's image layers are never deleted under it (bounded loop)", async () => {
    for (let i = 0; i < 15; i++) {
      await ok(["load", "-i", archive(third)]);
      const [created, removed] = await Promise.all([
        sb.run(["create", "--pull", "never", "third:1", "cat", "/marker"]),
        sb.run(["rmi", "third:1"]),
      ]);
      if (created.code === 0) {
        // The container exists, so its image must still be whole, whatever rmi did (untag, or refuse).
        const id = created.stdout.trim();
        const inspect = await sb.run(["image", "inspect", hex(third.configDigest)]);
        expect({ code: inspect.code, stderr: inspect.stderr, rmi: removed.stderr + removed.stdout }).toMatchObject({ code: 0 });
        expect(existsSync(join(sb.root, "layers", hex(third.diffIds[0]!), "fs", "marker"))).toBe(true);
        await ok(["rm", "-f", id]);
        await sb.run(["rmi", "-f", hex(third.configDigest)]);
      } else {
        expect(created.stderr).toMatch(/No such image|Unable to find image/);
        expect(removed).toMatchObject({ code: 0 });
      }
    }
  });
});
