// The shape check every read of a container record goes through. container.json is written by us, but a
// torn disk, a hand edit or an older minibox can leave anything there; a record that passes this check
// can be used without further guards, and one that fails is a broken entry (shown as Dead), never a crash.
import type { ContainerRecord } from "./store.ts";

export class CorruptRecordError extends Error {
  constructor(readonly id: string, readonly reason: string) {
    super(`container ${id.slice(0, 12)}: unreadable record (${reason})`);
    this.name = "CorruptRecordError";
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const STATUSES = new Set(["created", "running", "exited"]);

/** Parses and checks container.json text; throws CorruptRecordError saying what is wrong. */
export function parseRecord(text: string, id: string): ContainerRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptRecordError(id, text.trim() === "" ? "empty file" : "not JSON");
  }
  const problem = recordProblem(value, id);
  if (problem) throw new CorruptRecordError(id, problem);
  return value as ContainerRecord;
}

function recordProblem(v: unknown, id: string): string | undefined {
  if (!isObj(v)) return "not an object";
  if (v.id !== id) return "id does not match its directory";
  for (const key of ["name", "image", "imageName", "created"]) if (typeof v[key] !== "string") return `${key} is not a string`;
  if (!Array.isArray(v.command) || !v.command.every((a) => typeof a === "string")) return "command is not a list of strings";
  if (typeof v.autoRemove !== "boolean") return "autoRemove is not a boolean";
  for (const key of ["tty", "interactive"]) if (v[key] !== undefined && typeof v[key] !== "boolean") return `${key} is not a boolean`;
  for (const key of ["stopSignal", "cgroupParent"]) if (v[key] !== undefined && typeof v[key] !== "string") return `${key} is not a string`;
  if (v.stopTimeout !== undefined && typeof v.stopTimeout !== "number") return "stopTimeout is not a number";
  if (v.limits !== undefined && !isObj(v.limits)) return "limits is not an object";
  if (v.labels !== undefined && !(isObj(v.labels) && Object.values(v.labels).every((l) => typeof l === "string"))) return "labels is not a map of strings"; // compat-run
  if (v.healthcheck !== undefined && !isObj(v.healthcheck)) return "healthcheck is not an object"; // compat-run
  if (v.logConfig !== undefined && !(isObj(v.logConfig) && typeof v.logConfig.Type === "string" && isObj(v.logConfig.Config))) return "logConfig is malformed"; // compat-run
  if (v.restartPolicy !== undefined && !(isObj(v.restartPolicy) && typeof v.restartPolicy.name === "string")) return "restartPolicy is malformed";
  return stateProblem(v.state);
}

function stateProblem(s: unknown): string | undefined {
  if (!isObj(s)) return "state is not an object";
  if (typeof s.status !== "string" || !STATUSES.has(s.status)) return "state.status is unknown";
  for (const key of ["exitCode", "restartCount"]) if (s[key] !== undefined && typeof s[key] !== "number") return `state.${key} is not a number`;
  for (const key of ["startedAt", "finishedAt", "error"]) if (s[key] !== undefined && typeof s[key] !== "string") return `state.${key} is not a string`;
  for (const key of ["process", "parent", "restartingBy"]) { // compat-run: restartingBy
    const p = s[key];
    if (p === undefined) continue;
    if (!isObj(p) || !Number.isInteger(p.pid) || (p.pid as number) <= 0 || typeof p.startTime !== "number" || typeof p.bootId !== "string") {
      return `state.${key} is malformed`;
    }
  }
  return undefined;
}
