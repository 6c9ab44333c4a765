// The journal of a container's multi-step change: written (atomically) into the container's directory
// before the first step and removed after the last, while the container's lock is held. Each step is
// idempotent, so whoever finds a journal under a free lock (its writer died) can finish or undo the change
// by looking at what is on disk (reconcile.ts).
import { readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { replaceFile } from "../state/atomic.ts";

export type JournalEntry =
  /** Name claimed and bundle being written: committed once container.json is valid, else rolled back. */
  | { op: "create"; name: string }
  /** `to` claimed, the record being switched, `from` to be released: the record's name says which won. */
  | { op: "rename"; from: string; to: string };

const FILE = "journal.json";

export function writeJournal(dir: string, entry: JournalEntry): void {
  replaceFile(join(dir, FILE), JSON.stringify(entry));
}

/** The pending change; undefined when there is none (or the file is not one of ours). */
export function readJournal(dir: string): JournalEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(join(dir, FILE), "utf8"));
  } catch (e) {
    if (e instanceof SyntaxError || (e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const j = v as Record<string, unknown>;
  if (j.op === "create" && typeof j.name === "string") return { op: "create", name: j.name };
  if (j.op === "rename" && typeof j.from === "string" && typeof j.to === "string") return { op: "rename", from: j.from, to: j.to };
  return undefined;
}

export function clearJournal(dir: string): void {
  try {
    unlinkSync(join(dir, FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}
