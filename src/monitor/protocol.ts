// The monitor: one small process per store that is the parent of every detached container, so that each
// exit is reaped and recorded and its output logged, without a Bun process per container (≥ 13 MB each).
// It is started on demand and exits when it has nothing left to watch; containers outlive it.
//
// Requests and replies are one JSON object per line over a unix socket at <store>/monitor.sock. The socket
// lives in the store root (0700, see state/store-permissions.ts), so no other user can bind the name first
// or connect; both ends still check SO_PEERCRED (uid 0 or the store's owner), and every request is parsed
// as untrusted input: a request names a container only by its 64-hex id, and every path is derived from
// that id and the store root, never taken from the request.
import { join } from "node:path";

// dns-wire: "dns" asks the monitor to bring the user networks' DNS servers in line with the endpoint records.
export type Request = { op: "start"; id: string } | { op: "ping" } | { op: "dns" };
export type Reply = { ok: true; pid?: number; warnings?: string[] } | { ok: false; error: string; exitCode: number };

/** Longer lines are refused and the connection dropped: a real request is well under 200 bytes. */
export const MAX_REQUEST_BYTES = 4096;
/** A reply carries warnings and an error message; anything longer is not from our monitor. */
export const MAX_REPLY_BYTES = 64 * 1024;

const CONTAINER_ID = /^[0-9a-f]{64}$/;

export function monitorSocketPath(root: string): string {
  return join(root, "monitor.sock");
}

/** Held (flock) by the one monitor serving the store for as long as it runs; the kernel drops it on death. */
export function monitorLockPath(root: string): string {
  return join(root, "monitor.lock");
}

export class BadRequestError extends Error {
  constructor(why: string) {
    super(`bad request: ${why}`);
    this.name = "BadRequestError";
  }
}

export function isContainerId(value: unknown): value is string {
  return typeof value === "string" && CONTAINER_ID.test(value);
}

/** Parses one request line; anything but an exact, known shape is a BadRequestError. */
export function parseRequest(line: string): Request {
  if (line.length > MAX_REQUEST_BYTES) throw new BadRequestError(`longer than ${MAX_REQUEST_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BadRequestError("not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BadRequestError("not an object");
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields).sort().join(",");
  if (fields.op === "ping" && keys === "op") return { op: "ping" };
  if (fields.op === "dns" && keys === "op") return { op: "dns" }; // dns-wire
  if (fields.op === "start" && keys === "id,op") {
    if (!isContainerId(fields.id)) throw new BadRequestError("id is not 64 lowercase hex digits");
    return { op: "start", id: fields.id };
  }
  throw new BadRequestError("unknown op or fields");
}

/** Parses the monitor's reply just as strictly: the CLI trusts nothing it did not check. */
export function parseReply(line: string): Reply {
  if (line.length > MAX_REPLY_BYTES) throw new BadRequestError("reply too long");
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BadRequestError("reply is not JSON");
  }
  const r = value as Record<string, unknown>;
  if (typeof r !== "object" || r === null) throw new BadRequestError("reply is not an object");
  if (r.ok === true) {
    const pid = r.pid === undefined || (Number.isSafeInteger(r.pid) && (r.pid as number) > 0) ? (r.pid as number | undefined) : NaN;
    const warnings = r.warnings === undefined || (Array.isArray(r.warnings) && r.warnings.every((w) => typeof w === "string"))
      ? (r.warnings as string[] | undefined) : null;
    if (Number.isNaN(pid) || warnings === null) throw new BadRequestError("malformed reply");
    return { ok: true, pid, warnings };
  }
  if (r.ok === false && typeof r.error === "string" && Number.isSafeInteger(r.exitCode)) {
    return { ok: false, error: r.error, exitCode: r.exitCode as number };
  }
  throw new BadRequestError("malformed reply");
}
