// Issue #8, the container's root filesystem: an image or a volume must never make minibox mount, create
// or truncate anything outside the container. Every attack points at a canary directory under a temp dir;
// after the run the canary must be exactly as before. In the spirit of runc's mask.bats/mounts.bats and
// crun's test_dev_symlink_does_not_populate_outside_rootfs.
import { afterEach, describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { busyboxRootfsEntries, dockerArchive, imageFromLayers } from "../fixtures/images.ts";
import { tarBytes, type TarWriteEntry } from "../../src/image/tar/writer.ts";
import { T, useRunSandbox, type RunSandbox } from "./run-helpers.ts";

const CANARY_TEXT = "canary: must never change\n";
const canaries: string[] = [];
afterEach(() => { for (const c of canaries.splice(0)) rmSync(c, { recursive: true, force: true }); });

/** A temp dir holding `null` and `file`, both canary files. */
function makeCanary(): string {
  const dir = mkdtempSync(join(tmpdir(), "minibox-canary-"));
  canaries.push(dir);
  writeFileSync(join(dir, "null"), CANARY_TEXT);
  writeFileSync(join(dir, "file"), CANARY_TEXT);
  return dir;
}

/** Every entry under `dir` with its type, size and content: what must not change. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      out.push(`${p} ${st.mode.toString(8)} ${st.size} ${st.mtimeMs}${st.isFile() ? ` ${readFileSync(p, "utf8")}` : ""}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** The busybox rootfs with its /dev replaced by a symlink to `target`. */
async function loadImageWithDevLink(ctx: RunSandbox, name: string, target: string): Promise<void> {
  const entries: TarWriteEntry[] = busyboxRootfsEntries().filter((e) => e.name !== "dev");
  entries.push({ name: "dev", type: "symlink", linkname: target, mtime: 1_700_000_000 });
  const image = imageFromLayers([tarBytes(entries)], { name: `${name}:latest` });
  const archive = join(ctx.base, `${name}.tar`);
  writeFileSync(archive, dockerArchive(image));
  const r = await ctx.sb.run(["load", "-i", archive]);
  if (r.code !== 0) throw new Error(`load ${name} failed: ${r.stderr}`);
}

const ctx = useRunSandbox("minibox-e2e-escape-");
const { run } = ctx;

// Reads the masked files and tries to write through them; a masked file is the host's /dev/null.
const PROBE = "cat /proc/keys /proc/timer_list; echo pwned > /proc/keys; echo pwned > /proc/timer_list; echo done";

/** Either the container ran with its masks intact, or it was refused with one clean line. */
function expectMaskedOrRefused(r: { code: number; stdout: string; stderr: string }): void {
  if (r.code === 0) {
    expect(r.stdout).toBe("done\n");
  } else {
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain("    at ");
  }
  expect(r.stdout).not.toContain("canary");
}

describe("an image whose /dev is a symlink", () => {
  test("absolute link to a host directory: nothing of the host is masked with, populated or mounted", async () => {
    const canary = makeCanary();
    const before = snapshot(canary);
    await loadImageWithDevLink(ctx, "devlink-abs", canary);
    const r = await run(["--rm", "devlink-abs", "sh", "-c", PROBE]);
    expectMaskedOrRefused(r);
    expect(r.code).toBe(0); // the link resolves inside the root: the container runs
    expect(snapshot(canary)).toEqual(before);
  }, T);

  test("relative link climbing out (../../..): the canary stays untouched", async () => {
    const canary = makeCanary();
    const before = snapshot(canary);
    await loadImageWithDevLink(ctx, "devlink-rel", `${"../".repeat(20)}${canary.slice(1)}`);
    const r = await run(["--rm", "devlink-rel", "sh", "-c", PROBE]);
    expectMaskedOrRefused(r);
    expect(snapshot(canary)).toEqual(before);
  }, T);

  test("link into /proc (/dev -> /proc/sys/kernel): refused or harmless, the host's sysctls unchanged", async () => {
    const corePattern = readFileSync("/proc/sys/kernel/core_pattern", "utf8");
    await loadImageWithDevLink(ctx, "devlink-proc", "/proc/sys/kernel");
    const r = await run(["--rm", "devlink-proc", "sh", "-c", PROBE]);
    expectMaskedOrRefused(r);
    expect(readFileSync("/proc/sys/kernel/core_pattern", "utf8")).toBe(corePattern);
  }, T);

  test("link to the root itself (/dev -> ../..): refused or harmless", async () => {
    await loadImageWithDevLink(ctx, "devlink-root", "../..");
    const r = await run(["--rm", "devlink-root", "sh", "-c", PROBE]);
    expectMaskedOrRefused(r);
  }, T);
});

describe("volumes over /dev", () => {
  test("-v DIR:/dev with DIR/null a symlink to a host file: masking never uses it", async () => {
    const canary = makeCanary();
    const vol = makeCanary();
    rmSync(join(vol, "null"));
    symlinkSync(join(canary, "null"), join(vol, "null"));
    const before = snapshot(canary);
    const r = await run(["--rm", "-v", `${vol}:/dev`, "busybox", "sh", "-c", PROBE]);
    expectMaskedOrRefused(r);
    expect(r.code).toBe(0);
    expect(snapshot(canary)).toEqual(before);
  }, T);

  test("-v DIR:/dev/pts with links named like ptys: /dev/console is never a host file", async () => {
    const canary = makeCanary();
    const vol = makeCanary();
    rmSync(join(vol, "null"));
    symlinkSync("/dev/ptmx", join(vol, "ptmx"));
    for (let n = 0; n < 256; n++) symlinkSync(join(canary, "file"), join(vol, String(n)));
    const before = snapshot(canary);
    const r = await run(["--rm", "-t", "-v", `${vol}:/dev/pts`, "busybox", "sh", "-c", "echo pwned > /dev/console; echo done"]);
    expect(r.stdout).not.toContain("canary");
    if (r.code !== 0) {
      expect(r.code).toBe(125);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(snapshot(canary)).toEqual(before);
  }, T);

  test("-v DIR:/dev/pts/0 style file target that is a symlink in a volume: resolved inside the root", async () => {
    const canary = makeCanary();
    const vol = mkdtempSync(join(tmpdir(), "minibox-vol-"));
    canaries.push(vol);
    symlinkSync(join(canary, "file"), join(vol, "target"));
    const src = join(makeCanary(), "file");
    const before = snapshot(canary);
    // /vol/target is a symlink to the canary's host path: the bind must land inside the root.
    const r = await run(["--rm", "-v", `${vol}:/vol`, "-v", `${src}:/vol/target`, "busybox", "sh", "-c", "echo pwned > /vol/target; echo done"]);
    expect(snapshot(canary)).toEqual(before);
    if (r.code !== 0) expect(r.code).toBe(125);
  }, T);
});

describe("-v /dev:/dev stays allowed", () => {
  test("the host's /dev is there, masks still hide /proc/keys, -t gets a console", async () => {
    const r = await run(["--rm", "-v", "/dev:/dev", "busybox", "sh", "-c", "cat /proc/keys; test -c /dev/null && echo ok"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("ok\n");
    expect(r.code).toBe(0);
    const t = await run(["--rm", "-t", "-v", "/dev:/dev", "busybox", "sh", "-c", "tty; test -c /dev/console && echo console"]);
    expect(t.code).toBe(0);
    expect(t.stdout.replace(/\r/g, "")).toMatch(/^\/dev\/pts\/\d+\nconsole\n$/);
  }, T);
});

describe("directories the volume controls", () => {
  test("a missing mount target under a symlink in a volume is created inside the root", async () => {
    const canary = makeCanary();
    const vol = mkdtempSync(join(tmpdir(), "minibox-vol-"));
    canaries.push(vol);
    symlinkSync(canary, join(vol, "link"));
    const before = snapshot(canary);
    const src = mkdtempSync(join(tmpdir(), "minibox-src-"));
    canaries.push(src);
    mkdirSync(join(src, "inner"));
    const r = await run(["--rm", "-v", `${vol}:/vol`, "-v", `${src}:/vol/link/sub/dir`, "--tmpfs", "/vol/link/tmp", "busybox", "sh", "-c", "ls /vol/link/sub/dir; echo done"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("inner\ndone\n");
    expect(r.code).toBe(0);
    expect(snapshot(canary)).toEqual(before);
  }, T);
});
