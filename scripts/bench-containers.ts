// Cost per container (issue #4): memory of the engine's own processes with 1, 10 and 50 idle detached
// containers, `run -d` latency (the first one, which starts minibox's monitor, and the median of 20 with it
// running), and the wall time of 20 parallel `run -d`; the same for `podman run -d` (its per-container cost
// is one conmon each). Everything lives in a temp dir and is removed at the end, also on failure.
// Usage: bun run build && bun run scripts/bench-containers.ts   (or: bun run bench containers)
// Not a test: the numbers go to docs/performance.md, section "Containers".
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeDockerArchive } from "../test/fixtures/images.ts";

const repo = resolve(import.meta.dir, "..");
const binary = process.env.MINIBOX_BINARY ?? join(repo, "minibox");
const COUNTS = [1, 10, 50] as const;
const LATENCY_SAMPLES = 20;
const PARALLEL = 20;

// crun 1.8 (podman's runtime) refuses the hybrid cgroup layout; in a private mount namespace without
// /sys/fs/cgroup/unified both engines see the same plain v1 layout (as scripts/bench.ts does).
if (!process.env.MINIBOX_BENCH_NS && existsSync("/sys/fs/cgroup/unified")) {
  const p = Bun.spawnSync(["unshare", "-m", "--propagation", "private", "sh", "-c",
    `umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)],
    { stdio: ["inherit", "inherit", "inherit"], env: { ...process.env, MINIBOX_BENCH_NS: "1" } });
  process.exit(p.exitCode ?? 1);
}

interface Memory { processes: number; pssKb: number; rssKb: number }
interface Result {
  name: string;
  memory: Map<number, Memory>;
  firstMs: number;
  latencies: number[];
  parallelMs: number;
}
interface Engine {
  name: string;
  /** The command for one idle detached container. */
  runDetached: string[];
  env?: Record<string, string>;
  /** The engine's own processes (not the containers'). */
  processes(): number[];
  removeAll(): void;
}

function sh(cmd: string[], env?: Record<string, string>): string {
  const p = Bun.spawnSync(cmd, { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")}: exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
  return p.stdout.toString();
}

function timed(cmd: string[], env?: Record<string, string>): number {
  const t0 = performance.now();
  sh(cmd, env);
  return performance.now() - t0;
}

async function parallel(n: number, cmd: string[], env?: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const procs = Array.from({ length: n }, () => Bun.spawn(cmd, { env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" }));
  const codes = await Promise.all(procs.map((p) => p.exited));
  const ms = performance.now() - t0;
  const failed = codes.findIndex((c) => c !== 0);
  if (failed >= 0) throw new Error(`parallel ${cmd.join(" ")}: exit ${codes[failed]}: ${await new Response(procs[failed]!.stderr).text()}`);
  return ms;
}

function pids(): number[] {
  return readdirSync("/proc").filter((e) => /^[0-9]+$/.test(e)).map(Number);
}

function read(path: string): string {
  try { return readFileSync(path, "utf8"); } catch { return ""; }
}

function memoryOf(list: number[]): Memory {
  let pssKb = 0, rssKb = 0, processes = 0;
  for (const pid of list) {
    const rollup = read(`/proc/${pid}/smaps_rollup`);
    const pss = /^Pss:\s+(\d+) kB/m.exec(rollup), rss = /^Rss:\s+(\d+) kB/m.exec(rollup);
    if (!pss || !rss) continue; // exited meanwhile
    pssKb += Number(pss[1]);
    rssKb += Number(rss[1]);
    processes++;
  }
  return { processes, pssKb, rssKb };
}

async function measure(engine: Engine): Promise<Result> {
  engine.removeAll();
  const memory = new Map<number, Memory>();
  const firstMs = timed(engine.runDetached, engine.env);
  memory.set(1, memoryOf(engine.processes()));
  const latencies: number[] = [];
  for (let n = 2; n <= COUNTS[COUNTS.length - 1]!; n++) {
    const ms = timed(engine.runDetached, engine.env);
    if (latencies.length < LATENCY_SAMPLES) latencies.push(ms);
    if ((COUNTS as readonly number[]).includes(n)) memory.set(n, memoryOf(engine.processes()));
  }
  engine.removeAll();
  // 20 at once, with one container (and for minibox its monitor) already running.
  sh(engine.runDetached, engine.env);
  const parallelMs = await parallel(PARALLEL, engine.runDetached, engine.env);
  engine.removeAll();
  return { name: engine.name, memory, firstMs, latencies, parallelMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const mb = (kb: number) => (kb / 1024).toFixed(2);

function report(r: Result): string[] {
  const lines = [`### ${r.name}`, "", "| idle containers | processes | total PSS (MB) | total RSS (MB) | PSS/container: (total − total@1)/(n − 1) | PSS total/n |", "|---:|---:|---:|---:|---:|---:|"];
  const one = r.memory.get(1)!;
  for (const n of COUNTS) {
    const m = r.memory.get(n)!;
    const marginal = n === 1 ? "–" : mb((m.pssKb - one.pssKb) / (n - 1));
    lines.push(`| ${n} | ${m.processes} | ${mb(m.pssKb)} | ${mb(m.rssKb)} | ${marginal} | ${mb(m.pssKb / n)} |`);
  }
  lines.push("", `- first \`run -d\`: ${r.firstMs.toFixed(0)} ms; median of the next ${r.latencies.length}: ${median(r.latencies).toFixed(0)} ms (min ${Math.min(...r.latencies).toFixed(0)}, max ${Math.max(...r.latencies).toFixed(0)})`);
  lines.push(`- ${PARALLEL} parallel \`run -d\`: ${r.parallelMs.toFixed(0)} ms wall`, "");
  return lines;
}

const loadBefore = read("/proc/loadavg").split(" ")[0];
const work = mkdtempSync(join(tmpdir(), "minibox-bench-containers-"));
const cleanups: (() => void)[] = [];
try {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run 'bun run build' first`);
  const image = join(work, "busybox.tar");
  writeDockerArchive(image, { name: "busybox:latest", config: { Cmd: ["sh"] } }); // as scripts/make-busybox-image.ts
  const results: Result[] = [];

  // minibox: the monitor of this store (and any other minibox process of it), never the containers.
  const root = join(work, "minibox"), env = { MINIBOX_ROOT: root, MINIBOX_STATE: join(work, "minibox-state") };
  const exe = realpathSync(binary);
  const miniboxProcesses = () => pids().filter((pid) => {
    let target: string;
    try { target = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, ""); } catch { return false; }
    if (target !== exe || pid === process.pid) return false;
    return read(`/proc/${pid}/cmdline`).split("\0").includes(root) || read(`/proc/${pid}/environ`).split("\0").includes(`MINIBOX_ROOT=${root}`);
  });
  const miniboxRemoveAll = () => {
    const ids = sh([binary, "ps", "-aq", "--no-trunc"], env).split("\n").filter(Boolean);
    if (ids.length) sh([binary, "rm", "-f", ...ids], env);
  };
  cleanups.push(() => {
    try { miniboxRemoveAll(); } catch { /* best effort */ }
    for (const pid of miniboxProcesses()) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  });
  sh([binary, "load", "-i", image], env);
  results.push(await measure({
    name: "minibox (one monitor per store)", runDetached: [binary, "run", "-d", "busybox", "sleep", "1000"], env,
    processes: miniboxProcesses, removeAll: miniboxRemoveAll,
  }));

  if (Bun.which("podman")) {
    const podman = ["podman", "--root", join(work, "podman"), "--runroot", join(work, "podman-run"), "--tmpdir", join(work, "podman-tmp"),
      "--storage-driver", "overlay", "--events-backend", "none"];
    // Podman 4.3 as root asks for RLIMIT_NOFILE 1048576, which fails without CAP_SYS_RESOURCE: ask for what we have.
    const hardNofile = /^Max open files\s+\S+\s+(\S+)/m.exec(read("/proc/self/limits"))?.[1] ?? "1024";
    const limits = ["--ulimit", `nofile=${hardNofile}:${hardNofile}`, "--ulimit", "nproc=32768:32768"];
    const conmons = () => pids().filter((pid) => {
      const cmd = read(`/proc/${pid}/cmdline`).split("\0");
      return cmd[0]?.endsWith("conmon") === true && cmd.some((a) => a.startsWith(work));
    });
    cleanups.push(() => {
      Bun.spawnSync([...podman, "rm", "-af", "-t", "0"], { stdout: "ignore", stderr: "ignore" });
      Bun.spawnSync([...podman, "system", "reset", "--force"], { stdout: "ignore", stderr: "ignore" });
    });
    sh([...podman, "load", "-i", image]);
    results.push(await measure({
      name: "podman run -d (one conmon per container)", runDetached: [...podman, "run", "-d", "--network", "none", ...limits, "busybox", "sleep", "1000"],
      processes: conmons, removeAll: () => sh([...podman, "rm", "-af", "-t", "0"]),
    }));
  }

  const out = [`Containers: \`busybox sleep 1000\` each, idle; ${new Date().toISOString().slice(0, 10)}, ${read("/proc/sys/kernel/osrelease").trim()}, ${navigator.hardwareConcurrency} CPUs, load average before/after ${loadBefore} / ${read("/proc/loadavg").split(" ")[0]}`, ""];
  for (const r of results) out.push(...report(r));
  const m = results[0]!.memory, p = results[1]?.memory;
  if (p) {
    const at50 = (x: Map<number, Memory>) => ((x.get(50)!.pssKb - x.get(1)!.pssKb) / 49 / 1024).toFixed(2);
    out.push(`At 50: minibox ${at50(m)} MB PSS per extra container vs podman's conmon ${at50(p)} MB; totals ${mb(m.get(50)!.pssKb)} vs ${mb(p.get(50)!.pssKb)} MB.`);
  }
  console.log(out.join("\n"));
} finally {
  for (const c of cleanups.reverse()) c();
  // podman can leave its storage's mounts (shm, overlay) under the work dir in this private mount
  // namespace; a recursive delete stops at the first busy one (Bun's rmSync then gives up silently).
  const mounts = read("/proc/self/mountinfo").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(work));
  for (const m of mounts.reverse()) Bun.spawnSync(["umount", "-l", m]);
  rmSync(work, { recursive: true, force: true });
  if (existsSync(work)) console.error(`could not remove ${work}`);
}
