// Issue #9, "The CLI never trips", through the compiled binary: output to a closed pipe, bytes that are not
// UTF-8 in arguments/environment/paths, log lines with split characters, every forwardable signal, signal
// names, and one-line messages for malformed flags.
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, type Result } from "./harness.ts";
import { lines, T, useRunSandbox } from "./run-helpers.ts";
import { closeFd, pipe } from "../../src/sys/fs.ts";

const ctx = useRunSandbox("minibox-e2e-cli-");

/**
 * Runs minibox with its stdout on a pipe whose read end is already closed: the first write fails with
 * EPIPE every time (no race with a reader like `head` that may or may not have exited yet).
 */
async function withClosedStdout(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; signal: unknown; stderr: string }> {
  const [r, w] = pipe();
  closeFd(r);
  let proc;
  try {
    proc = Bun.spawn([BINARY, ...args], { env: ctx.sb.env, stdin: "ignore", stdout: w, stderr: "pipe", timeout: timeoutMs });
  } finally {
    closeFd(w);
  }
  const stderr = await new Response(proc.stderr).text();
  await proc.exited;
  return { code: proc.exitCode, signal: proc.signalCode, stderr };
}

describe("output to a closed pipe ends the command quietly (141, as SIGPIPE would)", () => {
  test("ps -a, image inspect, images, logs, stats, stats --no-stream", async () => {
    await ctx.ok(["--name", "epipe-one", "busybox", "echo", "logged"]);
    for (const args of [["ps", "-a"], ["image", "inspect", "busybox"], ["images"], ["stats", "--no-stream", "-a"], ["stats", "-a"], ["wait", "epipe-one"], ["rm", "epipe-one"], ["--version"]]) {
      const r = await withClosedStdout(args);
      expect({ args, stderr: r.stderr }).toEqual({ args, stderr: "" });
      expect({ args, code: r.code }).toEqual({ args, code: 141 });
    }
  }, T);
});
