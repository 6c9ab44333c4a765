// Whom the monitor and the CLI trust at the other end of the socket: root, or the uid that owns the store
// (the only users who could write the store directly anyway). Checked with SO_PEERCRED on both sides.
import { statSync } from "node:fs";
import { peerCredentials, type PeerCredentials } from "../sys/peercred.ts";

export function storeOwner(root: string): number {
  return statSync(root).uid;
}

export class UntrustedPeerError extends Error {
  constructor(readonly peer: PeerCredentials, who: string) {
    super(`${who} is uid ${peer.uid} (pid ${peer.pid}), neither root nor the store's owner`);
    this.name = "UntrustedPeerError";
  }
}

/** The peer of a connected socket when it is trusted; throws UntrustedPeerError otherwise. */
export function trustedPeer(fd: number, owner: number, who: string): PeerCredentials {
  const peer = peerCredentials(fd);
  if (peer.uid !== 0 && peer.uid !== owner) throw new UntrustedPeerError(peer, who);
  return peer;
}

/** Bun's sockets carry their fd at run time, but its type declarations do not say so. */
export function socketFd(socket: object): number {
  const fd = (socket as { fd?: unknown }).fd;
  if (typeof fd !== "number" || fd < 0) throw new Error("this Bun does not expose the socket's fd: cannot check the peer's credentials");
  return fd;
}
