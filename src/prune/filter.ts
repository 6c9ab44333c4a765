// The --filter of Docker's prune commands: until=<time> (only what was created before it; a duration is
// relative to now) and label=KEY[=VALUE] / label!=KEY[=VALUE] (only what has / has not that label).
// Several label filters must all hold.
import { UserError } from "../errors.ts";
import { parseTimeArgument } from "../logs/since.ts";

interface LabelTest { key: string; value?: string; negate: boolean }

export interface PruneFilter {
  /** Milliseconds since the epoch. */
  until?: number;
  labels: LabelTest[];
}

export type PruneKey = "until" | "label";

/** Docker answers an unknown key with "invalid filter 'KEY'" and exit 1. */
export function parsePruneFilters(specs: readonly string[], allowed: readonly PruneKey[] = ["until", "label"]): PruneFilter {
  const filter: PruneFilter = { labels: [] };
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq < 1) throw new UserError(`bad format of filter (expected name=value)`, 1);
    const negate = spec[eq - 1] === "!";
    const key = spec.slice(0, negate ? eq - 1 : eq);
    const value = spec.slice(eq + 1);
    if (!(allowed as readonly string[]).includes(key) || (negate && key !== "label")) throw new UserError(`invalid filter '${key}'`, 1);
    if (key === "until") {
      filter.until = Number(parseTimeArgument(value, "until") / 1_000_000n);
    } else {
      const at = value.indexOf("=");
      filter.labels.push(at < 0 ? { key: value, negate } : { key: value.slice(0, at), value: value.slice(at + 1), negate });
    }
  }
  return filter;
}

function hasLabel(labels: Record<string, string>, t: LabelTest): boolean {
  return Object.hasOwn(labels, t.key) && (t.value === undefined || labels[t.key] === t.value);
}

/** Whether a candidate for pruning (created at `created`, with `labels`) passes the filter. */
export function pruneFilterMatches(filter: PruneFilter, created: string | undefined, labels: Record<string, string> | undefined): boolean {
  if (filter.until !== undefined) {
    const t = created ? Date.parse(created) : NaN;
    if (Number.isNaN(t) || t >= filter.until) return false;
  }
  return filter.labels.every((t) => hasLabel(labels ?? {}, t) !== t.negate);
}

export const NO_FILTER: PruneFilter = { labels: [] };
