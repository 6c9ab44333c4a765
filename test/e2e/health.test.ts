// compat-run: health checks (--health-* flags and the image's Healthcheck), run by the container's parent
// (the monitor for -d) as an exec in the container: State.Health in inspect, ps STATUS and --filter health=.
import { describe, expect, test } from "bun:test";
import { DEFAULT_PATH } from "../fixtures/images.ts";
import { poll } from "./lifecycle-helpers.ts";
import { BINARY, processesMentioning } from "./harness.ts";
import { readFileSync } from "node:fs";
import { lines, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-health-", (c) =>
  c.load("healthy.tar", {
    name: "healthy:1",
    config: { Env: [DEFAULT_PATH], Healthcheck: { Test: ["CMD-SHELL", "echo image-probe"], Interval: 200_000_000, Retries: 2 } },
  }));

interface HealthLog { Start: string; End: string; ExitCode: number; Output: string }
interface Health { Status: string; FailingStreak: number; Log: HealthLog[] }
interface Inspected { State: { Status: string; Health?: Health }; Config: { Healthcheck?: { Test: string[]; Interval?: number; Retries?: number } } }

async function mb(args: string[]): Promise<string> {
  const r = await ctx.sb.run(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
async function inspect(id: string): Promise<Inspected> {
  return (JSON.parse(await mb(["inspect", id])) as Inspected[])[0]!;
}
async function runD(...args: string[]): Promise<string> {
  return (await mb(["run", "-d", ...args])).trim();
}
async function healthOf(id: string, status: string, timeoutMs = 20_000): Promise<Health> {
  return poll(`health of ${id.slice(0, 12)} to be ${status}`, async () => {
    const r = await ctx.sb.run(["inspect", id]);
    if (r.code !== 0) return undefined; // a foreground run may not have created it yet
    const h = (JSON.parse(r.stdout) as Inspected[])[0]!.State.Health;
    return h?.Status === status ? h : undefined;
  }, timeoutMs);
}
async function psStatus(id: string): Promise<string> {
  return (await mb(["ps", "-a", "--no-trunc", "--filter", `id=${id}`, "--format", "{{.Status}}"])).trim();
}
async function psHealthIds(value: string): Promise<string[]> {
  return lines(await mb(["ps", "-a", "--no-trunc", "--filter", `health=${value}`, "--format", "{{.ID}}"]));
}
const SLEEPER = ["busybox", "sleep", "1000"];
function monitors(): number[] {
  return processesMentioning(ctx.sb.root).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("monitor"); } catch { return false; }
  });
}

describe("health checks", () => {
  test("failing probes make it unhealthy after --health-retries; a passing one makes it healthy", async () => {
    const id = await runD("--health-cmd", "test -e /tmp/ok", "--health-interval", "200ms", "--health-retries", "2", ...SLEEPER);
    try {
      const bad = await healthOf(id, "unhealthy");
      expect(bad.FailingStreak).toBeGreaterThanOrEqual(2);
      expect(bad.Log.length).toBeGreaterThanOrEqual(2);
      for (const entry of bad.Log) {
        expect(entry.ExitCode).toBe(1);
        expect(Date.parse(entry.End)).toBeGreaterThanOrEqual(Date.parse(entry.Start));
      }
      expect(await psStatus(id)).toMatch(/^Up .* \(unhealthy\)$/);
      expect(await psHealthIds("unhealthy")).toContain(id);

      await mb(["exec", id, "touch", "/tmp/ok"]);
      const good = await healthOf(id, "healthy");
      expect(good.FailingStreak).toBe(0);
      expect(good.Log.at(-1)!.ExitCode).toBe(0);
      expect(await psStatus(id)).toMatch(/^Up .* \(healthy\)$/);
      expect(await psHealthIds("healthy")).toContain(id);
      expect(await psHealthIds("unhealthy")).not.toContain(id);
      // Docker keeps the last five results.
      await poll("five log entries", async () => ((await inspect(id)).State.Health?.Log.length ?? 0) >= 5 || undefined);
      expect((await inspect(id)).State.Health!.Log.length).toBe(5);
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("before the first probe it is starting: (health: starting) in ps", async () => {
    const id = await runD("--health-cmd", "true", "--health-interval", "1h", ...SLEEPER);
    try {
      expect((await healthOf(id, "starting")).FailingStreak).toBe(0);
      expect(await psStatus(id)).toMatch(/^Up .* \(health: starting\)$/);
      expect(await psHealthIds("starting")).toContain(id);
      expect((await inspect(id)).Config.Healthcheck).toEqual({ Test: ["CMD-SHELL", "true"], Interval: 3_600_000_000_000 });
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("the image's Healthcheck runs (its output in the log); --no-healthcheck turns it off", async () => {
    const id = await runD("healthy:1", "sleep", "1000");
    const off = await runD("--no-healthcheck", "healthy:1", "sleep", "1000");
    try {
      const h = await healthOf(id, "healthy");
      expect(h.Log[0]!.Output).toBe("image-probe\n");
      const offInspect = await inspect(off);
      expect(offInspect.State.Health).toBeUndefined();
      expect(offInspect.Config.Healthcheck!.Test).toEqual(["NONE"]);
      expect(await psHealthIds("none")).toContain(off);
      expect(await psHealthIds("none")).not.toContain(id);
      expect(await psStatus(off)).toMatch(/^Up [^(]*$/);
    } finally {
      await ctx.sb.run(["rm", "-f", id, off]);
    }
  }, T);

  test("flags override the image's settings one by one", async () => {
    const id = (await mb(["create", "--health-retries", "7", "healthy:1"])).trim();
    expect((await inspect(id)).Config.Healthcheck).toEqual({ Test: ["CMD-SHELL", "echo image-probe"], Interval: 200_000_000, Retries: 7 });
    await mb(["rm", id]);
  }, T);

  test("a probe that outlives --health-timeout fails with exit code -1 and Docker's message", async () => {
    const id = await runD("--health-cmd", "sleep 30", "--health-timeout", "300ms", "--health-interval", "200ms", "--health-retries", "1", ...SLEEPER);
    try {
      const h = await healthOf(id, "unhealthy", 30_000);
      expect(h.Log[0]!.ExitCode).toBe(-1);
      expect(h.Log[0]!.Output).toBe("Health check exceeded timeout (300ms)");
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("a stopped container's health is unhealthy (Docker's rule)", async () => {
    const id = await runD("--health-cmd", "true", "--health-interval", "200ms", ...SLEEPER);
    try {
      await healthOf(id, "healthy");
      await mb(["stop", "-t", "0", id]);
      await healthOf(id, "unhealthy");
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("a foreground run is probed by its own CLI", async () => {
    const proc = Bun.spawn([BINARY, "run", "--name", "fg-health", "--health-cmd", "true", "--health-interval", "200ms", ...SLEEPER],
      { env: ctx.sb.env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      await healthOf("fg-health", "healthy");
    } finally {
      await ctx.sb.run(["rm", "-f", "fg-health"]);
      await proc.exited;
    }
  }, T);

  test("after a kill -9 of the monitor, the one that adopts the container goes on probing", async () => {
    const id = await runD("--health-cmd", "test -e /tmp/ok", "--health-interval", "200ms", "--health-retries", "1", ...SLEEPER);
    let other: string | undefined;
    try {
      await mb(["exec", id, "touch", "/tmp/ok"]);
      await healthOf(id, "healthy");
      const [monitor] = monitors();
      expect(monitor).toBeNumber();
      process.kill(monitor!, "SIGKILL");
      await poll("the monitor to be gone", () => !monitors().includes(monitor!));
      other = await runD(...SLEEPER); // starts a new monitor, which adopts the first container
      await mb(["exec", id, "rm", "/tmp/ok"]);
      expect((await healthOf(id, "unhealthy")).Log.at(-1)!.ExitCode).toBe(1);
    } finally {
      await ctx.sb.run(["rm", "-f", id, ...(other ? [other] : [])]);
    }
  }, T);

  test("bad values: one line, exit 125, nothing created", async () => {
    const before = ctx.containerIds().length;
    for (const [args, message] of [
      [["--health-interval", "-1s"], "--health-interval cannot be negative"],
      [["--health-retries", "-2"], "--health-retries cannot be negative"],
      [["--health-timeout", "abc"], 'invalid argument "abc" for "--health-timeout" flag: time: invalid duration "abc"'],
      [["--no-healthcheck", "--health-cmd", "true"], "--no-healthcheck conflicts with --health-* options"],
      [["--health-interval", "500us"], "Interval in Healthcheck cannot be less than 1ms"],
    ] as const) {
      const r = await ctx.sb.run(["create", ...args, "busybox", "true"]);
      expect(r.code).toBe(125);
      expect(lines(r.stderr)).toEqual([expect.stringContaining(message)]);
    }
    expect(ctx.containerIds().length).toBe(before);
  }, T);
});
