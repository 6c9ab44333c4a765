// --pid, --ipc, --uts: Docker's modes and messages. "container:<name|id>" is resolved by create.
import { UserError } from "../errors.ts";

const CONTAINER = /^container:.+$/;

/** "" (private), "host" or "container:X". */
export function parsePidMode(value: string): string {
  if (value === "" || value === "host" || CONTAINER.test(value)) return value;
  throw new UserError("--pid: invalid PID mode");
}

/** "" (the daemon's default, private), private, shareable, host, none or container:X. */
export function parseIpcMode(value: string): string {
  if (["", "private", "shareable", "host", "none"].includes(value) || CONTAINER.test(value)) return value;
  throw new UserError("--ipc: invalid IPC mode");
}

/** "" (private) or "host". */
export function parseUtsMode(value: string): string {
  if (value === "" || value === "host") return value;
  throw new UserError("--uts: invalid UTS mode");
}

/** The X of "container:X", or undefined. */
export function joinedContainer(mode: string): string | undefined {
  return CONTAINER.test(mode) ? mode.slice("container:".length) : undefined;
}
