#!/usr/bin/env bun
// Records what the real Docker answers to the comparison steps (test/fixtures/docker/commands.ts) into
// test/fixtures/docker/fixture.json, for test/e2e/compat-docker.test.ts (which CI runs against these
// fixtures: no dockerd in CI). Needs root, Debian's docker.io (dockerd; never started through systemd)
// and a built ./minibox. Starts its own dockerd on private dirs and socket, without iptables rules or a
// bridge, and stops it by its pid before exiting, whatever happens.
//
//   bun scripts/record-docker-fixtures.ts [--docker /usr/bin/docker] [--dockerd /usr/sbin/dockerd]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeDockerArchive } from "../test/fixtures/images.ts";
import { capture, expandArgs, STEPS, type Fixture } from "../test/fixtures/docker/commands.ts";

const REPO = resolve(import.meta.dir, "..");
const MINIBOX = join(REPO, "minibox");
const OUT = join(REPO, "test/fixtures/docker/fixture.json");

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const DOCKER = flag("--docker", existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker");
const DOCKERD = flag("--dockerd", "/usr/sbin/dockerd");

async function run(cmd: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdin: stdin === undefined ? "ignore" : new Blob([stdin]), stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

async function must(cmd: string[], env: Record<string, string>): Promise<string> {
  const r = await run(cmd, env);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The busybox test image as `minibox save` writes it (what the comparison loads into both engines). */
async function busyboxArchive(base: string): Promise<string> {
  const env = { MINIBOX_ROOT: join(base, "mb-root"), MINIBOX_STATE: join(base, "mb-state") };
  writeDockerArchive(join(base, "fixture.tar"));
  await must([MINIBOX, "load", "-i", join(base, "fixture.tar")], env);
  await must([MINIBOX, "save", "-o", join(base, "busybox.tar"), "busybox"], env);
  return join(base, "busybox.tar");
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await Bun.sleep(100);
  }
}

function processesMentioning(path: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(path)) pids.push(Number(entry));
    } catch { /* exited */ }
  }
  return pids;
}

async function stopDockerd(proc: Bun.Subprocess, base: string, env: Record<string, string>): Promise<void> {
  await run([DOCKER, "rm", "-f", "cmp-c"], env);
  if (proc.exitCode === null) {
    proc.kill("SIGTERM");
    const deadline = Date.now() + 30_000;
    while (proc.exitCode === null && Date.now() < deadline) await Bun.sleep(100);
    if (proc.exitCode === null) proc.kill("SIGKILL");
    await proc.exited;
  }
  // Its containerd and shims were started with paths under `base`.
  for (const pid of processesMentioning(base)) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n").reverse()) {
    const mountPoint = line.split(" ")[4];
    if (mountPoint?.startsWith(base)) Bun.spawnSync(["umount", "-l", mountPoint]);
  }
}

async function main(): Promise<void> {
  if (!existsSync(MINIBOX)) throw new Error(`${MINIBOX} is missing: run 'bun run build' first`);
  const base = mkdtempSync(join(tmpdir(), "mb-docker-"));
  const sock = join(base, "docker.sock");
  const env = { DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(base, "cli-config") };
  mkdirSync(env.DOCKER_CONFIG);
  let dockerd: Bun.Subprocess | undefined;
  try {
    const archive = await busyboxArchive(base);
    dockerd = Bun.spawn([DOCKERD, "--iptables=false", "--ip-masq=false", "--ip-forward=false", "--bridge=none",
      "--data-root", join(base, "data"), "--exec-root", join(base, "exec"), "-H", `unix://${sock}`, "--pidfile", join(base, "docker.pid")],
    { stdout: Bun.file(join(base, "dockerd.log")), stderr: Bun.file(join(base, "dockerd.err.log")) });
    await waitFor("dockerd answering", async () => dockerd!.exitCode === null ? (await run([DOCKER, "version"], env)).code === 0 : Promise.reject(new Error(`dockerd exited ${dockerd!.exitCode}: ${readFileSync(join(base, "dockerd.err.log"), "utf8").slice(-2000)}`)), 60_000);
    await must([DOCKER, "load", "-i", archive], env);
    const [client, server] = (await must([DOCKER, "version", "--format", "{{.Client.Version}} {{.Server.Version}}"], env)).trim().split(" ");
    const results = [];
    for (const step of STEPS) {
      const r = await run([DOCKER, ...expandArgs(step.args)], env, step.stdin);
      results.push(capture(step, r));
      console.log(`${step.id}: exit ${r.code}${r.code !== 0 ? ` (${r.stderr.trim().split("\n")[0]})` : ""}`);
    }
    const fixture: Fixture = { docker: { client: client!, server: server! }, recordedAt: new Date().toISOString(), results };
    writeFileSync(OUT, `${JSON.stringify(fixture, null, 2)}\n`);
    console.log(`wrote ${OUT} (Docker ${client} / ${server})`);
  } finally {
    if (dockerd) await stopDockerd(dockerd, base, env);
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
