// CVE-2021-30465 / CVE-2024-45310 class: while a mount target inside a shared volume is being resolved and
// created, something swaps a directory on the way with a symlink to the host (renameat2 RENAME_EXCHANGE in
// a loop). Resolving a path string twice (exists? then mkdir/write) lets the kernel follow the symlink onto
// the host. The swapper runs as a host process in the volume's directory: for the kernel that is the same
// race a second container sharing the volume would run.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readUntil, useRunSandbox } from "./run-helpers.ts";

const STARTS = 200;
const PARALLEL = 4;
const ctx = useRunSandbox("minibox-e2e-race-");
const temps: string[] = [];
afterEach(() => { for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true }); });

describe("mount targets in a volume that is being swapped", () => {
  test(`${STARTS} starts with targets under a racing dir/symlink pair create nothing in the host canary`, async () => {
    const canary = mkdtempSync(join(tmpdir(), "minibox-canary-"));
    const vol = mkdtempSync(join(tmpdir(), "minibox-racevol-"));
    const src = mkdtempSync(join(tmpdir(), "minibox-racesrc-"));
    temps.push(canary, vol, src);
    writeFileSync(join(canary, "keep"), "canary\n");
    mkdirSync(join(vol, "d"));
    symlinkSync(canary, join(vol, "l"));
    writeFileSync(join(src, "file"), "source\n");

    const swapper = Bun.spawn([process.execPath, join(import.meta.dir, "rename-swapper.ts"), vol, "120"], { stdout: "pipe", stderr: "inherit" });
    try {
      await readUntil(swapper.stdout, "ready");
      const codes: number[] = [];
      const stderrs = new Set<string>();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < STARTS) {
          const i = next++;
          // A fresh dir target and a fresh file target every start: each one is created during the race.
          const r = await ctx.run(["--rm", "-v", `${vol}:/vol`, "-v", `${src}:/vol/d/dir-${i}`, "-v", `${src}/file:/vol/d/file-${i}`, "busybox", "true"]);
          codes.push(r.code);
          if (r.code !== 0) stderrs.add(r.stderr.trim());
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      expect(codes).toHaveLength(STARTS);
      expect(readdirSync(canary)).toEqual(["keep"]);
      // A start may lose the race cleanly (the target was a symlink at the wrong moment), never silently.
      for (const e of stderrs) expect(e.split("\n")).toHaveLength(1);
      expect(codes.filter((c) => c !== 0 && c !== 125)).toEqual([]);
      expect(codes.filter((c) => c === 0).length).toBeGreaterThan(STARTS / 2);
    } finally {
      swapper.kill("SIGKILL");
      await swapper.exited;
    }
  }, 120_000);
});
