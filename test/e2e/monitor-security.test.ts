// The monitor accepts only its owner, and the store is private (issue #8). Run against the compiled binary:
// another user (nobody, through setpriv) must neither drive the monitor nor reach image or container
// files; hostile or broken requests from root must not take the monitor down.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Lifecycle, poll, T } from "./lifecycle-helpers.ts";
import { BINARY } from "./harness.ts";

const NOBODY = 65534;
const PEER = join(import.meta.dir, "monitor-peer.ts");
const hasSetpriv = Bun.which("setpriv") !== null;
if (!hasSetpriv) console.warn("monitor-security: skipped: setpriv (util-linux) is missing, cannot act as another user");

const lc = new Lifecycle("minibox-e2e-monsec-");
let home = "";
beforeAll(async () => {
  await lc.setup();
  // The sandbox dir stands for /var/lib: traversable by all, so that only the store's own modes protect it.
  chmodSync(dirname(lc.root), 0o755);
  home = mkdtempSync(join(dirname(lc.root), "home-"));
  chmodSync(home, 0o755);
  chownSync(home, NOBODY, NOBODY);
});
afterEach(async () => {
  chmodSync(lc.root, 0o700); // undo a test's deliberate loosening even when it failed
  await lc.removeAll();
});
afterAll(() => lc.finish());

interface Ran { code: number; stdout: string; stderr: string }

/** Runs argv as uid/gid nobody, with no supplementary groups. */
async function asNobody(argv: string[], env: Record<string, string> = {}): Promise<Ran> {
  const proc = Bun.spawn(["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", ...argv], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...env }, stdout: "pipe", stderr: "pipe", timeout: 30_000,
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

async function peer(user: "root" | "nobody", ...args: string[]): Promise<Record<string, unknown>[]> {
  const argv = [process.execPath, PEER, ...args];
  let out: string;
  if (user === "nobody") out = (await asNobody(argv)).stdout;
  else {
    const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "inherit", timeout: 30_000 });
    out = await new Response(proc.stdout).text();
    await proc.exited;
  }
  return out.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
}

const mode = (path: string) => statSync(path).mode & 0o7777;
const socketPath = () => join(lc.root, "monitor.sock");
const theMonitor = () => poll("one monitor for the store", () => lc.monitors().length === 1 && lc.monitors()[0]);
const statusOnDisk = (id: string) => lc.record(id)?.state.status;

describe.skipIf(!hasSetpriv)("store permissions", () => {
  test("store root, layers and containers are 0700: another user cannot run a binary shipped in a layer", async () => {
    await lc.create("busybox", "true");
    for (const dir of [lc.root, join(lc.root, "layers"), join(lc.root, "containers")]) expect(mode(dir)).toBe(0o700);
    const layer = readdirSync(join(lc.root, "layers"))[0]!;
    const busybox = join(lc.root, "layers", layer, "fs", "bin", "busybox");
    expect(existsSync(busybox)).toBe(true); // root can, so the refusal below is about permissions
    // Through a shell: its execve() is the one that must be refused (setpriv's own exec is not a fair probe).
    const r = await asNobody(["/bin/sh", "-c", 'exec "$0" true', busybox]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Permission denied/);
    expect((await asNobody(["/bin/ls", lc.root])).code).not.toBe(0);
  }, T);

  test("a store left 0755 by an older minibox is private again after the next command", async () => {
    await lc.create("busybox", "true");
    const dirs = [lc.root, join(lc.root, "layers"), join(lc.root, "containers")];
    for (const dir of dirs) chmodSync(dir, 0o755);
    await lc.ok(["ps", "-a"]);
    for (const dir of dirs) expect(mode(dir)).toBe(0o700);
  }, T);
});

describe.skipIf(!hasSetpriv)("the monitor accepts only its owner", () => {
  test("another user is refused even when the socket is reachable; nothing starts; root is still served", async () => {
    await lc.runD("busybox", "sleep", "1000");
    const monitor = await theMonitor();
    const stopped = await lc.create("busybox", "sleep", "1000");
    // An admin's mistake, made on purpose: the store traversable and the socket world-writable. The
    // SO_PEERCRED check is what is left, and it must hold.
    chmodSync(lc.root, 0o711);
    chmodSync(socketPath(), 0o666);
    const events = await peer("nobody", "send", socketPath(), JSON.stringify({ op: "start", id: stopped }));
    expect(events.some((e) => (e.reply as { ok?: boolean } | undefined)?.ok === true)).toBe(false);
    expect(events.some((e) => e.closed === true || e.error !== undefined)).toBe(true);
    const cli = await asNobody([BINARY, "start", stopped], { MINIBOX_ROOT: lc.root });
    expect(cli.code).not.toBe(0);
    expect(statusOnDisk(stopped)).toBe("created");
    expect((await lc.inspect(stopped)).State.Running).toBe(false);
    // Still alive, still the same process, and serving root.
    const ping = await peer("root", "send", socketPath(), JSON.stringify({ op: "ping" }));
    expect(ping[0]).toEqual({ reply: { ok: true, pid: monitor } });
    expect(readFileSync(join(lc.root, "monitor.log"), "utf8")).toContain(`refused a connection: client is uid ${NOBODY}`);
  }, T);

  test("malformed, hostile and oversized requests get an error, and the monitor goes on serving", async () => {
    const running = await lc.runD("busybox", "sleep", "1000");
    const monitor = await theMonitor();
    // A record an attacker could have written outside the store, for an id with '..' to point at.
    const decoy = join(dirname(lc.root), "decoy");
    mkdirSync(decoy, { recursive: true });
    writeFileSync(join(decoy, "container.json"), "{}");
    const bad = [
      "not json", "[1,2]", "null", JSON.stringify({ op: "start" }), JSON.stringify({ op: "start", id: 42 }),
      JSON.stringify({ op: "start", id: "../../decoy" }), JSON.stringify({ op: "start", id: `${"../".repeat(3)}${"a".repeat(55)}` }),
      JSON.stringify({ op: "start", id: "A".repeat(64) }), JSON.stringify({ op: "start", id: running, path: "/etc" }),
      JSON.stringify({ op: "rm", id: running }), JSON.stringify({ op: "start", id: "0".repeat(64) }),
    ];
    const events = await peer("root", "send", socketPath(), ...bad, JSON.stringify({ op: "ping" }));
    const replies = events.filter((e) => e.reply).map((e) => e.reply as { ok: boolean; error?: string; pid?: number });
    expect(replies).toHaveLength(bad.length + 1);
    for (const r of replies.slice(0, -1)) {
      expect(r.ok).toBe(false);
      expect(r.error).toBeString();
    }
    expect(replies.at(-1)).toEqual({ ok: true, pid: monitor });
    // One line of a megabyte without a newline: the connection is dropped, the monitor is not.
    const huge = await peer("root", "send-bytes", socketPath(), String(1 << 20));
    expect(huge).toEqual([{ closed: true }]);
    expect(await peer("root", "send", socketPath(), JSON.stringify({ op: "ping" }))).toEqual([{ reply: { ok: true, pid: monitor } }, { done: true }]);
    expect(existsSync(join(decoy, "container.json"))).toBe(true);
    // And it still does its job: it records the exit of the container it watches.
    await lc.ok(["stop", "-t", "1", running]);
    expect((await lc.recordedExit(running)).State.ExitCode).toBe(137); // sleep as PID 1 ignores TERM
    expect(lc.monitors()).toContain(monitor);
    rmSync(decoy, { recursive: true, force: true });
  }, T);

  test("the CLI refuses a monitor socket served by another user", async () => {
    await poll("no monitor for the store", () => lc.monitors().length === 0, 10_000);
    const id = await lc.create("busybox", "sleep", "1000");
    const fakeDir = mkdtempSync(join(dirname(lc.root), "fake-"));
    chmodSync(fakeDir, 0o755);
    chownSync(fakeDir, NOBODY, NOBODY);
    const fake = Bun.spawn(["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", process.execPath, PEER, "serve", join(fakeDir, "s.sock")], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home }, stdout: "pipe", stderr: "inherit",
    });
    try {
      const reader = fake.stdout.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain("listening");
      // Planted where the CLI looks (something only root could do here; a squatter elsewhere the same).
      renameSync(join(fakeDir, "s.sock"), socketPath());
      const r = await lc.run(["start", id]);
      expect(r.stderr).toMatch(/refusing to talk to the container monitor: .*uid 65534/);
      expect(r.code).toBe(1); // start reports per container and exits 1, as Docker's does
      expect(r.stderr).toMatch(/refusing to talk to the container monitor: .*uid 65534/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(statusOnDisk(id)).toBe("created");
    } finally {
      fake.kill("SIGKILL");
      await fake.exited;
      rmSync(socketPath(), { force: true });
      rmSync(fakeDir, { recursive: true, force: true });
    }
  }, T);
});
