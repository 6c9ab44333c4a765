// What the monitor survives (issue #9), against the compiled binary: a full disk under the container logs,
// and its own death by SIGKILL. The store lives on a small tmpfs mounted by this file (unmounted at the
// end, even on failure), so "disk full" is real ENOSPC from the kernel, not a simulation.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { holds, isAlive, Lifecycle, poll, startTimeOf, T } from "./lifecycle-helpers.ts";

const STORE_BYTES = 16 * 1024 * 1024;
const BALLAST_BYTES = 4 * 1024 * 1024;
const TICKER = 'trap "echo got TERM; exit 3" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done';

const lc = new Lifecycle("minibox-e2e-monfault-");
// Exit codes of containers whose parent died come from the kernel's proc connector, subscribed with the
// per-socket event filter of Linux ≥ 6.6; without it they are recorded as unknown (-1).
const [major, minor] = readFileSync("/proc/sys/kernel/osrelease", "utf8").split(".").map(Number) as [number, number];
const ORPHAN_EXIT = major > 6 || (major === 6 && minor >= 6) ? 3 : -1;
const ballast = () => join(lc.root, "ballast");
let mounted = false;

beforeAll(async () => {
  mkdirSync(lc.root, { recursive: true, mode: 0o700 });
  const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${STORE_BYTES},mode=0700`, "tmpfs", lc.root]);
  if (mount.exitCode !== 0) throw new Error(`cannot mount a tmpfs for the store: ${mount.stderr.toString()}`);
  mounted = true;
  await lc.setup();
});
afterEach(async () => {
  rmSync(ballast(), { force: true });
  await lc.removeAll();
});
afterAll(async () => {
  try {
    await lc.finish();
  } finally {
    // finish() detaches mounts under the sandbox; this is the backstop if it threw before that.
    if (mounted && readFileSync("/proc/self/mountinfo", "utf8").includes(` ${lc.root} `)) Bun.spawnSync(["umount", "-l", lc.root]);
  }
});

function logLines(id: string): { log: string; stream: string }[] {
  const path = join(lc.containerDir(id), `${id}-json.log`);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

/** The highest N of the "tick N" lines the container's log holds (-1 for none). */
function lastTick(id: string): number {
  let last = -1;
  for (const { log } of logLines(id)) {
    const m = /^tick (\d+)\n$/.exec(log);
    if (m) last = Math.max(last, Number(m[1]));
  }
  return last;
}

const monitorLog = () => { try { return readFileSync(join(lc.root, "monitor.log"), "utf8"); } catch { return ""; } };
const theMonitor = async () => {
  const pid = await poll("one monitor for the store", () => lc.monitors().length === 1 && lc.monitors()[0]);
  return { pid, startTime: startTimeOf(pid)! };
};
const cmdline = (pid: number) => { try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim(); } catch { return ""; } };

describe("a full disk under the logs", () => {
  test("ENOSPC: lines are dropped and counted, the container runs on, the monitor stays, logging resumes with room", async () => {
    const ticker = await lc.runD("busybox", "sh", "-c", TICKER);
    await poll("the ticker to log", () => lastTick(ticker) >= 0);
    const monitor = await theMonitor();
    writeFileSync(ballast(), Buffer.alloc(BALLAST_BYTES, 1));
    // 16 MiB of output: more than the tmpfs can hold, then the command turns into a long sleep.
    const flood = await lc.runD("busybox", "sh", "-c", "dd if=/dev/zero bs=16384 count=1024 2>/dev/null | tr '\\0' x; exec sleep 1000");
    const floodInit = await lc.initOf(flood);
    await poll("the flood to be written", () => cmdline(floodInit.pid) === "sleep 1000", 30_000);
    await poll("the monitor to report dropped lines", () => monitorLog().includes(`container ${flood}: log full, dropping lines`), 30_000);
    expect(isAlive(monitor)).toBe(true);
    expect(isAlive(floodInit)).toBe(true);
    expect((await lc.inspect(ticker)).State.Running).toBe(true);

    rmSync(ballast());
    const before = lastTick(ticker);
    await poll("the ticker's log to grow again", () => lastTick(ticker) > before, 30_000);
    expect(isAlive(monitor)).toBe(true);
    expect(monitorLog()).not.toMatch(/uncaught|unhandled/);
    // Whole lines only: every line of both logs is a JSON object (logLines would throw on a torn one).
    expect(logLines(flood).length).toBeGreaterThan(0);
    expect(logLines(ticker).every((l) => l.stream === "stdout")).toBe(true);
    // And the monitor still records exits.
    await lc.ok(["stop", "-t", "10", ticker]);
    expect((await lc.recordedExit(ticker)).State.ExitCode).toBe(3);
  }, T);
});

describe("the monitor killed with SIGKILL", () => {
  async function killMonitor(): Promise<void> {
    const monitor = await theMonitor();
    process.kill(monitor.pid, "SIGKILL");
    await poll("the monitor to die", () => !isAlive(monitor));
  }

  test("the container runs on, a new monitor adopts it, its output reaches the log, its exit is not a fake 255", async () => {
    const id = await lc.runD("busybox", "sh", "-c", TICKER);
    const init = await lc.initOf(id);
    await poll("the ticker to log", () => lastTick(id) >= 0);
    await killMonitor();
    const before = lastTick(id);
    // Writing on after its reader died must neither kill it (SIGPIPE) nor fail its writes.
    await holds("the container to keep running without a monitor", () => isAlive(init), 1_000);

    await lc.runD("busybox", "sleep", "1000"); // any command that needs the monitor starts a new one
    await poll("the new monitor to adopt the container", () => monitorLog().includes(`adopted container ${id}`));
    await poll("ticks written after the monitor died to reach the log", () => lastTick(id) > before + 5);

    const stop = await lc.run(["stop", "-t", "10", id]);
    expect(stop).toMatchObject({ code: 0, stdout: `${id}\n`, stderr: "" });
    expect(isAlive(init)).toBe(false);
    const state = (await lc.recordedExit(id)).State; // recorded by the adopting monitor
    expect(state.ExitCode).toBe(ORPHAN_EXIT); // never a made-up 255
    expect(await lc.statusOf(id)).toMatch(new RegExp(`^Exited \\(${ORPHAN_EXIT}\\) `));
    await poll("the trap's last words to reach the log", () => logLines(id).some((l) => l.log === "got TERM\n"));
  }, T);

  test("an adopted container's exit is recorded by the new monitor, which applies its restart policy", async () => {
    const id = await lc.runD("--restart", "on-failure", "busybox", "sh", "-c", TICKER);
    const first = await lc.initOf(id);
    await killMonitor();
    await lc.runD("busybox", "sleep", "1000");
    await poll("the new monitor to adopt the container", () => monitorLog().includes(`adopted container ${id}`));
    process.kill(first.pid, "SIGKILL"); // from outside: no minibox command is waiting for it
    await poll("the adopting monitor to restart it", async () => {
      const s = await lc.inspect(id);
      return s.State.Running && s.State.Pid !== first.pid && s.RestartCount === 1;
    });
    expect(monitorLog()).toContain(`container ${id}: adopted container ended, exit code ${ORPHAN_EXIT === 3 ? 137 : "unknown"}`);
    await lc.initOf(id);
    await lc.ok(["stop", "-t", "10", id]);
    expect((await lc.recordedExit(id)).State.ExitCode).toBe(3); // its own child again: the trap's code
  }, T);

  test("no monitor left at all: stop sees the exit itself (the trap's 3) and records it at once", async () => {
    const id = await lc.runD("busybox", "sh", "-c", TICKER);
    const init = await lc.initOf(id);
    await killMonitor();
    const stop = await lc.run(["stop", "-t", "10", id]);
    expect(stop).toMatchObject({ code: 0, stdout: `${id}\n`, stderr: "" });
    expect(isAlive(init)).toBe(false);
    expect(lc.record(id)?.state).toMatchObject({ status: "exited", exitCode: ORPHAN_EXIT });
    expect((await lc.inspect(id)).State).toMatchObject({ Status: "exited", Running: false, ExitCode: ORPHAN_EXIT });
    expect(await lc.statusOf(id)).toMatch(new RegExp(`^Exited \\(${ORPHAN_EXIT}\\) `));
  }, T);
});
