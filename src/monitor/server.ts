// The monitor process (`minibox monitor`, started by the CLI, never by hand). It must outlive anything a
// single container or client can do to it: every request is handled in its own try/catch, every callback
// that could throw is caught, and only two things end it: having nothing left to watch, or finding itself
// in a foreign namespace after a failed setns (then it hands over and exits; see requestHandler).
import { closeSync, constants, existsSync, openSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { UnixSocketListener } from "bun";
import { libc } from "../sys/libc.ts";
import { SyscallError } from "../sys/errno.ts";
import { tryLockExclusive } from "../sys/flock.ts";
import { storeRoot } from "../image/store.ts";
import { ContainerStore } from "../container/store.ts";
import { secureStore } from "../state/store-permissions.ts";
import { EXIT } from "../errors.ts";
import { isContainerId, monitorLockPath, monitorSocketPath, type Reply, type Request } from "./protocol.ts";
import { listenForRequests, removeSocketFile } from "./listener.ts";
import { adopt, supervise, type Supervised } from "./supervise.ts";
import { ExitWitness } from "../container/exit-witness.ts";
import { storeOwner } from "./peer.ts";
import { describe, monitorLog } from "./log.ts";
import { NetworkDnsService } from "../network/dns-service.ts"; // dns-wire
import { serveNetworkDnsHere } from "./dns.ts"; // dns-wire

const IDLE_EXIT_MS = 2_000;
/** Time for the error reply of the request that failed its setns to be written before a hand-over exit. */
const HAND_OVER_REPLY_MS = 50;

/** What the request handler needs from the process around it; a seam for unit tests. */
export interface MonitorDeps {
  supervise(id: string): Promise<{ pid: number; warnings: string[]; supervised: Supervised }>;
  /** The main thread is stuck in a container's namespace: stop serving and exit once handed over. */
  foreignNamespace(error: SyscallError): void;
  /** dns-wire: syncs the user networks' DNS servers; resolves with warnings, never rejects. */
  dns?(): Promise<string[]>;
}

/** Builds the function that answers one parsed request; it never throws. */
export function requestHandler(watching: Map<string, Supervised>, deps: MonitorDeps, onSettled: () => void): (req: Request) => Promise<Reply> {
  return async (req) => {
    if (req.op === "ping") return { ok: true, pid: process.pid };
    if (req.op === "dns") return { ok: true, warnings: (await deps.dns?.()) ?? [] }; // dns-wire
    if (watching.has(req.id)) return { ok: false, error: `container ${req.id} is already running`, exitCode: 1 };
    try {
      const { pid, warnings, supervised } = await deps.supervise(req.id);
      watching.set(req.id, supervised);
      void supervised.done.finally(() => { watching.delete(req.id); onSettled(); });
      return { ok: true, pid, warnings };
    } catch (e) {
      // spawnInit's only setns is the one back to the host: failing it leaves this thread inside the container.
      if (e instanceof SyscallError && e.syscall === "setns") deps.foreignNamespace(e);
      const exitCode = e instanceof Error && "exitCode" in e && typeof e.exitCode === "number" ? e.exitCode : EXIT.ENGINE;
      return { ok: false, error: describe(e), exitCode };
    }
  };
}

export async function monitorMain(): Promise<void> {
  // Last resort only (each path below catches its own errors): log, never die of one container's trouble.
  process.on("uncaughtException", (e) => monitorLog(`uncaught: ${describe(e)}`));
  process.on("unhandledRejection", (e) => monitorLog(`unhandled rejection: ${describe(e)}`));
  libc.setsid(); // no controlling terminal: closing the user's shell must not take the containers' parent down
  process.chdir("/");
  const root = storeRoot();
  // A monitor serves a store that exists: one started just as its store was deleted (a test sandbox
  // removed, `rm -rf` by the admin) must not create it again.
  if (!existsSync(join(root, "containers"))) process.exit(0);
  secureStore(root);
  // One monitor per store: the lock is the kernel's word on who serves it (dropped when its holder dies,
  // even by SIGKILL), so a socket file left by a killed monitor is known to be stale and can be replaced.
  // (Bun opens every file O_CLOEXEC: no container inherits the lock.)
  const lock = openSync(monitorLockPath(root), constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  if (!tryLockExclusive(lock, monitorLockPath(root))) process.exit(0);
  const owner = storeOwner(root);
  const store = new ContainerStore(root);
  const watching = new Map<string, Supervised>();
  let connections = 0;
  let idleTimer: Timer | undefined;
  let leaving = false;
  // dns-wire: the user networks' DNS servers keep the monitor alive while they run (foreground containers too).
  const dns = new NetworkDnsService(store, monitorLog, () => scheduleIdleExit());
  serveNetworkDnsHere(() => dns.sync());
  const scheduleIdleExit = () => {
    clearTimeout(idleTimer);
    if (watching.size === 0 && connections === 0 && !dns.active) idleTimer = setTimeout(() => { dns.stopAll(); process.exit(0); }, IDLE_EXIT_MS);
  };

  const socketPath = monitorSocketPath(root);
  let listener: UnixSocketListener<unknown> | undefined;
  const handOver = (error: SyscallError) => {
    if (leaving) return;
    leaving = true;
    monitorLog(`${error.message}: this process may be in a container's namespace; handing over to a new monitor`);
    // Stop accepting and free the name and the lock: the next CLI starts a fresh monitor, which adopts our
    // containers (their output is in FIFOs it reopens). Exit as soon as the failed request's error reply
    // is out (the namespace we are in is not ours: nothing else runs here).
    listener?.stop(false);
    dns.stopAll(); // dns-wire: the next monitor serves them again
    removeSocketFile(socketPath);
    closeSync(lock);
    setTimeout(() => process.exit(EXIT.ENGINE), HAND_OVER_REPLY_MS);
  };
  const handle = requestHandler(watching, {
    async supervise(id) {
      if (leaving) throw new Error("the monitor is handing over to a new one: try again");
      const { launched, supervised } = await supervise(store, id);
      return { pid: launched.proc.pid, warnings: launched.warnings, supervised };
    },
    foreignNamespace: handOver,
    dns: () => dns.sync(), // dns-wire
  }, scheduleIdleExit);

  for (const supervised of adoptOrphans(store)) {
    watching.set(supervised.id, supervised);
    void supervised.done.finally(() => { watching.delete(supervised.id); scheduleIdleExit(); });
  }

  try {
    listener = listenForRequests({
      path: socketPath, owner, handle,
      opened() { connections++; clearTimeout(idleTimer); },
      closed() { connections--; scheduleIdleExit(); },
    });
  } catch (e) {
    // Without a socket nobody can reach us; the lock goes with us, so the next CLI's monitor retries.
    monitorLog(`cannot listen on ${socketPath}: ${describe(e)}`);
    process.exit(EXIT.ENGINE);
  }
  // dns-wire: a monitor started after a crash of the last one serves the running containers' networks again.
  void dns.sync();
  scheduleIdleExit();
}

/** Running containers whose parent died (a previous monitor, killed): watched again from here. */
function adoptOrphans(store: ContainerStore): Supervised[] {
  let ids: string[];
  try {
    ids = readdirSync(store.containersDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  // Subscribed before any liveness check: an exit after the check is then seen with its status.
  let witness: ExitWitness | undefined;
  try {
    witness = ExitWitness.open();
  } catch (e) {
    monitorLog(`no proc connector, adopted containers' exit codes will be unknown: ${describe(e)}`);
  }
  const adopted: Supervised[] = [];
  for (const id of ids) {
    if (!isContainerId(id)) continue;
    try {
      const supervised = adopt(store, store.load(id), witness);
      if (supervised) {
        adopted.push(supervised);
        monitorLog(`adopted container ${id}`);
      }
    } catch (e) {
      monitorLog(`cannot adopt container ${id}: ${describe(e)}`);
    }
  }
  if (witness) void Promise.allSettled(adopted.map((a) => a.done)).then(() => witness.close());
  return adopted;
}
