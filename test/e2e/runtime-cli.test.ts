// runtime area: `minibox` as an OCI runtime with runc's command line, driven directly on plain bundles.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY } from "./harness.ts";
import { makeRuntimeSandbox, readText, type RuntimeSandbox } from "./runtime-bundle.ts";

// Several runtime commands per test, each a process start: slow on a loaded machine.
setDefaultTimeout(60_000);

let sb: RuntimeSandbox;
beforeAll(() => { sb = makeRuntimeSandbox(); });
afterAll(() => sb.cleanup());

async function state(id: string): Promise<Record<string, any>> {
  const r = await sb.run(["state", id]);
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

function ids(): string[] {
  try { return readdirSync(sb.root); } catch { return []; }
}

describe("runtime lifecycle", () => {
  test("create parks the init; start runs it; kill stops it; delete leaves nothing", async () => {
    const bundle = sb.bundle("life", (c) => { c.process.args = ["sh", "-c", "echo hello from $(hostname); exec sleep 60"]; });
    const out = join(sb.base, "life.out");
    const pidFile = join(sb.base, "life.pid");
    const created = await sb.run(["create", "--bundle", bundle, "--pid-file", pidFile, "life"], { outFile: out });
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const s1 = await state("life");
    expect(s1).toMatchObject({ id: "life", status: "created", bundle, rootfs: join(bundle, "rootfs") });
    expect(Number(readFileSync(pidFile, "utf8"))).toBe(s1.pid);
    expect(readText(out)).toBe(""); // parked before the user's command
    // No minibox process is left as the init's parent: create has exited, the init was re-parented.
    const ppid = Number(readFileSync(`/proc/${s1.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
    expect(readText(`/proc/${ppid}/cmdline`).split("\0")).not.toContain("create");

    expect((await sb.run(["start", "life"])).code).toBe(0);
    await until("the command's output", () => readText(out).includes("hello from runc"));
    expect((await state("life")).status).toBe("running");
    const again = await sb.run(["start", "life"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("cannot start an already running container");

    const notStopped = await sb.run(["delete", "life"]);
    expect(notStopped.code).toBe(1);
    expect(notStopped.stderr).toContain("cannot delete container life that is not stopped: running");

    expect((await sb.run(["kill", "life", "KILL"])).code).toBe(0);
    await until("stopped", async () => (await state("life")).status === "stopped");
    expect((await sb.run(["delete", "life"])).code).toBe(0);
    expect(ids()).not.toContain("life");
    const gone = await sb.run(["state", "life"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("container does not exist");
  });

  test("run in the foreground returns the command's exit code and deletes the container", async () => {
    const bundle = sb.bundle("exit3", (c) => { c.process.args = ["sh", "-c", "exit 3"]; });
    const r = await sb.run(["run", "--bundle", bundle, "exit3"], { outFile: join(sb.base, "exit3.out") });
    expect(r.code).toBe(3);
    expect(ids()).not.toContain("exit3");
  });

  test("process.user: uid, gid and additionalGids as the bundle gives them; hostname", async () => {
    const bundle = sb.bundle("user", (c) => {
      c.process.user = { uid: 1000, gid: 1000, additionalGids: [50] };
      c.process.args = ["sh", "-c", "id -u; id -g; id -G; hostname; echo $HOME"];
      c.hostname = "bundlehost";
    });
    const out = join(sb.base, "user.out");
    expect((await sb.run(["run", "--bundle", bundle, "user"], { outFile: out })).code).toBe(0);
    expect(readText(out).split("\n")).toEqual(["1000", "1000", "1000 50", "bundlehost", "/home/app", ""]);
  });

  test("list, ps --format json, pause and resume", async () => {
    const bundle = sb.bundle("pz", (c) => { c.process.args = ["sleep", "60"]; });
    expect((await sb.run(["run", "-d", "--bundle", bundle, "pz"], { outFile: join(sb.base, "pz.out") })).code).toBe(0);
    try {
      const list = JSON.parse((await sb.run(["list", "--format", "json"])).stdout) as { id: string; status: string }[];
      expect(list.find((c) => c.id === "pz")?.status).toBe("running");
      expect((await sb.run(["list", "-q"])).stdout.split("\n")).toContain("pz");
      const pids = JSON.parse((await sb.run(["ps", "--format", "json", "pz"])).stdout) as number[];
      expect(pids).toContain((await state("pz")).pid);
      expect((await sb.run(["pause", "pz"])).code).toBe(0);
      expect((await state("pz")).status).toBe("paused");
      expect((await sb.run(["resume", "pz"])).code).toBe(0);
      expect((await state("pz")).status).toBe("running");
    } finally {
      expect((await sb.run(["delete", "--force", "pz"])).code).toBe(0);
    }
    expect(ids()).not.toContain("pz");
  });
});

describe("runtime exec", () => {
  test("args with -u/-e/--cwd, a process.json, -d with --pid-file, and the exit code", async () => {
    const bundle = sb.bundle("ex", (c) => { c.process.args = ["sleep", "60"]; });
    expect((await sb.run(["run", "-d", "--bundle", bundle, "ex"], { outFile: join(sb.base, "ex.out") })).code).toBe(0);
    try {
      const out = join(sb.base, "ex1.out");
      const r = await sb.run(["exec", "-u", "1000:1000", "-e", "GREETING=hi", "--cwd", "/tmp", "ex", "sh", "-c", "id -u; echo $GREETING; pwd; exit 4"], { outFile: out });
      expect(r.code).toBe(4);
      expect(readText(out)).toBe("1000\nhi\n/tmp\n");
      const processFile = join(sb.base, "process.json");
      await Bun.write(processFile, JSON.stringify({ args: ["sh", "-c", "echo from-process-json"], cwd: "/", env: ["PATH=/bin"], user: { uid: 0, gid: 0 } }));
      const out2 = join(sb.base, "ex2.out");
      expect((await sb.run(["exec", "-p", processFile, "ex"], { outFile: out2 })).code).toBe(0);
      expect(readText(out2)).toBe("from-process-json\n");
      const pidFile = join(sb.base, "ex.pid");
      expect((await sb.run(["exec", "-d", "--pid-file", pidFile, "ex", "sleep", "30"], { outFile: join(sb.base, "ex3.out") })).code).toBe(0);
      const pids = JSON.parse((await sb.run(["ps", "--format", "json", "ex"])).stdout) as number[];
      expect(pids).toContain(Number(readFileSync(pidFile, "utf8")));
      const missing = await sb.run(["exec", "ex", "/no/such"], { outFile: join(sb.base, "ex4.out") });
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain("/no/such");
    } finally {
      expect((await sb.run(["delete", "--force", "ex"])).code).toBe(0);
    }
  });
});

describe("runtime bad input: runc's messages, exit 1, nothing left in --root", () => {
  test("a bundle without config.json", async () => {
    const r = await sb.run(["create", "--bundle", sb.base, "noconf"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("JSON specification file config.json not found");
    expect(ids()).not.toContain("noconf");
  });

  test("ids with / or .. are refused", async () => {
    const bundle = sb.bundle("badid");
    for (const id of ["a/b", "..", "../x"]) {
      const r = await sb.run(["create", "--bundle", bundle, id]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("invalid container ID format");
    }
    expect(ids()).toEqual(ids().filter((i) => i !== ".." && !i.includes("/")));
    expect(existsSync(join(sb.base, "x"))).toBe(false);
  });

  test("an id that exists", async () => {
    const bundle = sb.bundle("dup", (c) => { c.process.args = ["sleep", "60"]; });
    expect((await sb.run(["create", "--bundle", bundle, "dup"], { outFile: join(sb.base, "dup.out") })).code).toBe(0);
    try {
      const r = await sb.run(["create", "--bundle", bundle, "dup"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("container with given ID already exists");
      expect((await state("dup")).status).toBe("created"); // the first one is untouched
    } finally {
      expect((await sb.run(["delete", "dup"])).code).toBe(0); // a created container needs no --force
    }
    expect(ids()).not.toContain("dup");
  });

  test("an unsupported field that would weaken isolation is named", async () => {
    const bundle = sb.bundle("userns", (c) => { c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]; });
    const r = await sb.run(["create", "--bundle", bundle, "userns"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("linux.uidMappings");
    expect(ids()).not.toContain("userns");
  });

  test("a missing command fails create, not start", async () => {
    const bundle = sb.bundle("nocmd", (c) => { c.process.args = ["/no/such/cmd"]; });
    const r = await sb.run(["create", "--bundle", bundle, "nocmd"], { outFile: join(sb.base, "nocmd.out") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/no/such/cmd");
    expect(ids()).not.toContain("nocmd");
    for (const hierarchy of readdirSync("/sys/fs/cgroup")) expect(existsSync(join("/sys/fs/cgroup", hierarchy, "minibox-runtime", "nocmd"))).toBe(false);
  });
});

describe("spec and kill --all", () => {
  test("spec writes a config.json that runs, and never over an existing one", async () => {
    const bundle = sb.bundle("spec");
    rmSync(join(bundle, "config.json"));
    const r = Bun.spawnSync([BINARY, "runtime", "spec", "--bundle", bundle]);
    expect(r.exitCode).toBe(0);
    const again = Bun.spawnSync([BINARY, "runtime", "spec", "--bundle", bundle]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr.toString()).toContain("File config.json exists. Remove it first");
    const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    config.process.terminal = false;
    config.process.args = ["sh", "-c", "echo spec-ok; hostname"];
    await Bun.write(join(bundle, "config.json"), JSON.stringify(config));
    const out = join(sb.base, "spec.out");
    expect((await sb.run(["run", "--bundle", bundle, "spec"], { outFile: out })).code).toBe(0);
    expect(readText(out)).toBe("spec-ok\nminibox\n");
  });

  test("kill --all signals every process of the container", async () => {
    const bundle = sb.bundle("all", (c) => { c.process.args = ["sh", "-c", "sleep 60 & sleep 60 & wait"]; });
    expect((await sb.run(["run", "-d", "--bundle", bundle, "all"], { outFile: join(sb.base, "all.out") })).code).toBe(0);
    try {
      await until("three processes", async () => (JSON.parse((await sb.run(["ps", "--format", "json", "all"])).stdout) as number[]).length === 3);
      expect((await sb.run(["kill", "--all", "all", "9"])).code).toBe(0);
      await until("stopped", async () => (await state("all")).status === "stopped");
    } finally {
      expect((await sb.run(["delete", "--force", "all"])).code).toBe(0);
    }
  });
});

describe("update", () => {
  test("--pids-limit and -r resources.json reach the container's cgroup; events --stats reads it", async () => {
    const bundle = sb.bundle("upd", (c) => { c.process.args = ["sleep", "60"]; });
    expect((await sb.run(["run", "-d", "--bundle", bundle, "upd"], { outFile: join(sb.base, "upd.out") })).code).toBe(0);
    try {
      const pid = (await state("upd")).pid as number;
      const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
      const pidsLine = lines.find((l) => /^[0-9]+:pids:/.test(l)) ?? lines.find((l) => l.startsWith("0::"));
      const v1 = pidsLine!.includes(":pids:");
      const dir = v1 ? join("/sys/fs/cgroup/pids", pidsLine!.split(":")[2]!) : join("/sys/fs/cgroup", pidsLine!.slice(3));
      expect((await sb.run(["update", "--pids-limit", "7", "upd"])).code).toBe(0);
      expect(readFileSync(join(dir, "pids.max"), "utf8").trim()).toBe("7");
      const resources = join(sb.base, "resources.json");
      await Bun.write(resources, JSON.stringify({ pids: { limit: 9 } }));
      expect((await sb.run(["update", "-r", resources, "upd"])).code).toBe(0);
      expect(readFileSync(join(dir, "pids.max"), "utf8").trim()).toBe("9");
      const stats = await sb.run(["events", "--stats", "upd"]);
      expect(stats.code).toBe(0);
      const event = JSON.parse(stats.stdout) as { type: string; id: string; data: { pids: { current: number }; memory: { usage: { usage: number } } } };
      expect(event).toMatchObject({ type: "stats", id: "upd" });
      expect(event.data.pids.current).toBe(1);
      expect(event.data.memory.usage.usage).toBeGreaterThan(0);
      await Bun.write(resources, JSON.stringify({ hugepageLimits: [{ pageSize: "2MB", limit: 1 }] }));
      const refused = await sb.run(["update", "-r", resources, "upd"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("linux.resources.hugepageLimits");
    } finally {
      expect((await sb.run(["delete", "--force", "upd"])).code).toBe(0);
    }
  });
});

describe("a --root others can write to", () => {
  test("is refused before anything in it is read", async () => {
    const open = join(sb.base, "open-root");
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    const r = Bun.spawnSync([BINARY, "--root", open, "list"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain("must be a directory owned by uid");
  });
});

describe("session keyring", () => {
  const sessionKeyrings = (text: string) => text.split("\n").filter((l) => / keyring +_ses(\.|:|$)/.test(l)).map((l) => l.split(" ")[0]!);
  test.skipIf(!existsSync("/proc/keys"))("a container gets a new one, unless --no-new-keyring", async () => {
    const hostKeyrings = sessionKeyrings(readFileSync("/proc/keys", "utf8"));
    for (const [id, extra] of [["keys", []], ["keys-shared", ["--no-new-keyring"]]] as const) {
      const bundle = sb.bundle(id, (c) => { c.process.args = ["cat", "/proc/keys"]; c.linux.maskedPaths = []; });
      const out = join(sb.base, `${id}.out`);
      expect((await sb.run(["run", ...extra, "--bundle", bundle, id], { outFile: out })).code).toBe(0);
      const inside = sessionKeyrings(readText(out));
      if (extra.length === 0) {
        expect(inside.length).toBeGreaterThan(0);
        expect(inside.filter((k) => !hostKeyrings.includes(k)).length).toBeGreaterThan(0);
      } else {
        expect(inside.every((k) => hostKeyrings.includes(k))).toBe(true);
      }
    }
  });
});

describe("session keyring (more)", () => {
  // A static helper (busybox has no keyctl): "id" prints the session keyring's serial; otherwise it adds a
  // key to @s, finds it and reads it back.
  const helperSource = `#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
  char buf[16] = {0};
  if (argc > 1 && strcmp(argv[1], "id") == 0) { printf("%ld\\n", syscall(SYS_keyctl, 0, -3, 0)); return 0; }
  long id = syscall(SYS_add_key, "user", "mb-test", "secret", 6, -3);
  long found = id < 0 ? -1 : syscall(SYS_keyctl, 10, -3, "user", "mb-test", 0);
  if (found < 0 || syscall(SYS_keyctl, 11, found, buf, sizeof buf - 1) < 0) { perror("keyctl"); return 1; }
  printf("%s\\n", buf);
  return 0;
}`;
  // Needs gcc and a static libc (scripts/setup.sh does not install them: skipped without).
  const gcc = Bun.which("gcc");
  const staticLibc = gcc ? Bun.spawnSync([gcc, "-print-file-name=libc.a"]).stdout.toString().trim() : "";
  const canBuild = gcc !== null && staticLibc.startsWith("/") && existsSync(staticLibc) && existsSync("/proc/keys");
  if (!canBuild) console.warn("session keyring helper tests skipped: gcc with a static libc (libc6-dev) is not installed");
  let helper = "";
  beforeAll(() => {
    if (!canBuild) return;
    writeFileSync(join(sb.base, "keyhelper.c"), helperSource);
    const cc = Bun.spawnSync([gcc!, "-static", "-O2", "-o", join(sb.base, "keyhelper"), join(sb.base, "keyhelper.c")]);
    if (cc.exitCode !== 0) throw new Error(`building the key helper failed: ${cc.stderr.toString()}`);
    helper = join(sb.base, "keyhelper");
  });
  const install = (bundle: string) => {
    writeFileSync(join(bundle, "rootfs/bin/keyhelper"), readFileSync(helper));
    chmodSync(join(bundle, "rootfs/bin/keyhelper"), 0o755);
  };

  test.skipIf(!canBuild)("a non-root process.user can add and read keys in its session keyring", async () => {
    const bundle = sb.bundle("keys-user", (c) => { c.process.args = ["/bin/keyhelper"]; c.process.user = { uid: 1000, gid: 1000 }; });
    install(bundle);
    const out = join(sb.base, "keys-user.out");
    const r = await sb.run(["run", "--bundle", bundle, "keys-user"], { outFile: out });
    expect(readText(`${out}.err`)).toBe("");
    expect(r.code).toBe(0);
    expect(readText(out)).toBe("secret\n");
  });

  test.skipIf(!canBuild)("an exec'd process does not get the caller's session keyring either", async () => {
    const callers = Bun.spawnSync([helper, "id"]).stdout.toString().trim();
    const bundle = sb.bundle("keys-exec", (c) => { c.process.args = ["sleep", "60"]; });
    install(bundle);
    expect((await sb.run(["run", "-d", "--bundle", bundle, "keys-exec"], { outFile: join(sb.base, "keys-exec.out") })).code).toBe(0);
    try {
      const r = await sb.run(["exec", "keys-exec", "/bin/keyhelper", "id"]);
      expect(r.code).toBe(0);
      expect(Number(r.stdout.trim())).toBeGreaterThan(0);
      expect(r.stdout.trim()).not.toBe(callers);
    } finally {
      await sb.run(["delete", "--force", "keys-exec"]);
    }
  });
});

describe("after a create killed with -9", () => {
  test("a directory without state.json is 'creating', and delete removes it", async () => {
    mkdirSync(join(sb.root, "half"), { recursive: true });
    expect((await state("half")).status).toBe("creating");
    expect((await sb.run(["delete", "half"])).code).toBe(0);
    expect(ids()).not.toContain("half");
  });
});

describe("invocation as runc", () => {
  test("runc's global flags, --log-format json, and a symlink named runc", async () => {
    const link = join(sb.base, "runc");
    symlinkSync(BINARY, link);
    const log = join(sb.base, "runc.log");
    const r = await sb.run(["--log", log, "--log-format", "json", "--systemd-cgroup", "state", "nope"], { argv0: link });
    expect(r.code).toBe(1);
    const record = JSON.parse(readText(log).trim().split("\n").at(-1)!);
    expect(record).toMatchObject({ level: "error", msg: "container does not exist" });
    const rootless = await sb.run(["--rootless", "true", "list"]);
    expect(rootless.code).toBe(1);
    expect(rootless.stderr).toContain("rootless");
    const viaGroup = Bun.spawnSync([BINARY, "runtime", "--root", sb.root, "features"]);
    expect(JSON.parse(viaGroup.stdout.toString()).ociVersionMin).toBe("1.0.0");
  });
});
