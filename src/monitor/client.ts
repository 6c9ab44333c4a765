// Asking the monitor to start a container; the monitor is started first when none is running. The CLI
// trusts the socket's other end only when the kernel says it is root or the store's owner (SO_PEERCRED),
// and parses its reply as strictly as the monitor parses requests.
import { closeSync } from "node:fs";
import { storeRoot } from "../image/store.ts";
import { selfCommand } from "../runtime/spawn.ts";
import { UserError } from "../errors.ts";
import { monitorSocketPath, parseReply, MAX_REPLY_BYTES, type Reply, type Request } from "./protocol.ts";
import { monitorLogFd } from "./log.ts";
import { socketFd, storeOwner, trustedPeer, UntrustedPeerError } from "./peer.ts";

const CONNECT_DEADLINE_MS = 5_000;
/** sizeof(sockaddr_un.sun_path), with its terminating NUL. */
const MAX_SOCKET_PATH = 108;

export async function askMonitor(req: Request): Promise<Reply> {
  const root = storeRoot();
  const path = monitorSocketPath(root);
  if (Buffer.byteLength(path) >= MAX_SOCKET_PATH) {
    throw new UserError(`the store path ${root} is too long for the monitor's socket (${path} must be under ${MAX_SOCKET_PATH} bytes)`);
  }
  const deadline = Date.now() + CONNECT_DEADLINE_MS;
  let spawned = false;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    try {
      return await exchange(path, storeOwner(root), req);
    } catch (e) {
      if (e instanceof UntrustedPeerError) throw new UserError(`refusing to talk to the container monitor: ${e.message}`);
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

function exchange(path: string, owner: number, req: Request): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    let settled = false;
    const settle = (f: () => void) => { if (!settled) { settled = true; f(); } };
    Bun.connect({
      unix: path,
      socket: {
        open(socket) {
          try {
            trustedPeer(socketFd(socket), owner, "the process serving the monitor socket");
          } catch (e) {
            settle(() => reject(e));
            socket.terminate();
            return;
          }
          socket.write(JSON.stringify(req) + "\n");
        },
        data(socket, chunk) {
          buffer += chunk.toString();
          const nl = buffer.indexOf("\n");
          if (nl < 0) {
            if (buffer.length > MAX_REPLY_BYTES) { settle(() => reject(new Error("monitor reply too long"))); socket.terminate(); }
            return;
          }
          // Settle before end(): end() may run the close handler synchronously, which would reject.
          try {
            const reply = parseReply(buffer.slice(0, nl));
            settle(() => resolve(reply));
          } catch (e) {
            settle(() => reject(e));
          }
          socket.end();
        },
        close() { settle(() => reject(new Error("monitor closed the connection"))); },
        error(_socket, error) { settle(() => reject(error)); },
        connectError(_socket, error) { settle(() => reject(error)); },
      },
    }).catch((e) => settle(() => reject(e)));
  });
}
