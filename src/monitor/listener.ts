// The monitor's socket: accepts only trusted peers (SO_PEERCRED), reads newline-framed requests of bounded
// length, answers each one in order per connection, and survives whatever a client sends.
import { chmodSync, unlinkSync } from "node:fs";
import type { Socket, UnixSocketListener } from "bun";
import { EXIT } from "../errors.ts";
import { BadRequestError, MAX_REQUEST_BYTES, parseRequest, type Reply, type Request } from "./protocol.ts";
import { socketFd, trustedPeer } from "./peer.ts";
import { describe, monitorLog } from "./log.ts";

interface Connection { buffer: string; busy: Promise<void>; refused: boolean }

export interface ListenOptions {
  path: string;
  /** uid of the store's owner; root is always trusted. */
  owner: number;
  handle(req: Request): Promise<Reply>;
  opened(): void;
  closed(): void;
}

export function removeSocketFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/** Binds a fresh socket at `path` (replacing a stale one: the caller holds the monitor lock). */
export function listenForRequests(opts: ListenOptions): UnixSocketListener<Connection> {
  removeSocketFile(opts.path);
  const listener = Bun.listen<Connection>({
    unix: opts.path,
    socket: {
      open(socket) {
        opts.opened();
        socket.data = { buffer: "", busy: Promise.resolve(), refused: false };
        try {
          trustedPeer(socketFd(socket), opts.owner, "client");
        } catch (e) {
          monitorLog(`refused a connection: ${describe(e)}`);
          socket.data.refused = true;
          socket.terminate();
        }
      },
      close() { opts.closed(); },
      data(socket, chunk) { receive(socket, chunk, opts.handle); },
    },
  });
  // The store root is 0700 already; the socket itself is not for anyone else either.
  chmodSync(opts.path, 0o600);
  return listener;
}

function receive(socket: Socket<Connection>, chunk: Buffer, handle: (req: Request) => Promise<Reply>): void {
  const conn = socket.data;
  if (conn.refused) return;
  conn.buffer += chunk.toString();
  let nl: number;
  while ((nl = conn.buffer.indexOf("\n")) >= 0) {
    const line = conn.buffer.slice(0, nl);
    conn.buffer = conn.buffer.slice(nl + 1);
    conn.busy = conn.busy.then(() => answer(socket, line, handle)).catch((e) => monitorLog(`request failed: ${describe(e)}`));
  }
  if (conn.buffer.length > MAX_REQUEST_BYTES) {
    monitorLog(`dropped a connection: request line longer than ${MAX_REQUEST_BYTES} bytes`);
    conn.refused = true;
    socket.terminate();
  }
}

async function answer(socket: Socket<Connection>, line: string, handle: (req: Request) => Promise<Reply>): Promise<void> {
  let reply: Reply;
  try {
    reply = await handle(parseRequest(line));
  } catch (e) {
    if (!(e instanceof BadRequestError)) throw e;
    monitorLog(e.message);
    reply = { ok: false, error: e.message, exitCode: EXIT.ENGINE };
  }
  if (!socket.data.refused) socket.write(JSON.stringify(reply) + "\n");
}
