// --group-add: extra supplementary groups, names looked up in the container's own /etc/group (read once
// the process sees the container's root), numbers taken as they are; Docker's error for a missing name.
import { readFileSync } from "node:fs";
import type { Spec } from "../oci/spec.ts";
import { HARDENING_ANNOTATION } from "../oci/hardening.ts";
import { parseGroup, UserLookupError, type GroupEntry } from "./user.ts";

const MAX_ID = 2 ** 31 - 1;

/** The --group-add list recorded in the spec (empty without the flag). */
export function groupAddOf(spec: Spec): string[] {
  const text = spec.annotations?.[HARDENING_ANNOTATION.hostConfig];
  return text ? ((JSON.parse(text) as { GroupAdd?: string[] | null }).GroupAdd ?? []) : [];
}

export function resolveGroupAdd(groups: readonly string[], entries: readonly GroupEntry[]): number[] {
  return groups.map((g) => {
    if (/^[0-9]+$/.test(g)) {
      const n = Number(g);
      if (n > MAX_ID) throw new UserLookupError(`gid ${g} is out of range`);
      return n;
    }
    const entry = entries.find((e) => e.name === g);
    if (!entry) throw new UserLookupError(`Unable to find group ${g}: no matching entries in group file`);
    return entry.gid;
  });
}

/** `base` plus the resolved --group-add gids, without duplicates. */
export function withGroupAdd(base: readonly number[], groups: readonly string[]): number[] {
  if (groups.length === 0) return [...base];
  let entries: GroupEntry[] = [];
  try {
    entries = parseGroup(readFileSync("/etc/group", "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return [...new Set([...base, ...resolveGroupAdd(groups, entries)])];
}
