// Side-by-side start-up benchmark: `minibox run --rm busybox true` against crun and runc running an
// equivalent bundle and `podman run --rm`, all in one run, on the same busybox image. Prints medians and
// ratios. Not a test: numbers go to docs/performance.md. Usage: bun run bench [--runs N] [--baseline BINARY]
// --baseline times another minibox binary (e.g. one built from an earlier commit) in the same run, with
// its runs interleaved with the current binary's so that a noisy machine affects both alike.
import { mkdtempSync, rmSync, readdirSync, cpSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { NetworkStore } from "../src/network/store.ts";

// `bun run bench pull`: the pull benchmark, a separate mode in its own file.
if (process.argv[2] === "pull") {
  await import("./bench-pull.ts");
  process.exit(0);
}
// `bun run bench MODE [flags]`: the other benchmarks, each in a script of its own that gets the flags.
const modes: Record<string, string> = {
  network: "bench-network.ts", // cost and speed of networking, minibox vs podman
  files: "bench-files.ts", // cp and commit against podman: [--size-mb N] [--files N] [--commit-mb N] [--runs N]
  containers: "bench-containers.ts", // cost per idle detached container
  runtime: "bench-runtime.ts", // minibox as an OCI runtime against crun and runc, and ctr run --rm via runc
  build: "bench-build.ts", // minibox build against buildah bud and podman build
};
const mode = modes[process.argv[2] ?? ""];
if (mode) {
  const p = Bun.spawnSync([process.execPath, "run", resolve(import.meta.dir, mode), ...process.argv.slice(3)], { stdio: ["inherit", "inherit", "inherit"] });
  process.exit(p.exitCode ?? 1);
}

const repo = resolve(import.meta.dir, "..");
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || Number(process.env.BENCH_RUNS) || 30;

// crun 1.8 refuses a hybrid cgroup layout (v1 controllers + an empty cgroup2 at /sys/fs/cgroup/unified);
// in a private mount namespace without that mount every runtime sees the same plain v1 layout.
if (!process.env.MINIBOX_BENCH_NS && existsSync("/sys/fs/cgroup/unified")) {
  const p = Bun.spawnSync(["unshare", "-m", "--propagation", "private", "sh", "-c",
    `umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)],
    { stdio: ["inherit", "inherit", "inherit"], env: { ...process.env, MINIBOX_BENCH_NS: "1" } });
  process.exit(p.exitCode ?? 1);
}

const has = (cmd: string) => Bun.spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;
function must(cmd: string[], env?: Record<string, string>, cwd?: string): string {
  const p = Bun.spawnSync(cmd, { env: { ...process.env, ...env }, stderr: "pipe", cwd });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${p.stderr.toString().trim()}`);
  return p.stdout.toString();
}

interface Stats { name: string; median: number; p90: number; min: number }
function time(name: string, cmd: (i: number) => string[], env?: Record<string, string>): Stats {
  const samples: number[] = [];
  for (let i = -2; i < runs; i++) { // two warm-up runs, not counted
    const t0 = performance.now();
    const p = Bun.spawnSync(cmd(i), { env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" });
    const dt = performance.now() - t0;
    if (p.exitCode !== 0) throw new Error(`${name}: exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
    if (i >= 0) samples.push(dt);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { name, median: at(0.5), p90: at(0.9), min: samples[0]! };
}

interface Contender { name: string; cmd: string[]; env: Record<string, string> }
/** Alternates the commands run by run, so that load on the machine falls on all alike. */
function interleaved(...contenders: Contender[]): Stats[] {
  const samples: number[][] = contenders.map(() => []);
  for (let i = -2; i < runs; i++) {
    contenders.forEach((c, k) => {
      const t0 = performance.now();
      const p = Bun.spawnSync(c.cmd, { env: { ...process.env, ...c.env }, stdout: "ignore", stderr: "pipe" });
      const dt = performance.now() - t0;
      if (p.exitCode !== 0) throw new Error(`${c.name}: exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
      if (i >= 0) samples[k]!.push(dt);
    });
  }
  return contenders.map((c, k) => {
    const s = samples[k]!.sort((x, y) => x - y);
    const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
    return { name: c.name, median: at(0.5), p90: at(0.9), min: s[0]! };
  });
}

const work = mkdtempSync(join(tmpdir(), "minibox-bench-"));
try {
  must(["bun", "run", join(repo, "scripts/build.ts")]);
  const binary = join(repo, "minibox");
  const image = join(work, "busybox.tar");
  must(["bun", "run", join(repo, "scripts/make-busybox-image.ts"), image]);
  const env = { MINIBOX_ROOT: join(work, "store"), MINIBOX_STATE: join(work, "state") };
  must([binary, "load", "-i", image], env);

  // An equivalent OCI bundle for crun/runc: the same layer, copied once.
  const layers = readdirSync(join(env.MINIBOX_ROOT, "layers"));
  const bundle = join(work, "bundle");
  cpSync(join(env.MINIBOX_ROOT, "layers", layers[0]!, "fs"), join(bundle, "rootfs"), { recursive: true, verbatimSymlinks: true });
  const results: Stats[] = [];
  const baselineAt = process.argv.indexOf("--baseline");
  if (baselineAt > 0) {
    const baseline = resolve(process.argv[baselineAt + 1] ?? "");
    const baseEnv = { MINIBOX_ROOT: join(work, "store-baseline"), MINIBOX_STATE: join(work, "state-baseline") };
    must([baseline, "load", "-i", image], baseEnv);
    results.push(...interleaved(
      { name: "minibox run --rm", cmd: [binary, "run", "--rm", "busybox", "true"], env },
      { name: "minibox run --rm --network none", cmd: [binary, "run", "--rm", "--network", "none", "busybox", "true"], env },
      { name: "baseline minibox run --rm", cmd: [baseline, "run", "--rm", "busybox", "true"], env: baseEnv }));
  } else {
    results.push(time("minibox run --rm", () => [binary, "run", "--rm", "busybox", "true"], env));
  }
  results.push(time("minibox --version (Bun start floor)", () => [binary, "--version"], env));
  for (const runtime of ["crun", "runc"]) {
    if (!has(runtime)) continue;
    rmSync(join(bundle, "config.json"), { force: true });
    must([runtime, "spec"], undefined, bundle);
    const spec = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    spec.process.terminal = false;
    spec.process.args = ["true"];
    writeFileSync(join(bundle, "config.json"), JSON.stringify(spec));
    results.push(time(`${runtime} run`, (i) => [runtime, "run", "--bundle", bundle, `bench-${runtime}-${process.pid}-${i}`]));
  }
  if (has("podman")) {
    const podman = ["podman", "--root", join(work, "podman"), "--runroot", join(work, "podman-run"), "--tmpdir", join(work, "podman-tmp"),
      "--storage-driver", "overlay", "--events-backend", "none"];
    must([...podman, "load", "-i", image]);
    // podman raises RLIMIT_NOFILE and RLIMIT_NPROC by default, which hosts without CAP_SYS_RESOURCE refuse:
    // ask for the limit we already have.
    // A peer that cannot run here is reported, not fatal: podman raises RLIMIT_NOFILE/NPROC by default,
    // which a host without CAP_SYS_RESOURCE in its bounding set (like this one) refuses.
    try {
      const hardNofile = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1] ?? "1024";
      const limits = ["--ulimit", `nofile=${hardNofile}:${hardNofile}`, "--ulimit", "nproc=32768:32768"];
      results.push(time("podman run --rm", () => [...podman, "run", "--rm", "--pull", "never", "--network", "none", ...limits, "localhost/busybox:latest", "true"]));
    } catch (e) {
      console.log(`podman run --rm: cannot run on this host: ${(e as Error).message.split("\n")[0]}`);
    }
    Bun.spawnSync([...podman, "system", "reset", "--force"], { stdout: "ignore", stderr: "ignore" });
  }

  const ref = (name: string) => results.find((r) => r.name.startsWith(name))?.median;
  const mb = ref("minibox run")!;
  console.log(`\n${runs} runs each (after 2 warm-ups), wall time of the whole command, ms`);
  console.log("command".padEnd(38) + "median".padStart(9) + "p90".padStart(9) + "min".padStart(9) + "  minibox/this");
  for (const r of results) {
    console.log(r.name.padEnd(38) + r.median.toFixed(1).padStart(9) + r.p90.toFixed(1).padStart(9) + r.min.toFixed(1).padStart(9) + `  ${(mb / r.median).toFixed(2)}x`);
  }
  const base = ref("baseline minibox");
  const none = ref("minibox run --rm --network none");
  if (base) console.log(`minibox / baseline: ${(mb / base).toFixed(3)}; with --network none: ${(none! / base).toFixed(3)}`);
  for (const peer of ["crun", "runc", "podman"]) {
    const m = ref(peer);
    if (m) console.log(`minibox / ${peer}: ${(mb / m).toFixed(2)}`);
  }
} finally {
  // A store's default bridge and nftables table outlive its containers (like docker0): remove the bench stores'.
  for (const store of ["store", "store-baseline"]) {
    const { defaultBridge, table } = new NetworkStore(join(work, store), {});
    Bun.spawnSync(["ip", "link", "del", defaultBridge], { stdout: "ignore", stderr: "ignore" });
    Bun.spawnSync(["nft", "delete", "table", "inet", table], { stdout: "ignore", stderr: "ignore" });
  }
  // podman may leave its storage's mounts under the work dir (in this private mount namespace).
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(work));
  for (const m of mounts.reverse()) Bun.spawnSync(["umount", "-l", m]);
  try {
    rmSync(work, { recursive: true, force: true });
  } catch (e) {
    console.error(`could not remove ${work}: ${(e as Error).message}`);
  }
}
