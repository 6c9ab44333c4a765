// `minibox run` through the compiled binary: exit codes (the command's, 128+signal, 126/127 for exec
// failures), signal forwarding, and bad input that must fail with one line and leave nothing behind.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { BINARY, type Result } from "./harness.ts";
import { lines, readUntil, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-run-err-");
const { run, containerIds, hostMountsInSandbox } = ctx;

/** One line on stderr, no stack trace, the given exit code. */
function expectOneLineError(r: Result, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  const errs = lines(r.stderr);
  expect(errs).toHaveLength(1);
  expect(errs[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe("");
}

/** A `minibox run` in the background whose stdout the test reads. */
function start(args: string[]): Subprocess<"ignore", "pipe", "pipe"> {
  return Bun.spawn([BINARY, "run", ...args], { env: ctx.sb.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
}


/** Host pids whose parent is `ppid`, with their command names. */
function children(ppid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    if (Number(fields[1]) === ppid) out.push({ pid: Number(entry), comm: stat.slice(stat.indexOf("(") + 1, close) });
  }
  return out;
}

async function stop(proc: Subprocess): Promise<void> {
  if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  await proc.exited;
}

describe("exit codes", () => {
  test("the command's own exit code", async () => {
    expect((await run(["--rm", "busybox", "sh", "-c", "exit 3"])).code).toBe(3);
    expect((await run(["--rm", "busybox", "true"])).code).toBe(0);
    expect((await run(["--rm", "busybox", "false"])).code).toBe(1);
    expect((await run(["--rm", "busybox", "sh", "-c", "exit 255"])).code).toBe(255);
  }, T);

  test("128+N when signal N kills the container's process", async () => {
    const proc = start(["--rm", "busybox", "sh", "-c", "echo ready; exec sleep 100"]);
    try {
      await readUntil(proc.stdout, "ready\n");
      // The container's PID 1 is minibox's child on the host; wait until it is the sleep, then kill it.
      let sleeper: number | undefined;
      const deadline = Date.now() + 30_000;
      while (sleeper === undefined && Date.now() < deadline) {
        sleeper = children(proc.pid).find((c) => c.comm === "sleep")?.pid;
        if (sleeper === undefined) await Bun.sleep(10); // polling interval, not a wait for state
      }
      expect(sleeper).toBeDefined();
      process.kill(sleeper!, "SIGKILL");
      expect(await proc.exited).toBe(137);
      expect(await new Response(proc.stderr).text()).toBe("");
    } finally {
      await stop(proc);
    }
  }, T);

  test("command not found: 127 and \"executable file not found\"", async () => {
    expectOneLineError(await run(["--rm", "busybox", "no-such-command"]), 127, /executable file not found/);
    expectOneLineError(await run(["--rm", "busybox", "/no/such/path"]), 127, /no such file or directory/);
  }, T);

  test("a file that is not executable, or a directory: 126", async () => {
    expectOneLineError(await run(["--rm", "busybox", "/etc/passwd"]), 126, /\/etc\/passwd/);
    expectOneLineError(await run(["--rm", "busybox", "/etc"]), 126, /\/etc/);
  }, T);
});

describe("signal forwarding", () => {
  for (const [signal, code] of [["SIGTERM", 42], ["SIGUSR1", 43], ["SIGINT", 44], ["SIGHUP", 45]] as const) {
    test(`${signal} to minibox reaches the container`, async () => {
      const name = signal.slice(3);
      const proc = start(["--rm", "busybox", "sh", "-c", `trap "exit ${code}" ${name}; echo ready; while true; do sleep 0.1; done`]);
      try {
        await readUntil(proc.stdout, "ready\n");
        proc.kill(signal);
        expect(await proc.exited).toBe(code);
      } finally {
        await stop(proc);
      }
    }, T);
  }
});

describe("failures leave nothing behind", () => {
  test("a failed start (missing command, unknown user) leaves no mount and, with --rm, no container", async () => {
    const before = containerIds();
    expectOneLineError(await run(["--rm", "busybox", "missing-cmd"]), 127, /executable file not found/);
    expectOneLineError(await run(["--rm", "-u", "nosuchuser", "busybox", "true"]), 125, /unable to find user nosuchuser/);
    expect(hostMountsInSandbox()).toEqual([]);
    expect(containerIds()).toEqual(before);
  }, T);

  test("a failed start without --rm keeps a record of the container that never ran", async () => {
    const before = new Set(containerIds());
    expectOneLineError(await run(["--name", "never-started", "busybox", "missing-cmd"]), 127, /executable file not found/);
    const created = containerIds().filter((id) => !before.has(id));
    expect(created).toHaveLength(1);
    const record = JSON.parse(readFileSync(join(ctx.sb.root, "containers", created[0]!, "container.json"), "utf8")) as { state: { status: string } };
    expect(record.state.status).not.toBe("running");
    expect(hostMountsInSandbox()).toEqual([]);
  }, T);

  test("unknown image: 125, \"Unable to find image\"", async () => {
    const before = containerIds();
    // --pull never: no test may reach out to a registry beyond loopback.
    expectOneLineError(await run(["--rm", "--pull", "never", "no-such-image"]), 125, /Unable to find image 'no-such-image:latest'/);
    expectOneLineError(await run(["--pull", "never", "no-such-image:2", "true"]), 125, /Unable to find image 'no-such-image:2'/);
    // The default (--pull missing) tries the registry: a refused loopback port is still one line, 125.
    expectOneLineError(await run(["--rm", "127.0.0.1:9/no-such-image", "true"]), 125, /Unable to find image '127.0.0.1:9\/no-such-image'.*pulling it failed/);
    expect(containerIds()).toEqual(before);
  }, T);

  // volumes: -v creates a missing bind source (Docker's rule, tested in volumes.test.ts); --mount refuses it.
  test("a missing --mount bind source: 125 and no container", async () => {
    const before = containerIds();
    expectOneLineError(await run(["--rm", "--mount", "type=bind,src=/does/not/exist,dst=/x", "busybox", "true"]), 125, /does not exist/);
    expectOneLineError(await run(["--mount", "type=bind,src=/does/not/exist,dst=/x", "busybox", "true"]), 125, /does not exist/);
    expect(containerIds()).toEqual(before);
  }, T);

  test("invalid names and hostnames: 125 and no container", async () => {
    const before = containerIds();
    expectOneLineError(await run(["--name", "a b", "busybox", "true"]), 125, /Invalid container name/);
    expectOneLineError(await run(["-h", "bad_host!", "busybox", "true"]), 125, /invalid hostname/);
    expectOneLineError(await run(["--name", "bad-workdir", "-w", "relative/dir", "busybox", "true"]), 125, /absolute path/);
    expectOneLineError(await run([]), 1, /requires at least 1 argument/);
    expect(containerIds()).toEqual(before);
    // Nothing stays reserved: the valid name of the run refused for its workdir is free again.
    expect((await run(["--rm", "--name", "bad-workdir", "busybox", "true"])).code).toBe(0);
    expect(existsSync(join(ctx.sb.root, "names", "bad-workdir"))).toBe(false);
  }, T);
});
