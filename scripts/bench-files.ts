// Files in and out (issue #11), side by side with podman on the same busybox image (`podman load` of the
// archive minibox loads): `cp` of a directory tree of many small files into and out of a running
// container, and `commit` of a container with a given amount of changes. Wall time of each command,
// median of --runs, and the ratio minibox/podman (target ≤ 0.5). Everything lives in a temp dir and is
// removed at the end, also on failure. Not a test: the numbers go to docs/performance.md.
// Usage: bun run bench files [--size-mb 1024] [--files 50000] [--commit-mb 100] [--runs 3]
//        (or: bun run build && bun run scripts/bench-files.ts …)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeDockerArchive } from "../test/fixtures/images.ts";

const repo = resolve(import.meta.dir, "..");
const binary = process.env.MINIBOX_BINARY ?? join(repo, "minibox");
function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at < 0 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}
const sizeMb = flag("size-mb", 1024);
const fileCount = Math.round(flag("files", Math.max(1, Math.round(sizeMb * 50_000 / 1024))));
const commitMb = flag("commit-mb", Math.min(100, sizeMb));
const runs = Math.round(flag("runs", 3));
const PER_DIR = 500;

// crun 1.8 (podman's runtime) refuses the hybrid cgroup layout; in a private mount namespace without
// /sys/fs/cgroup/unified both engines see the same plain v1 layout (as scripts/bench.ts does).
if (!process.env.MINIBOX_BENCH_NS && existsSync("/sys/fs/cgroup/unified")) {
  const p = Bun.spawnSync(["unshare", "-m", "--propagation", "private", "sh", "-c",
    `umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)],
    { stdio: ["inherit", "inherit", "inherit"], env: { ...process.env, MINIBOX_BENCH_NS: "1" } });
  process.exit(p.exitCode ?? 1);
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
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const read = (p: string) => readFileSync(p, "utf8");

/** `count` files totalling about `mb` MiB in dirs of PER_DIR; contents differ per file (no dedup tricks). */
function makeTree(dir: string, mb: number, count: number): void {
  const size = Math.max(1, Math.floor((mb * 1024 * 1024) / count));
  const block = new Uint8Array(size + 64);
  crypto.getRandomValues(block.subarray(0, Math.min(block.length, 65536)));
  for (let at = 65536; at < block.length; at += 65536) block.copyWithin(at, 0, Math.min(65536, block.length - at));
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `d${Math.floor(i / PER_DIR)}`);
    if (i % PER_DIR === 0) mkdirSync(sub, { recursive: true });
    const body = block.subarray(i % 64, (i % 64) + size);
    writeFileSync(join(sub, `f${i}`), body);
  }
}

interface Engine {
  name: string;
  cmd: string[];
  env?: Record<string, string>;
  /** Extra `run` flags this engine needs on this host. */
  runFlags: string[];
  removeImage(ref: string): void;
}

interface Row { op: string; ms: Record<string, number> }

async function measure(engine: Engine, tree: string, changes: string, out: string): Promise<Record<string, number>> {
  const mb = (args: string[]) => sh([...engine.cmd, ...args], engine.env);
  const t = (args: string[]) => timed([...engine.cmd, ...args], engine.env);
  const cpIn: number[] = [], cpOut: number[] = [], commit: number[] = [];
  for (let i = 0; i < runs; i++) {
    const box = `bench-cp-${i}`;
    mb(["run", "-d", ...engine.runFlags, "--name", box, "busybox", "sleep", "100000"]);
    try {
      cpIn.push(t(["cp", tree, `${box}:/tree`]));
      const dest = join(out, `${engine.name}-${i}`);
      cpOut.push(t(["cp", `${box}:/tree`, dest]));
      rmSync(dest, { recursive: true, force: true });
    } finally {
      mb(["rm", "-f", box]);
    }
    const src = `bench-commit-${i}`;
    mb(["create", ...engine.runFlags, "--name", src, "busybox", "true"]);
    try {
      mb(["cp", changes, `${src}:/changes`]);
      commit.push(t(["commit", src, `bench-commit:${i}`]));
      engine.removeImage(`bench-commit:${i}`);
    } finally {
      mb(["rm", "-f", src]);
    }
  }
  return { cpIn: median(cpIn), cpOut: median(cpOut), commit: median(commit) };
}

const work = mkdtempSync(join(tmpdir(), "minibox-bench-files-"));
const cleanups: (() => void)[] = [];
try {
  const loadBefore = read("/proc/loadavg").split(" ")[0];
  const image = join(work, "busybox.tar");
  writeDockerArchive(image, {});
  const tree = join(work, "tree"), changes = join(work, "changes"), out = join(work, "out");
  mkdirSync(out);
  makeTree(tree, sizeMb, fileCount);
  makeTree(changes, commitMb, Math.max(1, Math.round(commitMb * 10))); // 100 KiB files
  const engines: Engine[] = [];

  const env = { MINIBOX_ROOT: join(work, "mb-root"), MINIBOX_STATE: join(work, "mb-state") };
  cleanups.push(() => {
    const ids = Bun.spawnSync([binary, "ps", "-aq"], { env: { ...process.env, ...env } }).stdout.toString().split("\n").filter(Boolean);
    if (ids.length) Bun.spawnSync([binary, "rm", "-f", ...ids], { env: { ...process.env, ...env }, stdout: "ignore", stderr: "ignore" });
  });
  sh([binary, "load", "-i", image], env);
  engines.push({ name: "minibox", cmd: [binary], env, runFlags: ["--network", "none"], removeImage: (ref) => sh([binary, "rmi", ref], env) });

  if (Bun.which("podman")) {
    const podman = ["podman", "--root", join(work, "podman"), "--runroot", join(work, "podman-run"), "--tmpdir", join(work, "podman-tmp"),
      "--storage-driver", "overlay", "--events-backend", "none", "--cgroup-manager", "cgroupfs"];
    // Podman 4.3 as root asks for RLIMIT_NOFILE 1048576, which fails without CAP_SYS_RESOURCE: ask for what we have.
    const hardNofile = /^Max open files\s+\S+\s+(\S+)/m.exec(read("/proc/self/limits"))?.[1] ?? "1024";
    cleanups.push(() => {
      Bun.spawnSync([...podman, "rm", "-af", "-t", "0"], { stdout: "ignore", stderr: "ignore" });
      Bun.spawnSync([...podman, "system", "reset", "--force"], { stdout: "ignore", stderr: "ignore" });
    });
    sh([...podman, "load", "-i", image]);
    engines.push({
      name: "podman", cmd: podman, runFlags: ["--network", "none", "--ulimit", `nofile=${hardNofile}:${hardNofile}`, "--ulimit", "nproc=32768:32768"],
      removeImage: (ref) => sh([...podman, "rmi", ref]),
    });
  } else {
    console.error("podman is not installed: minibox only");
  }

  const results = new Map<string, Record<string, number>>();
  for (const e of engines) results.set(e.name, await measure(e, tree, changes, out));

  const rows: Row[] = [
    { op: `cp into a running container (${fileCount} files, ${sizeMb} MiB)`, ms: {} },
    { op: `cp out of a running container (same tree)`, ms: {} },
    { op: `commit of a container with ${commitMb} MiB of changes`, ms: {} },
  ];
  const keys = ["cpIn", "cpOut", "commit"] as const;
  for (const [name, r] of results) keys.forEach((k, i) => { rows[i]!.ms[name] = r[k]!; });
  const lines = [
    `Files (median of ${runs}; wall time per command); ${new Date().toISOString().slice(0, 10)}, ${read("/proc/sys/kernel/osrelease").trim()}, ${navigator.hardwareConcurrency} CPUs, load average before/after ${loadBefore} / ${read("/proc/loadavg").split(" ")[0]}`,
    "",
    `| operation | ${engines.map((e) => e.name).join(" | ")} |${engines.length > 1 ? " minibox/podman |" : ""}`,
    `|---|${engines.map(() => "---|").join("")}${engines.length > 1 ? "---|" : ""}`,
  ];
  for (const row of rows) {
    const cells = engines.map((e) => `${(row.ms[e.name]! / 1000).toFixed(2)} s`);
    const ratio = engines.length > 1 ? ` ${(row.ms.minibox! / row.ms.podman!).toFixed(2)}× |` : "";
    lines.push(`| ${row.op} | ${cells.join(" | ")} |${ratio}`);
  }
  console.log(lines.join("\n"));
} finally {
  for (const c of cleanups.reverse()) {
    try { c(); } catch { /* best effort: the rest still runs */ }
  }
  // podman can leave its storage's mounts (shm, overlay) under the work dir in this private mount
  // namespace; a recursive delete stops at the first busy one.
  const mounts = read("/proc/self/mountinfo").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(work));
  for (const m of mounts.reverse()) Bun.spawnSync(["umount", "-l", m]);
  rmSync(work, { recursive: true, force: true });
  if (existsSync(work)) console.error(`could not remove ${work}`);
}
