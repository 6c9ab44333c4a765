// Container state through the compiled binary (issue #4): status derived from the process (a dead monitor,
// a dead init, a recycled pid), unique names under concurrency, one monitor per store, restart policies
// and --rm for detached containers.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cgroupDirs, holds, isAlive, Lifecycle, parentOf, poll, startTimeOf, T } from "./lifecycle-helpers.ts";

const lc = new Lifecycle("minibox-e2e-state-");
beforeAll(() => lc.setup());
afterEach(() => lc.removeAll());
afterAll(() => lc.finish());

async function killMonitor(): Promise<void> {
  const monitors = lc.monitors();
  expect(monitors).toHaveLength(1);
  const monitor = { pid: monitors[0]!, startTime: startTimeOf(monitors[0]!)! };
  process.kill(monitor.pid, "SIGKILL");
  await poll("the monitor to die", () => !isAlive(monitor));
}

const noMonitor = () => poll("no monitor for the store", () => lc.monitors().length === 0, 10_000);

describe("status is derived from the process", () => {
  test("monitor killed: containers keep running and show Up; stop and rm -f still work", async () => {
    const a = await lc.runD("busybox", "sleep", "1000");
    const b = await lc.runD("busybox", "sleep", "1000");
    const [ia, ib] = [await lc.initOf(a), await lc.initOf(b)];
    await killMonitor();
    expect([isAlive(ia), isAlive(ib)]).toEqual([true, true]);
    expect(await lc.statusOf(a)).toMatch(/^Up /);
    expect((await lc.inspect(b)).State).toMatchObject({ Status: "running", Running: true, Pid: ib.pid });

    await lc.ok(["stop", "-t", "1", a]);
    expect(isAlive(ia)).toBe(false);
    // Nobody was left to reap it and read its status: the stop records it (-1: unknown, see monitor-faults).
    expect(await lc.statusOf(a)).toMatch(/^Exited \((137|-1)\) /);
    expect(cgroupDirs(a)).toEqual([]);

    await lc.ok(["rm", "-f", b]);
    expect(isAlive(ib)).toBe(false);
    expect(existsSync(lc.containerDir(b))).toBe(false);
    expect(cgroupDirs(b)).toEqual([]);
  }, T);

  test("monitor dead, then the init killed from outside: Exited (-1), the unknown code, and rm works", async () => {
    const id = await lc.runD("busybox", "sleep", "1000");
    const init = await lc.initOf(id);
    await killMonitor();
    process.kill(init.pid, "SIGKILL");
    await poll("the init to die", () => !isAlive(init));
    expect(await lc.statusOf(id)).toMatch(/^Exited \(-1\) /);
    expect(await lc.psRows()).toEqual([]);
    const s = await lc.inspect(id);
    expect(s.State).toMatchObject({ Status: "exited", Running: false, Pid: 0, ExitCode: -1 });
    expect(await lc.ok(["rm", id])).toBe(`${id}\n`);
    expect(existsSync(lc.containerDir(id))).toBe(false);
    expect(cgroupDirs(id)).toEqual([]);
  }, T);

  test("monitor alive, the init killed from outside: 137 is recorded with no minibox command running", async () => {
    const id = await lc.runD("busybox", "sleep", "1000");
    const init = await lc.initOf(id);
    process.kill(init.pid, "SIGKILL");
    const record = await poll("the monitor to record the exit", () => {
      const r = lc.record(id);
      return r?.state.status === "exited" && r;
    });
    expect(record.state.exitCode).toBe(137);
    expect(record.state.process).toBeUndefined();
    expect(cgroupDirs(id)).toEqual([]);
    expect(await lc.statusOf(id)).toMatch(/^Exited \(137\) /);
  }, T);

  test("a recorded pid that now belongs to another process is never reported running, nor signalled", async () => {
    const id = await lc.create("--name", "recycled", "busybox", "sleep", "1000");
    const stranger = Bun.spawn(["sleep", "1000"], { stdout: "ignore", stderr: "ignore" });
    try {
      const identity = { pid: stranger.pid, startTime: startTimeOf(stranger.pid)! };
      const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
      const path = join(lc.containerDir(id), "container.json");
      const fake = (process: { pid: number; startTime: number; bootId: string }) => {
        const record = JSON.parse(readFileSync(path, "utf8"));
        record.state = { status: "running", process, startedAt: new Date().toISOString() };
        writeFileSync(path, JSON.stringify(record));
      };
      // The real identity counts as running (the check below is not vacuous)…
      fake({ ...identity, bootId });
      expect(await lc.statusOf(id)).toMatch(/^Up /);
      // …a different start time (the pid was recycled) or another boot does not.
      for (const wrong of [{ ...identity, startTime: identity.startTime - 1, bootId }, { ...identity, bootId: "another-boot" }]) {
        fake(wrong);
        expect(await lc.psRows()).toEqual([]);
        expect(await lc.statusOf(id)).toMatch(/^Exited \(-1\) /);
        expect((await lc.inspect(id)).State).toMatchObject({ Running: false, Pid: 0 });
        const kill = await lc.run(["kill", id]);
        expect(kill.code).toBe(1);
        expect(kill.stderr).toContain("is not running");
        expect(await lc.ok(["stop", "-t", "0", id])).toBe(`${id}\n`);
        const pause = await lc.run(["pause", id]);
        expect(pause.code).toBe(1);
        expect(isAlive(identity)).toBe(true);
      }
      expect(await lc.ok(["rm", "-f", id])).toBe(`${id}\n`);
      expect(isAlive(identity)).toBe(true);
      expect(stranger.exitCode).toBeNull();
    } finally {
      stranger.kill("SIGKILL");
      await stranger.exited;
    }
  }, T);
});

describe("names and the monitor under concurrency", () => {
  test("20 concurrent run -d --name same: exactly one wins, the others exit 125 'already in use'", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => lc.run(["run", "-d", "--name", "same", "busybox", "sleep", "100"])));
    const won = results.filter((r) => r.code === 0);
    const lost = results.filter((r) => r.code !== 0);
    expect(won).toHaveLength(1);
    lc.ids.add(won[0]!.stdout.trim());
    expect(lost.map((r) => r.code)).toEqual(Array(19).fill(125));
    for (const r of lost) expect(r.stderr).toContain(`The container name "/same" is already in use by container "${won[0]!.stdout.trim()}"`);
    expect(lc.containerIds()).toEqual([won[0]!.stdout.trim()]);
    const rows = await lc.psRows("-a");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/\s+Up .*\s+same$/);
  }, T);

  test("10 concurrent run -d with no monitor running: all start, under exactly one monitor", async () => {
    await noMonitor();
    const ids = await Promise.all(Array.from({ length: 10 }, () => lc.runD("busybox", "sleep", "1000")));
    const inits = await Promise.all(ids.map((id) => lc.initOf(id)));
    // A monitor that lost the race for the socket exits at once.
    const [monitor] = await poll("a single monitor", () => lc.monitors().length === 1 && lc.monitors());
    expect(inits.map((i) => parentOf(i.pid))).toEqual(Array(10).fill(monitor));
    expect((await lc.psRows()).length).toBe(10);
    expect(readFileSync(join(lc.root, "monitor.log"), "utf8")).not.toContain("EADDRINUSE");
  }, T);

  test("the monitor exits once it has no container left", async () => {
    const id = await lc.runD("busybox", "sleep", "1000");
    expect(lc.monitors()).toHaveLength(1);
    await lc.ok(["rm", "-f", id]);
    await noMonitor();
  }, T);
});

describe("restart policies and --rm", () => {
  test("--restart on-failure:2: two restarts, then Exited", async () => {
    const id = await lc.runD("--restart", "on-failure:2", "busybox", "sh", "-c", "exit 3");
    // Once the monitor is gone nothing can restart it any more: the final state is in.
    await poll("two restarts", async () => (await lc.inspect(id)).RestartCount === 2);
    await noMonitor();
    const s = await lc.inspect(id);
    expect(s.RestartCount).toBe(2);
    expect(s.State).toMatchObject({ Status: "exited", ExitCode: 3 });
  }, T);

  test("--restart on-failure brings back an init killed from outside", async () => {
    const id = await lc.runD("--restart", "on-failure", "busybox", "sleep", "1000");
    const first = await lc.initOf(id);
    process.kill(first.pid, "SIGKILL");
    await poll("a restart", async () => {
      const s = await lc.inspect(id);
      return s.RestartCount === 1 && s.State.Running && s.State.Pid !== first.pid;
    });
    await lc.initOf(id);
  }, T);

  test("--restart always + stop: stays stopped", async () => {
    const id = await lc.runD("--restart", "always", "busybox", "sleep", "1000");
    await lc.initOf(id);
    await lc.ok(["stop", "-t", "1", id]);
    await noMonitor();
    const s = await lc.inspect(id);
    expect(s.State).toMatchObject({ Status: "exited", ExitCode: 137 });
    expect(s.RestartCount).toBe(0);
  }, T);

  test("--restart always restarts a command that exits 0, until stopped between two runs", async () => {
    const id = await lc.runD("--restart", "always", "busybox", "true");
    await poll("two restarts", async () => (await lc.inspect(id)).RestartCount >= 2);
    await lc.ok(["stop", id]);
    await noMonitor();
    const s = await lc.inspect(id);
    expect(s.State.Status).toBe("exited");
    const count = s.RestartCount;
    await holds("no further restart", async () => (await lc.inspect(id)).RestartCount === count, 300);
  }, T);

  test("run -d --rm: the container directory and name disappear after the exit", async () => {
    // The command runs until killed, so inspect cannot race its removal on a loaded machine.
    const id = await lc.runD("--rm", "--name", "ephemeral", "busybox", "sleep", "1000");
    expect((await lc.inspect(id)).HostConfig.AutoRemove).toBe(true);
    await lc.initOf(id);
    await lc.ok(["kill", id]);
    await poll("the container dir to go", () => !existsSync(lc.containerDir(id)));
    expect(await lc.psRows("-a")).toEqual([]);
    expect(cgroupDirs(id)).toEqual([]);
    await lc.create("--name", "ephemeral", "busybox", "true"); // the name was released
  }, T);

  test("run -d --rm + stop: removed", async () => {
    const id = await lc.runD("--rm", "busybox", "sleep", "1000");
    await lc.initOf(id);
    await lc.ok(["stop", "-t", "1", id]);
    await poll("the container dir to go", () => !existsSync(lc.containerDir(id)));
  }, T);
});
