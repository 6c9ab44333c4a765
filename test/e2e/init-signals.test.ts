// Bun ignores SIGPIPE and SIGXFSZ; those dispositions (and any blocked mask) survive execve, so the inits
// reset them: a container's command and an exec'd command start with no signal ignored and none blocked.
import { afterAll, describe, expect, test } from "bun:test";
import { T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-signals-");
const started: string[] = [];
afterAll(async () => { if (started.length) await ctx.sb.run(["rm", "-f", ...started]); });

const STATUS = ["grep", "-E", "^Sig(Ign|Blk):", "/proc/self/status"];
const CLEAN = "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n";

describe("signal dispositions at execve", () => {
  test("the container's command: nothing ignored, nothing blocked", async () => {
    expect(await ctx.ok(["--rm", "busybox", ...STATUS])).toBe(CLEAN);
  }, T);

  test("with -t too", async () => {
    const r = await ctx.run(["--rm", "-t", "busybox", ...STATUS]);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\r/g, "")).toBe(CLEAN);
  }, T);

  test("yes | head -n1 ends quietly through SIGPIPE", async () => {
    const r = await ctx.run(["--rm", "busybox", "sh", "-c", "yes | head -n1"]);
    expect(r.stdout).toBe("y\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }, T);

  test("an exec'd command: nothing ignored, nothing blocked", async () => {
    const run = await ctx.run(["-d", "busybox", "sh", "-c", "sleep 1000; true"]);
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    started.push(id);
    const r = await ctx.sb.run(["exec", id, ...STATUS]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(CLEAN);
    const pipe = await ctx.sb.run(["exec", id, "sh", "-c", "yes | head -n1"]);
    expect(pipe.stdout).toBe("y\n");
    expect(pipe.stderr).toBe("");
  }, T);
});
