// Mounts onto /proc or below are refused before anything is created (moby's TestMountIntoProc, runc's
// "cannot be mounted because it is inside /proc"): one line on stderr, exit 125, no container record.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { busyboxRootfsEntries, dockerArchive, imageFromLayers } from "../fixtures/images.ts";
import { tarBytes } from "../../src/image/tar/writer.ts";
import { T, useRunSandbox } from "./run-helpers.ts";

// An image with /myproc -> /proc: the CLI cannot see through it, the init must.
const ctx = useRunSandbox("minibox-e2e-mount-policy-", async (c) => {
  const entries = [...busyboxRootfsEntries(), { name: "myproc", type: "symlink" as const, linkname: "/proc", mtime: 1_700_000_000 }];
  const archive = join(c.base, "procalias.tar");
  writeFileSync(archive, dockerArchive(imageFromLayers([tarBytes(entries)], { name: "procalias:latest" })));
  const r = await c.sb.run(["load", "-i", archive]);
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
});

describe("mounts into /proc", () => {
  const forms = (dir: string): string[][] => [
    ["-v", `${dir}:/proc`],
    ["-v", `${dir}:/proc/sys/kernel`],
    ["-v", `${dir}:/proc//sys`],
    ["-v", `${dir}:/proc/../proc/sys`],
    ["-v", `${dir}:/proc/`],
    ["-v", `${dir}://proc/./sys:ro`],
    ["--tmpfs", "/proc/sys"],
    ["--tmpfs", "/proc"],
  ];

  test("every spelling of a /proc target is refused: exit 125, one line, nothing created", async () => {
    const dir = mkdtempSync(join(tmpdir(), "minibox-proc-src-"));
    try {
      for (const flags of forms(dir)) {
        const before = ctx.containerIds().length;
        for (const verb of ["run", "create"]) {
          const r = await ctx.sb.run([verb, "--rm", ...flags, "busybox", "true"].filter((a) => verb === "run" || a !== "--rm"));
          expect({ flags, code: r.code }).toEqual({ flags, code: 125 });
          const lines = r.stderr.trim().split("\n");
          expect({ flags, lines: lines.length }).toEqual({ flags, lines: 1 });
          expect(r.stderr).toContain("cannot be mounted because it is inside /proc");
          expect(r.stdout).toBe("");
        }
        expect(ctx.containerIds().length).toBe(before);
      }
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, T);

  test("a name that merely starts with proc is fine: /procfs, /data/proc", async () => {
    const dir = mkdtempSync(join(tmpdir(), "minibox-proc-src-"));
    try {
      const r = await ctx.run(["--rm", "-v", `${dir}:/procfs`, "--tmpfs", "/data/proc", "busybox", "sh", "-c", "grep -c -e ' /procfs ' -e ' /data/proc ' /proc/mounts"]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("2\n");
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, T);

  test("a target that reaches /proc through an image symlink is refused by the init: exit 125, one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "minibox-proc-src-"));
    try {
      for (const flags of [["-v", `${dir}:/myproc/sys`], ["--tmpfs", "/myproc/sys/kernel"], ["-v", `${dir}:/myproc/keys`]]) {
        const r = await ctx.run(["--rm", ...flags, "procalias", "sh", "-c", "echo ran"]);
        expect({ flags, code: r.code }).toEqual({ flags, code: 125 });
        expect(r.stdout).toBe("");
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toContain("resolves into /proc");
      }
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, T);
});
