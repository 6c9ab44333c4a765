// `bun run bench build`: `minibox build` against `buildah bud` and `podman build` (Debian's), on the same
// busybox image loaded into each from the same tar:
//   (1) a Dockerfile of 20 small steps (10 COPY of a small file, 10 `RUN true`-like), cold (--no-cache;
//       the base image already in the store) and fully cached (the same build again);
//   (2) a two-stage build whose independent stages each `RUN sleep 2` (wall time shows whether they run
//       side by side: ≤ 2.5 s).
// Targets (issue 12): cold ≤ 0.3× buildah's; cached ≤ 0.5 s and ≤ 0.1× buildah's cached.
// buildah and podman use their own storage (overlay) under the work dir and chroot isolation, the
// lightest they offer. Medians of N runs (default 5) after one warm-up.
// Usage: bun run bench build [--runs N] [--no-peers]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { NetworkStore } from "../src/network/store.ts";

const repo = resolve(import.meta.dir, "..");
const argValue = (name: string) => { const i = process.argv.indexOf(name); return i === -1 ? undefined : process.argv[i + 1]; };
const runs = Number(argValue("--runs")) || 5;
const peers = !process.argv.includes("--no-peers");

// Same reason as scripts/bench.ts: OCI runtimes refuse the hybrid cgroup layout; a private mount
// namespace without /sys/fs/cgroup/unified gives every tool the plain v1 layout.
if (!process.env.MINIBOX_BENCH_NS && existsSync("/sys/fs/cgroup/unified")) {
  const p = Bun.spawnSync(["unshare", "-m", "--propagation", "private", "sh", "-c",
    `umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)],
    { stdio: ["inherit", "inherit", "inherit"], env: { ...process.env, MINIBOX_BENCH_NS: "1" } });
  process.exit(p.exitCode ?? 1);
}

function must(cmd: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): string {
  const p = Bun.spawnSync(cmd, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (${p.exitCode}): ${p.stderr.toString().trim().split("\n").slice(-5).join("\n")}`);
  return p.stdout.toString();
}

interface Stats { name: string; median: number; min: number; max: number }

/** `before` runs untimed before every sample (e.g. nothing; cold runs use --no-cache instead). */
function time(name: string, cmd: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Stats {
  const samples: number[] = [];
  for (let i = -1; i < runs; i++) { // one warm-up, not counted
    const t0 = performance.now();
    must(cmd, opts);
    const dt = (performance.now() - t0) / 1000;
    if (i >= 0) samples.push(dt);
  }
  samples.sort((a, b) => a - b);
  const stats = { name, median: samples[Math.floor(samples.length / 2)]!, min: samples[0]!, max: samples[samples.length - 1]! };
  console.log(`${name.padEnd(44)} median ${stats.median.toFixed(3)} s  (min ${stats.min.toFixed(3)}, max ${stats.max.toFixed(3)})`);
  return stats;
}

const work = mkdtempSync(join(tmpdir(), "minibox-bench-build-"));
const results = new Map<string, Stats>();
try {
  must(["bun", "run", join(repo, "scripts/build.ts")]);
  const binary = join(repo, "minibox");
  const image = join(work, "busybox.tar");
  must(["bun", "run", join(repo, "scripts/make-busybox-image.ts"), image]);
  const env = { MINIBOX_ROOT: join(work, "store"), MINIBOX_STATE: join(work, "state") };
  must([binary, "load", "-i", image], { env });

  // (1) 20 small steps.
  const steps = join(work, "steps");
  mkdirSync(steps);
  const lines = ["FROM busybox"];
  for (let i = 0; i < 10; i++) {
    writeFileSync(join(steps, `f${i}.txt`), `file ${i}\n`);
    lines.push(`COPY f${i}.txt /data/`, `RUN test -s /data/f${i}.txt`);
  }
  writeFileSync(join(steps, "Dockerfile"), `${lines.join("\n")}\n`);
  // (2) two stages of 2 s each.
  const twoStage = join(work, "two-stage");
  mkdirSync(twoStage);
  writeFileSync(join(twoStage, "Dockerfile"), [
    "FROM busybox AS a", "RUN sleep 2 && echo a > /a",
    "FROM busybox AS b", "RUN sleep 2 && echo b > /b",
    "FROM busybox", "COPY --from=a /a /a", "COPY --from=b /b /b", "",
  ].join("\n"));

  const mb = (extra: string[], ctx: string) => [binary, "build", "-q", ...extra, ctx];
  results.set("minibox cold", time("minibox build, 20 steps, cold (--no-cache)", mb(["--no-cache"], steps), { env }));
  results.set("minibox cold none", time("minibox build --network none, cold", mb(["--no-cache", "--network", "none"], steps), { env }));
  results.set("minibox cached", time("minibox build, 20 steps, fully cached", mb([], steps), { env }));
  results.set("minibox two-stage", time("minibox build, two stages of sleep 2", mb(["--no-cache"], twoStage), { env }));

  if (peers) {
    const storage = (tool: string) => ["--root", join(work, `${tool}-root`), "--runroot", join(work, `${tool}-run`), "--storage-driver", "overlay"];
    const peerEnv = { BUILDAH_ISOLATION: "chroot" };
    if (Bun.which("buildah")) {
      const buildah = ["buildah", ...storage("buildah")];
      try {
        must([...buildah, "pull", "-q", `docker-archive:${image}`], { env: peerEnv });
        const bud = (extra: string[]) => [...buildah, "bud", "-q", "--pull-never", "--layers", "--isolation", "chroot", ...extra, "."];
        results.set("buildah cold", time("buildah bud, 20 steps, cold (--no-cache)", bud(["--no-cache"]), { env: peerEnv, cwd: steps }));
        results.set("buildah cached", time("buildah bud, 20 steps, fully cached", bud([]), { env: peerEnv, cwd: steps }));
        results.set("buildah two-stage", time("buildah bud, two stages of sleep 2", bud(["--no-cache", "--jobs", "2"]), { env: peerEnv, cwd: twoStage }));
      } catch (e) {
        console.log(`buildah: cannot run on this host: ${(e as Error).message.split("\n")[0]}`);
      }
      Bun.spawnSync([...buildah, "rmi", "--all", "--force"], { stdout: "ignore", stderr: "ignore" });
    } else console.log("buildah: not installed (scripts/setup.sh installs it)");
    if (Bun.which("podman")) {
      const podman = ["podman", ...storage("podman"), "--events-backend", "none"];
      try {
        must([...podman, "load", "-q", "-i", image]);
        const build = (extra: string[]) => [...podman, "build", "-q", "--pull=never", "--layers", "--isolation", "chroot", ...extra, "."];
        results.set("podman cold", time("podman build, 20 steps, cold (--no-cache)", build(["--no-cache"]), { cwd: steps }));
        results.set("podman cached", time("podman build, 20 steps, fully cached", build([]), { cwd: steps }));
        results.set("podman two-stage", time("podman build, two stages of sleep 2", build(["--no-cache", "--jobs", "2"]), { cwd: twoStage }));
      } catch (e) {
        console.log(`podman: cannot run on this host: ${(e as Error).message.split("\n")[0]}`);
      }
      Bun.spawnSync([...podman, "system", "reset", "--force"], { stdout: "ignore", stderr: "ignore" });
    } else console.log("podman: not installed");
  }

  const m = (k: string) => results.get(k)?.median;
  const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
  console.log(`\n${runs} runs each after one warm-up; medians, wall time of the whole command`);
  const cold = m("minibox cold")!, cached = m("minibox cached")!, two = m("minibox two-stage")!;
  const bCold = m("buildah cold"), bCached = m("buildah cached");
  if (bCold) console.log(`cold:   minibox/buildah ${(cold / bCold).toFixed(3)} (target ≤ 0.3: ${verdict(cold / bCold <= 0.3)})`);
  if (m("podman cold")) console.log(`cold:   minibox/podman  ${(cold / m("podman cold")!).toFixed(3)}`);
  console.log(`cached: minibox ${cached.toFixed(3)} s (target ≤ 0.5 s: ${verdict(cached <= 0.5)})`);
  if (bCached) console.log(`cached: minibox/buildah ${(cached / bCached).toFixed(3)} (target ≤ 0.1: ${verdict(cached / bCached <= 0.1)})`);
  if (m("podman cached")) console.log(`cached: minibox/podman  ${(cached / m("podman cached")!).toFixed(3)}`);
  console.log(`two stages of sleep 2: minibox ${two.toFixed(3)} s (target ≤ 2.5 s: ${verdict(two <= 2.5)})`);
} finally {
  const { defaultBridge, table } = new NetworkStore(join(work, "store"), {});
  Bun.spawnSync(["ip", "link", "del", defaultBridge], { stdout: "ignore", stderr: "ignore" });
  Bun.spawnSync(["nft", "delete", "table", "inet", table], { stdout: "ignore", stderr: "ignore" });
  // buildah/podman may leave their storage's mounts under the work dir (in this private mount namespace).
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((p) => p.startsWith(work));
  for (const p of mounts.reverse()) Bun.spawnSync(["umount", "-l", p]);
  try {
    rmSync(work, { recursive: true, force: true });
  } catch (e) {
    console.error(`could not remove ${work}: ${(e as Error).message}`);
  }
}
