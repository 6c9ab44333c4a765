// compat-run: `attach [--detach-keys] [--sig-proxy] [--no-stdin] CTR` to a running detached container (its
// output from now on, its stdin when it was started with -i, its exit code), and run's -a/--attach and
// --sig-proxy=false.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { BINARY } from "./harness.ts";
import { poll } from "./lifecycle-helpers.ts";
import { lines, readUntil, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-attach-");

async function mb(args: string[]): Promise<string> {
  const r = await ctx.sb.run(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
function spawnAttach(args: string[]) {
  return Bun.spawn([BINARY, "attach", ...args], { env: ctx.sb.env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
}
async function statusOf(id: string): Promise<string> {
  return (await mb(["inspect", "--format", "{{.State.Status}}", id])).trim();
}
const SCRIPT = "/usr/bin/script";
const TICKER = ["busybox", "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"];
// Ticks, so that a line read through an attach proves that it is following.
const TRAPPER = ["busybox", "sh", "-c", 'trap "echo got-term; exit 9" TERM; echo ready; while true; do echo tick; sleep 0.1; done'];

describe("attach", () => {
  test("shows the output from now on (no replay) and ends with the container's exit code", async () => {
    const id = (await mb(["run", "-d", ...TICKER])).trim();
    try {
      await poll("tick 5 in the log", async () => (await mb(["logs", id])).includes("tick 5\n"));
      const attach = spawnAttach([id]);
      const seen = await readUntil(attach.stdout, "\n");
      expect(Number(/tick (\d+)/.exec(seen)![1])).toBeGreaterThanOrEqual(5);
      await mb(["kill", id]);
      expect(await attach.exited).toBe(137);
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("stdin reaches a container started with -i; its exit code is attach's", async () => {
    const id = (await mb(["run", "-d", "-i", "busybox", "sh", "-c", 'while read l; do echo "got $l"; [ "$l" = quit ] && exit 7; done'])).trim();
    try {
      const attach = spawnAttach([id]);
      attach.stdin.write("hello\nquit\n");
      await attach.stdin.flush();
      expect(await attach.exited).toBe(7);
      expect(await new Response(attach.stdout).text()).toBe("got hello\ngot quit\n");
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("the detach keys end attach (exit 1, 'read escape sequence') and leave the container running", async () => {
    const id = (await mb(["run", "-d", "-i", "busybox", "sh", "-c", 'while read l; do echo "got $l"; done'])).trim();
    try {
      const attach = spawnAttach(["--detach-keys", "ctrl-a,x", id]);
      attach.stdin.write("one\n\x01y\n");
      await attach.stdin.flush();
      await readUntil(attach.stdout, "got one\n");
      attach.stdin.write("\x01x");
      await attach.stdin.flush();
      expect(await attach.exited).toBe(1);
      expect(await new Response(attach.stderr).text()).toContain("read escape sequence");
      expect(await statusOf(id)).toBe("running");
      expect(await mb(["logs", id])).toBe("got one\ngot \x01y\n");
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("signals reach the container (sig-proxy); --sig-proxy=false keeps them", async () => {
    const id = (await mb(["run", "-d", ...TRAPPER])).trim();
    try {
      await poll("ready", async () => (await mb(["logs", id])).includes("ready"));
      const quiet = spawnAttach(["--sig-proxy=false", id]);
      await readUntil(quiet.stdout, "tick");
      quiet.kill("SIGTERM");
      await quiet.exited;
      expect(await statusOf(id)).toBe("running");
      expect(await mb(["logs", id])).not.toContain("got-term");

      const proxy = spawnAttach([id]);
      await readUntil(proxy.stdout, "tick");
      proxy.kill("SIGTERM");
      expect(await proxy.exited).toBe(9);
      expect(await mb(["logs", id])).toContain("got-term");
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("a -t -i container: typed input reaches its terminal, its output comes back, the detach keys leave it running", async () => {
    const id = (await mb(["run", "-d", "-t", "-i", "busybox", "sh"])).trim();
    try {
      // Without a terminal on stdin, Docker refuses.
      const noTty = await ctx.sb.run(["attach", id], { stdin: "echo x\n" });
      expect(noTty.code).toBe(1);
      expect(lines(noTty.stderr)).toEqual([expect.stringContaining("the input device is not a TTY")]);
      if (!existsSync(SCRIPT)) {
        console.warn(`skipped: the terminal half needs ${SCRIPT} (util-linux) to give attach a pty`);
        return;
      }
      const proc = Bun.spawn([SCRIPT, "-qec", `${BINARY} attach ${id}`, "/dev/null"], { env: ctx.sb.env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
      proc.stdin.write("echo mark$((40+2))\n");
      await proc.stdin.flush();
      await readUntil(proc.stdout, "mark42");
      proc.stdin.write("\x10\x11");
      await proc.stdin.flush();
      expect(await proc.exited).toBe(1);
      expect(await statusOf(id)).toBe("running");
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("a stopped container, an unknown one and bad detach keys are refused", async () => {
    const id = (await mb(["create", "busybox", "true"])).trim();
    const stopped = await ctx.sb.run(["attach", id]);
    expect(stopped.code).toBe(1);
    expect(lines(stopped.stderr)).toEqual([expect.stringContaining("You cannot attach to a stopped container, start it first")]);
    const unknown = await ctx.sb.run(["attach", "nosuch"]);
    expect(unknown.code).not.toBe(0);
    expect(lines(unknown.stderr)).toHaveLength(1);
    const badKeys = await ctx.sb.run(["attach", "--detach-keys", "ctrl-", id]);
    expect(badKeys.code).not.toBe(0);
    expect(lines(badKeys.stderr)).toEqual([expect.stringContaining("Invalid detach keys (ctrl-) provided")]);
    await mb(["rm", id]);
  }, T);
});

describe("run -a and --sig-proxy", () => {
  test("-a STDOUT / -a stderr attach only those streams", async () => {
    const script = ["busybox", "sh", "-c", "echo out; echo err >&2"];
    const out = await ctx.sb.run(["run", "--rm", "-a", "STDOUT", ...script]);
    expect([out.code, out.stdout, out.stderr]).toEqual([0, "out\n", ""]);
    const err = await ctx.sb.run(["run", "--rm", "-a", "stderr", ...script]);
    expect([err.code, err.stdout, err.stderr]).toEqual([0, "", "err\n"]);
    const both = await ctx.sb.run(["run", "--rm", "-a", "stdout", "-a", "stderr", ...script]);
    expect([both.stdout, both.stderr]).toEqual(["out\n", "err\n"]);
  }, T);

  test("-a STDIN passes stdin", async () => {
    const r = await ctx.sb.run(["run", "--rm", "-a", "stdin", "-a", "stdout", "busybox", "cat"], { stdin: "piped\n" });
    expect([r.code, r.stdout]).toEqual([0, "piped\n"]);
  }, T);

  test("bad -a values and -a with -d are refused before anything is created", async () => {
    const before = ctx.containerIds().length;
    const bad = await ctx.sb.run(["run", "-a", "stdfoo", "busybox", "true"]);
    expect(bad.code).toBe(125);
    expect(lines(bad.stderr)).toEqual([expect.stringContaining("valid streams are STDIN, STDOUT and STDERR")]);
    const detached = await ctx.sb.run(["run", "-d", "-a", "stdout", "busybox", "true"]);
    expect(detached.code).toBe(125);
    expect(lines(detached.stderr)).toEqual([expect.stringContaining("Conflicting options: -a and -d")]);
    expect(ctx.containerIds().length).toBe(before);
  }, T);

  test("run --sig-proxy=false: a signal to the CLI is not relayed", async () => {
    const proc = Bun.spawn([BINARY, "run", "--name", "noproxy", "--sig-proxy=false", ...TRAPPER], { env: ctx.sb.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    try {
      await readUntil(proc.stdout, "ready");
      proc.kill("SIGTERM");
      await proc.exited;
      expect(await statusOf("noproxy")).toBe("running");
    } finally {
      await ctx.sb.run(["rm", "-f", "noproxy"]);
      await proc.exited;
    }
  }, T);

  test("run with sig-proxy (the default) relays it", async () => {
    const proc = Bun.spawn([BINARY, "run", "--rm", ...TRAPPER], { env: ctx.sb.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    await readUntil(proc.stdout, "ready");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(9);
  }, T);
});
