// state, list and ps: read-only views, all derived from the kernel at the time of the call.
import { readFileSync } from "node:fs";
import { cgroupOf, stateJson, statusOf } from "./status.ts";
import { MESSAGES, RuntimeError } from "./errors.ts";
import type { RuntimeContext } from "./context.ts";

export function stateOf(ctx: RuntimeContext, id: string): string {
  if (!ctx.store.exists(id)) throw new RuntimeError(MESSAGES.notExist);
  return JSON.stringify(stateJson(ctx.store, ctx.store.load(id), id), null, 2) + "\n";
}

export function listContainers(ctx: RuntimeContext, quiet: boolean, format: string): string {
  const states = ctx.store.ids().map((id) => {
    try {
      return stateJson(ctx.store, ctx.store.load(id), id);
    } catch (e) {
      if (e instanceof RuntimeError) return undefined; // removed while we listed
      throw e;
    }
  }).filter((s) => s !== undefined);
  if (quiet) return states.map((s) => `${s.id}\n`).join("");
  if (format === "json") return JSON.stringify(states.length ? states : null) + "\n";
  if (format !== "table") throw new RuntimeError(`invalid format option`);
  const rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], ...states.map((s) => [s.id, s.pid, s.status, s.bundle, s.created, s.owner].map(String))];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)) + 3);
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("") + "\n").join("");
}

export function psOf(ctx: RuntimeContext, id: string, format: string): string {
  const record = ctx.store.load(id);
  if (!record || statusOf(ctx.store, record) === "stopped") {
    if (format === "json") return "[]\n";
    throw new RuntimeError(MESSAGES.notRunning);
  }
  const pids = cgroupOf(record)?.pids() ?? [];
  if (format === "json") return JSON.stringify(pids) + "\n";
  if (format !== "table") throw new RuntimeError(`invalid format option`);
  return ["PID CMD\n", ...pids.map((pid) => `${pid} ${commandOf(pid)}\n`)].join("");
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").filter(Boolean).join(" ");
  } catch {
    return "";
  }
}
