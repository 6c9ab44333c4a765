// `bun run bench network`: what networking costs, minibox side by side with podman (Debian's, its default
// network), in one run:
//  (a) start: `run --rm busybox true` on the default bridge minus `--network none`, both engines, runs
//      alternated, medians;
//  (b) throughput (Debian's iperf3, same binary and duration everywhere): container→host over the bridge
//      and host→container through a published port (127.0.0.1, DNAT), each against a bare veth pair
//      between two network namespaces of the script's own;
//  (c) N containers (default 50) on one user network started in parallel (`run -d`), each resolving
//      every other by name: time until all have resolved all, minibox vs podman (when podman has DNS on
//      its networks: the CNI dnsname plugin, or aardvark-dns with netavark).
// Everything runs in a network namespace (and mount namespace) of the script's own: nothing it creates
// (bridges, veths, rules of either engine) touches the host's network, no address outside it exists, and
// all of it goes with the namespace. Containers, networks, stores and helper processes are removed in
// `finally` even when a step fails.
// Usage: bun run bench network [--runs N] [--iperf-runs N] [--duration S] [--containers N] [--only a,b,c]
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join, resolve } from "node:path";

const argValue = (name: string) => { const i = process.argv.indexOf(name); return i === -1 ? undefined : process.argv[i + 1]; };
const runs = Number(argValue("--runs")) || 20;
const iperfRuns = Number(argValue("--iperf-runs")) || 3;
const duration = Number(argValue("--duration")) || 5;
const containerCount = Number(argValue("--containers")) || 50;
const only = new Set((argValue("--only") ?? "a,b,c").split(","));
const repo = resolve(import.meta.dir, "..");

// ---- a private network + mount namespace (re-exec): lo only, no route out; /sys/class/net of it.
if (!process.env.MINIBOX_BENCH_NETNS) {
  const script = [
    // crun 1.8 (podman's runtime) refuses the hybrid cgroup layout; see scripts/bench.ts.
    "umount /sys/fs/cgroup/unified 2>/dev/null;",
    // sysfs shows the namespace that mounted it: CNI plugins read /sys/class/net of the current one.
    `d=$(mktemp -d) && mount -t sysfs sysfs "$d" && mount --bind "$d/class/net" /sys/class/net && mount --bind "$d/devices/virtual/net" /sys/devices/virtual/net && umount -l "$d" && rmdir "$d" &&`,
    "ip link set lo up &&",
    'exec "$0" "$@"',
  ].join(" ");
  const p = Bun.spawnSync(["unshare", "-n", "-m", "--propagation", "private", "sh", "-c", script, process.execPath, ...process.argv.slice(1)],
    { stdio: ["inherit", "inherit", "inherit"], env: { ...process.env, MINIBOX_BENCH_NETNS: "1" } });
  process.exit(p.exitCode ?? 1);
}

const has = (cmd: string) => Bun.which(cmd) !== null;
function sh(cmd: string[], o: { env?: Record<string, string>; allowFail?: boolean } = {}): string {
  const p = Bun.spawnSync(cmd, { env: { ...process.env, ...o.env }, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0 && !o.allowFail) throw new Error(`${cmd.join(" ")}: exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
  return p.stdout.toString();
}
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; };
const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
const ms = (x: number) => `${x.toFixed(1)} ms`;
const gbit = (bps: number) => `${(bps / 1e9).toFixed(2)} Gbit/s`;

/** Polls until `check` is true; throws after `timeoutMs`. */
async function waitUntil(what: string, check: () => boolean, timeoutMs = 60_000, everyMs = 20): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

const work = mkdtempSync(join(tmpdir(), "minibox-bench-net-"));
const binary = join(repo, "minibox");
const mbEnv = {
  MINIBOX_ROOT: join(work, "store"), MINIBOX_STATE: join(work, "state"),
  // Clear of podman's default 10.88.0.0/16 (both engines share this namespace).
  MINIBOX_NETWORK_POOL: "10.201.0.0/16,10.202.0.0/16",
};
const mb = (args: string[], allowFail = false) => sh([binary, ...args], { env: mbEnv, allowFail });
const hardNofile = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1] ?? "1024";
// podman with a private store and network config (its default network "podman": the CNI bridge plugin
// with host-local IPAM, state under the work dir); it raises RLIMIT_NOFILE/NPROC by default, which a host
// without CAP_SYS_RESOURCE refuses: ask for the limits we have.
const podmanBase = ["podman", "--root", join(work, "podman"), "--runroot", join(work, "podman-run"), "--tmpdir", join(work, "podman-tmp"),
  "--storage-driver", "overlay", "--events-backend", "none", "--network-config-dir", join(work, "cni")];
const podmanLimits = ["--ulimit", `nofile=${hardNofile}:${hardNofile}`, "--ulimit", "nproc=32768:32768"];
const podman = (args: string[], allowFail = false) => sh([...podmanBase, ...args], { allowFail });
let podmanReady = false;
const helpers: { kill(signal?: number | NodeJS.Signals): void; pid: number }[] = [];
const report: string[] = [];
// podman's host-local IPAM keeps a user network's leases under /var/lib/cni/networks/<name>: a name of ours.
const podmanNet = `mbbnet-${process.pid}`;
const say = (line: string) => { console.log(line); report.push(line); };

function setUpPodman(image: string): void {
  if (!has("podman")) { say("podman: not installed (scripts/setup.sh --bench)"); return; }
  mkdirSync(join(work, "cni"), { recursive: true });
  const conflist = JSON.parse(readFileSync("/etc/cni/net.d/87-podman-bridge.conflist", "utf8"));
  for (const plugin of conflist.plugins) if (plugin.ipam) plugin.ipam.dataDir = join(work, "cni-ipam");
  writeFileSync(join(work, "cni", "87-podman-bridge.conflist"), JSON.stringify(conflist, null, 2));
  podman(["load", "-i", image]);
  podmanReady = true;
}

// ---- (a) the cost of networking at start
interface Contender { name: string; cmd: string[]; env?: Record<string, string> }
function alternate(contenders: Contender[]): number[] {
  const samples: number[][] = contenders.map(() => []);
  for (let i = -2; i < runs; i++) { // two warm-up rounds, not counted
    contenders.forEach((c, k) => {
      const t0 = performance.now();
      const p = Bun.spawnSync(c.cmd, { env: { ...process.env, ...c.env }, stdout: "ignore", stderr: "pipe" });
      const dt = performance.now() - t0;
      if (p.exitCode !== 0) throw new Error(`${c.name}: exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
      if (i >= 0) samples[k]!.push(dt);
    });
  }
  return samples.map(median);
}

function benchStartCost(): void {
  say(`\n(a) cost of networking at start: run --rm busybox true, default network minus --network none; ${runs} runs each, alternated, medians of wall time`);
  const contenders: Contender[] = [
    { name: "minibox bridge", cmd: [binary, "run", "--rm", "busybox", "true"], env: mbEnv },
    { name: "minibox none", cmd: [binary, "run", "--rm", "--network", "none", "busybox", "true"], env: mbEnv },
  ];
  if (podmanReady) {
    contenders.push(
      { name: "podman default", cmd: [...podmanBase, "run", "--rm", "--pull", "never", ...podmanLimits, "localhost/busybox:latest", "true"] },
      { name: "podman none", cmd: [...podmanBase, "run", "--rm", "--pull", "never", "--network", "none", ...podmanLimits, "localhost/busybox:latest", "true"] },
    );
  }
  const m = alternate(contenders);
  contenders.forEach((c, k) => say(`  ${c.name.padEnd(16)} ${ms(m[k]!).padStart(10)}`));
  const mbCost = m[0]! - m[1]!;
  say(`  minibox network cost: ${ms(mbCost)}`);
  if (podmanReady) {
    const pdCost = m[2]! - m[3]!;
    say(`  podman network cost:  ${ms(pdCost)} (backend: ${podman(["info", "--format", "{{.Host.NetworkBackend}}"], true).trim() || "?"})`);
    say(`  minibox cost / podman cost: ${(mbCost / pdCost).toFixed(3)}`);
  }
}

// ---- (b) throughput
/** iperf3's own JSON: received bits per second of the test. */
function iperfReceived(json: string): number {
  const r = JSON.parse(json) as { end?: { sum_received?: { bits_per_second: number } }; error?: string };
  if (!r.end?.sum_received) throw new Error(`iperf3: ${r.error ?? "no result"}`);
  return r.end.sum_received.bits_per_second;
}

/** A process in a new network namespace of its own (the namespace lives as long as it does). */
function netnsHolder(): number {
  const p = Bun.spawn(["unshare", "-n", "sleep", "infinity"], { stdout: "ignore", stderr: "ignore" });
  helpers.push(p);
  return p.pid;
}

/** A server's first line of output, i.e. it is listening. */
async function startServer(cmd: string[], env?: Record<string, string>): Promise<void> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "inherit", env: { ...process.env, ...env } });
  helpers.push(p);
  const reader = p.stdout.getReader();
  let text = "";
  while (!text.includes("listening")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${cmd.join(" ")} exited before listening`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  // Keep draining, so that the server never blocks on a full pipe.
  void p.stdout.pipeTo(new WritableStream()).catch(() => {});
}

async function benchThroughput(): Promise<void> {
  if (!has("iperf3")) { say("\n(b) throughput: iperf3 is not installed (scripts/setup.sh --bench): skipped"); return; }
  const iperf3 = Bun.which("iperf3")!;
  say(`\n(b) throughput, iperf3 TCP ${duration} s, ${iperfRuns} runs each, alternated, medians`);
  // The baseline: a bare veth pair between two namespaces of our own (documentation addresses).
  const a = netnsHolder(), b = netnsHolder();
  await waitUntil("the helper namespaces", () => [a, b].every((pid) => readlinkOr(`/proc/${pid}/ns/net`) !== readlinkOr("/proc/self/ns/net")), 5_000);
  sh(["ip", "link", "add", "mbbveth0", "type", "veth", "peer", "name", "mbbveth1"]);
  sh(["ip", "link", "set", "mbbveth0", "netns", String(a)]);
  sh(["ip", "link", "set", "mbbveth1", "netns", String(b)]);
  const inNs = (pid: number, cmd: string[]) => ["nsenter", "-t", String(pid), "-n", ...cmd];
  sh(inNs(a, ["ip", "addr", "add", "198.51.100.1/30", "dev", "mbbveth0"]));
  sh(inNs(b, ["ip", "addr", "add", "198.51.100.2/30", "dev", "mbbveth1"]));
  for (const [pid, dev] of [[a, "mbbveth0"], [b, "mbbveth1"]] as const) {
    sh(inNs(pid, ["ip", "link", "set", dev, "up"]));
    sh(inNs(pid, ["ip", "link", "set", "lo", "up"]));
  }
  await startServer(inNs(b, [iperf3, "-s", "-B", "198.51.100.2", "-p", "5201", "--forceflush"]));

  // The container's side: iperf3 from the host, bind-mounted read-only with its libraries.
  const iperfMounts = ["-v", `${iperf3}:/usr/bin/iperf3:ro`, "-v", "/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:ro", "-v", "/lib64:/lib64:ro"];
  // container → host: a server on the host on the bridge's gateway address.
  mb(["run", "--rm", "busybox", "true"]); // the default network and its bridge exist from here on
  const bridge = JSON.parse(mb(["network", "inspect", "bridge"]))[0];
  const gateway: string = bridge.IPAM.Config[0].Gateway;
  await startServer([iperf3, "-s", "-B", gateway, "-p", "5202", "--forceflush"]);
  // host → container: a server in a container, published on 127.0.0.1.
  mb(["run", "-d", "--name", "mbb-iperf", "-p", "127.0.0.1:15203:5201", ...iperfMounts, "busybox", "iperf3", "-s", "--forceflush"]);
  await waitUntil("the container's iperf3 server", () => mb(["logs", "mbb-iperf"], true).includes("listening"), 30_000, 100);

  const cases: { name: string; run: () => number }[] = [
    { name: "veth pair (netns→netns)", run: () => iperfReceived(sh(inNs(a, [iperf3, "-c", "198.51.100.2", "-p", "5201", "-t", String(duration), "-J"]))) },
    { name: "container→host (bridge)", run: () => iperfReceived(mb(["run", "--rm", ...iperfMounts, "busybox", "iperf3", "-c", gateway, "-p", "5202", "-t", String(duration), "-J"])) },
    { name: "host→container (-p, 127.0.0.1)", run: () => iperfReceived(sh([iperf3, "-c", "127.0.0.1", "-p", "15203", "-t", String(duration), "-J"])) },
  ];
  const samples = cases.map(() => [] as number[]);
  for (let i = 0; i < iperfRuns; i++) cases.forEach((c, k) => samples[k]!.push(c.run()));
  const m = samples.map(median);
  cases.forEach((c, k) => say(`  ${c.name.padEnd(32)} ${gbit(m[k]!).padStart(16)}${k ? `   ${(m[k]! / m[0]!).toFixed(2)}× the veth pair` : ""}`));
}

function readlinkOr(path: string): string {
  try { return readlinkSync(path); } catch { return ""; }
}

// ---- (c) N containers on one user network, all resolving each other
function resolverScript(names: string[]): string {
  // Every name, retried until it resolves (the others start in parallel), then a mark in /done.
  return `for n in ${names.join(" ")}; do until nslookup "$n" >/dev/null 2>&1; do sleep 0.05; done; done; touch "/done/$ME"; exec sleep 3600`;
}

async function timeAllResolved(label: string, names: string[], start: (name: string, script: string, done: string) => Promise<number>, done: string): Promise<{ started: number; resolved: number }> {
  mkdirSync(done, { recursive: true });
  const script = resolverScript(names);
  const t0 = performance.now();
  const codes = await Promise.all(names.map((n) => start(n, script, done)));
  const started = performance.now() - t0;
  if (codes.some((c) => c !== 0)) throw new Error(`${label}: ${codes.filter((c) => c !== 0).length} of ${names.length} containers failed to start`);
  await waitUntil(`${label}: every container resolving every other`, () => readdirSync(done).length === names.length, 300_000);
  return { started, resolved: performance.now() - t0 };
}

async function spawnCode(cmd: string[], env?: Record<string, string>): Promise<number> {
  const p = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" });
  const code = await p.exited;
  if (code !== 0) console.error(`${cmd.slice(0, 4).join(" ")} …: ${(await new Response(p.stderr).text()).trim()}`);
  return code;
}

async function benchDns(): Promise<void> {
  say(`\n(c) ${containerCount} containers on one user network, started in parallel (run -d), each resolving all ${containerCount - 1} others by name (busybox nslookup)`);
  const mbNames = Array.from({ length: containerCount }, (_, i) => `mbb${i}`);
  mb(["network", "create", "--subnet", "10.204.0.0/22", "mbbnet"]);
  const m = await timeAllResolved("minibox", mbNames, (name, script, done) => spawnCode([binary, "run", "-d", "--network", "mbbnet", "--name", name, "-e", `ME=${name}`,
    "-v", `${done}:/done`, "busybox", "sh", "-c", script], mbEnv), join(work, "done-minibox"));
  say(`  minibox: all started ${ms(m.started)}, all resolved ${ms(m.resolved)}`);
  if (!podmanReady) return;
  podman(["network", "create", "--subnet", "10.205.0.0/22", podmanNet]);
  const dns = JSON.parse(podman(["network", "inspect", podmanNet]))[0]?.dns_enabled === true;
  if (!dns) { say("  podman: no DNS on its networks here (neither the CNI dnsname plugin nor aardvark-dns is installed): minibox timed alone"); return; }
  const pdNames = Array.from({ length: containerCount }, (_, i) => `pdb${i}`);
  const p = await timeAllResolved("podman", pdNames, (name, script, done) => spawnCode([...podmanBase, "run", "-d", "--pull", "never", ...podmanLimits, "--network", podmanNet,
    "--name", name, "-e", `ME=${name}`, "-v", `${done}:/done`, "localhost/busybox:latest", "sh", "-c", script]), join(work, "done-podman"));
  say(`  podman:  all started ${ms(p.started)}, all resolved ${ms(p.resolved)}`);
  say(`  minibox / podman, time to all resolved: ${(m.resolved / p.resolved).toFixed(3)}`);
}

function cleanUp(): void {
  const names = [...Array.from({ length: containerCount }, (_, i) => `mbb${i}`), "mbb-iperf"];
  mb(["rm", "-f", ...names], true);
  mb(["network", "rm", "mbbnet"], true);
  if (podmanReady) {
    podman(["rm", "-f", "-a", "-t", "0"], true);
    podman(["network", "rm", "-f", podmanNet], true);
    podman(["system", "reset", "--force"], true);
    rmSync(join("/var/lib/cni/networks", podmanNet), { recursive: true, force: true });
  }
  for (const h of helpers) h.kill("SIGKILL");
  // A store's monitor (it serves the user network's DNS) and podman's dnsmasq: ours by their command line.
  for (const pid of processesMentioning(work)) {
    try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  }
  // podman may leave its storage's mounts under the work dir (in this private mount namespace).
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(work));
  for (const mount of mounts.reverse()) Bun.spawnSync(["umount", "-l", mount]);
  try {
    rmSync(work, { recursive: true, force: true });
  } catch (e) {
    console.error(`could not remove ${work}: ${(e as Error).message}`);
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

try {
  say(`bench network — ${new Date().toISOString()}, load average at start: ${load()}`);
  sh(["bun", "run", join(repo, "scripts/build.ts")]);
  const image = join(work, "busybox.tar");
  sh(["bun", "run", join(repo, "scripts/make-busybox-image.ts"), image]);
  mb(["load", "-i", image]);
  if (only.has("a") || only.has("c")) setUpPodman(image);
  if (only.has("a")) benchStartCost();
  if (only.has("b")) await benchThroughput();
  if (only.has("c")) await benchDns();
  say(`\nload average at end: ${load()}`);
} finally {
  cleanUp();
  if (existsSync(work)) console.error(`left behind: ${work}`);
}
