// Issue #9, the container side: kill -9 of a CLI at each traced phase (MINIBOX_FAULT makes the process
// SIGKILL itself as the phase ends), concurrent state changes, and corrupt records. After each fault:
// `ps -a` works, the container is removable, its name reusable, and nothing runs twice or stays behind.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY } from "./harness.ts";
import { cgroupDirs, isAlive, Lifecycle, poll, startTimeOf, T, type ProcessIdentity } from "./lifecycle-helpers.ts";

const lc = new Lifecycle("minibox-e2e-crash-");
beforeAll(() => lc.setup());
afterEach(() => lc.removeAll());
afterAll(() => lc.finish());

/** Runs minibox with MINIBOX_FAULT=<phase>; returns the signal that ended it (null if it exited). */
async function runWithFault(phase: string, args: string[]): Promise<string | null> {
  // stdout/stderr ignored: a container that outlives the killed CLI keeps its copies of the pipes open.
  const proc = Bun.spawn([BINARY, ...args], {
    env: { ...lc.sb.env, MINIBOX_FAULT: phase }, stdin: "ignore", stdout: "ignore", stderr: "ignore", timeout: 30_000,
  });
  await proc.exited;
  return proc.signalCode === null ? null : String(proc.signalCode);
}

/** Every process in the container's cgroup(s), from the host. */
function cgroupPids(id: string): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupDirs(id)) {
    let text = "";
    try { text = readFileSync(join(dir, "cgroup.procs"), "utf8"); } catch { /* removed meanwhile */ }
    for (const line of text.split("\n")) if (line.trim()) pids.add(Number(line));
  }
  return [...pids];
}

function remember(pids: number[]): ProcessIdentity[] {
  const found = pids.map((pid) => ({ pid, startTime: startTimeOf(pid)! })).filter((p) => p.startTime !== undefined);
  lc.inits.push(...found);
  return found;
}

/** Ids of every container directory (including half-made ones) and every name entry. */
function storeEntries(): { containers: string[]; names: string[] } {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((e) => !e.startsWith(".")) : []);
  return { containers: list(join(lc.root, "containers")), names: list(join(lc.root, "names")) };
}

/** The id a name points at (remembered for the end-of-file check that no cgroup is left). */
function idOfName(name: string): string | undefined {
  let id: string | undefined;
  try { id = readFileSync(join(lc.root, "names", name), "utf8").trim() || undefined; } catch { return undefined; }
  if (id) lc.ids.add(id);
  return id;
}

async function expectCoherentAndRemovable(name: string): Promise<void> {
  const ps = await lc.run(["ps", "-a", "--no-trunc"]);
  expect(ps.code).toBe(0);
  const row = ps.stdout.split("\n").find((l) => l.trimEnd().endsWith(` ${name}`));
  if (row) {
    const rm = await lc.run(["rm", "-f", name]);
    expect({ code: rm.code, stderr: rm.stderr }).toEqual({ code: 0, stderr: "" });
  }
  // The name is free again: a new container can take it, and is removed at once.
  const again = await lc.run(["create", "--name", name, "busybox", "true"]);
  expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
  await lc.ok(["rm", name]);
  const prune = await lc.run(["container", "prune"]);
  expect(prune.code).toBe(0);
  expect(storeEntries()).toEqual({ containers: [], names: [] });
}

describe("kill -9 of create at each phase", () => {
  for (const phase of ["create: image resolved", "create: name claimed", "create: record saved", "create: bundle written"]) {
    test(`killed at "${phase}": ps -a works, nothing half-made is left, the name is reusable`, async () => {
      const name = `c-${phase.split(" ").pop()}`;
      expect(await runWithFault(phase, ["create", "--name", name, "busybox", "true"])).toBe("SIGKILL");
      await expectCoherentAndRemovable(name);
    }, T);
  }

  test("a failed create (bad cpuset) leaks neither its name nor its directory", async () => {
    const r = await lc.run(["run", "--name", "bad-cpuset", "--cpuset-cpus", "63", "busybox", "true"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    // Whatever minibox kept of it (Docker keeps a Created container), removing it by name works.
    await expectCoherentAndRemovable("bad-cpuset");
  }, T);
});

describe("kill -9 of rename", () => {
  for (const [phase, kept] of [["rename: name claimed", "before"], ["rename: record saved", "after"]] as const) {
    test(`killed at "${phase}": the container keeps exactly one name, the other is free`, async () => {
      const id = await lc.create("--name", "before", "busybox", "true");
      expect(await runWithFault(phase, ["rename", "before", "after"])).toBe("SIGKILL");
      const ps = await lc.run(["ps", "-a", "--no-trunc"]);
      expect(ps.code).toBe(0);
      expect(ps.stdout.split("\n").find((l) => l.startsWith(id))?.trimEnd().endsWith(` ${kept}`)).toBe(true);
      expect((await lc.inspect(kept)).Id).toBe(id);
      const other = kept === "before" ? "after" : "before";
      expect(idOfName(other)).toBeUndefined();
      await lc.ok(["rm", kept]);
      await expectCoherentAndRemovable(other);
    }, T);
  }
});

describe("kill -9 of rm", () => {
  test('killed at "remove: directory gone": ps -a is coherent and the name is reusable', async () => {
    const id = await lc.create("--name", "removing", "busybox", "true");
    expect(await runWithFault("remove: directory gone", ["rm", "removing"])).toBe("SIGKILL");
    expect(existsSync(lc.containerDir(id))).toBe(false);
    expect(idOfName("removing")).toBe(id); // the orphan the kill left
    const inspect = await lc.run(["inspect", "removing"]);
    expect(inspect.code).toBe(1);
    await expectCoherentAndRemovable("removing");
  }, T);
});

describe("kill -9 of a foreground run", () => {
  test("killed after the command's execve: ps says Up, start does not launch a second init", async () => {
    expect(await runWithFault("launch: command exec'd", ["run", "--name", "fg", "busybox", "sleep", "1000"])).toBe("SIGKILL");
    const id = idOfName("fg")!;
    expect(id).toBeDefined();
    const pids = remember(cgroupPids(id));
    expect(pids).toHaveLength(1);
    expect(await lc.statusOf(id)).toMatch(/^Up /);
    const start = await lc.run(["start", "fg"]);
    expect(start.code).not.toBe(0);
    expect(remember(cgroupPids(id)).map((p) => p.pid)).toEqual(pids.map((p) => p.pid));
    await lc.ok(["rm", "-f", "fg"]);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(cgroupDirs(id)).toEqual([]);
    await expectCoherentAndRemovable("fg");
  }, T);

  test("killed before the init was released: the init gives up, start then runs it once", async () => {
    expect(await runWithFault("launch: init spawned", ["run", "--name", "early", "busybox", "sleep", "1000"])).toBe("SIGKILL");
    const id = idOfName("early")!;
    expect(id).toBeDefined();
    await poll("the abandoned init to exit", () => cgroupPids(id).length === 0 && !readdirSync("/proc").some((p) => {
      try { return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(join(lc.root, "containers", id)); } catch { return false; }
    }));
    expect(await lc.statusOf(id)).toMatch(/^(Created|Exited \(\d+\) .*)$/);
    await lc.ok(["start", "early"]);
    const pids = remember(cgroupPids(id));
    expect(pids).toHaveLength(1);
    expect(await lc.statusOf(id)).toMatch(/^Up /);
    await lc.ok(["rm", "-f", "early"]);
    await expectCoherentAndRemovable("early");
  }, T);

  test("run --rm whose CLI was killed: removed once seen exited", async () => {
    expect(await runWithFault("launch: command exec'd", ["run", "--rm", "--name", "gone", "busybox", "sleep", "1000"])).toBe("SIGKILL");
    const id = idOfName("gone")!;
    expect(id).toBeDefined();
    const [init] = remember(cgroupPids(id));
    expect(init).toBeDefined();
    process.kill(init!.pid, "SIGKILL");
    await poll("the orphaned container to die", () => !isAlive(init!));
    const ps = await lc.run(["ps", "-a", "--no-trunc"]);
    expect(ps.code).toBe(0);
    expect(ps.stdout).not.toContain(id);
    expect(storeEntries()).toEqual({ containers: [], names: [] });
    expect(cgroupDirs(id)).toEqual([]);
  }, T);
});

describe("kill -9 of a foreground run at random moments", () => {
  test("8 rounds: whatever moment the kill hits, the store stays coherent and every container removable", async () => {
    for (let round = 0; round < 8; round++) {
      const name = `soak-${round}`;
      const proc = Bun.spawn([BINARY, "run", ...(round % 2 ? ["--rm"] : []), "--name", name, "busybox", "sleep", "1000"], {
        env: lc.sb.env, stdin: "ignore", stdout: "ignore", stderr: "ignore",
      });
      // The moment of the kill is the variable under test, not a synchronisation.
      await Bun.sleep(Math.floor(Math.random() * 400));
      proc.kill("SIGKILL");
      await proc.exited;
      const id = idOfName(name);
      const pids = id ? remember(cgroupPids(id)) : [];
      expect(pids.length).toBeLessThanOrEqual(1); // never two inits
      const ps = await lc.run(["ps", "-a", "--no-trunc"]);
      expect(ps.code).toBe(0);
      if (id && existsSync(lc.containerDir(id))) {
        const rm = await lc.run(["rm", "-f", id]);
        expect({ code: rm.code, stderr: rm.stderr }).toEqual({ code: 0, stderr: "" });
      }
      expect(pids.filter(isAlive)).toEqual([]);
      if (id) expect(cgroupDirs(id)).toEqual([]);
      await expectCoherentAndRemovable(name);
    }
  }, 4 * T);
});

describe("kill -9 of the monitor while it starts a container", () => {
  test("killed after recording the init, before releasing it: the start fails, ps -a is coherent, start works", async () => {
    const id = await lc.create("--name", "mon", "busybox", "sleep", "1000");
    // The monitor inherits the CLI's environment: it is the process that reaches the launch phases.
    const r = await lc.run(["start", "mon"], { env: { MINIBOX_FAULT: "launch: recorded" } });
    expect(r.code).not.toBe(0);
    await poll("the abandoned init to exit", () => cgroupPids(id).length === 0);
    await poll("no monitor left", () => lc.monitors().length === 0);
    // Nobody could wait() for the abandoned init: the exit is recorded as unknown (-1), never a made-up 255.
    expect(await lc.statusOf(id)).toMatch(/^Exited \(-1\) /);
    expect(cgroupDirs(id)).toEqual([]);
    await lc.ok(["start", "mon"]);
    const pids = remember(cgroupPids(id));
    expect(pids).toHaveLength(1);
    expect(await lc.statusOf(id)).toMatch(/^Up /);
    await lc.ok(["rm", "-f", "mon"]);
    expect(pids.filter(isAlive)).toEqual([]);
    await expectCoherentAndRemovable("mon");
  }, T);
});

describe("one container, one init, whatever runs concurrently", () => {
  test("4 concurrent start of one container launch exactly one init", async () => {
    const id = await lc.create("--name", "racer", "busybox", "sleep", "1000");
    const results = await Promise.all(Array.from({ length: 4 }, () => lc.run(["start", "racer"])));
    expect(results.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(1);
    const pids = remember(cgroupPids(id));
    expect(pids).toHaveLength(1);
    expect((await lc.inspect(id)).State.Pid).toBe(pids[0]!.pid);
  }, T);

  test("rename and pause racing the recording of an exit keep the exit code", async () => {
    for (let round = 0; round < 3; round++) {
      const id = await lc.runD("--name", `exiting-${round}`, "busybox", "sh", "-c", "sleep 0.3; exit 7");
      let name = `exiting-${round}`;
      for (let i = 0; i < 40 && lc.record(id)?.state.status !== "exited"; i++) {
        const next = `${name.split("~")[0]}~${i}`;
        if ((await lc.run(["rename", id, next])).code === 0) name = next;
        await lc.run(["pause", id]);
        await lc.run(["unpause", id]);
      }
      const s = await lc.recordedExit(id);
      expect(s.State).toMatchObject({ Status: "exited", ExitCode: 7 });
      expect(s.Name).toBe(`/${name}`);
      expect(idOfName(name)).toBe(id);
      await lc.ok(["rm", id]);
    }
  }, T);
});

describe("corrupt records", () => {
  const corruptions: [string, (file: string) => void][] = [
    ["garbage JSON", (f) => writeFileSync(f, "{not json")],
    ['{"state":null}', (f) => writeFileSync(f, '{"state":null}')],
    ["[]", (f) => writeFileSync(f, "[]")],
    ["an empty file", (f) => writeFileSync(f, "")],
    ["a deleted record", (f) => rmSync(f)],
  ];
  for (const [what, corrupt] of corruptions) {
    test(`${what} under a running container: ps -a shows Dead, rm -f kills and removes it`, async () => {
      const ok = await lc.runD("--name", "healthy", "busybox", "sleep", "1000");
      const id = await lc.runD("--name", "broken", "busybox", "sleep", "1000");
      const pids = remember(cgroupPids(id));
      expect(pids).toHaveLength(1);
      corrupt(join(lc.containerDir(id), "container.json"));

      const ps = await lc.run(["ps", "-a", "--no-trunc"]);
      expect(ps.code).toBe(0);
      expect(ps.stderr.trim().split("\n")).toHaveLength(1); // one warning line for the broken entry
      const row = ps.stdout.split("\n").find((l) => l.startsWith(id));
      expect(row?.split(/\s{2,}/)).toContain("Dead");
      expect(ps.stdout).toContain(ok);

      const inspect = await lc.run(["inspect", "broken"]);
      expect(inspect.code).toBe(0);
      expect(JSON.parse(inspect.stdout)[0].State.Status).toBe("dead");
      const start = await lc.run(["start", "broken"]);
      expect(start.code).not.toBe(0);
      expect(start.stderr.trim().split("\n")).toHaveLength(1);

      const rm = await lc.run(["rm", "-f", "broken"]);
      expect({ code: rm.code, stderr: rm.stderr }).toEqual({ code: 0, stderr: "" });
      expect(pids.filter(isAlive)).toEqual([]);
      expect(existsSync(lc.containerDir(id))).toBe(false);
      expect(cgroupDirs(id)).toEqual([]);
      expect(await lc.statusOf(ok)).toMatch(/^Up /);
      await lc.ok(["rm", "-f", ok]);
      await expectCoherentAndRemovable("broken");
    }, T);
  }

  test('{"state":null} in a stopped container: ps -a, rm -f and prune still work for the whole store', async () => {
    const good = await lc.create("--name", "fine", "busybox", "true");
    const bad = await lc.create("--name", "nullstate", "busybox", "true");
    writeFileSync(join(lc.containerDir(bad), "container.json"), '{"state":null}');
    expect((await lc.run(["ps", "-a"])).code).toBe(0);
    const prune = await lc.run(["container", "prune"]);
    expect(prune.code).toBe(0);
    expect(prune.stdout).toContain(good);
    const rm = await lc.run(["rm", "-f", bad.slice(0, 12)]);
    expect(rm.code).toBe(0);
    expect(storeEntries()).toEqual({ containers: [], names: [] });
  }, T);
});

describe("wait", () => {
  test("wait on a running run -d --rm container prints its exit code", async () => {
    const id = await lc.runD("--rm", "busybox", "sh", "-c", "sleep 0.5; exit 3");
    const r = await lc.run(["wait", id]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: "3\n", stderr: "" });
    await poll("the --rm container to be removed", () => !existsSync(lc.containerDir(id)));
  }, T);
});
