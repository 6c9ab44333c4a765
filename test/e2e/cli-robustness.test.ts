// Issue #9, "The CLI never trips", through the compiled binary: output to a closed pipe, bytes that are not
// UTF-8 in arguments/environment/paths, log lines with split characters, every forwardable signal, signal
// names, and one-line messages for malformed flags.
import { describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, type Result } from "./harness.ts";
import { lines, T, useRunSandbox } from "./run-helpers.ts";
import { closeFd, pipe } from "../../src/sys/fs.ts";
import { kill } from "../../src/sys/proc.ts";

const ctx = useRunSandbox("minibox-e2e-cli-", (c) => c.load("badstop.tar", { name: "badstop:latest", config: { StopSignal: "SIGBOGUS" } }));

/** One line on stderr, no stack trace, the given exit code, nothing on stdout. */
function expectOneLineError(r: Result, code: number, pattern: RegExp): void {
  expect({ stderr: r.stderr, code: r.code }).toEqual({ stderr: expect.stringMatching(pattern) as unknown as string, code });
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe("");
}

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
  test("run -t: the container is hung up (SIGHUP, as when a terminal closes), --rm still removes it", async () => {
    const before = ctx.containerIds();
    // The shell is the container's PID 1, which the kernel shields from signals it has no handler for:
    // it traps the hangup to show that it arrived (any other process of the container would die of it).
    const r = await withClosedStdout(["run", "--rm", "-t", "busybox", "sh", "-c", "trap 'exit 3' HUP; while true; do echo y; done"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(3); // the container's status, as `run` always reports it
    expect(ctx.containerIds()).toEqual(before);
  }, T);

  test("ps -a, image inspect, images, logs, stats, stats --no-stream", async () => {
    await ctx.ok(["--name", "epipe-one", "busybox", "echo", "logged"]);
    for (const args of [["ps", "-a"], ["image", "inspect", "busybox"], ["images"], ["stats", "--no-stream", "-a"], ["stats", "-a"], ["wait", "epipe-one"], ["rm", "epipe-one"], ["--version"]]) {
      const r = await withClosedStdout(args);
      expect({ args, stderr: r.stderr }).toEqual({ args, stderr: "" });
      expect({ args, code: r.code }).toEqual({ args, code: 141 });
    }
  }, T);
});

interface ByteResult { code: number; stdout: Uint8Array; stderr: string }

/**
 * Runs an argv given as raw bytes. Bun.spawn would encode JS strings as UTF-8, so the argv goes through a
 * NUL-separated file that `xargs -0 … env` execs as is.
 */
async function spawnBytes(argv: (string | Uint8Array)[]): Promise<ByteResult> {
  const argFile = join(ctx.base, `argv-${process.hrtime.bigint()}`);
  writeFileSync(argFile, Buffer.concat(argv.map((a) => Buffer.concat([Buffer.from(a), Buffer.from([0])]))));
  try {
    const proc = Bun.spawn(["xargs", "-0", "-a", argFile, "env"], { env: ctx.sb.env, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 30_000 });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).bytes(), new Response(proc.stderr).text(), proc.exited]);
    return { code, stdout, stderr };
  } finally {
    rmSync(argFile, { force: true });
  }
}

const runBytes = (args: (string | Uint8Array)[]) => spawnBytes([BINARY, ...args]);
/** With one more host environment entry, given as bytes (set through env(1)). */
const runBytesWithEnv = (entry: Uint8Array, args: (string | Uint8Array)[]) => spawnBytes(["env", entry, BINARY, ...args]);

/** UTF-8 text and raw bytes, concatenated. */
const bytes = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => Buffer.from(p as string)));

describe("bytes that are not UTF-8 pass through unchanged", () => {
  test("command arguments", async () => {
    const r = await runBytes(["run", "--rm", "busybox", "printf", "%s", bytes([0xff, 0xfe])]);
    expect(r.stderr).toBe("");
    expect([...r.stdout]).toEqual([0xff, 0xfe]);
  }, T);

  test("-e NAME=VALUE, and -e NAME taking the host's value", async () => {
    const given = await runBytes(["run", "--rm", "-e", bytes("K=", [0xff]), "busybox", "sh", "-c", 'printf "%s" "$K"']);
    expect(given.stderr).toBe("");
    expect([...given.stdout]).toEqual([0xff]);
    // The host's value reaches us only through our own environment: set it with `env`, byte-exact.
    const fromHost = await runBytes(["run", "--rm", "-e", "HOSTK", "busybox", "sh", "-c", 'printf "%s" "$HOSTK"']);
    expect(fromHost.stdout.length).toBe(0); // unset on the host: dropped, as Docker does
    const viaEnv = await runBytesWithEnv(bytes("HOSTK=a", [0xfe], "b"), ["run", "--rm", "-e", "HOSTK", "busybox", "sh", "-c", 'printf "%s" "$HOSTK"']);
    expect(viaEnv.stderr).toBe("");
    expect([...viaEnv.stdout]).toEqual([0x61, 0xfe, 0x62]);
  }, T);

  test("--env-file with a value that is not UTF-8", async () => {
    const file = join(ctx.base, "bytes.env");
    writeFileSync(file, bytes("B=x", [0xff, 0xc3], "y\n"));
    const r = await runBytes(["run", "--rm", "--env-file", file, "busybox", "sh", "-c", 'printf "%s" "$B"']);
    expect(r.stderr).toBe("");
    expect([...r.stdout]).toEqual([0x78, 0xff, 0xc3, 0x79]);
  }, T);

  // These two rely on the init reaching rootfs paths through sys/ (C strings, src/sys/cstr.ts), as the
  // fd-based resolution of src/init/rootfs.ts does; node:fs string paths would turn the byte into U+FFFD.
  test("-w with a byte in the path", async () => {
    const r = await runBytes(["run", "--rm", "-w", bytes("/d", [0xff]), "busybox", "pwd"]);
    expect(r.stderr).toBe("");
    expect([...r.stdout]).toEqual([...bytes("/d", [0xff], "\n")]);
  }, T);

  test("-v with a byte in the host path and in a file name inside", async () => {
    const host = bytes(join(ctx.base, "vol"), [0xff]);
    mkdirSync(host);
    writeFileSync(Buffer.concat([host, bytes("/f", [0xfe])]), "content");
    const r = await runBytes(["run", "--rm", "-v", Buffer.concat([host, Buffer.from(":/data")]), "busybox", "sh", "-c", 'for f in /data/*; do printf "%s\\n" "${f#/data/}"; done']); // (ls would print "?")
    expect(r.stderr).toBe("");
    expect([...r.stdout]).toEqual([...bytes("f", [0xfe], "\n")]);
  }, T);
});

describe("json-file logs", () => {
  test("a character written in two halves is logged whole", async () => {
    // Two writes a moment apart, so that the monitor reads them separately (should they arrive together
    // the test still checks the result, it just proves less; test/unit/log-lines.test.ts covers every cut).
    const run = await ctx.sb.run(["run", "-d", "--name", "split-char", "busybox", "sh", "-c", "printf '\\303'; sleep 0.3; printf '\\251\\n'"]);
    expect(run.stderr).toBe("");
    expect((await ctx.sb.run(["wait", "split-char"])).stdout.trim()).toBe("0");
    const logs = await ctx.sb.run(["logs", "split-char"]);
    expect(logs.stdout).toBe("é\n");
    await ctx.sb.run(["rm", "-f", "split-char"]);
  }, T);
});

/**
 * Reads a process's stdout on demand: waitFor(text) resolves once it appeared after the last match, and
 * fails as soon as the process has exited (the container may still hold the pipe open).
 */
function outputReader(stream: ReadableStream<Uint8Array>, exited: Promise<number>) {
  const died = exited.then((code) => { throw new Error(`minibox exited (${code}) while waiting for output`); });
  died.catch(() => {});
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let from = 0;
  return {
    async waitFor(marker: string, ms = 20_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!text.includes(marker, from)) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no "${marker}" within ${ms} ms; got: ${JSON.stringify(text.slice(from))}`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no "${marker}" within ${ms} ms; got: ${JSON.stringify(text.slice(from))}`)), left); });
        try {
          const { done, value } = await Promise.race([reader.read(), timeout, died]);
          if (done) throw new Error(`output ended before "${marker}"; got: ${JSON.stringify(text.slice(from))}`);
          text += decoder.decode(value, { stream: true });
        } finally {
          clearTimeout(timer);
        }
      }
      from = text.indexOf(marker, from) + marker.length;
    },
    release: () => reader.releaseLock(),
  };
}

// Every signal Docker's sig-proxy forwards, by number (x86_64): all but KILL/STOP, CHLD, PIPE (our own
// EPIPE), WINCH (a terminal resize, with -t only), PWR (JSC's), the fault signals ILL/BUS/FPE/SEGV, and
// STKFLT (16), which Bun cannot catch (see src/container/signals.ts).
const FORWARDED = [1, 2, 3, 5, 6, 10, 12, 14, 18, 20, 21, 22, 23, 24, 25, 26, 27, 29, 31];

describe("signals", () => {
  test("every forwarded signal reaches a trapping container; minibox survives; --rm removes it", async () => {
    const traps = FORWARDED.map((n) => `trap 'echo got ${n}' ${n}`).join("; ");
    const before = ctx.containerIds();
    const proc = Bun.spawn([BINARY, "run", "--rm", "busybox", "sh", "-c", `${traps}; trap 'exit 42' 15; echo ready; while true; do sleep 0.05; done`], {
      env: ctx.sb.env, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    });
    try {
      const out = outputReader(proc.stdout, proc.exited);
      await out.waitFor("ready\n");
      for (const n of FORWARDED) {
        kill(proc.pid, n);
        await out.waitFor(`got ${n}\n`);
        expect({ signal: n, alive: proc.exitCode === null && proc.signalCode === null }).toEqual({ signal: n, alive: true });
      }
      kill(proc.pid, 15);
      expect(await proc.exited).toBe(42);
      expect(await new Response(proc.stderr).text()).toBe("");
      expect(ctx.containerIds()).toEqual(before);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await proc.exited;
    }
  }, T);
});

describe("signal names and numbers", () => {
  test("--stop-signal is checked before anything is created", async () => {
    const before = ctx.containerIds();
    for (const bad of ["SIGBOGUS", "0", "65", "-1", "SIG", ""]) {
      expectOneLineError(await ctx.sb.run(["create", "--stop-signal", bad, "busybox", "true"]), 125, /^minibox: invalid signal: /);
    }
    expect(ctx.containerIds()).toEqual(before);
    const ok = await ctx.sb.run(["create", "--name", "usr1-stop", "--stop-signal", "usr1", "busybox", "true"]);
    expect(ok.code).toBe(0);
    await ctx.sb.run(["rm", "usr1-stop"]);
  }, T);

  test("kill -s with a bad signal: one line, exit 1, the container keeps running", async () => {
    expect((await ctx.sb.run(["run", "-d", "--name", "kill-target", "busybox", "sleep", "100"])).code).toBe(0);
    try {
      expectOneLineError(await ctx.sb.run(["kill", "-s", "SIGBOGUS", "kill-target"]), 1, /^minibox: invalid signal: SIGBOGUS\n$/);
      const running = await ctx.sb.run(["ps", "-q", "--filter", "name=kill-target"]);
      expect(lines(running.stdout)).toHaveLength(1);
    } finally {
      await ctx.sb.run(["rm", "-f", "kill-target"]);
    }
  }, T);

  test("an image's bad STOPSIGNAL: stop sends SIGTERM (as Docker), not a silent SIGKILL after the timeout", async () => {
    const started = await ctx.sb.run(["run", "-d", "--name", "badstop", "badstop", "sh", "-c", "trap 'exit 7' TERM; echo ready; while true; do sleep 0.05; done"]);
    expect(started.stderr).toBe("");
    try {
      const stop = await ctx.sb.run(["stop", "-t", "60", "badstop"]);
      expect(stop.code).toBe(0);
      expect((await ctx.sb.run(["wait", "badstop"])).stdout.trim()).toBe("7");
    } finally {
      await ctx.sb.run(["rm", "-f", "badstop"]);
    }
  }, T);
});

describe("malformed flags: one line in the user's words, 125, nothing created", () => {
  const long = (n: number) => "a".repeat(n);
  const cases: [string, string[], RegExp][] = [
    ["--env-file naming a directory", ["--env-file", "/"], /^minibox: read \/: is a directory\n$/],
    ["--env-file that does not exist", ["--env-file", "/no/such/env-file"], /^minibox: open \/no\/such\/env-file: no such file or directory\n$/],
    ["-m beyond any size", ["-m", "99999999999999999999999"], /^minibox: invalid argument "99999999999999999999999" for "--memory" flag: value out of range\n$/],
    ["--memory-swap beyond any size", ["-m", "10m", "--memory-swap", "99999999999999999999999"], /for "--memory-swap" flag: value out of range\n$/],
    ["a 10,000-character --name", ["--name", long(10_000)], /^minibox: Invalid container name \(a{20}…, 10000 characters\): at most 255 are allowed\n$/],
    ["--pids-limit beyond the kernel's", ["--pids-limit", "9007199254740991"], /^minibox: invalid argument "9007199254740991" for "--pids-limit" flag: /],
    ["--cpu-quota beyond the kernel's", ["--cpu-quota", "9007199254740991"], /^minibox: invalid argument "9007199254740991" for "--cpu-quota" flag: /],
    ["--cpuset-cpus with a huge CPU number", ["--cpuset-cpus", "99999999999999999999"], /^minibox: Requested CPUs are not available - requested 99999999999999999999, available: /],
    ["--stop-timeout beyond safe integers", ["--stop-timeout", "99999999999999999999"], /^minibox: invalid argument "99999999999999999999" for "--stop-timeout" flag: value out of range\n$/],
    ["-w with a component longer than a file name can be", ["-w", `/${long(300)}`], /^minibox: invalid working directory '\/a+…': has a component longer than 255 bytes\n$/],
    ["-v destination too long", ["-v", `/tmp:/${long(5000)}`], /^minibox: invalid volume specification: '\/tmp:\/a+…': mount path is longer than 4095 bytes\n$/],
    ["-e with an empty name", ["-e", "=x"], /^minibox: invalid environment variable: =x\n$/],
    ["-e empty", ["-e", ""], /^minibox: invalid environment variable: \n$/],
  ];
  for (const [what, flags, message] of cases) {
    test(what, async () => {
      const before = ctx.containerIds();
      const r = await ctx.run(["--rm", ...flags, "busybox", "true"]);
      expectOneLineError(r, 125, message);
      expect(r.stderr).not.toMatch(/\bE[A-Z]{3,}\b|writing "|1e\+/); // no raw errno, no float
      expect(r.stderr.length).toBeLessThan(400); // the user's words, not 10,000 of them back
      expect(ctx.containerIds()).toEqual(before);
    }, T);
  }

  test("rename to a 10,000-character name", async () => {
    expect((await ctx.sb.run(["create", "--name", "to-rename", "busybox", "true"])).code).toBe(0);
    try {
      const r = await ctx.sb.run(["rename", "to-rename", long(10_000)]);
      expectOneLineError(r, 1, /^minibox: Invalid container name \(a{20}…, 10000 characters\): at most 255 are allowed\n$/);
    } finally {
      await ctx.sb.run(["rm", "-f", "to-rename"]);
    }
  }, T);

  test("stop -t beyond safe integers", async () => {
    expectOneLineError(await ctx.sb.run(["stop", "-t", "99999999999999999999", "nothing"]), 125, /for "--time" flag: value out of range\n$/);
  }, T);
});
