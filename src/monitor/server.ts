// The monitor process (`minibox monitor`, started by the CLI, never by hand).
import { mkdirSync, openSync } from "node:fs";
import { libc } from "../sys/libc.ts";
import { storeRoot } from "../image/store.ts";
import { ContainerStore } from "../container/store.ts";
import { EXIT } from "../errors.ts";
import { monitorSocketName, type Reply, type Request } from "./protocol.ts";
import { supervise, type Supervised } from "./supervise.ts";

const IDLE_EXIT_MS = 2_000;

export async function monitorMain(): Promise<void> {
  libc.setsid(); // no controlling terminal: closing the user's shell must not take the containers' parent down
  process.chdir("/");
  const root = storeRoot();
  const store = new ContainerStore(root);
  const watching = new Map<string, Supervised>();
  let connections = 0;
  let idleTimer: Timer | undefined;
  const scheduleIdleExit = () => {
    clearTimeout(idleTimer);
    if (watching.size === 0 && connections === 0) idleTimer = setTimeout(() => process.exit(0), IDLE_EXIT_MS);
  };

  const handle = async (req: Request): Promise<Reply> => {
    if (req.op === "ping") return { ok: true, pid: process.pid };
    if (watching.has(req.id)) return { ok: false, error: `container ${req.id} is already running`, exitCode: 1 };
    try {
      const { launched, supervised } = await supervise(store, req.id);
      watching.set(req.id, supervised);
      void supervised.done.finally(() => { watching.delete(req.id); scheduleIdleExit(); });
      return { ok: true, pid: launched.proc.pid, warnings: launched.warnings };
    } catch (e) {
      const exitCode = e instanceof Error && "exitCode" in e && typeof e.exitCode === "number" ? e.exitCode : EXIT.ENGINE;
      return { ok: false, error: e instanceof Error ? e.message : String(e), exitCode };
    }
  };

  // Several CLIs may start a monitor at the same moment: the first to bind the socket serves the store.
  try {
    Bun.listen<{ buffer: string }>({
      unix: monitorSocketName(root),
      socket: {
        open(socket) { connections++; clearTimeout(idleTimer); socket.data = { buffer: "" }; },
        close() { connections--; scheduleIdleExit(); },
        async data(socket, chunk) {
          socket.data.buffer += chunk.toString();
          let nl: number;
          while ((nl = socket.data.buffer.indexOf("\n")) >= 0) {
            const line = socket.data.buffer.slice(0, nl);
            socket.data.buffer = socket.data.buffer.slice(nl + 1);
            const reply = await handle(JSON.parse(line) as Request);
            socket.write(JSON.stringify(reply) + "\n");
          }
        },
      },
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") process.exit(0);
    throw e;
  }
  scheduleIdleExit();
}

/** Where the monitor's own stderr goes: next to the containers it watches. */
export function monitorLogFd(root = storeRoot()): number {
  mkdirSync(root, { recursive: true });
  return openSync(`${root}/monitor.log`, "a", 0o600);
}
