// `minibox logs` through the compiled binary: the monitor's json-file log of detached containers read back
// with stdout/stderr kept apart, -t, --tail, --since, -f that ends with the container, and logs that
// outlive the container's exit but not its removal.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeDockerArchive } from "../fixtures/images.ts";
import { makeSandbox, type Sandbox } from "./harness.ts";

const T = 30_000;
let sb: Sandbox;

beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-logs-");
  const archive = join(dirname(sb.root), "busybox.tar");
  writeDockerArchive(archive);
  const load = await sb.run(["load", "-i", archive]);
  if (load.code !== 0) throw new Error(`load failed: ${load.stderr}`);
}, 60_000);
afterAll(() => sb.cleanup());

/** Starts a detached container and waits for its exit; returns its id. */
async function finished(name: string, script: string): Promise<string> {
  const run = await sb.run(["run", "-d", "--name", name, "busybox", "sh", "-c", script]);
  if (run.code !== 0) throw new Error(`run -d failed: ${run.stderr}`);
  const wait = await sb.run(["wait", name]);
  if (wait.code !== 0) throw new Error(`wait failed: ${wait.stderr}`);
  return run.stdout.trim();
}

describe("logs of a detached container", () => {
  test("stdout and stderr go back to their own streams, after the exit too", async () => {
    await finished("both", "echo out1; echo err1 >&2; echo out2; printf 'no newline'");
    const r = await sb.run(["logs", "both"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("out1\nout2\nno newline");
    expect(r.stderr).toBe("err1\n");
  }, T);

  test("-t prefixes each line with its RFC 3339 nano timestamp", async () => {
    await finished("stamped", "echo a; echo b");
    const lines = (await sb.run(["logs", "-t", "stamped"])).stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const [i, l] of lines.entries()) expect(l).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z ${"ab"[i]}$`));
  }, T);

  test("--tail N shows the last N lines; --tail all everything", async () => {
    await finished("many", "for i in 1 2 3 4 5; do echo line$i; done");
    expect((await sb.run(["logs", "--tail", "2", "many"])).stdout).toBe("line4\nline5\n");
    expect((await sb.run(["logs", "-n", "0", "many"])).stdout).toBe("");
    expect((await sb.run(["logs", "--tail", "all", "many"])).stdout.split("\n")).toHaveLength(6);
  }, T);

  test("--since: relative, unix seconds, RFC 3339", async () => {
    await finished("since", "echo early; sleep 1.2; echo late");
    const stamps = (await sb.run(["logs", "-t", "since"])).stdout.trim().split("\n").map((l) => l.split(" ")[0]!);
    expect((await sb.run(["logs", "--since", stamps[1]!, "since"])).stdout).toBe("late\n");
    expect((await sb.run(["logs", "--since", "1h", "since"])).stdout).toBe("early\nlate\n");
    const unix = String(Math.floor(Date.parse(stamps[1]!) / 1000));
    expect((await sb.run(["logs", "--since", unix, "since"])).stdout).toContain("late\n");
    expect((await sb.run(["logs", "--since", "2999-01-01T00:00:00Z", "since"])).stdout).toBe("");
    const bad = await sb.run(["logs", "--since", "soon", "since"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("failed to parse value as time or duration");
  }, T);

  test("-f prints as the container writes and ends when it exits", async () => {
    const run = await sb.run(["run", "-d", "--name", "follow", "busybox", "sh", "-c", "for i in 1 2 3; do echo tick$i; sleep 0.5; done; echo bye >&2"]);
    expect(run.code).toBe(0);
    const started = Date.now();
    const r = await sb.run(["logs", "-f", "follow"], { timeoutMs: 15_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("tick1\ntick2\ntick3\n");
    expect(r.stderr).toBe("bye\n");
    expect(Date.now() - started).toBeLessThan(10_000);
    // Of a container that has already exited, -f prints everything and returns.
    expect((await sb.run(["logs", "-f", "--tail", "1", "follow"], { timeoutMs: 5_000 })).stdout).toBe("");
  }, T);

  test("-f shows lines written after it started", async () => {
    const run = await sb.run(["run", "-d", "--name", "later", "busybox", "sh", "-c", "sleep 1; echo after"]);
    expect(run.code).toBe(0);
    const r = await sb.run(["logs", "-f", "later"], { timeoutMs: 15_000 });
    expect(r.stdout).toBe("after\n");
  }, T);

  test("logs are removed with the container", async () => {
    const id = await finished("gone", "echo x");
    expect(existsSync(join(sb.root, "containers", id, `${id}-json.log`))).toBe(true);
    expect((await sb.run(["rm", "gone"])).code).toBe(0);
    const r = await sb.run(["logs", "gone"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No such container: gone");
  }, T);
});

describe("logs without a log", () => {
  test("a container run in the foreground has no logs (its output went to the terminal)", async () => {
    const run = await sb.run(["run", "--name", "fg", "busybox", "echo", "to-terminal"]);
    expect(run.stdout).toBe("to-terminal\n");
    const r = await sb.run(["logs", "fg"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
  }, T);

  test("an unknown container", async () => {
    const r = await sb.run(["logs", "nosuch"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No such container: nosuch");
  }, T);
});
