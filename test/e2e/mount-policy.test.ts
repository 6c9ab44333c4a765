// Mounts onto /proc or below are refused before anything is created (moby's TestMountIntoProc, runc's
// "cannot be mounted because it is inside /proc"): one line on stderr, exit 125, no container record.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-mount-policy-");

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
});
