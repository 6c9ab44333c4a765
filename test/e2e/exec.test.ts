// `minibox exec` through the compiled binary, as root: the process joins the running container's
// namespaces, cgroup, root, environment and user, exit codes pass through, and no minibox process stays
// in the container.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeDockerArchive } from "../fixtures/images.ts";
import { BINARY, makeSandbox, type Sandbox } from "./harness.ts";

const T = 30_000;
let sb: Sandbox;
let id: string; // the long-running container "box"

beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-exec-");
  const archive = join(dirname(sb.root), "busybox.tar");
  writeDockerArchive(archive);
  const load = await sb.run(["load", "-i", archive]);
  if (load.code !== 0) throw new Error(`load failed: ${load.stderr}`);
  // "; true" keeps sh from exec'ing sleep in its place: PID 1 stays sh.
  const run = await sb.run(["run", "-d", "--name", "box", "busybox", "sh", "-c", "echo hi; sleep 1000; true"]);
  if (run.code !== 0) throw new Error(`run -d failed: ${run.stderr}`);
  id = run.stdout.trim();
}, 60_000);
afterAll(() => sb.cleanup());

async function exec(args: string[], opts?: Parameters<Sandbox["run"]>[1]) {
  return sb.run(["exec", ...args], opts);
}

function initPid(): number {
  const record = JSON.parse(readFileSync(join(sb.root, "containers", id, "container.json"), "utf8"));
  return record.state.process.pid as number;
}

/** Host pids of processes in the container's PID namespace. */
function containerProcesses(): { pid: number; argv: string[] }[] {
  const ns = readlinkSync(`/proc/${initPid()}/ns/pid`);
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) !== ns) continue;
      found.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean) });
    } catch { /* exited */ }
  }
  return found;
}

describe("exec into a running container", () => {
  test("sees the container's processes, PID 1 is its sh", async () => {
    const r = await exec(["box", "ps", "-o", "pid,comm"]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/));
    expect(rows).toContainEqual(["1", "sh"]);
    expect(rows.map((r) => r[1])).toContain("ps");
    expect(rows.length).toBeLessThanOrEqual(4); // sh, sleep, ps: nothing of the host
  }, T);

  test("the container's hostname, root and network", async () => {
    expect((await exec(["box", "hostname"])).stdout).toBe(`${id.slice(0, 12)}\n`);
    expect((await exec(["box", "cat", "/etc/hostname"])).stdout).toBe(`${id.slice(0, 12)}\n`);
    // The container's own network namespace: lo and its eth0 on the default bridge (net-core), none of the host's.
    expect((await exec(["box", "ls", "/sys/class/net"])).stdout.trim().split(/\s+/)).toEqual(["eth0", "lo"]);
  }, T);

  test("environment: the container's, HOME from passwd, -e on top", async () => {
    const r = await exec(["-e", "X=1", "-e", "PATH=/bin", "box", "sh", "-c", 'echo "$X|$PATH|$HOME"']);
    expect(r.stdout).toBe("1|/bin|/root\n");
    expect((await exec(["box", "sh", "-c", "echo $PATH"])).stdout).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
  }, T);

  test("-u resolves in the container's /etc/passwd; default user root with the container's caps", async () => {
    expect((await exec(["-u", "app", "box", "id"])).stdout).toBe("uid=1000(app) gid=1000(app) groups=50(staff),1000(app)\n"); // compat-run: the primary group listed too, as moby
    expect((await exec(["box", "id", "-u"])).stdout).toBe("0\n");
    const status = (await exec(["box", "cat", "/proc/self/status"])).stdout;
    const bnd = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(status)![1]}`);
    expect(bnd & (1n << 21n)).toBe(0n); // no CAP_SYS_ADMIN
    expect(bnd & (1n << 5n)).toBe(1n << 5n); // CAP_KILL
    const r = await exec(["-u", "nosuchuser", "box", "true"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("unable to find user nosuchuser");
  }, T);

  test("-w sets the cwd; default the container's", async () => {
    expect((await exec(["-w", "/tmp", "box", "pwd"])).stdout).toBe("/tmp\n");
    expect((await exec(["box", "pwd"])).stdout).toBe("/\n");
    const r = await exec(["-w", "/nonexistent", "box", "pwd"]);
    expect(r.code).toBe(126);
    expect(r.stderr).toContain("chdir to cwd");
  }, T);

  test("exit codes pass through; not found is 127, not executable 126", async () => {
    expect((await exec(["box", "sh", "-c", "exit 7"])).code).toBe(7);
    const nf = await exec(["box", "nosuchcommand"]);
    expect(nf.code).toBe(127);
    expect(nf.stderr).toContain('exec: "nosuchcommand": executable file not found in $PATH');
    expect((await exec(["box", "/etc/passwd"])).code).toBe(126);
  }, T);

  test("-i passes stdin; without -i the command gets none", async () => {
    expect((await exec(["-i", "box", "sh", "-c", "cat; echo end"], { stdin: "hello\n" })).stdout).toBe("hello\nend\n");
    expect((await exec(["box", "cat"], { stdin: "ignored\n" })).stdout).toBe("");
  }, T);

  test("-t gives a terminal from the container's devpts", async () => {
    const proc = Bun.spawn(["script", "-qec", `${BINARY} exec -t box sh -c 'tty; echo $TERM; exit 4'`, "/dev/null"], {
      env: sb.env, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    });
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(stdout.replace(/\r/g, "")).toMatch(/^\/dev\/pts\/\d+\nxterm\n/);
    expect(code).toBe(4);
  }, T);

  test("the exec'd process is in the container's cgroup (and cgroup namespace)", async () => {
    const lines = (await exec(["box", "cat", "/proc/self/cgroup"])).stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/:\/$/);
    // From the host: the same cgroups as the container's init.
    const d = await exec(["-d", "box", "sleep", "20"]);
    expect(d.code).toBe(0);
    const sleeper = containerProcesses().find((p) => p.argv.join(" ") === "sleep 20");
    expect(sleeper).toBeDefined();
    expect(readFileSync(`/proc/${sleeper!.pid}/cgroup`, "utf8")).toBe(readFileSync(`/proc/${initPid()}/cgroup`, "utf8"));
    process.kill(sleeper!.pid, "SIGKILL");
  }, T);

  test("no minibox process remains in the container while the command runs", async () => {
    const running = exec(["box", "sleep", "2"]);
    let seen: { pid: number; argv: string[] }[] = [];
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !seen.some((p) => p.argv.join(" ") === "sleep 2")) {
      await Bun.sleep(50);
      seen = containerProcesses();
    }
    expect(seen.some((p) => p.argv.join(" ") === "sleep 2")).toBe(true);
    for (const p of seen) {
      expect(p.argv).not.toContain("exec-init");
      let exe = "";
      try { exe = readlinkSync(`/proc/${p.pid}/exe`); } catch { /* exited meanwhile */ }
      expect(exe).not.toBe(BINARY);
    }
    expect((await running).code).toBe(0);
  }, T);

  test("-d returns at once and the command goes on", async () => {
    // The command cannot finish before the test lets it: exec returning first proves it did not wait.
    const r = await exec(["-d", "box", "sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done; echo done > /tmp/detached"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect((await exec(["box", "cat", "/tmp/detached"])).code).not.toBe(0);
    expect((await exec(["box", "touch", "/tmp/go"])).code).toBe(0);
    const deadline = Date.now() + 10_000;
    let out = "";
    while (Date.now() < deadline && out !== "done\n") {
      await Bun.sleep(200);
      out = (await exec(["box", "cat", "/tmp/detached"])).stdout;
    }
    expect(out).toBe("done\n");
  }, T);

  test("signals to minibox exec reach the command", async () => {
    const proc = Bun.spawn([BINARY, "exec", "box", "sh", "-c", 'trap "echo got-term; exit 3" TERM; echo ready; while true; do sleep 0.1; done'], {
      env: sb.env, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("ready");
    proc.kill("SIGTERM");
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain("got-term");
    expect(await proc.exited).toBe(3);
  }, T);
});

describe("exec errors", () => {
  test("unknown container", async () => {
    const r = await exec(["nosuchbox", "true"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No such container: nosuchbox");
  }, T);

  test("a stopped container", async () => {
    const run = await sb.run(["run", "-d", "--name", "short", "busybox", "true"]);
    expect(run.code).toBe(0);
    expect((await sb.run(["wait", "short"])).stdout.trim()).toBe("0");
    const r = await exec(["short", "true"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Container ${run.stdout.trim()} is not running`);
  }, T);

  test("missing command", async () => {
    const r = await exec(["box"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"exec" requires at least 2 arguments');
  }, T);
});
