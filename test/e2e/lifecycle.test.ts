// The container lifecycle through the compiled binary (issue #4): run -d, create/start, stop, kill,
// restart, wait, rm, pause/unpause, rename, container prune. Derived status, names, restart policies:
// lifecycle-state.test.ts; ps/inspect/lookup: lifecycle-ps.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { BINARY } from "./harness.ts";
import { cgroupDirs, holds, isAlive, Lifecycle, parentOf, poll, sessionOf, startTimeOf, T } from "./lifecycle-helpers.ts";

const lc = new Lifecycle("minibox-e2e-lifecycle-");
beforeAll(() => lc.setup());
afterEach(() => lc.removeAll());
afterAll(() => lc.finish());

/** A shell that installs `traps`, then says it is ready in /tmp/ready (read through the upper dir). */
const trapped = (traps: string) => ["sh", "-c", `${traps}; touch /tmp/ready; while :; do sleep 0.05; done`];
const ready = (id: string) => poll(`container ${id.slice(0, 12)} ready`, () => lc.readUpper(id, "tmp/ready") !== undefined);

describe("run -d", () => {
  test("prints the id and returns while the container keeps running", async () => {
    const t0 = performance.now();
    const id = await lc.runD("busybox", "sleep", "100");
    expect(performance.now() - t0).toBeLessThan(5_000);
    const init = await lc.initOf(id);
    expect(await lc.statusOf(id)).toMatch(/^Up /);
    // The parent is the store's one monitor, not the CLI that returned.
    expect(lc.monitors()).toEqual([parentOf(init.pid)!]);
    expect(cgroupDirs(id).length).toBeGreaterThan(0);
  }, T);

  test("the container outlives the shell (and its whole process group) that started it", async () => {
    const sh = Bun.spawn(["sh", "-c", `"${BINARY}" run -d busybox sleep 100`], { env: lc.sb.env, stdout: "pipe", stderr: "pipe", detached: true });
    const id = (await new Response(sh.stdout).text()).trim();
    expect(await sh.exited).toBe(0);
    lc.ids.add(id);
    for (const signal of ["SIGHUP", "SIGKILL"] as const) {
      try { process.kill(-sh.pid, signal); } catch { /* the group is already empty */ }
    }
    const init = await lc.initOf(id);
    const [monitor] = lc.monitors();
    expect(parentOf(init.pid)).toBe(monitor!);
    expect(await lc.statusOf(id)).toMatch(/^Up /);
    // The monitor is in a session of its own: hanging up the user's terminal cannot reach it.
    expect(sessionOf(monitor!)).toBe(monitor!);
    expect(sessionOf(monitor!)).not.toBe(sessionOf(process.pid));
  }, T);
});

describe("create, start", () => {
  test("create makes a Created container; start -a relays its output and returns its exit code", async () => {
    const id = await lc.create("busybox", "sh", "-c", "echo out; echo err >&2; exit 3");
    expect(await lc.statusOf(id)).toBe("Created");
    expect((await lc.inspect(id)).State.Status).toBe("created");
    const r = await lc.run(["start", "-a", id]);
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toBe("err\n");
    expect(r.code).toBe(3);
    expect(await lc.statusOf(id)).toMatch(/^Exited \(3\) /);
  }, T);

  test("start (detached) runs a created container under the monitor; a second start is refused", async () => {
    const id = await lc.create("--name", "started", "busybox", "sleep", "100");
    expect(await lc.ok(["start", "started"])).toBe("started\n");
    const init = await lc.initOf(id);
    expect(lc.monitors()).toEqual([parentOf(init.pid)!]);
    expect(await lc.statusOf(id)).toMatch(/^Up /);
    const again = await lc.run(["start", "started"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("is already running");
  }, T);

  test("an exited container starts again", async () => {
    const id = await lc.create("busybox", "sh", "-c", "exit 4");
    expect((await lc.run(["start", "-a", id])).code).toBe(4);
    expect((await lc.run(["start", "-a", id])).code).toBe(4);
    await lc.ok(["start", id]);
    expect((await lc.recordedExit(id)).State.ExitCode).toBe(4);
  }, T);
});

describe("stop", () => {
  test("SIGTERM handled by a trap: the trap's exit code is recorded", async () => {
    const id = await lc.runD("busybox", ...trapped(`trap "exit 42" TERM`));
    await ready(id);
    const t0 = performance.now();
    expect(await lc.ok(["stop", "-t", "10", id])).toBe(`${id}\n`);
    expect(performance.now() - t0).toBeLessThan(5_000); // did not need the SIGKILL
    const s = await lc.inspect(id);
    expect(s.State.Status).toBe("exited");
    expect(s.State.ExitCode).toBe(42);
    expect(await lc.statusOf(id)).toMatch(/^Exited \(42\) /);
  }, T);

  test("an untrapped sleep (PID 1 ignores SIGTERM) is SIGKILLed after -t 1: Exited (137)", async () => {
    const id = await lc.runD("busybox", "sleep", "1000");
    const init = await lc.initOf(id);
    const t0 = performance.now();
    await lc.ok(["stop", "-t", "1", id]);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(8_000);
    expect(isAlive(init)).toBe(false);
    expect(await lc.statusOf(id)).toMatch(/^Exited \(137\) /);
    expect(cgroupDirs(id)).toEqual([]);
  }, T);

  test("--stop-signal SIGUSR1 is what stop sends", async () => {
    const id = await lc.runD("--stop-signal", "SIGUSR1", "busybox", ...trapped(`trap "exit 10" USR1; trap "exit 20" TERM`));
    expect((await lc.inspect(id)).Config.StopSignal).toBe("SIGUSR1");
    await ready(id);
    await lc.ok(["stop", id]);
    expect((await lc.inspect(id)).State.ExitCode).toBe(10);
  }, T);

  test("stop of a container that is not running succeeds and changes nothing", async () => {
    const id = await lc.create("busybox", "true");
    expect(await lc.ok(["stop", id])).toBe(`${id}\n`);
    expect(await lc.statusOf(id)).toBe("Created");
  }, T);
});

describe("kill", () => {
  test("kill (SIGKILL by default) records 137", async () => {
    const id = await lc.runD("busybox", "sleep", "1000");
    const init = await lc.initOf(id);
    expect(await lc.ok(["kill", id])).toBe(`${id}\n`);
    expect(isAlive(init)).toBe(false);
    const s = await lc.inspect(id);
    expect([s.State.Status, s.State.ExitCode]).toEqual(["exited", 137]);
  }, T);

  test("kill -s delivers the signal; the container's handler decides", async () => {
    const id = await lc.runD("busybox", ...trapped(`trap "exit 7" USR2; trap "" TERM`));
    await ready(id);
    // An ignored signal changes nothing.
    await lc.ok(["kill", "-s", "TERM", id]);
    await holds("the container ignores SIGTERM", async () => (await lc.inspect(id)).State.Running, 300);
    await lc.ok(["kill", "-s", "SIGUSR2", id]);
    expect((await lc.recordedExit(id)).State.ExitCode).toBe(7);
  }, T);

  test("kill of a container that is not running: exit 1", async () => {
    const id = await lc.create("busybox", "true");
    const r = await lc.run(["kill", id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`container ${id.slice(0, 12)} is not running`);
  }, T);

  test("kill -s with an unknown signal fails without touching the container", async () => {
    const id = await lc.runD("busybox", "sleep", "1000");
    const r = await lc.run(["kill", "-s", "SIGNOPE", id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("invalid signal");
    expect((await lc.inspect(id)).State.Running).toBe(true);
  }, T);
});

describe("restart, wait", () => {
  test("restart: a new init, a new StartedAt, running again", async () => {
    const id = await lc.runD("--name", "restarted", "busybox", "sleep", "1000");
    const first = await lc.initOf(id);
    const before = await lc.inspect(id);
    expect(await lc.ok(["restart", "-t", "1", "restarted"])).toBe("restarted\n");
    const second = await lc.initOf(id);
    expect(second.pid).not.toBe(first.pid);
    expect(isAlive(first)).toBe(false);
    const after = await lc.inspect(id);
    expect(after.State.Status).toBe("running");
    expect(Date.parse(after.State.StartedAt)).toBeGreaterThan(Date.parse(before.State.StartedAt));
    expect(await lc.statusOf(id)).toMatch(/^Up /);
  }, T);

  test("restart of an exited container starts it", async () => {
    const id = await lc.create("busybox", "sleep", "1000");
    await lc.run(["start", id]);
    await lc.ok(["kill", id]);
    await lc.ok(["restart", id]);
    await lc.initOf(id);
  }, T);

  test("wait blocks until the exit and prints the code", async () => {
    const id = await lc.runD("busybox", ...trapped(`trap "exit 7" USR1`));
    await ready(id);
    const waiter = Bun.spawn([BINARY, "wait", id], { env: lc.sb.env, stdout: "pipe", stderr: "pipe" });
    await holds("wait still blocks", () => waiter.exitCode === null, 300);
    await lc.ok(["kill", "-s", "USR1", id]);
    expect(await new Response(waiter.stdout).text()).toBe("7\n");
    expect(await waiter.exited).toBe(0);
    // On an exited container it returns at once.
    expect(await lc.ok(["wait", id])).toBe("7\n");
  }, T);
});

describe("rm", () => {
  test("refused while running (exit 1, Docker's words); the container keeps running", async () => {
    const id = await lc.runD("busybox", "sleep", "1000");
    const r = await lc.run(["rm", id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
    expect((await lc.inspect(id)).State.Running).toBe(true);
  }, T);

  test("rm -f: a running container is killed and gone, with its directory, name and cgroup", async () => {
    const id = await lc.runD("--name", "doomed", "busybox", "sleep", "1000");
    const init = await lc.initOf(id);
    expect(cgroupDirs(id).length).toBeGreaterThan(0);
    expect(await lc.ok(["rm", "-f", "doomed"])).toBe("doomed\n");
    expect(isAlive(init)).toBe(false);
    expect(existsSync(lc.containerDir(id))).toBe(false);
    expect(await lc.psRows("-a")).toEqual([]);
    expect(cgroupDirs(id)).toEqual([]);
    // The name is free again.
    await lc.runD("--name", "doomed", "busybox", "true");
  }, T);

  test("rm -f of many running containers in one command leaves nothing behind", async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => lc.runD("busybox", "sleep", "1000")));
    const inits = await Promise.all(ids.map((id) => lc.initOf(id)));
    const r = await lc.run(["rm", "-f", ...ids]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(inits.filter(isAlive)).toEqual([]);
    expect(lc.containerIds()).toEqual([]);
    for (const id of ids) expect(cgroupDirs(id)).toEqual([]);
  }, T);

  test("rm of an exited container", async () => {
    const id = await lc.create("busybox", "true");
    expect((await lc.run(["start", "-a", id])).code).toBe(0);
    expect(await lc.ok(["rm", id])).toBe(`${id}\n`);
    expect(existsSync(lc.containerDir(id))).toBe(false);
  }, T);
});

describe("pause, unpause", () => {
  const counter = (id: string) => {
    const n = Number.parseInt(lc.readUpper(id, "tmp/count") ?? "", 10);
    return Number.isNaN(n) ? undefined : n;
  };
  const advances = async (id: string) => {
    const from = await poll("a first count", () => counter(id));
    await poll("the counter to advance", () => (counter(id) ?? from) > from);
  };

  test("a paused container shows (Paused) and its counter stops; unpause resumes it", async () => {
    // Written by rename: a freeze between the truncate and the write of `echo > file` would leave it empty.
    const id = await lc.runD("busybox", "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.02; done");
    await lc.initOf(id);
    await advances(id);
    expect(await lc.ok(["pause", id])).toBe(`${id}\n`);
    expect(await lc.statusOf(id)).toMatch(/^Up .* \(Paused\)$/);
    const s = await lc.inspect(id);
    expect([s.State.Status, s.State.Paused, s.State.Running]).toEqual(["paused", true, true]);
    // Paused containers are still listed by a plain ps, and by status=paused.
    expect((await lc.psRows()).length).toBe(1);
    expect((await lc.psRows("--filter", "status=paused")).length).toBe(1);
    const frozen = await poll("a count while frozen", () => counter(id));
    await holds("the counter stays put", () => counter(id) === frozen, 500);
    const again = await lc.run(["pause", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("is already paused");
    expect(await lc.ok(["unpause", id])).toBe(`${id}\n`);
    expect(await lc.statusOf(id)).toMatch(/^Up (?!.*Paused)/);
    await advances(id);
    const notPaused = await lc.run(["unpause", id]);
    expect(notPaused.code).toBe(1);
    expect(notPaused.stderr).toContain("is not paused");
  }, T);

  test("a paused container can be stopped and removed", async () => {
    const a = await lc.runD("busybox", "sleep", "1000");
    const b = await lc.runD("busybox", "sleep", "1000");
    const [ia, ib] = [await lc.initOf(a), await lc.initOf(b)];
    await lc.ok(["pause", a, b]);
    await lc.ok(["stop", "-t", "1", a]);
    expect(isAlive(ia)).toBe(false);
    expect((await lc.inspect(a)).State.ExitCode).toBe(137);
    await lc.ok(["rm", "-f", b]);
    expect(isAlive(ib)).toBe(false);
    expect(cgroupDirs(b)).toEqual([]);
  }, T);

  test("pause of a container that is not running: exit 1", async () => {
    const id = await lc.create("busybox", "true");
    const r = await lc.run(["pause", id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not running");
  }, T);
});

describe("rename, container prune", () => {
  test("rename: the new name finds it, the old one is free, a taken name is refused", async () => {
    const id = await lc.runD("--name", "before", "busybox", "sleep", "1000");
    await lc.create("--name", "taken", "busybox", "true");
    await lc.ok(["rename", "before", "after"]);
    expect((await lc.inspect("after")).Name).toBe("/after");
    expect((await lc.inspect("after")).Id).toBe(id);
    const gone = await lc.run(["container", "inspect", "before"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("No such container: before");
    expect((await lc.psRows()).some((row) => row.endsWith(" after"))).toBe(true);
    await lc.create("--name", "before", "busybox", "true"); // released
    const clash = await lc.run(["rename", "after", "taken"]);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain(`The container name "/taken" is already in use`);
    expect((await lc.inspect(id)).Name).toBe("/after");
    const same = await lc.run(["rename", "after", "after"]);
    expect(same.code).toBe(1);
    const bad = await lc.run(["rename", "after", "no/slash"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("Invalid container name");
  }, T);

  test("container prune removes every stopped container and keeps running ones", async () => {
    const running = await lc.runD("busybox", "sleep", "1000");
    const created = await lc.create("busybox", "true");
    const exited = await lc.create("busybox", "sh", "-c", "echo 0123456789 > /written; exit 2");
    expect((await lc.run(["start", "-a", exited])).code).toBe(2);
    const out = (await lc.ok(["container", "prune", "-f"])).split("\n").filter(Boolean);
    expect(out[0]).toBe("Deleted Containers:");
    expect(out.slice(1, -1).sort()).toEqual([created, exited].sort());
    // Docker's last line: the size of the writable layers removed (the 11 bytes written at least)
    expect(out.at(-1)).toMatch(/^Total reclaimed space: (\d\d+|\d+\.\d+k|\d+(\.\d+)?[MG])B$/);
    expect(lc.containerIds()).toEqual([running]);
    expect((await lc.inspect(running)).State.Running).toBe(true);
    expect(await lc.ok(["container", "prune", "-f"])).toBe("Total reclaimed space: 0B\n");
  }, T);
});

test("the init's start time is what identifies it", () => {
  // Sanity check of the helper the other tests rely on.
  expect(startTimeOf(process.pid)).toBeNumber();
  expect(startTimeOf(2 ** 22 + 1)).toBeUndefined();
});
