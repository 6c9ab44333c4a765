// minibox as an OCI runtime (issue #14) against crun and runc, on one prepared bundle (busybox `true`):
//  1. create + start + wait for the exit + delete, each runtime with its own --root, runs alternated;
//  2. `ctr run --rm` through containerd (started here, as test/e2e/containerd.test.ts does) with
//     `--runc-binary ./minibox` against containerd's default runc.
// Medians, p90, ratios, and the load average before and after. Not a test: numbers go to
// docs/performance.md. Usage: bun run bench runtime [--runs N]   (MINIBOX_BINARY overrides ./minibox)
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { writeDockerArchive } from "../test/fixtures/images.ts";

const repo = resolve(import.meta.dir, "..");
const runsAt = process.argv.indexOf("--runs");
const runs = (runsAt > 0 ? Number(process.argv[runsAt + 1]) : 0) || Number(process.env.BENCH_RUNS) || 30;

// crun 1.8 refuses the hybrid cgroup layout; in a private mount namespace without /sys/fs/cgroup/unified
// every runtime sees the same plain v1 layout (as scripts/bench.ts does).
if (!process.env.MINIBOX_BENCH_NS && existsSync("/sys/fs/cgroup/unified")) {
  const p = Bun.spawnSync(["unshare", "-m", "--propagation", "private", "sh", "-c",
    `umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)],
    { stdio: ["inherit", "inherit", "inherit"], env: { ...process.env, MINIBOX_BENCH_NS: "1" } });
  process.exit(p.exitCode ?? 1);
}

function must(cmd: string[], opts: { cwd?: string } = {}): string {
  const p = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", cwd: opts.cwd });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")}: exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
  return p.stdout.toString();
}

/**
 * For commands whose children outlive them (`create`: the container's init inherits its stdio): no pipe
 * that would stay open as long as the container runs; errors go through a file.
 */
function mustDetached(cmd: string[], errFile: string): void {
  const p = Bun.spawnSync(cmd, { stdin: "ignore", stdout: "ignore", stderr: Bun.file(errFile) });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")}: exit ${p.exitCode}: ${readFileSync(errFile, "utf8").trim()}`);
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** Gone, or a zombie nobody reaped (the init is re-parented away from us after create). */
function exited(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] === "Z";
  } catch {
    return true;
  }
}

async function waitExit(pid: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!exited(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} did not exit`);
    await Bun.sleep(1);
  }
}

interface Contender { name: string; cycle(i: number): Promise<void> }
interface Result { name: string; median: number; p90: number; min: number }

/** Two warm-up rounds, then `runs` rounds; in each round every contender once, in rotating order. */
async function alternate(contenders: Contender[]): Promise<Result[]> {
  const samples = contenders.map(() => [] as number[]);
  for (let i = -2; i < runs; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const at = (k + Math.max(i, 0)) % contenders.length;
      const t0 = performance.now();
      await contenders[at]!.cycle(i);
      if (i >= 0) samples[at]!.push(performance.now() - t0);
    }
  }
  return contenders.map((c, k) => {
    const s = samples[k]!.sort((a, b) => a - b);
    const q = (x: number) => s[Math.min(s.length - 1, Math.floor(x * s.length))]!;
    return { name: c.name, median: q(0.5), p90: q(0.9), min: s[0]! };
  });
}

function print(title: string, results: Result[]): void {
  const ref = results[0]!;
  console.log(`\n${title}: ${runs} runs each (after 2 warm-ups), alternated, ms`);
  console.log("command".padEnd(46) + "median".padStart(9) + "p90".padStart(9) + "min".padStart(9) + `  ${ref.name.split(" ")[0]}/this`);
  for (const r of results) console.log(r.name.padEnd(46) + r.median.toFixed(1).padStart(9) + r.p90.toFixed(1).padStart(9) + r.min.toFixed(1).padStart(9) + `  ${(ref.median / r.median).toFixed(2)}x`);
}

/** One bundle for every runtime: busybox-static with `true`, runc's default spec. */
function makeBundle(dir: string, binary: string): void {
  const rootfs = join(dir, "rootfs");
  for (const d of ["bin", "dev", "proc", "sys", "tmp", "etc"]) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync("/bin/busybox", join(rootfs, "bin/busybox"));
  chmodSync(join(rootfs, "bin/busybox"), 0o755);
  for (const a of ["sh", "true"]) symlinkSync("busybox", join(rootfs, "bin", a));
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  must([Bun.which("runc") ? "runc" : binary, "spec"], { cwd: dir });
  const spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  spec.process.terminal = false;
  spec.process.args = ["true"];
  writeFileSync(join(dir, "config.json"), JSON.stringify(spec));
}

function runtimeContender(name: string, command: string[], root: string, bundle: string): Contender {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return {
    name: `${name} create+start+delete`,
    async cycle(i) {
      const id = `bench-${i + 2}`;
      const pidFile = join(root, `${id}.pid`);
      const err = join(root, "stderr");
      mustDetached([...command, "--root", root, "create", "--bundle", bundle, "--pid-file", pidFile, id], err);
      mustDetached([...command, "--root", root, "start", id], err);
      await waitExit(Number(readFileSync(pidFile, "utf8")));
      mustDetached([...command, "--root", root, "delete", id], err);
      rmSync(pidFile, { force: true });
    },
  };
}

// ---- containerd ------------------------------------------------------------------------------------
const NAMESPACE = `minibox-bench-${process.pid}`;

async function startContainerd(base: string): Promise<{ daemon: Subprocess; socket: string }> {
  const socket = join(base, "containerd.sock");
  writeFileSync(join(base, "config.toml"), [
    "version = 2", `root = "${base}/root"`, `state = "${base}/state"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]', "[grpc]", `  address = "${socket}"`, "",
  ].join("\n"));
  const log = Bun.file(join(base, "containerd.log"));
  const daemon = Bun.spawn(["containerd", "--config", join(base, "config.toml")], { stdin: "ignore", stdout: log, stderr: log });
  const deadline = Date.now() + 30_000;
  while (!(existsSync(socket) && Bun.spawnSync(["ctr", "--address", socket, "version"]).exitCode === 0)) {
    if (Date.now() > deadline) throw new Error(`containerd did not come up; see ${base}/containerd.log`);
    await Bun.sleep(50);
  }
  return { daemon, socket };
}

async function stopContainerd(base: string, daemon: Subprocess | undefined, socket: string): Promise<void> {
  if (daemon) {
    daemon.kill("SIGTERM");
    if (!(await Promise.race([daemon.exited.then(() => true), Bun.sleep(10_000).then(() => false)]))) daemon.kill("SIGKILL");
    await daemon.exited;
  }
  // Shims of this daemon name its socket in their command line.
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(socket)) process.kill(Number(pid), "SIGKILL");
    } catch { /* gone */ }
  }
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n").reverse()) {
    const mountPoint = line.split(" ")[4];
    if (mountPoint?.startsWith(base)) Bun.spawnSync(["umount", "-l", mountPoint]);
  }
  rmSync(join("/run/containerd/runc", NAMESPACE), { recursive: true, force: true });
  for (const hierarchy of readdirSync("/sys/fs/cgroup")) {
    try {
      rmdirSync(join("/sys/fs/cgroup", hierarchy, NAMESPACE));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "EBUSY") throw e;
    }
  }
}

const work = mkdtempSync(join(tmpdir(), "minibox-bench-runtime-"));
let daemon: Subprocess | undefined;
let socket = "";
try {
  if (!process.env.MINIBOX_BINARY) must(["bun", "run", join(repo, "scripts/build.ts")]);
  const binary = process.env.MINIBOX_BINARY ?? join(repo, "minibox");
  const bundle = join(work, "bundle");
  makeBundle(bundle, binary);
  console.log(`load average before: ${loadavg()}`);

  const contenders = [runtimeContender("minibox", [binary], join(work, "root-minibox"), bundle)];
  for (const peer of ["crun", "runc"]) if (Bun.which(peer)) contenders.push(runtimeContender(peer, [peer], join(work, `root-${peer}`), bundle));
  const direct = await alternate(contenders);
  print("OCI runtime, busybox true", direct);

  let viaContainerd: Result[] = [];
  if (Bun.which("containerd") && Bun.which("ctr") && Bun.which("runc")) {
    ({ daemon, socket } = await startContainerd(work));
    const ctr = ["ctr", "--address", socket, "--namespace", NAMESPACE];
    writeDockerArchive(join(work, "busybox.tar"), { name: "busybox:latest", config: { Cmd: ["sh"] } });
    must([...ctr, "image", "import", join(work, "busybox.tar")]);
    const image = "docker.io/library/busybox:latest";
    const viaCtr = (name: string, extra: string[]): Contender => ({
      name: `ctr run --rm (${name})`,
      async cycle(i) {
        mustDetached([...ctr, "run", "--rm", ...extra, image, `${name}-${i + 2}`, "true"], join(work, "ctr.stderr"));
      },
    });
    viaContainerd = await alternate([viaCtr("minibox", ["--runc-binary", binary]), viaCtr("runc", [])]);
    print("through containerd", viaContainerd);
  } else {
    console.log("\nthrough containerd: skipped (containerd, ctr or runc missing)");
  }

  console.log(`\nload average after: ${loadavg()}`);
  const m = direct[0]!.median;
  for (const r of direct.slice(1)) console.log(`minibox / ${r.name.split(" ")[0]}: ${(m / r.median).toFixed(2)}`);
  if (viaContainerd.length === 2) console.log(`ctr run --rm, minibox / runc: ${(viaContainerd[0]!.median / viaContainerd[1]!.median).toFixed(2)}`);
} finally {
  await stopContainerd(work, daemon, socket || join(work, "containerd.sock"));
  // Containers a failed cycle left behind, in each runtime's root.
  for (const [cmd, root] of [[process.env.MINIBOX_BINARY ?? join(repo, "minibox"), "root-minibox"], ["crun", "root-crun"], ["runc", "root-runc"]] as const) {
    const dir = join(work, root);
    if (!existsSync(dir)) continue;
    for (const id of readdirSync(dir).filter((n) => n.startsWith("bench-") && !n.endsWith(".pid"))) Bun.spawnSync([cmd, "--root", dir, "delete", "--force", id], { stdio: ["ignore", "ignore", "ignore"] });
  }
  rmSync(work, { recursive: true, force: true });
}
