// Shared by the end-to-end tests: they run the compiled ./minibox (built by scripts/test.sh before
// `bun test`) against a private store and state dir, and remove both afterwards.
import { mkdtempSync, rmSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { NetworkStore } from "../../src/network/store.ts";

export const REPO = resolve(import.meta.dir, "../..");
export const BINARY = join(REPO, "minibox");

export interface Result { code: number; stdout: string; stderr: string }

export interface Sandbox {
  root: string; // MINIBOX_ROOT (images, layers, containers)
  state: string; // MINIBOX_STATE (live state)
  env: Record<string, string>;
  run(args: string[], opts?: { stdin?: string | Uint8Array; env?: Record<string, string>; timeoutMs?: number }): Promise<Result>;
  cleanup(): void;
}

export function requireBinary(): void {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run 'bun run build' first (scripts/test.sh does)`);
}

export function makeSandbox(prefix = "minibox-e2e-"): Sandbox {
  requireBinary();
  const base = mkdtempSync(join(tmpdir(), prefix));
  const root = join(base, "root");
  const state = join(base, "state");
  const env = { ...process.env, MINIBOX_ROOT: root, MINIBOX_STATE: state, NO_COLOR: "1" } as Record<string, string>;
  // After cleanup, a late hook's command (afterAll hooks run in no order we control) would create the
  // store again and leave it behind: it is not run.
  let cleaned = false;
  return {
    root, state, env,
    async run(args, opts = {}) {
      if (cleaned) return { code: -1, stdout: "", stderr: "the sandbox was already cleaned up" };
      const proc = Bun.spawn([BINARY, ...args], {
        env: { ...env, ...opts.env },
        stdin: opts.stdin === undefined ? "ignore" : new Blob([opts.stdin]),
        stdout: "pipe",
        stderr: "pipe",
        timeout: opts.timeoutMs ?? 30_000,
      });
      const [stdout, stderr, code] = await Promise.all([
        new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited,
      ]);
      return { code, stdout, stderr };
    },
    cleanup() {
      cleaned = true;
      // Containers still running (a failed test's detached ones) die with their cgroup or process; the
      // monitor of this store would exit by itself 2 s later — end it now.
      Bun.spawnSync([BINARY, "rm", "-f", ...listContainers(root)], { env, stdout: "ignore", stderr: "ignore" });
      for (const pid of processesMentioning(root)) {
        try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
      }
      // A failed test may leave a container's mounts behind; detach them before removing the tree.
      for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n").reverse()) {
        const mountPoint = line.split(" ")[4];
        if (mountPoint?.startsWith(base)) Bun.spawnSync(["umount", "-l", mountPoint]);
      }
      // User networks a failed test left (their bridges and rules live on the host), then the default one.
      Bun.spawnSync([BINARY, "network", "prune", "-f"], { env, stdout: "ignore", stderr: "ignore" });
      removeStoreNetwork(root, env);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

function listContainers(root: string): string[] {
  try {
    return readdirSync(join(root, "containers"));
  } catch {
    return [];
  }
}

/** Host processes whose command line names `path` (a monitor started for a test's store). */
export function processesMentioning(path: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes(path)) pids.push(Number(entry));
    } catch { /* exited */ }
  }
  return pids;
}

// net-core: a store's default bridge and nftables table outlive its containers (like docker0); a sandbox
// removes them with its store (named as the engine names them).
function removeStoreNetwork(root: string, env: Record<string, string>): void {
  const { defaultBridge, table } = new NetworkStore(root, env);
  Bun.spawnSync(["ip", "link", "del", defaultBridge], { stdout: "ignore", stderr: "ignore" });
  Bun.spawnSync(["nft", "delete", "table", "inet", table], { stdout: "ignore", stderr: "ignore" });
}
