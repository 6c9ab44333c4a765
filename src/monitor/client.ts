// Asking the monitor to start a container; the monitor is started first when none is running.
import { closeSync } from "node:fs";
import { storeRoot } from "../image/store.ts";
import { selfCommand } from "../runtime/spawn.ts";
import { UserError } from "../errors.ts";
import { monitorSocketName, type Reply, type Request } from "./protocol.ts";
import { monitorLogFd } from "./server.ts";

const CONNECT_DEADLINE_MS = 5_000;

export async function askMonitor(req: Request): Promise<Reply> {
  const root = storeRoot();
  const deadline = Date.now() + CONNECT_DEADLINE_MS;
  let spawned = false;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    try {
      return await exchange(monitorSocketName(root), req);
    } catch (e) {
      if (Date.now() > deadline) throw new UserError(`cannot reach the container monitor: ${(e as Error).message}`);
      if (!spawned) { spawnMonitor(root); spawned = true; }
      await Bun.sleep(delay);
    }
  }
}

function spawnMonitor(root: string): void {
  const log = monitorLogFd(root);
  const proc = Bun.spawn(selfCommand("monitor", root), {
    stdio: ["ignore", log, log], detached: true, cwd: "/",
    env: { ...process.env, MINIBOX_ROOT: root },
  });
  proc.unref();
  closeSync(log);
}

function exchange(name: string, req: Request): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    Bun.connect({
      unix: name,
      socket: {
        open(socket) { socket.write(JSON.stringify(req) + "\n"); },
        data(socket, chunk) {
          buffer += chunk.toString();
          const nl = buffer.indexOf("\n");
          if (nl < 0) return;
          // Settle before end(): end() may run the close handler synchronously, which would reject.
          resolve(JSON.parse(buffer.slice(0, nl)) as Reply);
          socket.end();
        },
        close() { reject(new Error("monitor closed the connection")); },
        error(_socket, error) { reject(error); },
        connectError(_socket, error) { reject(error); },
      },
    }).catch(reject);
  });
}
